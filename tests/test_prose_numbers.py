"""Prose never outruns the code: a number a page's code computes reaches the text through myst-nb glue.

The scan looks at each page's prose (code cells, math, inline code, roles such as `{glue:text}` and comments
removed) for numbers that look measured: decimals (0.74), percentages (15 %), multipliers (6×) and large counts
(110,784). Each must be glued from the page's code. A number that is a definition, a citation, a
hyper-parameter or an example's input is declared once in the page's `<!-- Constants: 9.9; 9.11 -->` comment
(separated by semicolons), and every declared constant must occur in the prose, so the list cannot go stale.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted((REPO / "chapters").glob("*/*.md")) + sorted((REPO / "appendix").glob("*.md")) + [REPO / "intro.md"]
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+(?:\s?%|×))(?![\w])")
CONSTANTS = re.compile(r"<!--\s*Constants:(.*?)-->", re.S)


def prose(text: str) -> str:
    """The page's prose: without front matter, code cells, comments, math, inline code and roles."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    for pattern in (r"```.*?```", r"<!--.*?-->", r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"\{[\w:-]+\}`[^`]*`", r"`[^`]*`"):
        text = re.sub(pattern, " ", text, flags=re.S)
    return text


def declared(text: str) -> set[str]:
    return {c.strip() for block in CONSTANTS.findall(text) for c in block.split(";") if c.strip()}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_numbers_in_prose_are_glued_or_declared(page):
    text = page.read_text(encoding="utf-8")
    found = NUMBER.findall(prose(text))
    allowed = declared(text)
    typed = sorted({n for n in found if n not in allowed})
    assert not typed, (
        f"{page.relative_to(REPO)} types {typed} in its prose. Glue each measured number from the code "
        "(glue('name', value, display=False), then {glue:text}`name:.2f`); declare a definition, citation or "
        "hyper-parameter in the page's <!-- Constants: a; b --> comment.")
    unused = sorted(allowed - set(found))
    assert not unused, f"{page.relative_to(REPO)} declares constants its prose no longer uses: {unused}"
