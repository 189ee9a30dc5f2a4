"""The grading-security attack tables, each attack added to a correct solution of Chapter 0's warm-up and graded by
lmrl-grade (the real nbgrader, lmrl_utils.grading.execute.GradedExecute):

1. the tamper scan: each attack of tests/test_tamper.py as a cell of its own; a correct solution earns full marks
   on its own, so any score above 0 would be the attack's gain;
2. the sandbox, with the scan switched off so the code really runs (tests/test_grading_sandbox.py): what the
   attack saw or did, and the score (full marks where the attack breaks nothing graded).

    python bench/attacks.py            # ~4 min on 2 cores; prints two markdown tables
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from course_tools import make_course, scores  # noqa: E402
from test_grading_sandbox import TAG, alive, grade_attacks, outputs  # noqa: E402
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
    with tempfile.TemporaryDirectory() as tmp:
        course, by_attack = grade_attacks(Path(tmp))
        print("\n| attack (run in the sandbox, scan off) | score | what it saw or did, and what the grader reported |"
              "\n|---|---|---|")
        for attack, (student, result) in by_attack.items():
            starts = ("SEEN", "WROTE", "FORKS", "LIMITS", "MEMORY", "NET", "BOMB", "AFTER", "the kernel", "this cell")
            seen = [line for line in outputs(course, student).splitlines() if line.startswith(starts)]
            if attack == "a process that outlives the kernel":
                seen.append("still running after grading" if alive(TAG) else "not running after grading")
            if result.strays:
                seen.append(f"lmrl-grade killed {result.strays} processes that cells left running")
            cells = ", ".join(f"{k} {v:g}" for k, v in result.per_cell.items() if v == 0) or "every test passed"
            print(f"| {attack or 'none (the solution alone)'} | {result.score:g}/{result.max_score:g} | "
                  f"{'; '.join(dict.fromkeys(seen)) or 'graded normally'} ({cells}) |")


if __name__ == "__main__":
    main()
