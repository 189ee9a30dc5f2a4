"""An nbgrader preprocessor for the feedback students receive: their scores and messages, never the hidden tests.

nbgrader's `ClearHiddenTests` removes the hidden region from a test cell's source, but the outputs of the cell stay:
a failed hidden test's IPython traceback quotes the lines of test code around the failure, and student code
called by a hidden test can `display()` or raise whatever it likes, the hidden cell's own source included.
`SafeFeedback` runs first (enabled in `nbgrader_config.py`, GenerateFeedback.preprocessors) and:

- keeps, of a hidden-test cell's outputs, only its errors, cut to one line of at most `MAX_MESSAGE` characters,
  e.g. "CheckFailed: softmax(...) is wrong at [0, 2]: expected 0.25, got 0.5": what is wrong, not the test;
- removes every line of hidden-test code from every output of the notebook, and the instructor's folders
  (the course folder, the Python installation) from every traceback;
- truncates any text output to `MAX_OUTPUT` characters and drops images larger than that, so a student who
  prints 100 MB gets a feedback page of normal size;
- neutralises the hidden-test markers in cells that are not test cells, so a student who types them does not
  break `ClearHiddenTests` (and everybody's feedback run).

`LimitOutputSize` does the size part for the autograded notebook the instructor keeps (Autograde's preprocessors,
after nbgrader's `LimitOutput`, which counts lines: one line of 100 MB passes it): every text output is cut to
`MAX_STORED` characters and an image larger than `MAX_STORED_IMAGE` is dropped.

>>> from nbformat.v4 import new_code_cell, new_notebook, new_output
>>> secret = "assert secret_check(x) == 42"
>>> test = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
>>> cell = new_code_cell(f"### BEGIN HIDDEN TESTS\\n{secret}\\n### END HIDDEN TESTS", metadata=test, outputs=[
...     new_output("display_data", {"text/plain": secret}),
...     new_output("error", ename="ValueError", evalue=f"{secret} (in /course/x.py)", traceback=["..."])])
>>> [(o.output_type, o.traceback) for o in scrub(cell, hidden_lines(new_notebook(cells=[cell])), ["/course"]).outputs]
[('error', ['ValueError: [hidden test] (in …/x.py)'])]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN_MARK, END_MARK = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MAX_OUTPUT = 20_000  # characters of one text output (or bytes of one image) shown in feedback
MAX_MESSAGE = 500  # characters of a hidden test's error message
MAX_STORED = 100_000  # characters of one text output kept in the autograded notebook
MAX_STORED_IMAGE = 5_000_000  # characters (base64) of one image kept there: a course figure is ~100 KB
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def is_test_cell(cell: NotebookNode) -> bool:
    """A test cell (graded, not a solution): its source comes from the gradebook, not from the student."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def hidden_lines(nb: NotebookNode, min_length: int = 12) -> list[str]:
    """The lines of hidden-test code of the notebook long enough to identify it, longest first."""
    lines: set[str] = set()
    for cell in nb.cells:
        if not is_test_cell(cell) or HIDDEN_MARK not in cell.source:
            continue
        inside = False
        for line in cell.source.splitlines():
            inside = (inside or HIDDEN_MARK in line) and END_MARK not in line
            if inside and len(line.strip()) >= min_length and HIDDEN_MARK not in line:
                lines.add(line.strip())
    return sorted(lines, key=len, reverse=True)


def truncate(text: str, limit: int, keeper: str = "feedback shows") -> str:
    """`text` cut to `limit` characters, saying so.

    >>> truncate("x" * 12, 5, "the graded notebook keeps")
    'xxxxx\\n[… output truncated: 12 characters, the graded notebook keeps 5]'
    """
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… output truncated: {len(text):,} characters, {keeper} {limit:,}]"


def _clean(text: str, secrets: list[str], paths: list[str], limit: int) -> str:
    """`text` with hidden-test lines and instructor paths removed, cut to `limit` characters."""
    for secret in secrets:
        text = text.replace(secret, "[hidden test]")
    for path in paths:
        text = text.replace(path, "…")
    return truncate(text, limit)


def scrub(cell: NotebookNode, secrets: list[str], paths: list[str]) -> NotebookNode:
    """What a student may see of one cell (see the module's docstring)."""
    if not is_test_cell(cell):
        for mark in (HIDDEN_MARK, END_MARK):  # typed by a student: keep ClearHiddenTests from choking on it
            cell.source = cell.source.replace(mark, mark.replace(" ", "_") + " (not a marker here)")
    if cell.cell_type != "code":
        return cell
    hidden = is_test_cell(cell) and HIDDEN_MARK in cell.source
    outputs = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            ename = out.get("ename", "Error")
            if hidden:
                message = _clean(out.get("evalue", ""), secrets, paths, MAX_MESSAGE)
                outputs.append(NotebookNode(output_type="error", ename=ename, evalue=message,
                                            traceback=[f"{ename}: {message}"]))
                continue
            out.evalue = _clean(out.get("evalue", ""), secrets, paths, MAX_MESSAGE)
            out.traceback = [_clean(line, secrets, paths, MAX_OUTPUT) for line in out.get("traceback", [])][-20:]
        elif hidden:
            continue  # printed inputs, displays, return values of a hidden test: the student sees only the verdict
        elif kind == "stream":
            out.text = _clean(out.get("text", ""), secrets, paths, MAX_OUTPUT)
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            for key in list(data):
                if key in TEXT_TYPES and isinstance(data[key], str):
                    data[key] = _clean(data[key], secrets, paths, MAX_OUTPUT)
                elif len(str(data[key])) > MAX_OUTPUT * 50:  # an image of more than ~1 MB
                    del data[key]
            if not data:
                continue
        outputs.append(out)
    cell.outputs = outputs
    return cell


class SafeFeedback(NbGraderPreprocessor):
    """Make a graded notebook safe to hand back: no hidden tests, no instructor paths, no giant outputs."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        secrets = hidden_lines(nb)
        folders = {os.getcwd(), str(Path(__file__).resolve().parents[2]), sys.prefix, sys.base_prefix}
        paths = sorted((p for p in folders if len(p) > 4), key=len, reverse=True)  # never "/" or "/usr"
        nb.cells = [scrub(cell, secrets, paths) for cell in nb.cells]
        return nb, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Cut the outputs of an autograded notebook to a stated size (see the module's docstring).

    >>> from nbformat.v4 import new_code_cell, new_output
    >>> cell = new_code_cell("print('x' * 10**6)", outputs=[new_output("stream", name="stdout", text="x" * 10**6)])
    >>> len(LimitOutputSize().preprocess_cell(cell, {}, 0)[0].outputs[0].text) < MAX_STORED + 100
    True
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        keeper = "the graded notebook keeps"
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                out.text = truncate(out.get("text", ""), MAX_STORED, keeper)
            elif kind == "error":
                out.evalue = truncate(out.get("evalue", ""), MAX_STORED, keeper)
                out.traceback = [truncate(line, MAX_STORED, keeper) for line in out.get("traceback", [])]
            elif kind in ("display_data", "execute_result"):
                data = out.get("data", {})
                for key in list(data):
                    if not isinstance(data[key], str):
                        continue
                    if key in TEXT_TYPES:
                        data[key] = truncate(data[key], MAX_STORED, keeper)
                    elif len(data[key]) > MAX_STORED_IMAGE:
                        del data[key]
                        data.setdefault("text/plain", f"[{key} output of more than {MAX_STORED_IMAGE:,} characters "
                                                      "removed]")
        return cell, resources
