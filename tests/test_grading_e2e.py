"""The real nbgrader round trip for every assignment: release, submit, autograde (with `lmrl-grade`, which runs
nbgrader's autograde for two students at a time), feedback, export.

For each assignment, three submissions: the instructor's solution (full marks), the untouched student notebook
(0) and the first plausible wrong answer of tests/wrong_answers/<assignment>.py (strictly between, with the
named test cells at 0). Scores are read from the gradebook: nbgrader exits 0 even when tests fail. Every other
wrong answer is graded by the same cells in one process (tests/test_grading_quality.py), which is where a test
cell's verdict is decided; here nbgrader's plumbing is checked: scores, partial credit, feedback, export.
"""

from __future__ import annotations

import csv

import nbformat
import pytest
from course_tools import (
    HIDDEN_REGION,
    SOLUTION_REGION,
    make_course,
    nbgrader,
    released_notebooks,
    scores,
    source_notebooks,
    standard_submissions,
    student_id,
    submit,
    visible_text,
    wrong_answers,
)

from lmrl_utils.grading.batch import grade
from lmrl_utils.release import assignments


def _substantive_lines(code: str) -> list[str]:
    """Lines of test or solution code long enough to identify it (comments and short lines skipped)."""
    lines = [line.strip() for line in code.splitlines()]
    return [line for line in lines if len(line) >= 25 and not line.startswith("#")]


@pytest.mark.parametrize("assignment", assignments())
def test_round_trip(assignment, tmp_path):
    course = make_course(tmp_path, assignment)
    released = released_notebooks(course, assignment)
    sources = source_notebooks(course, assignment)
    wrong = dict(list(wrong_answers(assignment).items())[:1])
    assert wrong, f"tests/wrong_answers/{assignment}.py must name at least one plausible wrong answer"
    students = standard_submissions(course, assignment, n_wrong=1)
    for student, nbs in students.items():
        submit(course, assignment, student, nbs)

    results = grade(course, assignment, workers=2, progress=lambda _: None)  # lmrl-grade: nbgrader, 2 at once
    log = "\n".join(f"--- {r.student}: {r.status}\n{r.log[-1500:]}" for r in results)
    assert {r.student for r in results} == set(students), log[-3000:]

    # the solution runs top to bottom without an error, demos included (the suite's only run of the instructor
    # notebooks: nbgrader executes every cell of the "full" submission, hidden tests re-inserted). A demo that
    # outruns nbgrader's 60 s cell limit on a loaded machine is a time-budget matter (bench/time_notebooks.py),
    # not an error: a graded cell that did would cost the full marks asserted below.
    timeouts = {"CellTimeoutError", "KeyboardInterrupt"}
    for path in sorted((course / "autograded" / "full" / assignment).glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        errors = [f"cell {i}: {out.get('ename')}: {out.get('evalue')}" for i, cell in enumerate(cells)
                  for out in cell.get("outputs", []) if out.get("output_type") == "error"
                  and out.get("ename") not in timeouts]
        assert not errors, f"the solution of {path.name} raises: {errors[:3]}"
    assert len(list((course / "autograded" / "full" / assignment).glob("*.ipynb"))) == len(released)

    score, max_score, per_cell = scores(course, assignment, "full")
    assert max_score > 0
    failed = {k: v for k, v in per_cell.items() if v is not None and v < 1e9}
    assert score == max_score, f"the solution scored {score}/{max_score}: {failed}\n{log[-3000:]}"
    score, _, per_cell = scores(course, assignment, "blank")
    assert score == 0, f"the blank notebook scored {score}/{max_score}: {per_cell}"
    for name, case in wrong.items():
        score, _, per_cell = scores(course, assignment, student_id(name))
        assert 0 < score < max_score, f"wrong answer {name!r} scored {score}/{max_score}: {per_cell}"
        kept = {gid: per_cell.get(gid) for gid in case["loses"] if per_cell.get(gid)}
        assert not kept, f"wrong answer {name!r} should lose these test cells but scored {kept}"

    # feedback: students see their scores and messages, never the hidden tests or the solutions
    nbgrader(course, "generate_feedback", assignment, "--force")
    visible = "\n".join(cell.source for nb in released.values() for cell in nb.cells)
    hidden_lines = [line for nb in sources.values() for cell in nb.cells
                    for region in HIDDEN_REGION.findall(cell.source) for line in _substantive_lines(region)
                    if line not in visible]  # imports shared with the visible tests are no secret
    assert hidden_lines or not any(HIDDEN_REGION.search(c.source) for nb in sources.values() for c in nb.cells)
    solution_lines = [line for nb in sources.values() for cell in nb.cells
                      for region in SOLUTION_REGION.findall(cell.source) for line in _substantive_lines(region)
                      if line not in visible]
    for student in students:
        pages = list((course / "feedback" / student / assignment).glob("*.html"))
        assert len(pages) == len(released), f"feedback for {student}: {pages}"
        for page in pages:
            text = visible_text(page.read_text())
            assert "BEGIN HIDDEN TESTS" not in text
            leaked = [line for line in hidden_lines if line in text]
            assert not leaked, f"{page.name} feedback shows hidden test code: {leaked[:3]}"
            if student == "blank":
                shown = [line for line in solution_lines if line in text]
                assert not shown, f"{page.name} feedback for a blank notebook shows solution code: {shown[:3]}"

    # export: one row per student with the gradebook's score
    nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)
                if row["assignment"] == assignment}
    assert rows["full"] == max_score and rows["blank"] == 0
    assert len(rows) == 2 + len(wrong)
