"""Feedback leaks nothing, whatever a submission prints, displays or raises (lmrl_utils.grading.feedback).

A hostile submission of Chapter 0's warm-up, graded and given feedback the way the README tells instructors to:
its `sgd_step` displays, prints and raises the source of the cell that calls it (so a hidden test's code would
reach the student's feedback), another cell prints 5 MB, and a markdown cell holds a hidden-test marker (which
made nbgrader's ClearHiddenTests fail). Its feedback shows none of the hidden tests and no instructor folder, is
of normal size, and the other students' feedback is still written. The tamper scan, which would refuse to run
this submission (it calls `get_ipython`), is switched off here: this is the layer behind it.
"""

from __future__ import annotations

import copy

from course_tools import (
    HIDDEN_REGION,
    REPO,
    filled_in,
    grade_id,
    make_course,
    nbgrader,
    released_notebooks,
    scores,
    source_notebooks,
    submit,
    visible_text,
)
from nbformat.v4 import new_code_cell, new_markdown_cell

from lmrl_utils.grading.batch import grade

ASSIGNMENT, NB = "00_getting_started", "warmup.ipynb"
LEAKY_STEP = '''def sgd_step(parameters, lr):
    """Shows whoever calls it the calling cell's source, three ways."""
    from IPython.display import display

    source = get_ipython().user_ns["In"][-1]
    display(source)
    print(source)
    raise ValueError(source)
'''


def test_feedback_shows_no_hidden_test_no_path_and_no_giant_output(tmp_path):
    course = make_course(tmp_path, ASSIGNMENT)
    # the feedback layer alone: the tamper scan (tests/test_tamper.py) would not run this submission at all
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.GradedExecute.scan = False\n")
    released = released_notebooks(course, ASSIGNMENT)[NB]
    sources = source_notebooks(course, ASSIGNMENT)[NB]
    full = filled_in(released, sources)
    hostile = copy.deepcopy(full)
    for cell in hostile.cells:
        if grade_id(cell) == "sgd_step":
            cell.source = LEAKY_STEP
    hostile.cells += [new_code_cell("print('x' * 5_000_000)"),
                      new_markdown_cell("My notes\n### BEGIN HIDDEN TESTS\nnot really")]
    submit(course, ASSIGNMENT, "full", {NB: full})
    submit(course, ASSIGNMENT, "hostile", {NB: hostile})
    results = {r.student: r.status for r in grade(course, ASSIGNMENT, workers=2, progress=lambda _: None)}
    assert results == {"full": "graded", "hostile": "graded"}, results
    score, max_score, per_cell = scores(course, ASSIGNMENT, "hostile")
    assert 0 < score < max_score and per_cell["sgd_step_hidden"] == 0, per_cell

    proc = nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    assert proc.returncode == 0, proc.stderr[-3000:]
    hidden = [line.strip() for cell in sources.cells for region in HIDDEN_REGION.findall(cell.source)
              for line in region.splitlines() if len(line.strip()) >= 25 and not line.strip().startswith("#")]
    visible = "\n".join(cell.source for cell in released.cells)
    hidden = [line for line in hidden if line not in visible]
    assert hidden, "the warm-up has hidden tests to protect"
    for student in ("full", "hostile"):
        page = course / "feedback" / student / ASSIGNMENT / "warmup.html"
        assert page.exists(), f"no feedback for {student}: {proc.stderr[-2000:]}"
        raw = page.read_text()
        text = visible_text(raw)
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden test code: {leaked[:3]}"
        for folder in (str(course), str(REPO)):
            assert folder not in text, f"{student}'s feedback shows the instructor's folder {folder}"
        assert len(raw) < 1_000_000, f"{student}'s feedback is {len(raw):,} bytes"
    page = course / "feedback" / "hostile" / ASSIGNMENT / "warmup.html"
    assert "output truncated" in visible_text(page.read_text()), "the 5 MB print is not cut to the stated limit"
    stored = course / "autograded" / "hostile" / ASSIGNMENT / "warmup.ipynb"
    assert stored.stat().st_size < 1_000_000, (
        f"the autograded notebook keeps the 5 MB print: {stored.stat().st_size:,} bytes (LimitOutputSize)")
    assert "output truncated" in stored.read_text(), "the autograded notebook does not say its output was cut"
