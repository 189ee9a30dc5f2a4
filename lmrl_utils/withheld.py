"""What the student package's stubs call: the student's own version of a graded item, or a clear error.

A course graded for credit gives students a build of this package whose graded references are stubs
(`python -m lmrl_utils.student_package OUT`, lmrl_utils/student_package.py). A stub looks its name up here: first
what this kernel was given with `use_mine`, then what was saved with `keep` in the student's file (`$LMRL_MINE`,
default `~/.lmrl/mine.py`). So a student who wrote `train_bpe` in Chapter 2 and kept it finds the library's
Chapter 3 code running on their tokenizer; one who did not gets `ReferenceWithheld`, which says where to write it.

Example (in a Chapter 2 notebook, after the exercise):

    from lmrl_utils.withheld import keep
    keep(pretoken_counts, merge_pair, train_bpe, Tokenizer)   # later chapters now use these

Keep the helpers your graded code calls as well; the kept file can use numpy, torch (`nn`, `F`), `math` and every
public name of the reference modules without importing them.

    >>> CHAPTER_OF["lmrl_utils.lm.tokenization"]
    '02_tokenization'
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

# The module holding each graded reference -> the chapter (assignment id) whose notebook asks for it.
CHAPTER_OF = {
    "lmrl_utils.warmup": "00_getting_started",
    "lmrl_utils.lm.attention": "01_attention",
    "lmrl_utils.lm.tokenization": "02_tokenization",
    "lmrl_utils.lm.gpt": "03_lm_training",
    "lmrl_utils.lm.decoding": "03_lm_training",
    "lmrl_utils.rl.tabular": "04_mdp",
    "lmrl_utils.rl.imitation": "05_imitation",
    "lmrl_utils.rl.policy_gradient": "06_policy_gradients",
    "lmrl_utils.rlhf.rlhf": "07_rlhf",
}

# What a kept file can use without importing it (notebook cells rely on their notebook's imports): the usual
# libraries and every public name of the reference modules (a graded name not kept is that module's stub).
PRELUDE = "import math\nimport numpy as np\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n" + \
    "".join(f"from {module} import *  # noqa: F403\n" for module in CHAPTER_OF)

STUDENT_BUILD = False  # True in the student build (lmrl_utils.student_package writes it)

_mine: dict[str, Callable] = {}
_loaded: dict[tuple[str, float], dict[str, Callable]] = {}  # (kept file, its mtime) -> its definitions


class ReferenceWithheld(NotImplementedError):
    """A graded item's reference is not in this (student) build, and the student has not given their own."""


def mine_file() -> Path:
    """The file `keep` writes and stubs read: `$LMRL_MINE`, or `~/.lmrl/mine.py`."""
    return Path(os.environ.get("LMRL_MINE") or Path.home() / ".lmrl" / "mine.py").expanduser()


def use_mine(*objects: Callable) -> None:
    """Use these functions or classes (by their `__name__`) wherever this kernel's library calls a graded item."""
    for obj in objects:
        _mine[obj.__name__] = obj


def keep(*objects: Callable) -> Path:
    """`use_mine`, and save their source in `mine_file()` (replacing older versions) so later notebooks use them,
    with the import statements they may need (their module's, or those of every cell this notebook ran)."""
    use_mine(*objects)
    path = mine_file()
    imports, kept = _parts(path.read_text()) if path.exists() else ([], {})
    for obj in objects:
        kept[obj.__name__] = textwrap.dedent(inspect.getsource(obj))
        imports += [line for line in _imports_of(obj) if line not in imports]
    path.parent.mkdir(parents=True, exist_ok=True)
    head = PRELUDE + "".join(f"{line}\n" for line in imports if line not in PRELUDE)
    path.write_text(head + "".join(f"\n\n{source.rstrip()}\n" for source in kept.values()))
    return path


def _parts(text: str) -> tuple[list[str], dict[str, str]]:
    """([import statement], {name: source}) at the top level of Python `text` (decorators included)."""
    tree, lines = ast.parse(text), text.splitlines()
    imports, defs = [], {}
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        segment = "\n".join(lines[first - 1:node.end_lineno])
        if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", "") != "__future__":
            imports.append(segment)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defs[node.name] = segment
    return imports, defs


def _imports_of(obj: Callable) -> list[str]:
    """The import statements `obj`'s code ran with: its module's, or, for a notebook cell, every cell's."""
    module = inspect.getmodule(obj)
    if module is not None and getattr(module, "__file__", None):
        return _parts(inspect.getsource(module))[0]
    try:
        cells = get_ipython().user_ns.get("In", [])  # noqa: F821 - defined in a notebook's kernel only
    except NameError:
        return []
    imports = []
    for cell in cells:
        try:
            imports += [line for line in _parts(cell)[0] if line not in imports]
        except SyntaxError:  # a cell with IPython magics: its imports are not read
            continue
    return imports


def _load_kept() -> dict[str, Callable]:
    """The functions and classes of the student's kept file, run in a namespace of their own."""
    path = mine_file()
    if not path.exists():
        return {}
    key = (str(path), path.stat().st_mtime)
    if key not in _loaded:
        namespace: dict = {"__name__": "lmrl_mine"}
        exec(compile(path.read_text(), str(path), "exec"), namespace)  # the student's own code, on their machine
        _loaded[key] = {name: namespace[name] for name in _parts(path.read_text())[1]}
    return _loaded[key]


def fingerprint() -> str:
    """A hash of the student's own code (the kept file and what `use_mine` was given): part of every cache key in
    the student build, so artefacts built with an older version of their code are rebuilt, not reused."""
    digest = hashlib.sha256(mine_file().read_bytes() if mine_file().exists() else b"")
    for name in sorted(_mine):
        try:
            digest.update(name.encode() + inspect.getsource(_mine[name]).encode())
        except (OSError, TypeError):  # no source to read (defined at a prompt): its name and identity, this run
            digest.update(f"{name}{id(_mine[name])}".encode())
    return digest.hexdigest()[:16]


class WithheldClass(type):
    """The metaclass of a student build's stub class: calling it, reading its attributes (`GPT.forward`) and
    `isinstance` against it all go to the student's own class."""

    def own(cls) -> type:
        """The student's own class of this name (or `ReferenceWithheld`)."""
        return withheld(cls.__module__, cls.__name__)

    def __call__(cls, *args, **kwargs):
        return cls.own()(*args, **kwargs)

    def __getattr__(cls, name: str):
        return getattr(cls.own(), name)

    def __instancecheck__(cls, obj: object) -> bool:
        try:
            return isinstance(obj, cls.own())
        except ReferenceWithheld:
            return False


def withheld(module: str, name: str) -> Callable:
    """The student's own `name` (kept or given to `use_mine`), or `ReferenceWithheld` saying where to write it."""
    if name in _mine:
        return _mine[name]
    kept = _load_kept()
    if name in kept:
        _mine.update(kept)
        return kept[name]
    chapter = CHAPTER_OF.get(module, "the course")
    part = name in getattr(sys.modules.get(module), "ANSWER_PARTS", ())
    raise ReferenceWithheld(
        f"`{module}.{name}` is {'part of the answer to ' if part else ''}a graded exercise of {chapter}, and this "
        f"student build of lmrl_utils leaves out its "
        f"reference. Write it in {chapter}'s notebook, then run `from lmrl_utils.withheld import keep; "
        f"keep({name})` there: this library (and later chapters) will use your version, read from {mine_file()}.")
