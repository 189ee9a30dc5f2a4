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
from cell_deps import cells_to_run, imports_of  # noqa: E402
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
    """Run one variant's notebooks with seed shift k; {test grade_id: passed}.

    With `prune`, `edited` names the grade ids the variant changed (per notebook): notebooks it does not touch are
    skipped and in the others only `cells_to_run` run (reaching only the test cells in `wanted`, if given); the
    caller fills in the rest. A pruned run that meets a NameError reruns in full.
    """
    notebooks, k, folder, graded_only, edited, wanted = job
    results: dict[str, bool] = {}
    with shifted_seeds(k), tempfile.TemporaryDirectory() as tmp:
        for name, nb in notebooks.items():
            cells = [c for c in nb.cells if c.cell_type == "code" and (c.metadata.get("nbgrader") or not graded_only)]
            metas = [c.metadata.get("nbgrader", {}) for c in cells]
            sources = [solution_code(c.source) if m.get("solution") else c.source
                       for c, m in zip(cells, metas, strict=True)]
            plan = None
            if edited is not None:
                changed = [m.get("grade_id") in edited.get(name, ()) for m in metas]
                if not any(changed):
                    continue
                plan = cells_to_run(sources, changed, [bool(m.get("grade")) for m in metas],
                                    None if wanted is None else [m.get("grade_id") in wanted for m in metas])
            outcome = _run_cells(Path(tmp), name, sources, metas, folder, plan)
            if outcome is None:  # the pruning missed a name: run everything
                outcome = _run_cells(Path(tmp), name, sources, metas, folder, None)
            results.update(outcome)
    return results


def _run_cells(tmp: Path, name: str, sources: list[str], metas: list[dict], folder: Path,
               plan: list[bool] | None) -> dict[str, bool] | None:
    """Exec the cells in one fresh namespace (only the `plan` ones, and the imports of the others); None when a
    pruned run raised NameError."""
    namespace = {"__name__": "__main__"}
    results: dict[str, bool] = {}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        for i, (source, meta) in enumerate(zip(sources, metas, strict=True)):
            if plan is not None and not plan[i]:
                source = imports_of(source)
                if not source:
                    continue
            path = tmp / f"{Path(name).stem}_cell{i}.py"  # inspect.getsource reads it
            path.write_text(source)
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    exec(compile(source, str(path), "exec"), namespace)
                ok = True
            except NameError:
                if plan is not None:
                    return None
                ok = False
            except BaseException:  # noqa: BLE001 - any failure of a cell, as the autograder sees it
                ok = False
            if meta.get("grade") and (plan is None or plan[i]):
                results[meta["grade_id"]] = ok
    finally:
        os.chdir(cwd)
    return results


def measure(assignment: str, n_seeds: int = 0, workers: int = 2, shifts: list[int] | None = None,
            only: str | None = None, wrong: bool = True, graded_only: bool = False, correct: bool = True,
            prune: bool = False) -> dict:
    """Run every variant of `assignment` with seed shifts `shifts` (default 0..n_seeds-1); the outcomes per cell.

    `only` keeps the variants whose name contains it (the reference always runs); `wrong=False` skips the wrong
    answers, `correct=False` the correct variants and the reference; `graded_only` runs only the cells nbgrader
    knows (setup, solutions, tests), skipping demos. `prune` runs, for each edited variant, only the cells its
    edits can reach (`cells_to_run`; for a wrong answer, only those its registry says it loses): a correct
    variant's skipped cells take the reference's outcome at the same shift, a wrong answer's stay unknown.
    """
    shifts = list(range(n_seeds)) if shifts is None else list(shifts)
    folder = REPO / "solutions" / assignment
    sources = {p.name: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}
    correct = {"reference": {"edits": []}, **correct_variants(assignment)} if correct else {}
    wrong_ = wrong_answers(assignment) if wrong else {}
    if only:
        correct = {n: v for n, v in correct.items() if n == "reference" or only in n}
        wrong_ = {n: v for n, v in wrong_.items() if only in n}
    variants = {**{f"ok:{n}": v for n, v in correct.items()}, **{f"wrong:{n}": v for n, v in wrong_.items()}}
    jobs = [(name, k) for name in variants for k in shifts]
    start = time.perf_counter()

    def edited(name: str) -> dict[str, set[str]] | None:
        edits = variants[name]["edits"]
        if not (prune and edits):
            return None
        return {nb: {gid for nb_, gid, *_ in edits if nb_ == nb} for nb in sources}

    def wanted(name: str) -> set[str] | None:
        return set(variants[name]["loses"]) if prune and name.startswith("wrong:") else None

    tasks = [(apply_edits(sources, variants[n]["edits"]), k, folder, graded_only, edited(n), wanted(n))
             for n, k in jobs]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = dict(zip(jobs, pool.map(run_once, tasks), strict=True))
    else:  # in this process (the test suite's workers are already parallel)
        results = dict(zip(jobs, map(run_once, tasks), strict=True))
    cells = [grade_id(c) for nb in sources.values() for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    for (name, k), outcome in results.items():  # the cells a pruned correct variant skipped are the reference's
        if name.startswith("ok:"):
            for cell in cells:
                outcome.setdefault(cell, results[("ok:reference", k)].get(cell))
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
        flag = f"   <-- above 0.5 %: {m['false_failures'][cell][:4]}" if n > 0.005 * m["runs"] else ""
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
    parser.add_argument("--prune", action="store_true", help="run only the cells each variant's edits can reach")
    args = parser.parse_args()
    rows = []
    for assignment in args.assignments or assignments():
        m = measure(assignment, workers=args.workers, shifts=range(args.first_shift, args.first_shift + args.seeds),
                    only=args.only, wrong=not args.correct_only, graded_only=args.graded_only, prune=args.prune)
        report(assignment, m)
        rows += markdown_rows(assignment, m)
    if args.markdown:
        print("\n| assignment | test cell | correct answers failed | wrong answers it must catch |")
        print("|---|---|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
