"""Which cells of a notebook a variant must re-run when it edits some of them (the tests' fast path).

A wrong answer or a correct variant changes one or two solution cells; the test cells that cannot reach what
those cells define give the reference's verdict, so tests/test_grading_quality.py runs only the others. The
analysis is by names, as Python resolves them in one namespace: a cell reads a global at top level (before
binding it), or from inside a function, class or comprehension (`symtable`). It is conservative where names are
not enough: setup and solution cells always run; a test cell that reads a shared object runs the earlier cells
that read it too (they may have changed it in place); a run that meets a NameError is redone in full by the caller.
Not tracked: the global random state. Test cells draw from generators they seed themselves (AUTHORING.md), and
the reference's full run at another seed shift exercises tests that would lean on the global state.
"""

from __future__ import annotations

import ast
import builtins
import symtable


def names(source: str) -> tuple[set[str], set[str], set[str], str] | None:
    """(globals a cell binds other than by import, globals it imports, globals it reads from earlier cells, its
    top-level import statements); None when it does not parse. Reads inside functions count; a name the cell
    reads at top level before binding it counts as read from earlier cells."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    binds, imports, reads, nested, first = set(), set(), set(), set(), {}
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp)  # their names are read through symtable below

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and top:
            binds.add(node.name)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and top:
            for alias in node.names:
                imports.add((alias.asname or alias.name).split(".")[0])
                first.setdefault((alias.asname or alias.name).split(".")[0], "store")
        if isinstance(node, ast.Global):
            binds.update(node.names)
        if isinstance(node, ast.Name) and top:
            if isinstance(node.ctx, ast.Load):
                reads.add(node.id)
                first.setdefault(node.id, "load")
            else:
                binds.add(node.id)
                first.setdefault(node.id, "store")
        for child in ast.iter_child_nodes(node):
            visit(child, top and not isinstance(node, scopes))

    for statement in tree.body:  # in source order, so `first` says whether a name is read before it is bound
        visit(statement, True)
    tables = symtable.symtable(source, "cell", "exec").get_children()
    while tables:  # functions, classes, lambdas, comprehensions: the globals they read
        table = tables.pop()
        tables += table.get_children()
        nested |= {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    free = {n for n in reads if first[n] == "load"} | (nested - binds - imports)
    prelude = "\n".join(ast.unparse(s) for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom)))
    return binds - imports, imports, free - set(dir(builtins)), prelude


def cells_to_run(sources: list[str], edited: list[bool], tests: list[bool], wanted: list[bool] | None = None
                 ) -> list[bool] | None:
    """Which cells a variant must run when only the `edited` cells differ from the reference: every cell that is
    not a test (setup and solutions: definitions, and setup may seed or configure), and the test cells that read
    (transitively) what an edited cell binds or touches (only the `wanted` ones, if given), plus the test cells
    those read from. None: run them all.

    A skipped cell's results are the reference's; its import statements still run (they are cheap and later cells
    may use the names). A cell that reads a shared object (bound by an assignment) may change it in place, so the
    earlier readers of an object a running cell reads run too.

    >>> sources = ["def f(): return 1", "assert f() == 1", "def g(): return f() + 1", "assert g() == 2"]
    >>> cells_to_run(sources, edited=[True, False, False, False], tests=[False, True, False, True])
    [True, True, True, True]
    >>> cells_to_run(sources, edited=[False, False, True, False], tests=[False, True, False, True])
    [True, False, True, True]
    >>> cells_to_run(sources, [True, False, False, False], [False, True, False, True], wanted=[0, 1, 0, 0])
    [True, True, True, False]
    """
    info = [names(s) for s in sources]
    if not any(edited) or any(x is None for x in info):
        return None
    imported = set().union(*(imports for _, imports, _, _ in info))
    run, tainted = [not t for t in tests], set()
    for i, (binds, _, reads, _) in enumerate(info):
        if edited[i] or reads & tainted:
            tainted |= binds | (reads - imported)
            run[i] = True
    if wanted is not None:
        run = [r and (not t or bool(w)) for r, t, w in zip(run, tests, wanted, strict=True)]
    objects = set().union(*(binds for binds, *_ in info)) - {name for s in sources for name in _defined(s)}
    for j in range(len(sources) - 1, -1, -1):
        if not run[j]:
            continue
        for name in info[j][2]:
            binders = [i for i in range(j) if name in info[i][0]]
            if binders:
                run[binders[-1]] = True
            if name in objects:
                for i in range(j):
                    run[i] = run[i] or name in info[i][2]
    return run


def _defined(source: str) -> set[str]:
    """Names bound by def/class statements (functions and classes are not mutated by the cells that use them)."""
    tree = ast.parse(source)
    return {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def imports_of(source: str) -> str:
    """A skipped cell's top-level import statements (cheap, and later cells may use the names they bind)."""
    found = names(source)
    return found[3] if found else ""
