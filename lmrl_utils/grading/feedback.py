"""An nbgrader preprocessor that keeps hidden tests hidden in the feedback students receive.

nbgrader's `ClearHiddenTests` removes the hidden region from a test cell's source, but a failed hidden test
still shows an IPython traceback, and a traceback quotes the lines of test code around the failure. This
preprocessor runs first and cuts each error of a hidden-test cell down to its last line, e.g.
"CheckFailed: softmax(...) is wrong at [0, 2]: expected 0.25, got 0.5", which says what is wrong without
showing the test. Enabled in `nbgrader_config.py` (GenerateFeedback.preprocessors).
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN_MARK = "BEGIN HIDDEN TESTS"


class ShortenHiddenTestErrors(NbGraderPreprocessor):
    """Replace the traceback of every error in a hidden-test cell by the error's one-line message."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type != "code" or HIDDEN_MARK not in cell.source:
            return cell, resources
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
                out = NotebookNode(output_type="error", ename=out.get("ename", "Error"),
                                   evalue=out.get("evalue", ""), traceback=[message])
            elif out.get("output_type") == "stream":
                continue  # hidden tests may print inputs; students see only the verdict
            outputs.append(out)
        cell.outputs = outputs
        return cell, resources
