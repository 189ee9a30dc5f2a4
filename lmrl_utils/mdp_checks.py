"""Numpy-friendly wrappers of `lmrl_utils.checks` for Chapter 4, whose exercises return numpy arrays.

Example: check_array(v, v_exact, "policy_evaluation(grid, uniform)", atol=1e-6)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lmrl_utils.checks import CheckFailed, check_close, check_equal, check_finite, check_type


def check_array(
    actual: object, expected: np.ndarray, name: str, atol: float = 1e-6, rtol: float = 0.0, hint: str = ""
) -> None:
    """Fail unless `actual` is a numpy array with the shape and (within atol + rtol·|expected|) the values
    of `expected`; the message names the worst entry."""
    check_type(actual, np.ndarray, name)
    if actual.dtype == object or not np.issubdtype(actual.dtype, np.number):
        raise CheckFailed(f"{name} should hold numbers, got dtype {actual.dtype}.")
    a = torch.as_tensor(np.asarray(actual, dtype=np.float64))
    e = torch.as_tensor(np.asarray(expected, dtype=np.float64))
    if tuple(a.shape) == tuple(e.shape):
        check_finite(a, name)
    check_close(a, e, name, atol=atol, rtol=rtol, hint=hint)


def check_actions(actual: object, expected: Sequence[int] | np.ndarray, name: str, hint: str = "") -> None:
    """Fail unless `actual` is an integer numpy array equal to `expected` (a deterministic policy)."""
    check_type(actual, np.ndarray, name)
    if not np.issubdtype(actual.dtype, np.integer):
        raise CheckFailed(f"{name} should be an array of integer actions, got dtype {actual.dtype}.")
    check_equal(torch.as_tensor(actual.astype(np.int64)), torch.as_tensor(np.asarray(expected, dtype=np.int64)),
                name, hint=hint)


def check_at_least(value: float, threshold: float, name: str, hint: str = "") -> None:
    """Fail unless the number `value` is at least `threshold` (a success rate against a target)."""
    if not value >= threshold:
        raise CheckFailed(f"{name} is {value:.3f}, below the required {threshold:.3f}." + (f" {hint}" if hint else ""))
