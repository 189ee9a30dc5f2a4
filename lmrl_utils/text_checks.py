"""Friendly checks for exercises whose answers are lists, dicts and strings rather than tensors (Chapter 2).

Like `lmrl_utils.checks`, every check raises `CheckFailed` with a message that says what differs and where,
e.g. "merges is wrong at index 2: expected (b'aaa', b'b'), got (b'a', b'b')".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lmrl_utils.checks import CheckFailed, check_type


def _short(x: object, limit: int = 80) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _suffix(hint: str) -> str:
    return f" {hint}" if hint else ""


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
