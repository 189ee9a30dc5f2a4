"""The book's figures and pages work for readers who use a screen reader or do not see every colour (fast).

- Every code cell of a narrative page (a `.md` page of `_toc.yml`) that draws a figure carries alt text in its
  metadata, the convention of Chapters 5-7, and every Markdown image has alt text:

      ```{code-cell} ipython3
      ---
      mystnb:
        image:
          alt: "What the figure shows: its axes, what each curve or panel is, what the reader should see."
      ---
      fig, ax = plt.subplots()
      ```

  A cell draws when it calls pyplot (`plt.subplots`, `plt.show`, ...), a plotting helper of `lmrl_utils` (a
  function that takes an `ax` or returns a Figure, e.g. `plot_policy_map`), or a function of the page that does.
- No colour map that colour-blind readers cannot read (rainbow maps such as jet or hsv, red-yellow-green), and no
  red against green in one figure, in a page or in `lmrl_utils`: use `lmrl_utils.plotting.PALETTE` (Okabe-Ito),
  viridis / cividis, or a red-blue diverging map.
- Headings never skip a level, and each chapter's landing page opens with three boxes, in this order:
  "What you will build", "Learning objectives" and "Expected results", whose numbers are all glued from the page's
  code (`{glue:text}`), never typed.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path

import jupytext
import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent


def toc_pages() -> list[Path]:
    """The narrative pages of the book: every `.md` file `_toc.yml` lists (the exercise notebooks are generated)."""
    spec = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [spec["root"]]

    def walk(node) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key, []))

    walk(spec)
    return [REPO / f"{name}.md" for name in files if (REPO / f"{name}.md").exists()]


PAGES = toc_pages()
LANDING_PAGES = [p for p in PAGES if p.parent.parent.name == "chapters" and p.name == "index.md"]


def page_id(page: Path) -> str:
    return page.relative_to(REPO).as_posix()


def code_cells(nb) -> list[tuple[int, str, dict]]:
    """(index of the cell on the page, counting every cell from 0, source, metadata) of each code cell."""
    return [(i, c.source, c.metadata) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def parse(source: str) -> ast.Module | None:
    """The cell's syntax tree, IPython magics and shell lines blanked out; None if it still does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Which cells draw a figure
# ---------------------------------------------------------------------------------------------------------------

# pyplot functions that create or draw into a figure (the inline backend shows it at the end of the cell)
PYPLOT_DRAWING = {"show", "figure", "subplots", "subplot", "subplot_mosaic", "plot", "imshow", "matshow", "bar",
                  "barh", "scatter", "hist", "hist2d", "pcolormesh", "contour", "contourf", "semilogx", "semilogy",
                  "loglog", "errorbar", "fill_between", "step", "stem", "pie", "boxplot", "violinplot", "axhline",
                  "axvline", "text", "annotate"}


def course_plotting_helpers() -> set[str]:
    """Functions of lmrl_utils that draw: a module that imports matplotlib, a public function of it that takes an
    `ax` (or any Axes parameter) or returns a Figure."""
    import lmrl_utils

    helpers = set()
    for info in pkgutil.walk_packages(lmrl_utils.__path__, "lmrl_utils."):
        spec_path = Path(importlib.util.find_spec(info.name).origin or "")
        if spec_path.suffix != ".py" or "matplotlib" not in spec_path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            signature = inspect.signature(fn)
            takes_axes = any(p.name == "ax" or "Axes" in str(p.annotation) for p in signature.parameters.values())
            if takes_axes or "Figure" in str(signature.return_annotation):
                helpers.add(name)
    return helpers


HELPERS = course_plotting_helpers()


def pyplot_names(trees: list[ast.Module]) -> tuple[set[str], set[str]]:
    """The names the page gives pyplot (`import matplotlib.pyplot as plt`) and pyplot functions it imports."""
    modules, functions = {"plt"}, set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {a.asname or a.name for a in node.names if a.name == "matplotlib.pyplot"}
            elif isinstance(node, ast.ImportFrom) and node.module == "matplotlib":
                modules |= {a.asname or a.name for a in node.names if a.name == "pyplot"}
            elif isinstance(node, ast.ImportFrom) and node.module == "matplotlib.pyplot":
                functions |= {a.asname or a.name for a in node.names if a.name in PYPLOT_DRAWING}
    return modules, functions


