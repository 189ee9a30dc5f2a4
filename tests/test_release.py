"""The student notebooks in chapters/ are exactly what nbgrader generates from solutions/."""

from __future__ import annotations

import pytest

from lmrl_utils.release import REPO, assignments, check


def test_every_assignment_has_a_chapter_folder():
    ids = assignments()
    assert "01_attention" in ids
    for a in ids:
        assert (REPO / "chapters" / a).is_dir(), f"solutions/{a} has no chapters/{a}: run `make release`"


@pytest.mark.parametrize("assignment", assignments())
def test_generated_notebooks_are_up_to_date(assignment):
    problems = check(assignment)
    assert not problems, "\n".join(problems)


def test_every_chapter_notebook_is_generated():
    """No hand-made .ipynb under chapters/: narrative pages are MyST .md, notebooks come from solutions/."""
    stray = [p.relative_to(REPO) for p in (REPO / "chapters").glob("*/*.ipynb")
             if p.parent.name not in assignments()]
    assert not stray, f"notebooks without an instructor version in solutions/: {stray}"
