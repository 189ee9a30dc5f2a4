"""Print the real nbgrader round trip's scores for one or all assignments: full, blank and each wrong answer.

    python bench/grading_report.py               # every assignment
    python bench/grading_report.py 01_attention

The same submissions as tests/test_grading_e2e.py, reported as a table instead of asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from course_tools import (  # noqa: E402
    apply_edits,
    filled_in,
    make_course,
    nbgrader,
    released_notebooks,
    scores,
    source_notebooks,
    submit,
    wrong_answers,
)

from lmrl_utils.release import assignments  # noqa: E402


def report(assignment: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), assignment)
        released = released_notebooks(course, assignment)
        sources = source_notebooks(course, assignment)
        full = {name: filled_in(nb, sources[name]) for name, nb in released.items()}
        students = {"full": full, "blank": released}
        for name, case in wrong_answers(assignment).items():
            students[f"wrong-{name.replace('_', '-')}"] = apply_edits(full, case["edits"])
        for student, nbs in students.items():
            submit(course, assignment, student, nbs)
        start = time.perf_counter()
        nbgrader(course, "autograde", assignment, "--force")
        seconds = time.perf_counter() - start
        print(f"\n{assignment}: autograded {len(students)} submissions in {seconds:.0f} s")
        for student in students:
            score, max_score, cells = scores(course, assignment, student)
            lost = ", ".join(g for g, s in cells.items() if not s) or "-"
            print(f"  {student:<34} {score:5.1f} / {max_score:<5.1f} cells at 0: {lost}")


if __name__ == "__main__":
    for a in sys.argv[1:] or assignments():
        report(a)