class _Calls(ast.NodeVisitor):
    """The calls a piece of code makes when it runs: function and class bodies are skipped (they run when called)."""

    def __init__(self) -> None:
        self.calls: list[ast.Call] = []

    def visit_FunctionDef(self, node) -> None:  # noqa: N802 - ast.NodeVisitor's naming
        pass

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef  # noqa: N815

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        self.calls.append(node)
        self.generic_visit(node)


def calls_made(nodes) -> list[ast.Call]:
    visitor = _Calls()
    for node in nodes:
        visitor.visit(node)
    return visitor.calls


class FigureFinder:
    """Decides which cells of one page draw a figure."""

    def __init__(self, trees: list[ast.Module]) -> None:
        self.pyplot, self.pyplot_functions = pyplot_names(trees)
        self.drawers = set(HELPERS) | self.pyplot_functions
        functions = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
        changed = True
        while changed:  # a page function that calls a drawing function draws too, however deep
            changed = False
            for fn in functions:
                if fn.name not in self.drawers and self._draws(calls_made(fn.body)):
                    self.drawers.add(fn.name)
                    changed = True

    def _draws(self, calls: list[ast.Call]) -> bool:
        for call in calls:
            f = call.func
            if isinstance(f, ast.Name) and f.id in self.drawers:
                return True
            if isinstance(f, ast.Attribute):
                if isinstance(f.value, ast.Name) and f.value.id in self.pyplot and f.attr in PYPLOT_DRAWING:
                    return True
                if f.attr in HELPERS:  # e.g. plots.plot_policy_map(...)
                    return True
        return False

    def draws(self, tree: ast.Module) -> bool:
        return self._draws(calls_made(tree.body))


def figure_cells(page: Path) -> list[tuple[int, str, dict]]:
    """The code cells of `page` that draw a figure: (cell index, source, metadata)."""
    cells = code_cells(jupytext.read(page))
    trees = {i: parse(source) for i, source, _ in cells}
    finder = FigureFinder([t for t in trees.values() if t is not None])
    found = []
    for i, source, meta in cells:
        tree = trees[i]
        drawing = finder.draws(tree) if tree is not None else bool(re.search(r"\bplt\.(show|subplots)\(", source))
        if drawing:
            found.append((i, source, meta))
    return found


def alt_text(meta: dict) -> str:
    return str(((meta.get("mystnb") or {}).get("image") or {}).get("alt") or "").strip()


def describe(i: int, source: str) -> str:
    first = next((line for line in source.splitlines() if line.strip() and not line.startswith("#")), "")
    return f"code cell {i} (starting {first.strip()[:60]!r})"


ALT_HELP = ("Give it alt text in the cell's metadata, as Chapters 5-7 do:\n"
            "```{code-cell} ipython3\n---\nmystnb:\n  image:\n    alt: \"...\"\n---\n"
            "One to three sentences: the axes, what each curve or panel is, what the reader should see "
            "(no number the code computes).")


def test_the_detector_finds_figures_drawn_in_every_way():
    trees = [ast.parse(s) for s in (
        "import matplotlib.pyplot as pl\nfrom lmrl_utils.plotting import attention_heatmap",
        "def show_curve(xs):\n    fig, ax = pl.subplots()\n    ax.plot(xs)",
        "def twice(xs):\n    show_curve(xs)\n    show_curve(xs)",
    )]
    finder = FigureFinder(trees)
    for drawing in ("fig, ax = pl.subplots()\nax.plot([1, 2])", "pl.show()", "twice([1, 2])",
                    "attention_heatmap(ax, w)", "from lmrl_utils.rl import plots\nplots.plot_lake(ax, desc)"):
        assert finder.draws(ast.parse(drawing)), drawing
    for quiet in ("pl.rcParams['font.size'] = 10", "def later():\n    pl.show()", "print(show_curve)",
                  "import matplotlib.pyplot as pl", "use_course_style()"):
        assert not finder.draws(ast.parse(quiet)), quiet
    assert {"attention_heatmap", "plot_policy_map", "plot_lake"} <= HELPERS
    assert not {"smooth", "use_course_style"} & HELPERS


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_figure_has_alt_text(page):
    missing = [describe(i, source) for i, source, meta in figure_cells(page) if not alt_text(meta)]
    assert not missing, f"{page_id(page)}: {len(missing)} figure(s) without alt text: {missing}. {ALT_HELP}"
    for i, source, meta in figure_cells(page):
        alt = alt_text(meta)
        assert len(alt.split()) >= 8 and not re.search(r"\.(png|svg|jpe?g)\b", alt), (
            f"{page_id(page)}, {describe(i, source)}: the alt text {alt!r} does not describe the figure. {ALT_HELP}")


MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
IMAGE_DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{(figure|image)\}[^\n]*\n(.*?)^\1", re.S | re.M)
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_markdown_image_has_alt_text(page):
    nb = jupytext.read(page)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for alt, src in MARKDOWN_IMAGE.findall(cell.source):
            assert alt.strip(), (f"{page_id(page)}, markdown cell {i}: the image {src!r} has no alt text: "
                                 f"![what it shows]({src})")
        for _, kind, body in IMAGE_DIRECTIVE.findall(cell.source):
            assert re.search(r"^:alt:\s*\S", body, re.M), (
                f"{page_id(page)}, markdown cell {i}: a {{{kind}}} directive has no :alt: option")
        for tag in HTML_IMAGE.findall(cell.source):
            assert re.search(r"\balt\s*=\s*\"[^\"]+\"", tag), f"{page_id(page)}, markdown cell {i}: {tag} has no alt"


# ---------------------------------------------------------------------------------------------------------------
# Colours
# ---------------------------------------------------------------------------------------------------------------

# rainbow-like maps (hue carries the value: unreadable without full colour vision, and not ordered in lightness)
# and red-yellow-green (red against green): use viridis / cividis / magma, or a red-blue diverging map
UNSAFE_CMAPS = {"jet", "rainbow", "gist_rainbow", "hsv", "nipy_spectral", "gist_ncar", "Spectral", "RdYlGn",
                "turbo", "prism", "flag", "brg", "gist_stern"}
UNSAFE_CMAPS |= {f"{name}_r" for name in UNSAFE_CMAPS}
REDS = {"red", "tab:red", "darkred", "crimson", "firebrick", "xkcd:red", "#ff0000", "#d62728"}
GREENS = {"green", "tab:green", "lime", "darkgreen", "forestgreen", "limegreen", "seagreen", "xkcd:green",
          "#00ff00", "#008000", "#2ca02c"}
COLOUR_KEYWORDS = {"color", "c", "colors", "facecolor", "edgecolor", "mfc", "mec", "markerfacecolor",
                   "markeredgecolor"}
FMT = re.compile(r"^[-.:,o^v<>1-4sp*hH+xXDd|_]*([bgrcmykw])[-.:,o^v<>1-4sp*hH+xXDd|_]*$")
PLOTS_WITH_FMT = {"plot", "semilogx", "semilogy", "loglog"}


def _strings(node: ast.AST | None) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)] if node else []


def unsafe_cmaps(tree: ast.Module) -> list[str]:
    """Colour maps that colour-blind readers cannot read, named where the code chooses a colour map: a `cmap`
    argument or parameter default, a name with "cmap" in it, `get_cmap(...)`, `colormaps[...]`, `cm.<name>`."""
    named = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            named += [s for kw in node.keywords if kw.arg and "cmap" in kw.arg.lower() for s in _strings(kw.value)]
            if getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_cmap":
                named += [s for arg in node.args for s in _strings(arg)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args
            defaults = list(zip(args[len(args) - len(node.args.defaults):], node.args.defaults, strict=True))
            defaults += list(zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True))
            named += [s for arg, default in defaults if "cmap" in arg.arg.lower() for s in _strings(default)]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any("cmap" in getattr(t, "id", getattr(t, "attr", "")).lower() for t in targets):
                named += _strings(node.value)
        elif isinstance(node, ast.Subscript) and getattr(node.value, "attr", getattr(node.value, "id", "")) in (
                "colormaps", "cmap_d"):
            named += _strings(node.slice)
        elif isinstance(node, ast.Attribute) and getattr(node.value, "attr", getattr(node.value, "id", "")) == "cm":
            named.append(node.attr)
    return [name for name in named if name in UNSAFE_CMAPS]


