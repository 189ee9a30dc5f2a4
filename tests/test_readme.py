"""The README's quick start is the newcomer's path, and CI runs it verbatim."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("quickstart", REPO / ".ci" / "quickstart.py")
quickstart = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(quickstart)


def _lines(commands: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in commands.splitlines() if line.split("#", 1)[0].strip()]


def test_quick_start_is_a_venv_inside_the_clone_then_the_book_then_the_tests():
    lines = _lines(quickstart.quick_start_commands((REPO / "README.md").read_text(encoding="utf-8")))
    assert lines == ["python3 -m venv .venv && . .venv/bin/activate", "make book", "make test"], (
        f"the README's quick start changed to {lines}: keep it the newcomer's path (venv in the clone, book, tests)")


def test_ci_runs_the_readme_quick_start():
    run = (REPO / ".ci" / "run").read_text()
    assert "python3 .ci/quickstart.py" in run and 'bash -euo pipefail -c "$commands"' in run, (
        ".ci/run must execute the README's quick-start block, not commands of its own")


def test_quick_start_extraction_reports_a_missing_block():
    assert quickstart.quick_start_commands("# x\n## Quick start\n```bash\nmake book\n```\n") == "make book\n"
    with pytest.raises(ValueError, match="no \"## Quick start\""):
        quickstart.quick_start_commands("# nothing here")
    with pytest.raises(ValueError, match="no ```bash block"):
        quickstart.quick_start_commands("## Quick start\nno code\n")
