"""A build of lmrl_utils for students of a course graded for credit: every graded reference replaced by a stub.

The full package holds the reference of every graded item (the answer key: lmrl_utils.grading.provenance checks
that students do not call it). Installed by students, it would hand them the answers. This builds a copy of the
project (pyproject.toml, README.md, lmrl_utils/) whose reference modules keep everything but the bodies of the
names in their `GRADED`: each becomes a stub that runs the student's own version (lmrl_utils.withheld: `keep`
in the chapter's notebook) or raises `ReferenceWithheld`, which says which notebook asks for it. The grading
machine keeps the full package.

    python -m lmrl_utils.student_package dist/student        # then: pip install dist/student (or build a wheel)

Example:
    >>> print(stub_module("GRADED = ('f',)\\ndef f(x: int) -> int:\\n    '''Double.'''\\n    return 2 * x\\n",
    ...                   "m"), end="")
    GRADED = ('f',)
    from lmrl_utils.withheld import WithheldClass as _WithheldClass  # noqa: E402
    from lmrl_utils.withheld import withheld as _withheld  # noqa: E402
    def f(*args, **kwargs):
        \"\"\"Double.
    <BLANKLINE>
        Student build: runs your own `f` (lmrl_utils.withheld.keep), as the reference is left out.\"\"\"
        return _withheld('m', 'f')(*args, **kwargs)
"""

from __future__ import annotations

import argparse
import ast
import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
IMPORTS = ("from lmrl_utils.withheld import WithheldClass as _WithheldClass  # noqa: E402\n"
           "from lmrl_utils.withheld import withheld as _withheld  # noqa: E402\n")
NOTE = "Student build: runs your own `{name}` (lmrl_utils.withheld.keep), as the reference is left out."


LISTS = ("GRADED", "ANSWER_PARTS")  # a reference module's graded items, and the parts of their answers


def _assigned(node: ast.stmt) -> str | None:
    """The name a top-level `NAME = ...` statement assigns (None for any other statement)."""
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def graded_names(tree: ast.Module) -> tuple[str, ...]:
    """The names a module lists in its top-level `GRADED = (...)` and `ANSWER_PARTS = (...)` (a class the answer
    to a graded item is built from, such as GPT's Block)."""
    names: tuple[str, ...] = ()
    for node in tree.body:
        if _assigned(node) in LISTS:
            names += tuple(ast.literal_eval(node.value))
    return names


def _without_examples(doc: str) -> str:
    """`doc` without its doctest examples (a `>>>` line up to the next blank line): they would run the answer."""
    kept, skipping = [], False
    for line in doc.split("\n"):
        skipping = line.lstrip().startswith(">>>") or (skipping and bool(line.strip()))
        if not skipping:
            kept.append(line)
    return "\n".join(kept).rstrip()


def _docstring(text: str, indent: str) -> str:
    """`text` as a docstring line (triple-quoted, indented like the code; repr'd if it holds quotes or escapes)."""
    if '"""' in text or "\\" in text:
        return f"{indent}{text!r}\n"
    lines = text.split("\n")
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines[1:])
    return f'{indent}"""{lines[0]}' + (f"\n{body}" if len(lines) > 1 else "") + '"""\n'


def _stub(node: ast.FunctionDef | ast.ClassDef, module: str) -> str:
    """The stub of one graded function or class: its docstring (with a note) and a call of the student's own."""
    doc = _without_examples(ast.get_docstring(node) or "")
    note = NOTE.format(name=node.name)
    docstring = _docstring(f"{doc}\n\n{note}" if doc else note, "    ")
    if isinstance(node, ast.ClassDef):  # calling it, its attributes and isinstance: the student's own class
        return f"class {node.name}(metaclass=_WithheldClass):\n" + docstring
    return (f"def {node.name}(*args, **kwargs):\n" + docstring +
            f"    return _withheld({module!r}, {node.name!r})(*args, **kwargs)\n")


def stub_module(source: str, module: str) -> str:
    """`source` with every graded function and class replaced by its stub, the rest (comments included) as it
    was; unchanged if the module grades nothing."""
    tree = ast.parse(source)
    names = graded_names(tree)
    if not names:
        return source
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []  # (first line, last line, new text), 1-based and inclusive
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            edits.append((first, node.end_lineno, _stub(node, module)))
            found.add(node.name)
        elif _assigned(node) == "GRADED":
            end = node.end_lineno
            edits.append((end + 1, end, IMPORTS))
    if set(names) - found:
        raise ValueError(f"{module}: GRADED names {sorted(set(names) - found)}, not defined at its top level")
    for first, last, text in sorted(edits, reverse=True):
        lines[first - 1:last] = [text]
    return "".join(lines)


def build(out: Path, root: Path = PACKAGE.parent) -> list[str]:
    """Write the student build of the project at `root` into `out`; return the modules whose references it left
    out (`out` is replaced)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (root / name).exists():
            shutil.copy(root / name, out / name)
    shutil.copytree(root / "lmrl_utils", out / "lmrl_utils", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    flag = out / "lmrl_utils" / "withheld.py"
    text = flag.read_text()
    assert "\nSTUDENT_BUILD = False" in text, "lmrl_utils/withheld.py no longer sets STUDENT_BUILD = False"
    flag.write_text(text.replace("\nSTUDENT_BUILD = False", "\nSTUDENT_BUILD = True", 1))
    stubbed = []
    for path in sorted((out / "lmrl_utils").rglob("*.py")):
        module = ".".join(path.relative_to(out).with_suffix("").parts)
        source = path.read_text()
        built = stub_module(source, module)
        if built != source:
            path.write_text(built)
            stubbed.append(module)
    return stubbed


def main(argv: list[str] | None = None) -> None:
    """`python -m lmrl_utils.student_package OUT`: write the student build and say what it left out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder to write (replaced if it exists)")
    args = parser.parse_args(argv)
    for module in build(args.out):
        print(f"{module}: references left out")
    print(f"student build in {args.out}: pip install {args.out}")


if __name__ == "__main__":
    main()
