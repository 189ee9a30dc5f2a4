"""The visible tests' saved expected values (lmrl_utils.snapshots) equal what the references compute now,
and visible tests take expected values from a snapshot rather than calling a graded reference, so they also run
in the student build (lmrl_utils.student_package), which leaves the references out."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import torch

from lmrl_utils.lm import tokenization
from lmrl_utils.snapshots import RECIPES, RecordedTokenizer, path_of, snapshot
from lmrl_utils.student_package import graded_names

REPO = Path(__file__).resolve().parent.parent

# Visible tests that still compute expected values with a graded reference, so cannot yet run in the student
# build; each is to move to a snapshot (this list only shrinks).
NOT_YET: set[str] = set()


def _equal(a, b) -> bool:
    """Deep equality of snapshot values (tensors compared exactly; floats to 1e-9 relative)."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return a == b


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_each_snapshot_is_what_the_reference_computes(key):
    assert path_of(key).exists(), f"{path_of(key)} is missing: run python -m lmrl_utils.snapshots"
    assert _equal(snapshot(key), RECIPES[key]()), (
        f"snapshot {key} is stale (a reference changed): run python -m lmrl_utils.snapshots and commit")


def _reference_calls() -> dict[str, list[str]]:
    """{assignment/grade_id: the graded references a visible test calls, other than in check_written_here}."""
    graded = set()
    for path in (REPO / "lmrl_utils").rglob("*.py"):
        graded |= set(graded_names(ast.parse(path.read_text())))
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("grade") or meta.get("solution"):
                continue
            visible = "".join(cell["source"]).split("### BEGIN HIDDEN TESTS")[0]
            lines = [line for line in visible.splitlines() if "check_written_here" not in line]
            calls = sorted({name for name in re.findall(r"\bref\.(\w+)\(", "\n".join(lines)) if name in graded})
            key = f"{path.parent.name}/{meta['grade_id']}"
            if calls:
                found[key] = calls
            if f'snapshot("{key}")' in visible:
                assert key in RECIPES, f"{key} reads a snapshot that has no recipe"
    return found


def test_visible_tests_take_expected_values_from_snapshots():
    calls = _reference_calls()
    new = {key: names for key, names in calls.items() if key not in NOT_YET}
    assert not new, (f"visible tests that call graded references (so fail in the student build): {new}; save the "
                     "expected values with lmrl_utils.snapshots instead")
    done = NOT_YET - set(calls)
    assert not done, f"{sorted(done)} no longer call a reference: remove them from NOT_YET"


def test_every_snapshot_is_read_by_its_visible_test():
    notebooks = {path.parent.name: "".join(p.read_text() for p in path.parent.glob("*.ipynb"))
                 for path in (REPO / "solutions").glob("*/*.ipynb")}
    for key in RECIPES:
        chapter = key.split("/")[0]
        assert f'snapshot(\\"{key}\\")' in notebooks[chapter], f"no visible test of {chapter} reads snapshot {key}"


def test_the_recorded_tokenizer_answers_like_the_reference():
    saved = snapshot("02_tokenization/unigram_bpb_visible")
    recorded = RecordedTokenizer(saved["vocab"], saved["merges"], saved["ids"])
    reference = tokenization.Tokenizer(saved["vocab"], saved["merges"])
    for text in saved["ids"]:
        assert recorded.encode(text) == reference.encode(text)
        assert recorded.decode(recorded.encode(text)) == reference.decode(reference.encode(text))
    assert RecordedTokenizer({i: bytes([i]) for i in range(256)}, []).encode("é!") == [195, 169, 33]
    with pytest.raises(KeyError, match="knows the ids of 3 texts"):
        recorded.encode("a text it never saw")
