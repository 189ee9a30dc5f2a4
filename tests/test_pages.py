"""Each narrative page runs top to bottom, offline, within its time budget: used by `make test-chapter` to
check one chapter's pages without building the whole book (the full suite runs them in tests/test_book.py)."""

from __future__ import annotations

import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted((REPO / "chapters").glob("*/*.md"))
BUDGET_S = 120  # a narrative page's budget on two cores (README, bench/time_notebooks.py)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_page_runs(page):
    nb = jupytext.read(page)
    start = time.perf_counter()
    NotebookClient(nb, timeout=BUDGET_S, kernel_name="python3",
                   resources={"metadata": {"path": str(page.parent)}}).execute()
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{page.name} raised {errors[0]['ename']}: {errors[0]['evalue']}"
    assert elapsed <= BUDGET_S, f"{page.name} ran {elapsed:.0f} s, over its {BUDGET_S} s budget"
    assert isinstance(nb, nbformat.NotebookNode)
