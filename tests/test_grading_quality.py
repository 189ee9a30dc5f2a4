"""Every correct variant passes every test and every wrong answer is caught, on a few shifted seeds
(bench/grading_quality.py measures the same over many seeds)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lmrl_utils.release import assignments

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("grading_quality", REPO / "bench" / "grading_quality.py")
grading_quality = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grading_quality)


@pytest.mark.parametrize("assignment", [a for a in assignments()
                                        if (REPO / "tests" / "correct_variants" / f"{a}.py").exists()])
def test_correct_answers_pass_and_wrong_ones_are_caught(assignment):
    m = grading_quality.measure(assignment, n_seeds=2, workers=1)
    failing = {cell: who for cell, who in m["false_failures"].items() if who}
    assert not failing, f"{assignment}: correct answers fail these test cells (variant@seed shift): {failing}"
    missed = {name: n for name, n in m["caught"].items() if n < m["n_seeds"]}
    assert not missed, f"{assignment}: wrong answers not caught on every seed shift: {missed}"
