"""The grading-security attack table: each attack of tests/test_tamper.py added, as a cell of its own, to a correct
solution of Chapter 0's warm-up, graded by lmrl-grade (the real nbgrader with the tamper scan before execution).

    python bench/attacks.py            # ~2 min on 2 cores; prints a markdown table

A correct solution earns full marks on its own, so any score above 0 would be the attack's gain.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from course_tools import make_course, scores  # noqa: E402
from test_tamper import ATTACKS, submit_with_attacks  # noqa: E402

from lmrl_utils.grading.batch import grade  # noqa: E402

ASSIGNMENT, NB = "00_getting_started", "warmup.ipynb"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), ASSIGNMENT)
        students = {"solution": None, **{f"attack{k}": name for k, name in enumerate(ATTACKS)}}
        submit_with_attacks(course, ASSIGNMENT, NB, students)
        results = {r.student: r for r in grade(course, ASSIGNMENT, workers=2, progress=lambda _: None)}
        print("| attack (added to a correct solution) | score | what the grader reported |\n|---|---|---|")
        for student, attack in students.items():
            score, max_score, _ = scores(course, ASSIGNMENT, student)
            found = re.search(r"score 0: (.*?)\. Remove", results[student].log.replace("\n", " "))
            said = found.group(1) if found else ("graded normally" if not results[student].tampered else "flagged")
            print(f"| {attack or 'none (the solution alone)'} | {score:g}/{max_score:g} | {said} |")


if __name__ == "__main__":
    main()
