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

from course_tools import make_course, nbgrader, scores, standard_submissions, submit  # noqa: E402

from lmrl_utils.release import assignments  # noqa: E402


def report(assignment: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), assignment)
        students = standard_submissions(course, assignment)
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
