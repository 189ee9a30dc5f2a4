"""The course's text files are fixed data: the same bytes, and the same derived facts, on every machine.

The snapshot `tests/snapshots/texts.json` pins each file's checksum together with the numbers derived from it
that pages and recipes use (document count, length, distinct characters). Changing a corpus is allowed, but on
purpose: regenerate the snapshot (`python tests/test_texts.py --update`), rebuild the book (`make book`) and
re-read every page whose numbers come from that text (Chapters 2 and 3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.chapter("02_tokenization", "03_lm_training")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python tests/test_texts.py --update` without an install
    sys.path.insert(0, str(REPO))

from lmrl_utils.lm import corpus  # noqa: E402

SNAPSHOT = REPO / "tests" / "snapshots" / "texts.json"
UPDATE = "python tests/test_texts.py --update"


def facts() -> dict:
    """Every text file's checksum and size, and what the course derives from the English corpus."""
    english = corpus.english_corpus()
    files = {p.name: {"sha256": corpus.text_sha256(p.name), "bytes": p.stat().st_size}
             for p in sorted(corpus.TEXTS.iterdir()) if p.name != "NOTICE.md"}
    return {
        "files": files,
        "english": {"documents": len(corpus.corpus_documents()), "characters": len(english),
                    "utf8_bytes": len(english.encode("utf-8")), "distinct_characters": len(set(english))},
        "code": {"characters": len(corpus.python_source()), "lines": corpus.python_source().count("\n")},
    }


def test_texts_match_their_snapshot():
    expected = json.loads(SNAPSHOT.read_text())
    got = facts()
    assert got == expected, (
        f"the course's texts changed: {got} != snapshot {expected}.\nIf that was intended, run `{UPDATE}`, "
        "rebuild the book and check every number the pages print about the corpus (Chapters 2-3).")


def test_english_corpus_is_read_from_the_repository_not_the_interpreter():
    assert corpus.english_corpus().startswith('The "assert" statement')
    assert all(doc in corpus.english_corpus() for doc in corpus.corpus_documents())
    source = (REPO / "lmrl_utils" / "lm" / "corpus.py").read_text()
    assert "import pydoc_data" not in source and "from pydoc_data" not in source
    for path in [*REPO.glob("lmrl_utils/**/*.py"), *REPO.glob("chapters/**/*.md"), *REPO.glob("solutions/**/*.ipynb")]:
        assert "pydoc_data" not in path.read_text(encoding="utf-8").replace("`pydoc_data.topics`", ""), (
            f"{path.relative_to(REPO)} reads interpreter-bundled data; use lmrl_utils.lm.corpus instead")


def other_pythons() -> list[str]:
    """Interpreters of other minor versions on this machine (on PATH, or pyenv's), for the cross-version check."""
    found: dict[str, str] = {}
    roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    candidates = [shutil.which(f"python3.{minor}") for minor in range(10, 15)]
    candidates += [str(p) for root in roots if root.is_dir() for p in sorted(root.glob("3.1*/bin/python3"))]
    for exe in filter(None, candidates):
        try:
            version = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if version and version != str(sys.version_info[:2]):
            found.setdefault(version, exe)
    return sorted(found.values())


def test_every_python_version_reads_the_same_corpus():
    pythons = other_pythons()
    if not pythons:
        pytest.skip("no other Python version on this machine")
    code = ("import hashlib, sys; sys.path.insert(0, sys.argv[1]); from lmrl_utils.lm import corpus; "
            "print(hashlib.sha256((corpus.english_corpus() + corpus.python_source()).encode()).hexdigest())")
    want = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True).stdout
    for exe in pythons:
        proc = subprocess.run([exe, "-I", "-c", code, str(REPO)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"{exe} cannot load lmrl_utils.lm.corpus:\n{proc.stderr[-2000:]}"
        assert proc.stdout == want, f"{exe} reads a different corpus than {sys.executable}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {UPDATE}")
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(facts(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT.relative_to(REPO)}")
