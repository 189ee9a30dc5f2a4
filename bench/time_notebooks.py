"""Time every notebook of the course on this machine and report it against the budgets.

    python bench/time_notebooks.py            # all instructor notebooks and narrative pages
    python bench/time_notebooks.py --write    # also bench/timings.csv (landing page), bench/results/*.json (appendix)
    python bench/time_notebooks.py --repeats 3 --write   # the median of 3 runs of each (default 1: ~25 min a run)

Budgets: a graded notebook with its solution ≤ 60 s (autograding a class multiplies it); a narrative page
≤ 120 s. Times include kernel start-up, as in nbgrader and the book build. Not a test: timings depend on the
machine, so they are reported, not enforced.
"""

from __future__ import annotations

import argparse
import copy
import csv
import statistics
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from record import add_flags, result, row, write

REPO = Path(__file__).resolve().parent.parent
BUDGET = {"notebook": 60.0, "narrative": 120.0}
BUDGET_NAME = {"notebook": "the budget of a graded notebook", "narrative": "the budget of a narrative page"}


def run(nb: nbformat.NotebookNode, cwd: Path) -> float:
    """Execute a notebook top to bottom in `cwd`; return wall-clock seconds (errors propagate)."""
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return time.perf_counter() - start


def targets() -> list[tuple[str, Path]]:
    found = [("notebook", p) for p in sorted((REPO / "solutions").glob("*/*.ipynb"))]
    found += [("narrative", p) for p in sorted((REPO / "chapters").glob("*/*.md"))]
    found += [("narrative", p) for p in [REPO / "intro.md"] if "code-cell" in p.read_text()]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="write bench/timings.csv and bench/results/time_notebooks.json")
    add_flags(parser, repeats=1, write=False)
    args = parser.parse_args()
    rows, records, over = [], [], 0
    print(f"{'kind':<10} {'seconds':>8} {'budget':>7}  path")
    for kind, path in targets():
        nb = jupytext.read(path) if path.suffix == ".md" else nbformat.read(path, as_version=4)
        if not any(c.cell_type == "code" for c in nb.cells):
            continue
        times = [run(copy.deepcopy(nb), path.parent) for _ in range(args.repeats)]
        seconds = statistics.median(times)
        rel = path.relative_to(REPO).as_posix()
        records.append(row(f"{kind} {rel}", "s", times, BUDGET_NAME[kind], [BUDGET[kind]]))
        flag = "" if seconds <= BUDGET[kind] else "  OVER BUDGET"
        over += bool(flag)
        print(f"{kind:<10} {seconds:8.1f} {BUDGET[kind]:7.0f}  {rel}{flag}", flush=True)
        rows.append({"kind": kind, "path": rel, "seconds": f"{seconds:.1f}"})
    if args.write:
        with open(REPO / "bench" / "timings.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["kind", "path", "seconds"])
            writer.writeheader()
            writer.writerows(rows)
        print("wrote bench/timings.csv")
        write(result("time_notebooks", records), args.results)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
