"""lmrl_utils is shaped like the book: the parts import shared code, never each other, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lmrl_utils"
MODULES = sorted(PACKAGE.rglob("*.py"))
SHARED = {"seeding", "device", "plotting", "cache", "chapters", "release", "book_cache"}
# part -> the parts it must never import (rlhf and chapter-level modules such as warmup may import anything)
FORBIDDEN = {"lm": {"rl", "rlhf", "grading"}, "rl": {"lm", "rlhf", "grading"}, "grading": {"lm", "rl", "rlhf"},
             **{name: {"lm", "rl", "rlhf", "grading"} for name in SHARED}}


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_parts(path: Path) -> set[str]:
    parts = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        parts |= {n.split(".")[1] for n in names if n.startswith("lmrl_utils.")}
    return parts


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_go_one_way(path):
    bad = _imported_parts(path) & FORBIDDEN.get(_part(path), set())
    assert not bad, f"lmrl_utils/{path.relative_to(PACKAGE)} imports {sorted(bad)}: parts import shared code only"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_modules_stay_small(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 300, f"lmrl_utils/{path.relative_to(PACKAGE)} has {n} lines: split it by idea (~300 at most)"
