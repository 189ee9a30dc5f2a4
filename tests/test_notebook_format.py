"""Structural rules for instructor notebooks and narrative pages (see AUTHORING.md)."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "solutions").glob("*/*.ipynb"))
PAGES = sorted((REPO / "chapters").glob("*/*.md"))


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_instructor_notebook_structure(path):
    nb = nbformat.read(path, as_version=4)
    where = path.relative_to(REPO)
    assert nb.metadata.get("lmrl", {}).get("reference_module"), f"{where}: no lmrl.reference_module metadata"
    ids = [_nbgrader(c)["grade_id"] for c in nb.cells if "grade_id" in _nbgrader(c)]
    assert len(ids) == len(set(ids)), f"{where}: duplicate grade_ids {sorted(i for i in ids if ids.count(i) > 1)}"
    tests = [c for c in nb.cells if _nbgrader(c).get("grade") and c.cell_type == "code"]
    assert tests, f"{where} has no graded test cells"
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in tests), f"{where} has no hidden tests"
    for cell in nb.cells:
        gid = _nbgrader(cell).get("grade_id", "?")
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, (
                f"{where}: cell {gid} has outputs; instructor notebooks are stored without outputs")
        if _nbgrader(cell).get("solution") and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, (
                f"{where}: solution cell {gid} lacks ### BEGIN/END SOLUTION markers")
        if _nbgrader(cell).get("grade") and cell.cell_type == "code":
            assert _nbgrader(cell).get("points", 0) > 0, f"{where}: test cell {gid} gives no points"
            assert "check_written_here" in cell.source, (
                f"{where}: test cell {gid} must first check the graded item is the student's own code")
            assert _nbgrader(cell).get("locked"), f"{where}: test cell {gid} must be locked"


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at its top level: imports, assignments, definitions, loop and with targets."""
    bound: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_test_cells_use_only_their_imports_and_the_setup(path):
    """A test cell may use its own names, the locked setup cell's and the graded items (what the solution cells
    define), never a variable another cell happens to leave behind: a student's scratch cell cannot change it."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = set().union(*(_bound_names(c.source) for c in code if _nbgrader(c).get("grade_id") == "setup"))
    graded = set().union(*(_bound_names(c.source) for c in code if _nbgrader(c).get("solution")))
    allowed = setup | graded | set(dir(builtins))
    for cell in code:
        if not _nbgrader(cell).get("grade"):
            continue
        tree = ast.parse(cell.source)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        stray = sorted(used - allowed - _bound_names(cell.source))
        assert not stray, (f"{path.relative_to(REPO)}: test cell {_nbgrader(cell)['grade_id']} uses {stray}, defined "
                           f"in another cell: import or compute them in the test cell itself")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_narrative_page_names_its_topics(path):
    text = path.read_text()
    assert "<!-- Topics:" in text, f"{path.relative_to(REPO)}: add `<!-- Topics: ... -->` (IDs of TOPICS.md)"


def _toc_files(entries) -> set[str]:
    found = set()
    for entry in entries or []:
        if "file" in entry:
            found.add(entry["file"])
        for key in ("chapters", "sections", "parts"):
            found |= _toc_files(entry.get(key))
    return found


def test_every_chapter_page_is_in_the_toc():
    """Only pages in _toc.yml are built (and so executed and tested): a page left out would go unseen."""
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    listed = _toc_files(toc.get("parts")) | _toc_files(toc.get("chapters")) | {toc["root"]}
    pages = [p for p in sorted((REPO / "chapters").glob("*/*")) if p.suffix in {".md", ".ipynb"}]
    missing = [p.relative_to(REPO).with_suffix("").as_posix() for p in pages]
    missing = [m for m in missing if m not in listed]
    assert not missing, f"pages missing from _toc.yml: {missing}"
