"""The book builds with warnings as errors, executing every narrative page once, and leaks no solution."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from book_site import BookBuild, toc_docnames
from course_tools import SOLUTION_REGION, visible_text

from lmrl_utils import book_cache

REPO = Path(__file__).resolve().parent.parent


def test_book_builds_and_hides_solutions(book: BookBuild):
    assert book.returncode == 0, book.failure()
    site = book.site
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


def test_a_virtual_environment_in_the_repository_leaves_the_book_unchanged(tmp_path):
    """A reader's `.venv/` (or `venv/`, `env/`, a hidden tool folder, stray notes) is not a book source."""
    import sysconfig

    import yaml

    book = tmp_path / "book"
    book.mkdir()
    for name in ("_toc.yml", "intro.md", "notation.md", "bibliography.md", "references.bib"):
        shutil.copy(REPO / name, book / name)
    shutil.copytree(REPO / "chapters", book / "chapters")
    shutil.copytree(REPO / "appendix", book / "appendix")
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"  # only the source scan is under test: no page is run
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    # what a newcomer's clone holds besides the book: installed packages (the real ones: Markdown, notebooks,
    # YAML templates), other venv names, a hidden tool folder, notes that are not in the table of contents
    site_packages = Path(sysconfig.get_paths()["purelib"])
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for venv in (".venv", "venv", "env"):
        (book / venv / "lib" / version).mkdir(parents=True)
        (book / venv / "lib" / version / "site-packages").symlink_to(site_packages, target_is_directory=True)
    (book / ".tox").mkdir()
    (book / ".tox" / "notes.md").write_text("# Not a page\n")
    (book / "scratch.md").write_text("# My notes\n")
    (book / "chapters" / "01_attention" / "draft.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))

    jb = shutil.which("jupyter-book")
    proc = subprocess.run([jb, "build", str(book), "--builder", "custom", "--custom-builder", "dummy"],
                          capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"the book build failed with a virtual environment in the folder:\n{log[-4000:]}"
    with open(book / "_build" / ".doctrees" / "environment.pickle", "rb") as f:
        found = set(pickle.load(f).found_docs)
    expected = toc_docnames(REPO / "_toc.yml")
    assert found == expected, (f"Sphinx read pages outside _toc.yml: {sorted(found - expected)[:10]}; "
                               f"missed {sorted(expected - found)[:10]}")
    assert "site-packages" not in log, f"the build looked inside an installed package:\n{log[-3000:]}"


def test_execution_cache_is_dropped_when_lmrl_utils_changes(tmp_path):
    build = tmp_path / "_build"
    assert not book_cache.prepare(build)  # nothing to reuse on a first build
    (build / ".jupyter_cache").mkdir()
    (build / ".jupyter_cache" / "page").write_text("outputs")
    assert book_cache.prepare(build), "a cache made by the same code must be reused"
    (build / book_cache.STAMP).write_text("made by other code")
    assert not book_cache.prepare(build), "a cache made by other code must not be reused"
    assert not (build / ".jupyter_cache").exists(), "a stale cache must be deleted before the build"
