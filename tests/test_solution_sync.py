"""The instructor notebooks' solution code and the lmrl_utils references are two copies kept equal.

Students read the notebook copy; later chapters and the tests import the library copy. Each notebook names its
reference module in its metadata (`lmrl.reference_module`); every function or class a solution cell defines
that also exists in that module must have the same syntax tree, docstrings aside."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "solutions").glob("*/*.ipynb"))


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _definitions(source: str) -> dict[str, ast.AST]:
    tree = _strip_docstrings(ast.parse(source))
    return {node.name: node for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_solution_cells_match_reference(path):
    nb = nbformat.read(path, as_version=4)
    module_name = nb.metadata.get("lmrl", {}).get("reference_module")
    assert module_name, f"{path.name}: set notebook metadata lmrl.reference_module (see AUTHORING.md)"
    module = importlib.import_module(module_name)
    reference = _definitions(inspect.getsource(module))
    compared = 0
    for cell in nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution") or cell.cell_type != "code":
            continue
        for name, node in _definitions(cell.source).items():
            if name not in reference:
                continue
            compared += 1
            mine, theirs = ast.dump(node), ast.dump(reference[name])
            assert mine == theirs, (
                f"{path.relative_to(REPO)}: `{name}` differs from {module_name}.{name}. The solution cell and the "
                f"reference are two copies of one implementation: change both."
            )
    assert compared, f"no solution cell of {path.name} defines anything from {module_name}"


def test_graded_lists_name_exactly_the_graded_items():
    """Each reference module's GRADED is what its notebooks grade: the provenance check bans all of them."""
    graded: dict[str, set[str]] = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        module_name = nb.metadata["lmrl"]["reference_module"]
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                graded.setdefault(module_name, set()).update(
                    re.findall(r"check_written_here\(\s*\w+,\s*ref\.(\w+)", cell.source))
    for module_name, items in graded.items():
        declared = set(getattr(importlib.import_module(module_name), "GRADED", ()))
        assert declared == items, (f"{module_name}.GRADED is {sorted(declared)} but its notebooks grade "
                                   f"{sorted(items)}: list every graded item, nothing else")
