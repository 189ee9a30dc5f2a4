"""Checks that a graded function or class is the student's own code, written in the notebook.

The course's reference implementations are installed with `lmrl_utils`, and students may import any helper
from it, but no graded item: each reference module lists its graded items in `GRADED`, and none of them may be
used by a graded exercise. `check_written_here` reads the syntax tree of the student's definition (and of every
notebook function it reaches) and fails, with a message saying why, when it is a reference itself, an alias or
a subclass of one, or code that reaches one: by name, through a course helper built on one (`dyna_q` with no
planning is Q-learning on the reference `epsilon_greedy`), through a global or local import (`import ... as`,
`from ... import`), through a parent package (`lmrl_utils.rl.tabular.q_learning`), through a closure or a
default argument, or by the dynamic routes (`importlib`, `__import__`, `sys.modules`, `getattr` on a course
module, `eval`/`exec`, `globals()`/`vars()`), which graded code has no reason to use.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import sys
import textwrap
import types
from collections.abc import Iterable

from lmrl_utils.grading.checks import CheckFailed

# Ways to reach an object by a name computed at run time, which a syntax tree cannot follow.
DYNAMIC = {id(f): name for f, name in [
    (importlib.import_module, "importlib.import_module"), (importlib.__import__, "importlib.__import__"),
    (builtins.__import__, "__import__"), (builtins.eval, "eval"), (builtins.exec, "exec"),
    (builtins.compile, "compile"), (builtins.globals, "globals()"), (builtins.vars, "vars()"),
    (sys.modules, "sys.modules"),
]}


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


def _local_imports(tree: ast.AST) -> dict[str, object]:
    """Names bound by import statements inside a function body, resolved as Python would bind them."""
    bound: dict[str, object] = {}
    for node in ast.walk(tree):
        try:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound[alias.asname] = importlib.import_module(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        importlib.import_module(alias.name)
                        bound[top] = sys.modules[top]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    value = getattr(module, alias.name, None)
                    if value is None:
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    bound[alias.asname or alias.name] = value
        except ImportError:
            continue
    return bound


def _graded_items(reference: object) -> list[object]:
    """Every graded item of the reference's module (its `GRADED` names), the reference included."""
    module = sys.modules.get(getattr(reference, "__module__", ""), None)
    names = getattr(module, "GRADED", ())
    return [reference, *(getattr(module, n) for n in names if getattr(module, n, None) is not reference)]


def _is_course_module(obj: object) -> bool:
    return isinstance(obj, types.ModuleType) and obj.__name__.split(".")[0] == "lmrl_utils"


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


def _in_course(obj: object) -> bool:
    return str(getattr(obj, "__module__", "") or "").split(".")[0] == "lmrl_utils"


def _graded_reached(obj: object, graded: list, seen: set[int]) -> object | None:
    """The graded item that the course helper `obj` (a function or class of lmrl_utils) reaches, or None.

    Follows, by name, the course functions and classes its code uses (its module's globals, its own imports and
    default arguments), so `dyna_q(..., n_planning=0)`, which is Q-learning built on the reference
    `epsilon_greedy`, counts as the reference. Calls made through arguments (a model passed in) are not seen.
    """
    for func in _functions_of(obj):
        if id(func.__code__) in seen:
            continue
        seen.add(id(func.__code__))
        defaults = [*(func.__defaults__ or ()), *(func.__kwdefaults__ or {}).values()]
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        except (OSError, TypeError, SyntaxError):
            tree = None  # generated code (dataclass methods): nothing of ours to follow
        namespace = {**func.__globals__, **(_local_imports(tree) if tree else {})}
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute))] if tree else []
        for target in [*defaults, *(_resolve(n, namespace) for n in nodes)]:
            if target is None or target is obj:
                continue
            if any(target is g for g in graded):
                return target
            if _in_course(target) and isinstance(target, (types.FunctionType, type)):
                hit = _graded_reached(target, graded, seen)
                if hit is not None:
                    return hit
    return None


