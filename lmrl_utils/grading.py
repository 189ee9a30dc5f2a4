"""Checks that a graded function or class is the student's own code, written in the notebook.

The course's reference implementations are installed with `lmrl_utils`, and students may import any helper
from it, but not the very item an exercise grades. `check_written_here` reads the syntax tree of the student's
definition and fails, with a message saying why, when it is the reference itself, an alias of it, a subclass
of it, or code that calls it (directly, through a global alias, or through another notebook function).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Iterable

from lmrl_utils.checks import CheckFailed


def _qualname(obj: object) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _functions_of(obj: object) -> list[types.FunctionType]:
    """The plain functions whose code makes up `obj` (the function itself, or a class's methods)."""
    if isinstance(obj, types.FunctionType):
        return [obj]
    if isinstance(obj, type):
        found = []
        for value in vars(obj).values():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property):
                value = value.fget
            if isinstance(value, types.FunctionType):
                found.append(value)
        return found
    return []


def _resolve(node: ast.expr, namespace: dict) -> object | None:
    """Evaluate a Name or dotted Attribute chain in `namespace` without running any call; None if unknown."""
    if isinstance(node, ast.Name):
        if node.id in namespace:
            return namespace[node.id]
        builtins = namespace.get("__builtins__", {})
        builtins = builtins if isinstance(builtins, dict) else vars(builtins)
        return builtins.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, namespace)
        if base is None:
            return None
        try:
            return inspect.getattr_static(base, node.attr)
        except AttributeError:
            return None
    return None


def _source_tree(func: types.FunctionType, label: str) -> ast.AST:
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError) as err:
        raise CheckFailed(
            f"cannot read the source of {label}: define it with `def`/`class` in a code cell of this notebook "
            f"(not with exec, not loaded from a file)."
        ) from err
    return ast.parse(textwrap.dedent(source))


def check_written_here(
    obj: object,
    reference: object,
    forbidden: Iterable[object] = (),
    forbidden_attrs: Iterable[str] = (),
) -> None:
    """Fail unless `obj` is defined in the notebook and never uses `reference` (nor anything in `forbidden`).

    `forbidden` holds other objects the exercise asks students to rebuild (e.g. `torch.softmax` in the
    softmax exercise); `forbidden_attrs` holds method names to refuse whatever they are called on
    (e.g. "softmax" catches `x.softmax(-1)`).
    Example: check_written_here(softmax, lmrl_utils.attention.softmax, forbidden=[torch.softmax])
    """
    name = getattr(reference, "__name__", "the graded item")
    ref_label = _qualname(reference)
    why = "Graded exercises check your own code; you may import other helpers from lmrl_utils."
    if obj is None:
        raise CheckFailed(f"`{name}` is None: run the cell that defines it.")
    if obj is reference:
        raise CheckFailed(f"`{name}` is the course's reference `{ref_label}`, imported or aliased. {why}")
    if isinstance(obj, type) and isinstance(reference, type) and issubclass(obj, reference):
        raise CheckFailed(f"`{name}` subclasses the course's reference `{ref_label}`. {why}")
    if getattr(obj, "__module__", None) != "__main__":
        raise CheckFailed(
            f"`{name}` comes from module `{getattr(obj, '__module__', '?')}`, not from this notebook: "
            f"write it with `def`/`class` in the cell marked YOUR CODE HERE. {why}"
        )
    banned = [reference, *forbidden]
    banned_attrs = set(forbidden_attrs)
    ref_module = getattr(reference, "__module__", "")
    seen: set[int] = set()
    todo = _functions_of(obj)
    if not todo:
        raise CheckFailed(f"`{name}` should be a function or a class, got {type(obj).__name__}.")
    while todo:
        func = todo.pop()
        if id(func.__code__) in seen:
            continue
        seen.add(id(func.__code__))
        tree = _source_tree(func, f"`{func.__qualname__}`")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == ref_module:
                if any(alias.name == name for alias in node.names):
                    raise CheckFailed(f"`{func.__qualname__}` imports the reference `{ref_label}`. {why}")
            if not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            if isinstance(node, ast.Attribute) and ast.unparse(node) == f"{ref_module}.{name}":
                raise CheckFailed(f"`{func.__qualname__}` calls the reference `{ref_label}`. {why}")
            target = _resolve(node, func.__globals__)
            if target is None:
                continue
            if any(target is b for b in banned):
                what = "the reference" if target is reference else "the built-in"
                raise CheckFailed(
                    f"`{func.__qualname__}` uses {what} `{ast.unparse(node)}` ({_qualname(target)}); "
                    f"this exercise asks you to build it yourself. {why if target is reference else ''}".rstrip()
                )
            # follow calls into other notebook functions and classes, so a helper cannot hide the reference
            if getattr(target, "__module__", None) == "__main__" and target is not obj:
                todo.extend(_functions_of(target))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in banned_attrs:
                raise CheckFailed(
                    f"`{func.__qualname__}` calls `.{node.attr}`, which this exercise asks you to build yourself."
                )
