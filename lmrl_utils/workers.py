"""Independent runs of a page's experiment side by side: the one process pool of the course's cached sweeps.

Each job is a tuple of arguments; the runs go to up to `workers` spawned interpreters (default: two, or one on a
one-core machine), so no torch threads are forked and every run starts from the same state it would have alone.

Example:
    >>> run_jobs(pow, [(2, 3), (3, 2)], workers=1)
    [8, 9]
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run_jobs(fn: Callable[..., T], jobs: list[tuple], workers: int | None = None) -> list[T]:
    """[fn(*job) for job in jobs], in order; in `workers` spawned processes unless that is one (fn must be a
    module-level function, so a worker can import it)."""
    n = workers or min(2, os.cpu_count() or 1)
    if n == 1 or not jobs:
        return [fn(*job) for job in jobs]
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, *zip(*jobs, strict=True)))
