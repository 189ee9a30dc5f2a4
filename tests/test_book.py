"""The book builds with warnings as errors, executing every narrative page once, and leaks no solution."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
from course_tools import SOLUTION_REGION, visible_text

REPO = Path(__file__).resolve().parent.parent


def _build(out: Path) -> subprocess.CompletedProcess:
    jb = shutil.which("jupyter-book")
    assert jb, "jupyter-book is not installed: run `make install`"
    return subprocess.run([jb, "build", str(REPO), "--path-output", str(out), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=3600)


def test_book_builds_and_hides_solutions(tmp_path):
    proc = _build(tmp_path)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"jupyter-book build failed (warnings are errors):\n{log[-6000:]}"
    site = tmp_path / "_build" / "html"
    assert (site / "intro.html").exists()
    assert (site / "chapters" / "01_attention" / "attention.html").exists(), "exercises missing from the book"

    built = [p for p in site.rglob("*") if p.is_file() and p.suffix in {".html", ".ipynb", ".md", ".txt", ".py"}]
    texts = {p: visible_text(p.read_text(errors="replace")) for p in built}
    for path, text in texts.items():
        assert "BEGIN HIDDEN TESTS" not in text, f"{path.relative_to(site)} shows hidden tests"
        assert "BEGIN SOLUTION" not in text, f"{path.relative_to(site)} shows a solution region"
        assert "solutions/" not in path.relative_to(site).as_posix()
    # a solution body of three or more lines must not appear (mostly) on any page
    for nb_path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            for region in SOLUTION_REGION.findall(cell.source):
                lines = [line.strip() for line in region.splitlines() if len(line.strip()) >= 20
                         and not line.strip().startswith("#")]
                if len(lines) < 3:
                    continue
                for path, text in texts.items():
                    shown = [line for line in lines if line in text]
                    assert len(shown) < 0.6 * len(lines), (
                        f"{path.relative_to(site)} shows the solution of {nb_path.name}: {shown[:3]}")
