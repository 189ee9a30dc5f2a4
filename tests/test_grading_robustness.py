"""The autograder survives bad submissions: infinite loops, exceptions, deleted or edited test cells, broken
notebook files, missing notebooks. It scores what it can, reports the rest, and never loses another student's
grade. Grading twice gives the same scores. Shown on Chapter 1's assignment; the machinery is shared by all."""

from __future__ import annotations

import copy

from course_tools import (
    filled_in,
    grade_id,
    make_course,
    nbgrader,
    released_notebooks,
    scores,
    source_notebooks,
    submit,
)

ASSIGNMENT = "01_attention"
NB = "attention.ipynb"
TIMEOUT = 10  # seconds per cell for this test only, so the infinite loop costs little (the course uses 60)


def _with_cell(nb, gid, transform):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if grade_id(cell) == gid:
            cell.source = transform(cell.source)
    return nb


def test_bad_submissions_are_reported_and_scored(tmp_path):
    course = make_course(tmp_path, ASSIGNMENT)
    released = released_notebooks(course, ASSIGNMENT)[NB]
    full = filled_in(released, source_notebooks(course, ASSIGNMENT)[NB])

    submit(course, ASSIGNMENT, "good", {NB: full})
    # an infinite loop before softmax is defined: that cell is interrupted, softmax's tests fail, the rest passes
    submit(course, ASSIGNMENT, "loops", {NB: _with_cell(full, "softmax", lambda s: "while True:\n    pass\n" + s)})
    # an exception in a solution cell costs that exercise only
    submit(course, ASSIGNMENT, "raises", {NB: _with_cell(full, "causal_mask", lambda s: "1 / 0\n" + s)})
    # so do sys.exit()'s SystemExit (IPython makes it an error of the cell; the kernel lives on) and a failed import
    submit(course, ASSIGNMENT, "exits", {NB: _with_cell(full, "causal_mask", lambda s: "raise SystemExit(1)\n" + s)})
    submit(course, ASSIGNMENT, "imports-nothing",
           {NB: _with_cell(full, "causal_mask", lambda s: "import lmrl_no_such_module\n" + s)})
    # test cells edited to `pass` on a blank notebook: nbgrader restores them from the gradebook, so still 0
    edited = copy.deepcopy(released)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    submit(course, ASSIGNMENT, "edits-tests", {NB: edited})
    # a deleted test cell on a full solution
    deleted = copy.deepcopy(full)
    deleted.cells = [c for c in deleted.cells if grade_id(c) != "pe_visible"]
    submit(course, ASSIGNMENT, "deletes-test", {NB: deleted})
    # a notebook file that is not JSON, and a submission without the notebook
    submit(course, ASSIGNMENT, "broken-file", {NB: '{"cells": [ this is not json'})
    submit(course, ASSIGNMENT, "no-notebook", {})
    submit(course, ASSIGNMENT, "good-too", {NB: full})
    # every cell duplicated (nbgrader keeps the first copy of each id): the duplicates count for nothing
    doubled = copy.deepcopy(full)
    doubled.cells = [copy.deepcopy(c) for c in doubled.cells for _ in range(2)]
    submit(course, ASSIGNMENT, "duplicates-cells", {NB: doubled})
    # a blank notebook with the test cells pasted again as cells of the student's own, and a forged test cell of
    # 100 points that passes: still 0 out of the assignment's own points
    pasted = copy.deepcopy(released)
    extra = [copy.deepcopy(c) for c in pasted.cells if c.metadata.get("nbgrader", {}).get("grade")]
    for cell in extra:
        cell.metadata.pop("nbgrader")
    forged = copy.deepcopy(next(c for c in pasted.cells if c.metadata.get("nbgrader", {}).get("grade")))
    forged.source, forged.metadata["nbgrader"]["points"] = "pass", 100
    forged.metadata["nbgrader"]["grade_id"] = "forged_test"
    pasted.cells += [*extra, forged]
    submit(course, ASSIGNMENT, "pastes-tests", {NB: pasted})

    proc = nbgrader(course, "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={TIMEOUT}")
    log = proc.stdout + proc.stderr

    score, max_score, _ = scores(course, ASSIGNMENT, "good")
    assert score == max_score, log[-3000:]
    assert scores(course, ASSIGNMENT, "good-too")[0] == max_score, "a broken submission cost another student"

    score, _, cells = scores(course, ASSIGNMENT, "loops")
    assert cells["softmax_visible"] == 0 and cells["softmax_hidden"] == 0, cells
    assert score == max_score - 2, f"the infinite loop should cost softmax's 2 points only: {cells}"
    assert "CellTimeoutError" in log or "Timeout" in log or "timed out" in log.lower()

    score, _, cells = scores(course, ASSIGNMENT, "raises")
    assert cells["causal_mask_visible"] == 0 and cells["causal_mask_hidden"] == 0, cells
    assert 0 < score < max_score
    for student in ("exits", "imports-nothing"):
        assert scores(course, ASSIGNMENT, student) == (score, max_score, cells), f"{student}: the same cost as an error"

    assert scores(course, ASSIGNMENT, "edits-tests")[0] == 0, "edited test cells must be restored"

    score, _, cells = scores(course, ASSIGNMENT, "deletes-test")
    assert score == max_score, f"a deleted test cell is restored and run: {cells}"

    score, _, cells = scores(course, ASSIGNMENT, "duplicates-cells")
    assert score == max_score, f"duplicated cells must neither cost nor earn points: {cells}"
    assert scores(course, ASSIGNMENT, "pastes-tests")[:2] == (0, max_score), "pasted or forged tests earn nothing"

    for student in ("broken-file", "no-notebook"):
        assert scores(course, ASSIGNMENT, student)[0] == 0
    assert "broken-file" in log, "the broken notebook must be reported in nbgrader's log"

    # grading the same submissions again gives the same scores, cell by cell
    first = {s: scores(course, ASSIGNMENT, s)[2] for s in ("good", "loops", "raises")}
    nbgrader(course, "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={TIMEOUT}",
             "--student=good", "--student=raises")
    assert {s: scores(course, ASSIGNMENT, s)[2] for s in ("good", "loops", "raises")} == first
