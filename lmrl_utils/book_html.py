"""Sphinx extension: what the theme emits, mended so every page works offline and passes an accessibility audit.

Three fixes, each found by the browser test of the built book (tests/test_book_browser.py):
- sphinx-thebe's scripts are dropped: live code (thebe) is off in `_config.yml`, yet its configuration script is
  emitted twice on every page (a JavaScript error, "Identifier 'THEBE_JS_URL' has already been declared") and
  names a CDN;
- the sidebar's expand/collapse toggles (`<summary>` holding only an icon) get a label for screen readers
  (axe-core rule `summary-name`, serious);
- the bibliography's entries are list items of its list (docutils marks them `doc-biblioentry`, a role that
  cannot be a child of `role="list"`: axe-core rule `aria-required-children`, critical).
"""

from __future__ import annotations

from pathlib import Path

TOGGLE = '<summary><span class="toctree-toggle" role="presentation">'
LABELLED_TOGGLE = '<summary aria-label="Show or hide this section\'s pages"><span class="toctree-toggle" ' \
                  'role="presentation">'


def is_thebe_asset(asset) -> bool:
    """True for sphinx-thebe's script, stylesheet or inline configuration."""
    name = str(getattr(asset, "filename", None) or asset)
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in name or "THEBE_JS_URL" in body


def mend(page: str) -> str:
    """Give each sidebar toggle an accessible name; make bibliography entries list items.

    >>> mend('<li>' + TOGGLE + '</span></summary>').count('aria-label')
    1
    >>> mend('<div class="citation" id="id7" role="doc-biblioentry">')
    '<div class="citation" id="id7" role="listitem">'
    """
    return page.replace(TOGGLE, LABELLED_TOGGLE).replace('role="doc-biblioentry"', 'role="listitem"')


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not is_thebe_asset(asset)]


def _mend_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        mended = mend(text)
        if mended != text:
            path.write_text(mended, encoding="utf-8")


def setup(app) -> dict:
    """Register the fixes (Jupyter Book loads this through `sphinx: extra_extensions`)."""
    app.connect("html-page-context", _drop_thebe)
    app.connect("build-finished", _mend_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
