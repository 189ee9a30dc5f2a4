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


def test_release_leaves_narrative_pages_alone(tmp_path):
    """nbgrader's --force wipes its release folder; ours generates elsewhere and copies only notebooks."""
    import shutil

    from lmrl_utils.release import release

    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "solutions" / "01_attention", tmp_path / "solutions" / "01_attention")
    chapter = tmp_path / "chapters" / "01_attention"
    chapter.mkdir(parents=True)
    page = chapter / "index.md"
    page.write_text("# a narrative page\n")
    (chapter / "attention.ipynb").write_text("stale")
    written = release("01_attention", repo=tmp_path)
    assert page.read_text() == "# a narrative page\n"
    assert [p.name for p in written] == ["attention.ipynb"]
    assert "YOUR CODE HERE" in (chapter / "attention.ipynb").read_text()
    assert check("01_attention", repo=tmp_path) == []
