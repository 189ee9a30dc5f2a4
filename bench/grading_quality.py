"""Grading quality per test cell: how often correct answers fail, and how often wrong answers are caught, when
the tests' seeds change.

    python bench/grading_quality.py 04_mdp --seeds 20       # one assignment, 20 seed shifts
    python bench/grading_quality.py --seeds 5               # every assignment
    python bench/grading_quality.py 04_mdp --seeds 200 --only q_learning   # some variants, many seeds
    python bench/grading_quality.py --seeds 20 --markdown   # also one table of every cell (closing notes)

Variants: the reference solution, the correct variants of `tests/correct_variants/<assignment>.py` (other valid
ways to write an item: another order of random draws, a loop instead of vectorised code, ...), and the wrong
answers of `tests/wrong_answers/<assignment>.py`; both registries use the same edit format. Each variant runs
against the visible and hidden tests once per seed shift k = 0..N-1: every seed given to
`numpy.random.default_rng`, `torch.manual_seed` or `torch.Generator().manual_seed` (hence
`lmrl_utils.seeding.torch_generator`) becomes seed + 7919 k,
so a test that passes only for one lucky seed, or only for the reference's exact stream of random numbers, shows
it. Cells run in one fresh namespace per run, in notebook order, as nbgrader's kernel runs them.

Goals (issue "grading quality"): at most 0.5 % false failures per test cell (1 in 200 runs) and every wrong
answer caught on every seed by the cells its registry says it loses.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import nbformat  # noqa: E402
from course_tools import apply_edits, correct_variants, grade_id, solution_code, wrong_answers  # noqa: E402

from lmrl_utils.release import assignments  # noqa: E402

SHIFT = 7919  # a prime, so shifted seeds do not collide with the tests' other seeds


@contextlib.contextmanager
def shifted_seeds(k: int):
    """Shift every seed the tests and solutions pass to the usual seeding functions by SHIFT * k."""
    import numpy as np
    import torch


    saved = np.random.default_rng, torch.manual_seed, torch.Generator
    default_rng, manual_seed, generator_type = saved

    def shift(seed):
        return seed + SHIFT * k if isinstance(seed, int) else seed

    class ShiftedGenerator(generator_type):
        """torch.Generator whose manual_seed shifts the seed (seeding.torch_generator goes through it too)."""

        def manual_seed(self, seed):
            return super().manual_seed(shift(seed))

    np.random.default_rng = lambda seed=None, *a, **kw: default_rng(shift(seed), *a, **kw)
    torch.manual_seed = lambda seed: manual_seed(shift(seed))
    torch.Generator = ShiftedGenerator
    try:
        yield
    finally:
        np.random.default_rng, torch.manual_seed, torch.Generator = saved


def run_once(job: tuple) -> dict[str, bool]:
    """Run one variant's notebooks with seed shift k; {test grade_id: passed}."""
    notebooks, k, folder, graded_only = job
    results: dict[str, bool] = {}
    with shifted_seeds(k), tempfile.TemporaryDirectory() as tmp:
        for name, nb in notebooks.items():
            namespace = {"__name__": "__main__"}
            cwd = os.getcwd()
            os.chdir(folder)
            try:
                for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
                    meta = cell.metadata.get("nbgrader", {})
                    if graded_only and not meta:
                        continue  # a demo or "try it" cell: test cells import all they use, so skipping is safe
                    source = solution_code(cell.source) if meta.get("solution") else cell.source
                    path = Path(tmp) / f"{Path(name).stem}_cell{i}.py"  # inspect.getsource reads it
                    path.write_text(source)
                    try:
                        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                            exec(compile(source, str(path), "exec"), namespace)
                        ok = True
                    except BaseException:  # noqa: BLE001 - any failure of a cell, as the autograder sees it
                        ok = False
                    if meta.get("grade"):
                        results[meta["grade_id"]] = ok
            finally:
                os.chdir(cwd)
    return results


