"""One list of chapters (lmrl_utils.chapters): the README, the landing page, Getting started, the table of
contents and the solutions folders agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from lmrl_utils.chapters import CHAPTERS, chapter
from lmrl_utils.release import assignments

REPO = Path(__file__).resolve().parent.parent


def test_readme_table_is_the_chapter_list():
    rows = re.findall(r"^\| (\d) \| (.+?) \| `chapters/(\w+)/` \|$", (REPO / "README.md").read_text(), re.M)
    assert [(int(n), folder) for n, _, folder in rows] == [(c.number, c.folder) for c in CHAPTERS], (
        "README.md's chapter table differs from lmrl_utils.chapters.CHAPTERS")
    for (_, title, _), c in zip(rows, CHAPTERS, strict=True):
        assert title.startswith(c.title), f"README calls chapter {c.number} {title!r}, CHAPTERS says {c.title!r}"


def test_landing_page_names_every_chapter_and_getting_started_prints_the_list():
    text = (REPO / "intro.md").read_text().lower()
    missing = [c.title for c in CHAPTERS[1:] if c.title.lower() not in text]
    assert not missing, f"intro.md does not name the chapter(s) {missing}"
    getting_started = (REPO / "chapters" / "00_getting_started" / "index.md").read_text()
    assert "from lmrl_utils.chapters import CHAPTERS" in getting_started, "Getting started prints CHAPTERS"


def test_written_chapters_are_in_the_toc_and_in_order():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    in_toc = [f.split("/")[1] for f in files if f.startswith("chapters/")]
    written = [c.folder for c in CHAPTERS if (REPO / "chapters" / c.folder).is_dir()]
    assert in_toc == written, f"_toc.yml lists chapters {in_toc}, the chapters/ folders are {written}"


def test_every_assignment_is_a_chapter():
    for assignment in assignments():
        assert chapter(assignment).folder == assignment
