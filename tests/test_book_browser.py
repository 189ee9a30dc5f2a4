"""The built book, read in a real browser with the network off: math renders, figures load, links resolve, the
search finds each chapter, the exercise pages hand out student notebooks, and axe-core finds no serious or
critical accessibility violation.

    python -m pytest tests/test_book_browser.py        # builds the book first (tests/book_site.py)

Every page is served from localhost and opened in Debian's Chromium (tests/browser.py); any request that would
leave the machine (a CDN's script, a web font) is refused and fails the test. Screenshots of the landing page,
one narrative page and one exercise page are left in `_build/artifacts/screenshots/`.
"""

from __future__ import annotations

import functools
import html.parser
import json
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from book_site import toc_docnames
from browser import artifacts_dir, offline_page, served

from lmrl_utils.book_exercises import TITLE as EXERCISE_NOTE_TITLE
from lmrl_utils.chapters import CHAPTERS

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted(toc_docnames(REPO / "_toc.yml"))
EXERCISES = sorted(str(p.relative_to(REPO).with_suffix("")) for p in (REPO / "chapters").glob("*/*.ipynb"))
# One term per chapter that its pages use and the search must find (Sphinx's own client-side search).
SEARCH_TERMS = {"00_getting_started": "Gymnasium", "01_attention": "softmax", "02_tokenization": "merges",
                "03_lm_training": "perplexity", "04_mdp": "Bellman", "05_imitation": "DAgger",
                "06_policy_gradients": "REINFORCE", "07_rlhf": "Bradley"}
SERIOUS = {"serious", "critical"}
# axe's colour-contrast rule costs ~20 s on a long page. The colours come from the theme and the code highlighter,
# the same on every page: it runs on the three kinds of page (landing, narrative with code, exercise), the other
# rules on every page.
CONTRAST_PAGES = {"intro", "chapters/01_attention/self_attention", "chapters/01_attention/attention"}
PAGE_TIMEOUT_MS = 60_000

# In the page: every formula typeset by MathJax, no MathJax error node, no TeX left as plain text.
MATH_REPORT = """async () => {
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    return {loaded: false, formulas: document.querySelectorAll('.math').length, unrendered: [], errors: [], raw: []};
  }
  await MathJax.startup.promise;
  const formulas = [...document.querySelectorAll('.math')];
  const unrendered = formulas.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 80));
  const errors = [...document.querySelectorAll('mjx-merror')].map(el => el.textContent.slice(0, 80));
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  const skip = 'PRE, CODE, SCRIPT, STYLE, MJX-CONTAINER, .highlight, .cell_output, .output';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    if (/\\\\\\(|\\\\\\[|\\$\\$|\\$[^$\\s][^$]*\\\\[a-zA-Z]+[^$]*\\$/.test(text) && !node.parentElement.closest(skip)) {
      raw.push(text.trim().slice(0, 80));
    }
  }
  return {loaded: true, formulas: formulas.length, unrendered, errors, raw};
}"""
# In the page: every image loaded and has a size; its alt text is a description, not a file name.
IMAGE_REPORT = """() => [...document.querySelectorAll('main img')].map(img => ({
  src: img.getAttribute('src'), alt: img.getAttribute('alt'), loaded: img.complete && img.naturalWidth > 0,
  width: img.getBoundingClientRect().width}))"""


@pytest.fixture(scope="module")
def site(book) -> Path:
    assert book.returncode == 0, "the book did not build, so it cannot be read: " + book.failure()
    return book.site


@pytest.fixture(scope="module")
def base(site: Path) -> str:
    with served(site) as url:
        yield url


@functools.cache
def _axe_script() -> str:
    """axe-core (Deque's accessibility engine, from npm), as vendored by the axe-playwright-python package."""
    try:
        from axe_playwright_python.base import AXE_FILE_PATH
    except ImportError:
        pytest.skip("axe-playwright-python is not installed: run `make install`")
    return AXE_FILE_PATH.read_text(encoding="utf-8")


def _open(browser, base: str, path: str):
    """Open one page of the site offline and wait until it has loaded."""
    page, log = offline_page(browser, base, viewport={"width": 1280, "height": 900})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(f"{base}/{path}", wait_until="load")
    return page, log


