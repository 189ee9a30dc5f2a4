"""Friendly checks for exercise tests: each failure says what is wrong and where to look.

Every check raises `CheckFailed` (an `AssertionError`, so nbgrader counts it as a failed test) with a message
written for a student, e.g. "rows of the attention weights must sum to 1; row 3 sums to 0.42".
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class CheckFailed(AssertionError):
    """A test failed; the message explains what to fix."""


def _fmt_index(flat: int, shape: Sequence[int]) -> str:
    idx = []
    for size in reversed(shape):
        idx.append(flat % size)
        flat //= size
    return "[" + ", ".join(str(i) for i in reversed(idx)) + "]"


def check_type(x: object, expected: type, name: str) -> None:
    """Fail unless `x` is an instance of `expected` (catches a forgotten `return`, which gives None)."""
    if not isinstance(x, expected):
        hint = " Did you forget a `return` statement?" if x is None else ""
        raise CheckFailed(f"{name} should be a {expected.__name__}, got {type(x).__name__}.{hint}")


def check_shape(x: torch.Tensor, expected: Sequence[int], name: str) -> None:
    """Fail unless `x` is a tensor of exactly the shape `expected`."""
    check_type(x, torch.Tensor, name)
    if tuple(x.shape) != tuple(expected):
        raise CheckFailed(f"{name} should have shape {tuple(expected)}, got {tuple(x.shape)}.")


def check_dtype(x: torch.Tensor, expected: torch.dtype, name: str) -> None:
    """Fail unless `x` has dtype `expected` (a float mask where a bool one is needed, say)."""
    check_type(x, torch.Tensor, name)
    if x.dtype != expected:
        raise CheckFailed(f"{name} should have dtype {expected}, got {x.dtype}.")


def check_finite(x: torch.Tensor, name: str) -> None:
    """Fail on NaN or ±inf, with the first bad position (overflowing exp, 0/0, a fully masked row...)."""
    bad = ~torch.isfinite(x)
    if bad.any():
        first = int(bad.flatten().nonzero()[0])
        value = x.flatten()[first].item()
        raise CheckFailed(
            f"{name} contains {int(bad.sum())} non-finite value(s); the first is {value} at "
            f"{_fmt_index(first, x.shape)}. Look for exp() of a large number or a division by zero."
        )


def check_close(
    actual: torch.Tensor,
    expected: torch.Tensor,
    name: str,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    hint: str = "",
) -> None:
    """Fail unless `actual` matches `expected` in shape and values; name the worst entry and the gap."""
    check_shape(actual, tuple(expected.shape), name)
    a = actual.detach().to(torch.float64).cpu()
    e = expected.detach().to(torch.float64).cpu()
    if a.dtype == torch.bool or e.dtype == torch.bool:
        raise TypeError("use check_equal for boolean tensors")
    nan_a, nan_e = torch.isnan(a), torch.isnan(e)
    if not torch.equal(nan_a, nan_e):
        first = int((nan_a != nan_e).flatten().nonzero()[0])
        raise CheckFailed(
            f"{name}: NaN where none was expected (or the reverse) at {_fmt_index(first, a.shape)}."
            + (f" {hint}" if hint else "")
        )
    gap = (a - e).abs().nan_to_num(0.0)
    tol = atol + rtol * e.abs().nan_to_num(0.0)
    if (gap > tol).any():
        worst = int((gap - tol).flatten().argmax())
        raise CheckFailed(
            f"{name} is wrong at {_fmt_index(worst, a.shape)}: expected {e.flatten()[worst].item():.6g}, got "
            f"{a.flatten()[worst].item():.6g} ({int((gap > tol).sum())} of {a.numel()} entries differ)."
            + (f" {hint}" if hint else "")
        )


def check_equal(actual: torch.Tensor, expected: torch.Tensor, name: str, hint: str = "") -> None:
    """Fail unless two tensors (booleans or integers) are identical, naming the first differing entry."""
    check_shape(actual, tuple(expected.shape), name)
    if actual.dtype != expected.dtype:
        raise CheckFailed(f"{name} should have dtype {expected.dtype}, got {actual.dtype}.")
    diff = actual.cpu() != expected.cpu()
    if diff.any():
        first = int(diff.flatten().nonzero()[0])
        raise CheckFailed(
            f"{name} is wrong at {_fmt_index(first, actual.shape)}: expected {expected.flatten()[first].item()}, "
            f"got {actual.flatten()[first].item()} ({int(diff.sum())} of {actual.numel()} entries differ)."
            + (f" {hint}" if hint else "")
        )


def check_sums_to_one(weights: torch.Tensor, name: str, dim: int = -1, atol: float = 1e-5) -> None:
    """Fail unless the entries along `dim` sum to 1 and are non-negative (a probability distribution)."""
    check_finite(weights, name)
    if (weights < -atol).any():
        raise CheckFailed(f"{name} has negative entries ({weights.min().item():.4g}); probabilities are ≥ 0.")
    sums = weights.sum(dim=dim)
    off = (sums - 1).abs() > atol
    if off.any():
        first = int(off.flatten().nonzero()[0])
        raise CheckFailed(
            f"{name} must sum to 1 along dim {dim}; the slice at {_fmt_index(first, sums.shape)} sums to "
            f"{sums.flatten()[first].item():.4g}."
        )
