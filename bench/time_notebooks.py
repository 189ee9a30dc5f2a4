"""Time every notebook of the course on this machine and report it against the budgets.

    python bench/time_notebooks.py            # all instructor notebooks and narrative pages
    python bench/time_notebooks.py --write    # also write bench/timings.csv (read by the landing page)

Budgets: a graded notebook with its solution ≤ 60 s (autograding a class multiplies it); a narrative page
≤ 120 s. Times include kernel start-up, as in nbgrader and the book build. Not a test: timings depend on the
machine, so they are reported, not enforced.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
BUDGET = {"notebook": 60.0, "narrative": 120.0}


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
    parser.add_argument("--write", action="store_true", help="write bench/timings.csv")
    args = parser.parse_args()
    rows, over = [], 0
    print(f"{'kind':<10} {'seconds':>8} {'budget':>7}  path")
    for kind, path in targets():
        nb = jupytext.read(path) if path.suffix == ".md" else nbformat.read(path, as_version=4)
        if not any(c.cell_type == "code" for c in nb.cells):
            continue
        seconds = run(nb, path.parent)
        rel = path.relative_to(REPO).as_posix()
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
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
