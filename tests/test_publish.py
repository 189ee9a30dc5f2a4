"""`make publish` puts the built site on a static-hosting branch: tried against a throw-away remote."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr}"
    return proc.stdout


def test_publish_pushes_the_site_to_the_pages_branch(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("no `make` on this machine")
    remote, clone, site = tmp_path / "remote.git", tmp_path / "clone", tmp_path / "site"
    _git(tmp_path, "init", "--bare", "-q", str(remote))
    _git(tmp_path, "init", "-q", str(clone))
    for key, value in (("user.name", "Test"), ("user.email", "test@example.org")):
        _git(clone, "config", key, value)
    _git(clone, "remote", "add", "origin", str(remote))
    (site / "_static").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>LMRL</body></html>")
    (site / "_static" / "mathjax.js").write_text("// served from the site")

    # the Makefile's own recipe, run from the clone (ghp-import works on the current folder's repository)
    proc = subprocess.run(["make", "-f", str(REPO / "Makefile"), "publish-site", f"SITE={site}",
                           f"PYTHON={sys.executable}", "PAGES_BRANCH=pages"],
                          cwd=clone, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"make publish-site failed:\n{proc.stdout}\n{proc.stderr}"
    files = set(_git(remote, "ls-tree", "-r", "--name-only", "pages").split())
    assert files == {"index.html", ".nojekyll", "_static/mathjax.js"}, (
        f"the pushed branch should hold exactly the site and .nojekyll (GitHub Pages then serves _static/): {files}")


def test_publish_refuses_an_unbuilt_site(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("no `make` on this machine")
    proc = subprocess.run(["make", "-f", str(REPO / "Makefile"), "publish-site", f"SITE={tmp_path / 'none'}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "make book" in proc.stdout + proc.stderr, (
        f"publishing without a built site must stop and say to build it:\n{proc.stdout}{proc.stderr}")
