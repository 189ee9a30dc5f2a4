"""A static scan of what a student wrote for ways to make the tests lie, and the nbgrader preprocessor that acts on it.

The tests run in the student's kernel, so code in a solution cell can replace a check helper, the provenance check
(`check_written_here`), a torch method or IPython's own execution machinery, or fetch the graded reference through
a door the provenance check does not watch (`importlib`, `sys.modules`, `__import__`, `getattr`, copied source).
None of that is needed to solve an exercise of this course, so the scan looks at every cell a student can edit
(solution cells and cells of their own; test and setup cells are restored from the gradebook) and reports:

- assignments, deletions, `setattr`/`delattr` on anything but the function's own locals (`torch.Tensor.any = ...`,
  `checks.check_close = ...`, `get_ipython().run_code = ...`), and aliases of globals made to do so;
- the doors: `importlib`, `sys.modules`, `__import__`, `builtins`, `exec`/`eval`/`compile`, `globals()`/`vars()`,
  `get_ipython`, `inspect`, `ctypes`, `gc`, dunder attributes such as `__code__` or `__dict__`, and `getattr`
  with a computed name (importing a graded reference is `check_written_here`'s business: it costs the exercise);
- the grader's data: `open`, `os`, `subprocess`, `shutil`, `pathlib`, `socket`, `signal`, `multiprocessing`.

`GradedExecute` (lmrl_utils.grading.execute, nbgrader's Execute in `nbgrader_config.py`) does not run a notebook
with findings. Every test cell gets an error naming the findings instead, so the notebook scores 0 and the student
and the instructor see why.
It is a tripwire, not a sandbox (the kernel runs in one: lmrl_utils.grading.sandbox): Python has other doors, and
what it cannot decide is left to hidden tests that a delegating answer cannot pass. tests/test_tamper.py checks that
no reference solution, correct variant or wrong answer of the course trips it, and that each attack of issue 18
does.

>>> findings("import torch\\ntorch.Tensor.any = lambda self, *a: False")
['line 2: assigns to torch.Tensor.any']
>>> findings("def f(p, lr):\\n    p.grad = None\\n    return p * lr")
[]
"""

from __future__ import annotations

import ast

from nbformat.notebooknode import NotebookNode

DOOR_NAMES = {"importlib", "__import__", "builtins", "__builtins__", "exec", "eval", "compile", "globals", "vars",
              "locals", "get_ipython", "inspect", "ctypes", "gc", "open", "breakpoint", "__loader__", "__spec__"}
DOOR_MODULES = {"importlib", "builtins", "inspect", "ctypes", "gc", "os", "subprocess", "shutil", "pathlib",
                "socket", "signal", "multiprocessing", "threading", "sys", "IPython", "nbgrader", "sqlite3",
                "sqlalchemy", "pickle", "marshal", "types", "code", "runpy", "pty", "tempfile", "io"}
DUNDERS_ALLOWED = {"__init__", "__call__", "__name__", "__len__", "__getitem__", "__iter__", "__repr__", "__class__"}


def _root(node: ast.AST) -> ast.AST:
    """The innermost object of `a.b[c].d` (a Name, a Call, ...)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _bound(target: ast.AST) -> set[str]:
    """The names an assignment target binds as a whole (`x`, `a, b`, `*rest`), not those it only reads."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*map(_bound, target.elts)) if target.elts else set()
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return set()


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - only for the message
        return "an object"


class _Scan(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []
        self.scopes: list[set[str]] = []  # locals of the enclosing functions (innermost last)
        self.aliases: list[set[str]] = []  # locals that are other names for globals (m = torch)

    def flag(self, node: ast.AST, what: str) -> None:
        self.found.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    def local(self, name: str) -> bool:
        return bool(self.scopes) and name in self.scopes[-1] and name not in self.aliases[-1]

    def visit_Module(self, node: ast.Module) -> None:
        self._scope(node, node.body, set())  # a cell's own top-level variables are its own objects

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
        self._scope(node, node.body if isinstance(node.body, list) else [node.body], params)

    def _scope(self, node: ast.AST, body: list[ast.AST], names: set[str]) -> None:
        """Visit `node` with the locals its body binds (imports are not locals: they are shared modules)."""
        aliases: set[str] = set()
        for sub in (n for stmt in body for n in ast.walk(stmt)):  # roughly in source order
            if isinstance(sub, ast.Assign):
                value_root = _root(sub.value)
                global_value = isinstance(sub.value, (ast.Name, ast.Attribute)) and not (
                    isinstance(value_root, ast.Name) and value_root.id in names - aliases)
                for target in sub.targets:
                    bound = _bound(target)
                    names |= bound
                    if global_value:
                        aliases |= bound  # another name for something global (m = torch): treat it as global
            elif isinstance(sub, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr,
                                  ast.comprehension)):
                names |= _bound(sub.target)
            elif isinstance(sub, ast.withitem) and sub.optional_vars is not None:
                names |= _bound(sub.optional_vars)
            elif isinstance(sub, ast.ExceptHandler) and sub.name:
                names.add(sub.name)
        self.scopes.append(names)
        self.aliases.append(aliases)
        self.generic_visit(node)
        self.scopes.pop()
        self.aliases.pop()

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def _target(self, node: ast.AST, target: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root = _root(target)
            if not (isinstance(root, ast.Name) and self.local(root.id)):
                self.flag(node, f"{verb} {_dotted(target)}")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(node, element, verb)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(node, target, "assigns to")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign | ast.AnnAssign) -> None:
        self._target(node, node.target, "assigns to")
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._target(node, target, "deletes")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in ("setattr", "delattr") and node.args:
            root = _root(node.args[0])
            if not (isinstance(root, ast.Name) and self.local(root.id)):
                self.flag(node, f"{name} on {_dotted(node.args[0])}")
        if name == "getattr" and len(node.args) >= 2:
            if not isinstance(node.args[1], ast.Constant):
                self.flag(node, "getattr with a computed name")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in DOOR_NAMES:
            self.flag(node, f"uses {node.id}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("__") and node.attr.endswith("__") and node.attr not in DUNDERS_ALLOWED:
            self.flag(node, f"reads {node.attr}")
        elif node.attr in ("f_globals", "f_locals", "f_back", "f_builtins", "gi_frame", "cr_frame") or \
                node.attr == "modules" and _dotted(node.value) == "sys":
            self.flag(node, f"reads {_dotted(node)}")
        self.generic_visit(node)

    def _module(self, node: ast.AST, module: str) -> None:
        if module.split(".")[0] in DOOR_MODULES:
            self.flag(node, f"imports {module}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._module(node, node.module or "")


def findings(source: str) -> list[str]:
    """What in `source` (a cell a student wrote) could make the tests lie; [] when nothing."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # it fails on its own, honestly
    scan = _Scan()
    scan.visit(tree)
    return scan.found


def student_cells(nb: NotebookNode) -> list[tuple[int, NotebookNode]]:
    """The code cells a student can change: solution cells and cells without nbgrader metadata."""
    out = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or not (meta.get("grade") or meta.get("locked"))):
            out.append((index, cell))
    return out


def notebook_findings(nb: NotebookNode) -> list[str]:
    """Findings of every student cell of a notebook, each prefixed with its cell."""
    found = []
    for index, cell in student_cells(nb):
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
        found += [f"cell {index}, {f}" for f in findings(source)]
    return found