def colours_used(tree: ast.AST) -> set[str]:
    """The named colours of a piece of code: colour keywords, named-colour strings, and plot format strings."""
    colours = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in REDS | GREENS:
            colours.add(node.value.lower())
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg in COLOUR_KEYWORDS:
                colours |= {c.value.lower() for c in ast.walk(kw.value)
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)}
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in PLOTS_WITH_FMT:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and (m := FMT.match(arg.value)):
                    colours.add({"r": "red", "g": "green"}.get(m.group(1), m.group(1)))
    return colours


def red_and_green(tree: ast.AST) -> bool:
    colours = {"r": "red", "g": "green"}
    used = {colours.get(c, c) for c in colours_used(tree)}
    return bool(used & REDS) and bool(used & GREENS)


def library_files() -> list[Path]:
    return sorted((REPO / "lmrl_utils").rglob("*.py"))


def test_the_colour_checks_catch_rainbows_and_red_against_green():
    assert unsafe_cmaps(ast.parse('ax.imshow(v, cmap="jet")')) == ["jet"]
    assert unsafe_cmaps(ast.parse("plt.cm.hsv(0.5)")) == ["hsv"]
    assert unsafe_cmaps(ast.parse('def f(ax, cmap: str = "RdYlGn_r"): pass')) == ["RdYlGn_r"]
    assert unsafe_cmaps(ast.parse('VALUES_CMAP = "Spectral"\nmatplotlib.colormaps["turbo"]')) == ["Spectral", "turbo"]
    assert not unsafe_cmaps(ast.parse('ax.imshow(v, cmap="viridis"); ax.contourf(p, cmap="RdBu_r")'))
    assert not unsafe_cmaps(ast.parse('options.flag = "jet"; print("hsv")'))  # not a colour map
    assert red_and_green(ast.parse('ax.plot(x, color="tab:red"); ax.plot(x, color="tab:green")'))
    assert red_and_green(ast.parse('ax.plot(x, y, "r-"); ax.plot(x, z, "go")'))
    assert not red_and_green(ast.parse('ax.plot(x, color="tab:blue"); ax.plot(x, color="tab:red")'))
    assert not red_and_green(ast.parse('open(path, "r"); ax.plot(x, color=PALETTE[2])'))


def test_no_unsafe_colour_map_in_lmrl_utils():
    bad = {f.relative_to(REPO).as_posix(): unsafe_cmaps(ast.parse(f.read_text(encoding="utf-8")))
           for f in library_files()}
    bad = {name: maps for name, maps in bad.items() if maps}
    assert not bad, (f"colour maps colour-blind readers cannot read, in {bad}: use lmrl_utils.plotting.WEIGHTS_CMAP "
                     "(viridis) for magnitudes, lmrl_utils.plotting.SIGNED_CMAP (red-blue) for signed values")


def test_no_red_against_green_in_lmrl_utils():
    for f in library_files():
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            assert not red_and_green(fn), (f"{f.relative_to(REPO)}: {fn.name} draws red against green; use "
                                           "lmrl_utils.plotting.PALETTE (Okabe-Ito), e.g. PALETTE[1] and PALETTE[2]")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_unsafe_colours_on_the_page(page):
    for i, source, _ in code_cells(jupytext.read(page)):
        tree = parse(source)
        if tree is None:
            continue
        maps = unsafe_cmaps(tree)
        assert not maps, (f"{page_id(page)}, {describe(i, source)}: colour map {maps} is not colour-blind safe; use "
                          "viridis / cividis for magnitudes, a red-blue map (RdBu) for signed values")
        assert not red_and_green(tree), (
            f"{page_id(page)}, {describe(i, source)}: red against green ({sorted(colours_used(tree))}) is not "
            "colour-blind safe; use lmrl_utils.plotting.PALETTE (Okabe-Ito) instead")


# ---------------------------------------------------------------------------------------------------------------
# Headings and the landing pages
# ---------------------------------------------------------------------------------------------------------------

FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,}).*?^\1[ \t]*$", re.S | re.M)
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$", re.M)