def measure(assignment: str, n_seeds: int = 0, workers: int = 2, shifts: list[int] | None = None,
            only: str | None = None, wrong: bool = True, graded_only: bool = False) -> dict:
    """Run every variant of `assignment` with seed shifts `shifts` (default 0..n_seeds-1); the outcomes per cell.

    `only` keeps the variants whose name contains it (the reference always runs); `wrong=False` skips the wrong
    answers (the nbgrader round trip of tests/test_grading_e2e.py grades them at shift 0); `graded_only` runs
    only the cells nbgrader knows (setup, solutions, tests), skipping demos.
    """
    shifts = list(range(n_seeds)) if shifts is None else list(shifts)
    folder = REPO / "solutions" / assignment
    sources = {p.name: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}
    correct = {"reference": {"edits": []}, **correct_variants(assignment)}
    wrong_ = wrong_answers(assignment) if wrong else {}
    if only:
        correct = {n: v for n, v in correct.items() if n == "reference" or only in n}
        wrong_ = {n: v for n, v in wrong_.items() if only in n}
    variants = {**{f"ok:{n}": v for n, v in correct.items()}, **{f"wrong:{n}": v for n, v in wrong_.items()}}
    jobs = [(name, k) for name in variants for k in shifts]
    start = time.perf_counter()
    tasks = [(apply_edits(sources, variants[n]["edits"]), k, folder, graded_only) for n, k in jobs]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = dict(zip(jobs, pool.map(run_once, tasks), strict=True))
    else:  # in this process (the test suite's workers are already parallel)
        results = dict(zip(jobs, map(run_once, tasks), strict=True))
    cells = [grade_id(c) for nb in sources.values() for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    false_failures = {cell: [f"{n[3:]}@{k}" for (n, k), r in results.items() if n.startswith("ok:") and not r.get(cell)]
                      for cell in cells}
    caught = {name: sum(any(not results[(f"wrong:{name}", k)].get(c, True) for c in case["loses"]) for k in shifts)
              for name, case in wrong_.items()}
    cell_catches = {name: {c: sum(not results[(f"wrong:{name}", k)].get(c, True) for k in shifts)
                           for c in case["loses"]} for name, case in wrong_.items()}
    return {"cells": cells, "cell_catches": cell_catches,
            "runs": len(correct) * len(shifts), "false_failures": false_failures, "caught": caught,
            "n_seeds": len(shifts), "n_correct": len(correct), "seconds": time.perf_counter() - start,
            "loses": {name: case["loses"] for name, case in wrong_.items()}}


def report(assignment: str, m: dict) -> None:
    print(f"\n{assignment}: {m['n_correct']} correct variant(s) and {len(m['caught'])} wrong answer(s) x "
          f"{m['n_seeds']} seed shift(s), {m['seconds']:.0f} s")
    print(f"  {'test cell':<28} {'false failures of correct answers':>36}")
    for cell in m["cells"]:
        n = len(m["false_failures"][cell])
        flag = f"   <-- above 0.5 %: {m['false_failures'][cell][:4]}" if n / m["runs"] > 0.005 else ""
        print(f"  {cell:<28} {n:>6} / {m['runs']:<6} ({100 * n / m['runs']:5.1f} %){flag}")
    print(f"  {'wrong answer':<40} {'caught (fails a cell it must lose)':>36}")
    for name, caught in m["caught"].items():
        flag = "" if caught == m["n_seeds"] else "   <-- missed on some seeds"
        print(f"  {name:<40} {caught:>6} / {m['n_seeds']:<6}{flag}")


def markdown_rows(assignment: str, m: dict) -> list[str]:
    """One table row per test cell: false failures of correct answers and the wrong answers it must catch."""
    rows = []
    for cell in m["cells"]:
        n = len(m["false_failures"][cell])
        targeted = [w for w, cells in m["loses"].items() if cell in cells]
        caught = sum(m["cell_catches"][w][cell] for w in targeted)  # runs in which this very cell failed
        total = len(targeted) * m["n_seeds"]
        rows.append(f"| {assignment} | {cell} | {n} / {m['runs']} | "
                    + (f"{len(targeted)} wrong answer(s): {caught} / {total} caught |" if targeted else "— |"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=None)
    parser.add_argument("--seeds", type=int, default=10, help="seed shifts per variant (200 to resolve 0.5 %%)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="run only the variants whose name contains this (and the reference)")
    parser.add_argument("--graded-only", action="store_true", help="skip cells without nbgrader metadata (demos)")
    parser.add_argument("--markdown", action="store_true", help="also print one markdown table for all assignments")
    parser.add_argument("--correct-only", action="store_true", help="skip the wrong answers (false failures only)")
    parser.add_argument("--first-shift", type=int, default=0, help="shifts K..K+seeds-1 (to extend a measurement)")
    args = parser.parse_args()
    rows = []
    for assignment in args.assignments or assignments():
        m = measure(assignment, workers=args.workers, shifts=range(args.first_shift, args.first_shift + args.seeds),
                    only=args.only, wrong=not args.correct_only, graded_only=args.graded_only)
        report(assignment, m)
        rows += markdown_rows(assignment, m)
    if args.markdown:
        print("\n| assignment | test cell | correct answers failed | wrong answers it must catch |")
        print("|---|---|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
