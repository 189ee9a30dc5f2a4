"""What one grading worker of `lmrl-grade` (lmrl_utils.grading.batch) runs: nbgrader's autograde of one student.

Local workers are forked from a server that imported nbgrader and the grading modules once (`PRELOAD`), so they
start without paying for those imports; Dask workers call `autograde` directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def autograde(course: Path, assignment: str, student: str, db_url: str, cell_timeout: float | None = None
               ) -> tuple[str, str, float]:
    """nbgrader's own autograde (its API, as the formgrader calls it) for one student against the gradebook at
    `db_url`, in this long-lived worker process, which imports nbgrader (~3 s) once: (status, log, seconds)."""
    from nbgrader.apps.api import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    start = time.perf_counter()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = db_url
    if cell_timeout:
        config.Execute.timeout = cell_timeout
    result = NbGraderAPI(config=config).autograde(assignment, student, force=True, create=True)
    status = "graded" if result["success"] else "failed"
    return status, result.get("log", "") + result.get("error", ""), time.perf_counter() - start


def ensure_models() -> float:
    """Train the course's cached models that are missing (`python -m lmrl_utils.lm.pretrained`) and return the
    seconds it took: a sandboxed kernel may read the model cache but not write it, so without this every kernel
    of a cold machine would train its own copy (Chapter 7's cells then pass the time limit)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lmrl_utils.lm.pretrained"], check=True, capture_output=True)
    return time.perf_counter() - start


def autograde_here(environ: dict[str, str], *args) -> tuple[str, str, float]:
    """`autograde` with the caller's environment (a forked worker has the fork server's, from its first use)."""
    os.environ.clear()
    os.environ.update(environ)
    return autograde(*args)


# Imported once by the fork server and shared by every worker it forks (copy-on-write): a spawned worker paid ~7 s
# of CPU importing them itself, one of the two costs that kept 2 workers under 1.8x of sequential nbgrader.
PRELOAD = ["nbgrader.apps.api", "nbgrader.preprocessors", "lmrl_utils.grading.execute",
           "lmrl_utils.grading.sanitize", "lmrl_utils.grading.feedback"]
