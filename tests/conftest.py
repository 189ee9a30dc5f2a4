"""Shared test configuration: the `slow` and `chapter` markers, and `--chapter` to check one chapter alone.

    make test                          # everything (what CI runs)
    make test-fast                     # pytest -m "not slow": no book build, no nbgrader round trips
    make test-chapter CH=04_mdp        # pytest --chapter 04_mdp: that chapter's pages, notebooks, round trip

An item belongs to a chapter when its id names the chapter's folder (parametrized release, round-trip and
notebook tests; pages under chapters/<folder>/) or when its module says
`pytestmark = pytest.mark.chapter("04_mdp")`. With `--chapter`, the fast checks that belong to no chapter
(lint, the checks' own tests, ...) run too; the whole-book build does not, the chapter's pages run one by one
instead (tests/test_pages.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lmrl_utils.chapters import CHAPTERS

# nbgrader runs `alembic` from PATH when it creates a gradebook: the tests find the environment's own commands
# even when it is not activated (`.venv/bin/python -m pytest`).
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

# registries of named edits, not tests: same file names in two folders would clash under --doctest-modules
collect_ignore_glob = ["wrong_answers/*.py", "correct_variants/*.py"]

SLOW_FILES = {"test_book.py", "test_grading_e2e.py", "test_grading_robustness.py", "test_pages.py",
              "test_grading_feedback.py",
              "test_grading_quality.py", "test_grading_batch.py", "test_book_browser.py", "test_lab_browser.py"}
# Tests of the whole book or course: never part of one chapter's checks (`--chapter` does not build the book).
WHOLE_COURSE = {"test_book.py", "test_book_browser.py", "test_lab_browser.py"}
# The longest items start first, so `pytest -n 2` does not leave one worker idle at the end behind a long item
# that started late (seconds measured on 2 busy cores; unknown items keep their order after these).
LONGEST_FIRST = ["test_round_trip[03_lm_training]", "test_correct_answers_pass_on_other_seeds[06_policy_gradients]",
                 "test_round_trip[06_policy_gradients]", "test_round_trip[07_rlhf]",
                 "test_a_completed_student_notebook_runs_on_the_student_build[07_rlhf/rlhf.ipynb]",
                 "test_a_postgresql_gradebook_graded_by_a_dask_cluster", "test_round_trip[04_mdp]",
                 "test_round_trip[05_imitation]", "test_an_lms_export_is_collected_by_nbgrader_and_graded",
                 "test_correct_answers_pass_on_other_seeds[07_rlhf]", "test_round_trip[02_tokenization]",
                 "test_a_killed_run_is_finished_by_a_rerun_with_the_same_grades", "test_round_trip[00_getting_started]",
                 "test_round_trip[01_attention]"]
FOLDERS = [c.folder for c in CHAPTERS]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--chapter", default=None, metavar="FOLDER",
                     help="run only the checks of one chapter, e.g. --chapter 04_mdp")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds the book, runs nbgrader or executes notebooks (minutes)")
    config.addinivalue_line("markers", "chapter(*folders): the chapters a test module checks")
    wanted = config.getoption("--chapter")
    if wanted is not None and wanted not in FOLDERS:
        raise pytest.UsageError(f"--chapter {wanted!r}: choose one of {FOLDERS}")


def _chapters_of(item: pytest.Item) -> set[str]:
    named = {folder for folder in FOLDERS if folder in item.nodeid}
    marker = item.get_closest_marker("chapter")
    return named | set(marker.args if marker else ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
    wanted = config.getoption("--chapter")
    keep, drop = [], []
    for item in items:
        chapters = _chapters_of(item)
        if wanted is None:
            ok = item.path.name != "test_pages.py"  # the full run executes every page once, in the book build
        elif item.path.name in WHOLE_COURSE:
            ok = False
        elif chapters:
            ok = wanted in chapters
        else:
            ok = item.get_closest_marker("slow") is None  # general fast checks run with every chapter
        (keep if ok else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items[:] = sorted(keep, key=lambda item: rank.get(item.name, len(rank)))  # stable: the rest keep their order


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """The whole book, built once per session and shared by the test processes (tests/book_site.py)."""
    from book_site import shared_build

    return shared_build(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (tests/browser.py); skips the module without Chromium or Playwright."""
    from browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def one_torch_thread():
    """Tiny models run several times faster on one thread when the test workers share the cores."""
    from lmrl_utils.cache import torch_threads

    with torch_threads(1):
        yield
