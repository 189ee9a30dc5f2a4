"""The book's execution cache, made honest: myst-nb keys each page's cached outputs by the page's own code only,
so a change to `lmrl_utils` (or to its data) would leave stale outputs. A stamp of the package's code and data
is kept beside the cache, and a cache made from other code is discarded before the build.

    python -m lmrl_utils.book_cache _build     # what `make book` runs before `jupyter-book build`

Example:
    >>> len(code_stamp())
    64
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
STAMP = ".lmrl_code_stamp"


def code_stamp(package: Path = PACKAGE) -> str:
    """SHA-256 over the package's Python files and data files (path and content), in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(build_dir: Path) -> bool:
    """True when `build_dir`'s execution cache was made by the package's current code and data."""
    stamp = build_dir / STAMP
    return (build_dir / ".jupyter_cache").is_dir() and stamp.exists() and stamp.read_text() == code_stamp()


def prepare(build_dir: Path) -> bool:
    """Discard `build_dir`'s execution cache unless it is current; stamp it for this build. True if kept."""
    kept = is_current(build_dir)
    if not kept:
        shutil.rmtree(build_dir / ".jupyter_cache", ignore_errors=True)
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / STAMP).write_text(code_stamp())
    return kept


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "_build")
    print("execution cache:", "reused (lmrl_utils unchanged)" if prepare(target) else
          "empty: every page runs (first build, or lmrl_utils changed since the last one)")
