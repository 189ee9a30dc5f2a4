"""Unit tests of lmrl_utils.grading: each failure names what is wrong and where."""

from __future__ import annotations

import pytest
import torch

from lmrl_utils.grading import (
    CheckFailed,
    check_close,
    check_dtype,
    check_equal,
    check_finite,
    check_shape,
    check_sums_to_one,
    check_type,
)


def test_passing_checks_are_silent():
    x = torch.tensor([[0.25, 0.75], [0.5, 0.5]])
    check_type(x, torch.Tensor, "x")
    check_shape(x, (2, 2), "x")
    check_dtype(x, torch.float32, "x")
    check_finite(x, "x")
    check_close(x, x.clone(), "x")
    check_equal(x > 0.3, x > 0.3, "mask")
    check_sums_to_one(x, "weights")


def test_messages_say_what_and_where():
    with pytest.raises(CheckFailed, match=r"row|slice at \[1\] sums to 0.42"):
        check_sums_to_one(torch.tensor([[0.5, 0.5], [0.21, 0.21]]), "attention weights")
    with pytest.raises(CheckFailed, match=r"shape \(2, 3\), got \(3, 2\)"):
        check_shape(torch.zeros(3, 2), (2, 3), "out")
    with pytest.raises(CheckFailed, match=r"wrong at \[1, 0\]: expected 2, got 5"):
        check_close(torch.tensor([[0.0, 1.0], [5.0, 3.0]]), torch.tensor([[0.0, 1.0], [2.0, 3.0]]), "out")
    with pytest.raises(CheckFailed, match=r"first is inf at \[1\]"):
        check_finite(torch.tensor([0.0, float("inf")]), "p")
    with pytest.raises(CheckFailed, match="forget a `return`"):
        check_type(None, torch.Tensor, "result")
    with pytest.raises(CheckFailed, match=r"wrong at \[0, 1\]: expected False, got True"):
        check_equal(torch.ones(2, 2, dtype=torch.bool), torch.eye(2, dtype=torch.bool), "mask")
    with pytest.raises(CheckFailed, match="dtype torch.bool"):
        check_equal(torch.ones(2, 2), torch.eye(2, dtype=torch.bool), "mask")


def test_check_failed_is_an_assertion_error():
    """nbgrader and pytest count an AssertionError as a failed test."""
    assert issubclass(CheckFailed, AssertionError)


def test_hint_is_appended():
    with pytest.raises(CheckFailed, match="Divide by sqrt"):
        check_close(torch.ones(2), torch.zeros(2), "z", hint="Divide by sqrt(d_k).")
