"""Every correct variant passes every test on seeds other than the notebooks'
own (bench/grading_quality.py measures the same over many seeds and prints the per-cell rates).

Seed shift 0 is what the notebook runs and the nbgrader round trip (tests/test_grading_e2e.py) grade, wrong
answers included; here every correct variant runs its notebook's graded cells with seed shift 1, so a test that
holds only for the notebook's own seeds, or only for the reference's stream of random numbers, fails CI. The
bench measures both rates over many shifts (`python bench/grading_quality.py --seeds 20 --graded-only`).
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


@pytest.mark.slow
@pytest.mark.parametrize("assignment", WITH_VARIANTS)
def test_correct_answers_pass_on_other_seeds(assignment):
    m = grading_quality.measure(assignment, shifts=[1], workers=1, wrong=False, graded_only=True)
    failing = {cell: who for cell, who in m["false_failures"].items() if who}
    assert not failing, (f"{assignment}: correct answers fail these test cells (variant@seed shift): {failing}; "
                         f"`python bench/grading_quality.py {assignment} --seeds 50` measures the rate")
