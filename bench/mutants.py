# ruff: noqa: E501, E702  (kept as written in the course workspace's tools, so the two copies can be compared)
"""Mutation check of an instructor notebook's graded tests.

For every solution cell (nbgrader metadata solution=true) apply one small AST mutation at a time inside its
code (swap + and -, * and /, < and <=, flip True/False, shift an integer, drop a unary minus, ...), run the
notebook with nbclient, and call the mutant killed when any graded test cell errors (visible or hidden).
Prints each surviving mutant for a human look (some are equivalent) and the kill rate last.
Usage: python bench/mutants.py NOTEBOOK [--max N] [--timeout S]
"""
import argparse
import ast
import copy
import random
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
        ast.Pow: ast.Mult, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
        ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.And: ast.Or, ast.Or: ast.And}


def sites(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAP:
            yield node, "op"
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in SWAP:
            yield node, "cmp"
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield node, "bool"
        elif isinstance(node, ast.Constant) and isinstance(node.value, int):
            yield node, "int"
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            yield node, "float"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield node, "neg"


def mutate(src, k):
    tree = ast.parse(src)
    for i, (node, kind) in enumerate(sites(tree)):
        if i != k:
            continue
        if kind == "op":
            node.op = SWAP[type(node.op)]()
        elif kind == "cmp":
            node.ops[0] = SWAP[type(node.ops[0])]()
        elif kind == "bool":
            node.value = not node.value
        elif kind == "int":
            node.value = node.value + 1
        elif kind == "float":
            node.value = node.value * 2 if node.value else 1.0
        elif kind == "neg":
            return ast.unparse(ast.fix_missing_locations(_replace(tree, node, node.operand))), f"drop unary minus at line {node.lineno}"
        return ast.unparse(tree), f"{kind} at line {node.lineno}: {ast.unparse(node)[:60]}"
    return None, None


def _replace(tree, old, new):
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
            elif isinstance(value, list):
                for j, item in enumerate(value):
                    if item is old:
                        value[j] = new
    return tree


def killed(nb, timeout, cwd):
    nb = copy.deepcopy(nb)
    try:
        NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": cwd}}).execute()
    except Exception:  # a cell that hangs past the timeout or kills the kernel: grading would fail it too
        return True
    for c in nb.cells:
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"):
            if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
                return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook"); ap.add_argument("--max", type=int, default=40); ap.add_argument("--timeout", type=int, default=60)
    a = ap.parse_args()
    path = Path(a.notebook).resolve()
    nb = nbformat.read(path, as_version=4)
    if killed(nb, a.timeout, str(path.parent)):
        print("the unmutated solution already fails a graded test"); return 1
    plan = []
    for ci, c in enumerate(nb.cells):
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution") and not c.metadata["nbgrader"].get("grade"):
            try:
                n = sum(1 for _ in sites(ast.parse(c.source)))
            except SyntaxError:
                continue
            plan += [(ci, k) for k in range(n)]
    random.Random(0).shuffle(plan)
    plan = plan[: a.max]
    survivors = []
    for ci, k in plan:
        src, what = mutate(nb.cells[ci].source, k)
        if src is None:
            continue
        m = copy.deepcopy(nb); m.cells[ci].source = src
        if not killed(m, a.timeout, str(path.parent)):
            survivors.append(f"cell {ci}: {what}")
    for s in survivors:
        print("survived:", s)
    n = len(plan)
    print(f"{path.name}: {n - len(survivors)}/{n} mutants killed ({100 * (n - len(survivors)) / max(n, 1):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
