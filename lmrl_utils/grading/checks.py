"""Friendly checks for exercise tests: each failure says what is wrong and where to look.

Every check raises `CheckFailed` (an `AssertionError`, so nbgrader counts it as a failed test) with a message
written for a student, e.g. "rows of the attention weights must sum to 1; row 3 sums to 0.42". In a notebook,
IPython shows it as the test line that failed and that message, without the checks' own code (see
`CheckFailed._render_traceback_`). Grouped by what an exercise returns: tensors, numpy arrays, Python lists,
dicts and strings, and single numbers.

Example:
    >>> check_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), "x")
    Traceback (most recent call last):
    ...
    lmrl_utils.grading.checks.CheckFailed: x is wrong at [1]: expected 2.5, got 2 (1 of 2 entries differ).
"""

from __future__ import annotations

import traceback
import types
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

_COURSE_CODE = Path(__file__).resolve().parent.parent  # lmrl_utils/: frames a student need not read


class CheckFailed(AssertionError):
    """A test failed; the message explains what to fix."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for an exception's traceback: the usual one, cut before the course's own frames, so a
        student reads the test line that failed and the message, not the check's code (`%xmode Verbose` keeps
        every frame). nbgrader still sees the error: only its display changes."""
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:  # IPython calls this hook from a shell; anything else gets Python's own traceback
            return traceback.format_exception(type(self), self, self.__traceback__)
        formatter = shell.InteractiveTB
        entries, tb = [], self.__traceback__
        while tb is not None:
            entries.append(tb)
            tb = tb.tb_next
        keep = len(entries)
        if formatter.mode != "Verbose":  # an instructor's `%xmode Verbose` shows every frame
            while keep > 1 and _is_course_code(entries[keep - 1]):
                keep -= 1
        trimmed = None
        for entry in reversed(entries[:keep]):
            trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
        return formatter.structured_traceback(type(self), self, trimmed)


def _is_course_code(tb: types.TracebackType) -> bool:
    """Whether a traceback entry runs lmrl_utils' code (a check), not the notebook's."""
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(_COURSE_CODE)


def _suffix(hint: str) -> str:
    return f" {hint}" if hint else ""


def _short(x: object, limit: int = 80) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fmt_index(flat: int, shape: Sequence[int]) -> str:
    idx = []
    for size in reversed(shape):
        idx.append(flat % size)
        flat //= size
    return "[" + ", ".join(str(i) for i in reversed(idx)) + "]"


# --- any value ---------------------------------------------------------------------------------------------


def check_type(x: object, expected: type, name: str) -> None:
    """Fail unless `x` is an instance of `expected` (catches a forgotten `return`, which gives None)."""
    if not isinstance(x, expected):
        hint = " Did you forget a `return` statement?" if x is None else ""
        raise CheckFailed(f"{name} should be a {expected.__name__}, got {type(x).__name__}.{hint}")


# --- tensors -------------------------------------------------------------------------------------------------


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
            + _suffix(hint)
        )
    gap = (a - e).abs().nan_to_num(0.0)
    tol = atol + rtol * e.abs().nan_to_num(0.0)
    if (gap > tol).any():
        worst = int((gap - tol).flatten().argmax())
        raise CheckFailed(
            f"{name} is wrong at {_fmt_index(worst, a.shape)}: expected {e.flatten()[worst].item():.6g}, got "
            f"{a.flatten()[worst].item():.6g} ({int((gap > tol).sum())} of {a.numel()} entries differ)."
            + _suffix(hint)
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
            + _suffix(hint)
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


# --- numpy arrays (Chapter 4's planners and learners return them) -----------------------------------------


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


# --- lists, dicts and strings (Chapter 2's tokenizer) ------------------------------------------------------


def check_same_list(actual: object, expected: Sequence, name: str, hint: str = "") -> None:
    """Fail unless `actual` is a list equal to `expected`; name the first differing index and both values."""
    check_type(actual, list, name)
    for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
        if a != e:
            raise CheckFailed(
                f"{name} is wrong at index {i}: expected {_short(e)}, got {_short(a)} "
                f"(the first {i} entries are right; lengths: expected {len(expected)}, got {len(actual)})."
                + _suffix(hint)
            )
    if len(actual) != len(expected):
        longer, which = (actual, "extra") if len(actual) > len(expected) else (expected, "missing")
        raise CheckFailed(
            f"{name} should have {len(expected)} entries, got {len(actual)}; the first {which} one is "
            f"{_short(longer[min(len(actual), len(expected))])}." + _suffix(hint)
        )


def check_same_mapping(actual: object, expected: Mapping, name: str, hint: str = "") -> None:
    """Fail unless `actual` is a dict (a Counter is one) with exactly the keys and values of `expected`."""
    check_type(actual, dict, name)
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} key(s) missing, e.g. {_short(missing[0])}")
        if extra:
            parts.append(f"{len(extra)} unexpected key(s), e.g. {_short(extra[0])}")
        raise CheckFailed(f"{name} has the wrong keys: {'; '.join(parts)}." + _suffix(hint))
    for k, e in expected.items():
        if actual[k] != e:
            raise CheckFailed(f"{name}[{_short(k)}] should be {_short(e)}, got {_short(actual[k])}." + _suffix(hint))


def check_same_text(actual: object, expected: str, name: str, hint: str = "") -> None:
    """Fail unless `actual` is the string `expected`; show the first differing character and its context."""
    check_type(actual, str, name)
    if actual == expected:
        return
    i = next((k for k, (a, e) in enumerate(zip(actual, expected, strict=False)) if a != e),
             min(len(actual), len(expected)))
    raise CheckFailed(
        f"{name} differs from the expected text at character {i}: expected {_short(expected[i:i + 12])}, got "
        f"{_short(actual[i:i + 12])} (lengths: expected {len(expected)}, got {len(actual)})." + _suffix(hint)
    )


# --- single numbers ------------------------------------------------------------------------------------------


def check_at_least(value: float, threshold: float, name: str, hint: str = "") -> None:
    """Fail unless the number `value` is at least `threshold` (a success rate against a target)."""
    if not value >= threshold:
        raise CheckFailed(f"{name} is {value:.3f}, below the required {threshold:.3f}." + _suffix(hint))
