"""The benchmark results the Benchmarks appendix reads are well formed, and every bench script that offers
`--write` writes one (bench/record.py; appendix/benchmarks.md)."""

from __future__ import annotations

import ast
import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))

import record  # noqa: E402

RESULTS = sorted((BENCH / "results").glob("*.json"))
WRITERS = sorted(p for p in BENCH.glob("*.py") if p.name != "record.py"
                 and ("--write" in p.read_text() or "add_flags(parser" in p.read_text()))


def test_record_examples_run():
    failed, attempted = doctest.testmod(record)
    assert attempted and not failed


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_result_file_has_the_schema(path):
    result = json.loads(path.read_text(encoding="utf-8"))
    assert not record.problems(result), f"{path.relative_to(REPO)}: {record.problems(result)}"
    assert result["script"] == path.stem and (BENCH / f"{path.stem}.py").exists()
    assert result["command"].startswith(f"python bench/{path.stem}.py"), result["command"]


@pytest.mark.parametrize("script", WRITERS, ids=lambda p: p.name)
def test_a_script_with_write_records_its_result(script):
    """`--write` ends in `write(result("<the script's name>", ...))`: the file the appendix looks for."""
    calls = [node for node in ast.walk(ast.parse(script.read_text())) if isinstance(node, ast.Call)
             and getattr(node.func, "id", None) == "result" and node.args
             and isinstance(node.args[0], ast.Constant)]
    assert [c.args[0].value for c in calls] == [script.stem], f"{script.name} must call result({script.stem!r}, ...)"


def test_the_cheapest_script_writes_a_valid_result(tmp_path):
    """REINFORCE with one seed and a one-second budget: a real run of a script into a temporary folder."""
    proc = subprocess.run([sys.executable, "bench/reinforce_cartpole.py", "--seeds", "1", "--budget", "1",
                           "--write", "--results", str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "reinforce_cartpole.json").read_text())
    assert not record.problems(result), record.problems(result)
    assert result["command"].endswith(f"--results {tmp_path}") and result["rows"][0]["repeats"] <= 1
