"""One build of the whole book per test session, shared by every test that reads the built site.

`pytest -n 2` runs tests in two processes; the first to ask builds the book into the session's shared temporary
folder while holding a file lock, the other waits for it and reads the same result (pytest-xdist's documented
pattern for a session-wide fixture). The build starts from the execution cache that `make book` left in the
repository's `_build/`, when that cache was made by the current `lmrl_utils` (lmrl_utils.book_cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from lmrl_utils import book_cache

REPO = Path(__file__).resolve().parent.parent


@dataclass
class BookBuild:
    """What `jupyter-book build -W -n --keep-going` did: its exit code, its log, and the site it wrote."""
    returncode: int
    log: str
    site: Path

    def failure(self) -> str:
        """Why the build failed, for an assertion message (the end of the log holds the warnings)."""
        return f"jupyter-book build failed (warnings are errors):\n{self.log[-6000:]}"


def build(out: Path) -> BookBuild:
    """Build the book into `out/_build/html`, as `make book` does but with the output outside the clone."""
    if book_cache.is_current(REPO / "_build"):
        shutil.copytree(REPO / "_build" / ".jupyter_cache", out / "_build" / ".jupyter_cache")
    jb = shutil.which("jupyter-book")
    assert jb, "jupyter-book is not installed: run `make install`"
    proc = subprocess.run([jb, "build", str(REPO), "--path-output", str(out), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=3600)
    return BookBuild(proc.returncode, proc.stdout + proc.stderr, out / "_build" / "html")


def shared_build(tmp_path_factory) -> BookBuild:
    """The session's one build of the book, made by whichever test process asks first.

    `LMRL_TEST_SITE=_build/html` reads a site built already instead (while writing the browser tests).
    """
    if os.environ.get("LMRL_TEST_SITE"):
        return BookBuild(0, "", Path(os.environ["LMRL_TEST_SITE"]).resolve())
    root = tmp_path_factory.getbasetemp().parent / "book"  # shared by the xdist workers of this session
    root.mkdir(exist_ok=True)
    record = root / "build.json"
    with FileLock(str(root / "build.lock")):
        if not record.exists():
            result = build(root)
            record.write_text(json.dumps({"returncode": result.returncode, "log": result.log}))
    saved = json.loads(record.read_text())
    return BookBuild(saved["returncode"], saved["log"], root / "_build" / "html")


def toc_docnames(toc: Path) -> set[str]:
    """Every page `_toc.yml` lists (root, chapters, sections), as Sphinx docnames."""
    import yaml

    def walk(node) -> set[str]:
        if isinstance(node, list):
            return set().union(*map(walk, node)) if node else set()
        if not isinstance(node, dict):
            return set()
        names = {str(Path(node["file"]).with_suffix(""))} if "file" in node else set()
        return names.union(*(walk(node[k]) for k in ("parts", "chapters", "sections") if k in node))

    spec = yaml.safe_load(toc.read_text())
    return {spec["root"]} | walk(spec)