def _check_function(func: types.FunctionType, graded: list, banned: list, banned_attrs: set[str], why: str,
                    ref_module: str) -> list[types.FunctionType]:
    """Fail if `func`'s code reaches a banned object; return the notebook functions it calls, to check next."""
    label = f"`{func.__qualname__}`"
    tree = _source_tree(func, label)
    graded_names = {getattr(g, "__name__", "") for g in graded}
    # what the function's code can see: its own imports, then its closure, then the notebook's globals
    nonlocals = inspect.getclosurevars(func).nonlocals
    namespace = {**func.__globals__, **nonlocals, **_local_imports(tree)}
    hidden = [*(func.__defaults__ or ()), *(func.__kwdefaults__ or {}).values(), *nonlocals.values()]
    for value in hidden:
        if any(value is g for g in graded):
            raise CheckFailed(f"{label} holds the reference `{_qualname(value)}` in a default argument or a "
                              f"closure. {why}")
    follow = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == ref_module:
            hit = [alias.name for alias in node.names if alias.name in graded_names]
            if hit:
                raise CheckFailed(f"{label} imports the reference `{ref_module}.{hit[0]}`. {why}")
        if isinstance(node, ast.Call) and node.args and _resolve(node.func, namespace) is builtins.getattr \
                and _is_course_module(_resolve(node.args[0], namespace)):
            raise CheckFailed(f"{label} looks up a name of a course module with getattr: call the helpers you "
                              f"need by name. {why}")
        if not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        if isinstance(node, ast.Attribute) and ast.unparse(node) in {f"{ref_module}.{n}" for n in graded_names}:
            raise CheckFailed(f"{label} calls the reference `{ast.unparse(node)}`. {why}")
        target = _resolve(node, namespace)
        if target is None:
            continue
        if id(target) in DYNAMIC:
            raise CheckFailed(f"{label} uses `{ast.unparse(node)}` ({DYNAMIC[id(target)]}), which reaches code by "
                              f"a name computed at run time; graded code must not use it. {why}")
        if any(target is b for b in banned):
            own = any(target is g for g in graded)
            what = "the graded reference" if own else "the built-in"
            raise CheckFailed(f"{label} uses {what} `{ast.unparse(node)}` ({_qualname(target)}); this exercise "
                              f"asks you to build it yourself. {why if own else ''}".rstrip())
        if getattr(target, "__module__", None) == "__main__":  # a helper of the notebook: check it too
            follow.extend(_functions_of(target))
        elif _in_course(target) and isinstance(target, (types.FunctionType, type)):
            hit = _graded_reached(target, graded, set())
            if hit is not None:
                raise CheckFailed(f"{label} calls the course's `{ast.unparse(node)}` ({_qualname(target)}), which "
                                  f"is built on the graded reference `{_qualname(hit)}`; write this exercise "
                                  f"without it. {why}")
    for node in ast.walk(tree):  # methods refused whatever they are called on, after the clearer messages above
        if isinstance(node, ast.Attribute) and node.attr in banned_attrs:
            raise CheckFailed(f"{label} calls `.{node.attr}`, which this exercise asks you to build yourself.")
    return follow


def check_written_here(
    obj: object,
    reference: object,
    forbidden: Iterable[object] = (),
    forbidden_attrs: Iterable[str] = (),
) -> None:
    """Fail unless `obj` is defined in the notebook and uses no graded reference (nor anything in `forbidden`).

    The graded references are `reference` and every item its module lists in `GRADED`. `forbidden` holds
    other objects the exercise asks students to rebuild (e.g. `torch.softmax` in the softmax exercise);
    `forbidden_attrs` holds method names to refuse whatever they are called on ("softmax" catches
    `x.softmax(-1)`). Example: check_written_here(softmax, lmrl_utils.lm.attention.softmax, [torch.softmax])
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
    graded = _graded_items(reference)
    banned = [*graded, *forbidden]
    todo = _functions_of(obj)
    if not todo:
        raise CheckFailed(f"`{name}` should be a function or a class, got {type(obj).__name__}.")
    seen: set[int] = set()
    while todo:
        func = todo.pop()
        if id(func.__code__) in seen:
            continue
        seen.add(id(func.__code__))
        todo.extend(_check_function(func, graded, banned, set(forbidden_attrs), why,
                                    getattr(reference, "__module__", "")))