def markdown_text(page: Path) -> str:
    """The page's markdown cells, joined (code cells, the front matter and the jupytext header left out)."""
    return "\n\n".join(c.source for c in jupytext.read(page).cells if c.cell_type == "markdown")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_headings_never_skip_a_level(page):
    headings = [(len(m.group(1)), m.group(2)) for m in HEADING.finditer(FENCE.sub("", markdown_text(page)))]
    assert headings and headings[0][0] == 1, f"{page_id(page)} must start with one # title, got {headings[:1]}"
    assert [level for level, _ in headings].count(1) == 1, f"{page_id(page)} has more than one # title"
    for (before, title_before), (level, title) in zip(headings, headings[1:], strict=False):
        assert level <= before + 1, (f"{page_id(page)}: heading {title!r} (level {level}) follows {title_before!r} "
                                     f"(level {before}): a level is skipped")


BOXES = ("What you will build", "Learning objectives", "Expected results")
ADMONITION = re.compile(r"^(`{3,})\{admonition\}[ \t]*(.+?)[ \t]*\n(.*?)^\1[ \t]*$", re.S | re.M)


def landing_boxes(page: Path) -> tuple[str, list[tuple[str, str]]]:
    """(the text between the title and the first box, [(title, body) of the admonitions that follow each other])."""
    text = markdown_text(page)
    title = HEADING.search(text)
    rest = text[title.end():] if title else text
    boxes, position = [], 0
    for m in ADMONITION.finditer(rest):
        if boxes and rest[position:m.start()].strip():
            break  # the boxes must follow each other
        if not boxes:
            lead = rest[:m.start()]
        boxes.append((m.group(2), m.group(3)))
        position = m.end()
    return (lead if boxes else rest), boxes


def typed_numbers(body: str, strict: bool) -> list[str]:
    """Numbers a box types instead of gluing (roles, math, code and chapter numbers left out). Strict: any digit
    outside a name such as GPT-2; otherwise only the measured-looking numbers of tests/test_prose_numbers.py."""
    for pattern in (r"\{[\w:-]+\}`[^`]*`", r"`[^`]*`", r"\$[^$\n]+\$", r"\bChapters? \d+(?:\s*[–-]\s*\d+)?",
                    r"^:class:.*$", r"\b[A-Za-z]+-?\d+\b" if strict else r"(?!)"):
        body = re.sub(pattern, " ", body, flags=re.M)
    if strict:
        return re.findall(r"(?<![\w.])\d[\d.,]*", body)
    return re.findall(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+(?:\s?%|×))(?![\w])", body)


@pytest.mark.parametrize("page", LANDING_PAGES, ids=page_id)
def test_landing_page_opens_with_what_you_build_objectives_and_expected_results(page):
    lead, boxes = landing_boxes(page)
    titles = [t for t, _ in boxes[:3]]
    assert titles == list(BOXES), (
        f"{page_id(page)} must open, right after its title, with three admonitions in this order: {list(BOXES)} "
        f"(```{{admonition}} What you will build ... ```); found {titles}")
    assert not re.sub(r"<!--.*?-->", "", lead, flags=re.S).strip(), (
        f"{page_id(page)}: text between the title and the first box: {lead.strip()[:80]!r}")
    assert "**Learning objectives" not in markdown_text(page), f"{page_id(page)}: objectives in a second format"
    for title, body in boxes[:3]:
        assert body.strip(), f"{page_id(page)}: the {title!r} box is empty"
        if title != "Learning objectives":
            typed = typed_numbers(body, strict=title == "Expected results")
            assert not typed, (f"{page_id(page)}: the {title!r} box types the numbers {typed}; glue each one from "
                               "the page's code ({glue:text}`name`) or state the result in words and link the page "
                               "that measures it")


def test_typed_numbers_of_a_box_are_found():
    assert typed_numbers("loss 2.31 after {glue:text}`n:d` steps (Chapter 3, GPT-2, $4 \\times 4$)", strict=True) == [
        "2.31"]
    assert typed_numbers("it trains 300 steps ({doc}`lm`) on CartPole-v1", strict=True) == ["300"]
    assert typed_numbers("GPT-2 and TD(0), 15 % faster", strict=False) == ["15 %"]
