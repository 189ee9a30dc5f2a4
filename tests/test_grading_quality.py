"""Grading quality in one process, cell by cell as nbgrader's kernel runs them: every correct variant passes every
test on seeds other than the notebooks' own, and every plausible wrong answer loses the test cells its registry
names (bench/grading_quality.py measures both over many seeds and prints the per-cell rates).

Correct variants run their notebook's graded cells with seed shift 1, so a test that holds only for the
notebook's own seeds, or only for the reference's stream of random numbers, fails CI. Wrong answers run at
shift 0, the seeds nbgrader grades with; the nbgrader round trip (tests/test_grading_e2e.py) grades the first of
them for real, with the solution and the blank notebook. Both run each variant's edited cells and only the test
cells those can reach (tests/cell_deps.py; for a wrong answer, only the cells it must lose); the reference runs
every cell. The bench measures both rates over many shifts (`python bench/grading_quality.py --seeds 20`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lmrl_utils.release import assignments

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("grading_quality", REPO / "bench" / "grading_quality.py")
grading_quality = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grading_quality)

WITH_VARIANTS = [a for a in assignments() if (REPO / "tests" / "correct_variants" / f"{a}.py").exists()]
WITH_WRONG = [a for a in assignments() if (REPO / "tests" / "wrong_answers" / f"{a}.py").exists()]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", WITH_VARIANTS)
def test_correct_answers_pass_on_other_seeds(assignment):
    m = grading_quality.measure(assignment, shifts=[1], workers=1, wrong=False, graded_only=True, prune=True)
    failing = {cell: who for cell, who in m["false_failures"].items() if who}
    assert not failing, (f"{assignment}: correct answers fail these test cells (variant@seed shift): {failing}; "
                         f"`python bench/grading_quality.py {assignment} --seeds 50` measures the rate")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", WITH_WRONG)
def test_wrong_answers_lose_the_cells_they_name(assignment):
    m = grading_quality.measure(assignment, shifts=[0], workers=1, correct=False, graded_only=True, prune=True)
    kept = {name: [cell for cell, lost in cells.items() if not lost] for name, cells in m["cell_catches"].items()}
    kept = {name: cells for name, cells in kept.items() if cells}
    assert not kept, (f"{assignment}: these wrong answers pass test cells tests/wrong_answers/{assignment}.py says "
                      f"they lose: {kept}")
