"""An on-disk cache of artefacts the course's code makes (trained weights, tokenizers): built once, shared by
every page, notebook and test worker, never downloaded.

Files live in `$LMRL_CACHE` (default `~/.cache/lmrl`), named by a hash of everything that determines them
(`recipe_key`), so a changed recipe builds a new file instead of loading a stale one. Files are written to a
temporary name and then `os.replace`d, which is atomic: two workers building at once each write a complete file
and the last one wins; nobody ever reads half a file.

Example:
    >>> len(recipe_key({"steps": 10}))
    16
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from lmrl_utils import withheld

CACHE_VERSION = 1  # bump when the code that builds cached artefacts changes in a way that changes them


def cache_dir() -> Path:
    """`$LMRL_CACHE`, or `~/.cache/lmrl`; created if missing."""
    path = Path(os.environ.get("LMRL_CACHE") or Path.home() / ".cache" / "lmrl").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def recipe_key(recipe: dict) -> str:
    """A short hash of everything that determines the trained weights. Example: 'synthetic-3f2a9c0e1b7d4a65'."""
    parts = {k: dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for k, v in recipe.items()}
    parts["cache_version"] = CACHE_VERSION
    if withheld.STUDENT_BUILD:  # the graded items run the student's own code: a change to it builds anew
        parts["own_code"] = withheld.fingerprint()
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def atomic_save(obj: object, path: Path) -> None:
    """torch.save to a temporary file in the same folder, then rename it over `path` (atomic on POSIX)."""
    import torch  # here, not at the top: the grader imports cache_dir and should not pay for torch (~2 s)

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o644 & ~umask)  # mkstemp's 0600 would hide the file from the grader's sandboxed kernels
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_or_build(path: Path, build: Callable[[], dict]) -> dict:
    """The dict saved at `path`, or `build()` saved there first (a corrupt or foreign file is rebuilt)."""
    import torch

    if path.exists():
        try:
            return torch.load(path, weights_only=False)
        except Exception:  # noqa: BLE001 - a truncated file from an older, non-atomic writer: rebuild it
            pass
    obj = build()
    try:
        atomic_save(obj, path)
    except OSError as err:  # a read-only cache: use what was built, keep nothing
        if not os.environ.get("LMRL_CACHE_READONLY"):  # set by the grader's sandbox, where a warning (stderr)
            warnings.warn(f"could not save {path.name} in the cache ({err.strerror}); it is rebuilt on each use",
                          stacklevel=2)  # would make nbgrader fail the test cell that printed it
    return obj


@contextmanager
def torch_threads(n: int):
    """Run a block with `n` intra-op threads, then restore the previous setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