@pytest.mark.parametrize("docname", PAGES)
def test_page_reads_well_offline(docname: str, browser, base: str) -> None:
    page, log = _open(browser, base, f"{docname}.html")
    try:
        problems = []
        math = page.evaluate(MATH_REPORT)
        if math["formulas"] and not math["loaded"]:
            problems.append(f"MathJax did not load, so {math['formulas']} formulas show as raw LaTeX")
        problems += [f"formula not typeset: {m!r}" for m in math["unrendered"]]
        problems += [f"MathJax error: {m!r}" for m in math["errors"]]
        problems += [f"LaTeX left as text: {m!r}" for m in math["raw"]]
        for img in page.evaluate(IMAGE_REPORT):
            if not img["loaded"] or img["width"] <= 0:
                problems.append(f"image did not load or has no size: {img['src']}")
            alt = (img["alt"] or "").strip()
            if not alt or alt.endswith((".png", ".svg", ".jpg", ".gif")):
                problems.append(f"image without a description in its alt text: {img['src']} (alt={alt!r}); give "
                                "the cell `mystnb: figure: alt:` metadata (AUTHORING.md)")
        problems += [f"request off the machine refused: {url}" for url in log.refused]
        problems += [f"HTTP error: {text}" for text in log.failed]
        problems += [f"JavaScript console error: {text}" for text in log.console_errors]
        problems += [f"JavaScript exception: {text}" for text in log.page_errors]
        page.evaluate(_axe_script())  # after the page's own requests: axe re-reads stylesheets on its own
        options = {"resultTypes": ["violations"]}
        if docname not in CONTRAST_PAGES:
            options["rules"] = {"color-contrast": {"enabled": False}}
        axe = page.evaluate("options => axe.run(document, options)", options)
        for v in axe["violations"]:
            if v["impact"] in SERIOUS:
                where = "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:3])
                problems.append(f"axe {v['impact']}: {v['id']} ({v['help']}) at {where}")
        assert not problems, f"{docname}.html, read offline in Chromium:\n  " + "\n  ".join(problems)
    finally:
        page.context.close()


class _Anchors(html.parser.HTMLParser):
    """The ids a page defines and the links it makes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and (tag in {"a", "img", "script"} or (tag == "link" and key == "href")):
                self.links.append(attrs[key])


def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    """Sphinx's `linkcheck` checks the web links (`make linkcheck`, needs the network); this checks our own."""
    pages = {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")
             if not p.relative_to(site).as_posix().startswith("_static/")}  # theme templates, not pages
    parsed = {rel: _parse(path) for rel, path in pages.items()}
    broken = []
    for rel, anchors in parsed.items():
        for link in anchors.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path))) \
                if parts.path else rel
            if not (site / target).exists():
                broken.append(f"{rel}: {link} (no file {target})")
            elif parts.fragment and target.endswith(".html") and target in parsed \
                    and unquote(parts.fragment) not in parsed[target].ids:
                broken.append(f"{rel}: {link} (no anchor #{parts.fragment} in {target})")
    assert not broken, f"{len(broken)} broken internal links:\n  " + "\n  ".join(sorted(set(broken))[:40])


@pytest.mark.parametrize("folder", sorted(SEARCH_TERMS))
def test_search_finds_each_chapter(folder: str, browser, base: str) -> None:
    term = SEARCH_TERMS[folder]
    page, log = _open(browser, base, f"search.html?q={term}")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=PAGE_TIMEOUT_MS)
        hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
        assert any(f"/chapters/{folder}/" in h for h in hits), (
            f"searching the book for {term!r} lists no page of chapters/{folder}/: {hits[:8]}")
        assert not log.refused, f"the search page asked for files off the machine: {log.refused}"
    finally:
        page.context.close()


@pytest.mark.parametrize("docname", EXERCISES)
def test_exercise_pages_hand_out_the_student_notebook(docname: str, browser, base: str) -> None:
    page, _ = _open(browser, base, f"{docname}.html")
    try:
        assert page.get_by_text(EXERCISE_NOTE_TITLE).count() == 1, (
            f"{docname}.html does not say how to open it in JupyterLab (lmrl_utils/book_exercises.py)")
        links = page.eval_on_selector_all("a[href$='.ipynb']", "els => els.map(a => a.href)")
        assert links, f"{docname}.html has no download button for its notebook"
        for link in set(links):
            response = page.request.get(link)
            assert response.ok, f"{docname}.html: its download {link} answers {response.status}"
            served_nb = nbformat.reads(response.text(), as_version=4)
            student = nbformat.read(REPO / f"{docname}.ipynb", as_version=4)
            assert [c.source for c in served_nb.cells] == [c.source for c in student.cells], (
                f"{docname}.html's download {link} is not the student notebook chapters/…/{Path(docname).name}"
                ".ipynb: regenerate with `make release` and rebuild the book")
            text = json.dumps(served_nb)
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, (
                f"{docname}.html's download {link} holds solutions or hidden tests")
    finally:
        page.context.close()


@pytest.mark.parametrize("name, path", [("landing", "intro.html"),
                                        ("narrative", "chapters/01_attention/self_attention.html"),
                                        ("exercise", "chapters/01_attention/attention.html")])
def test_screenshots(name: str, path: str, browser, base: str) -> None:
    """What a reader sees, for a person to look at (the first screen of each kind of page)."""
    page, _ = _open(browser, base, path)
    try:
        page.evaluate(MATH_REPORT)  # wait for the formulas
        shot = artifacts_dir() / f"book-{name}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000, f"the screenshot {shot} is nearly empty: the page did not render"
    finally:
        page.context.close()


def test_the_search_terms_name_every_chapter() -> None:
    assert set(SEARCH_TERMS) == {c.folder for c in CHAPTERS}, "give each chapter one search term"
