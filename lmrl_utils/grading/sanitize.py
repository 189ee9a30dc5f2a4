"""nbgrader's first step on a submission, made safe for cells a student copied: `DeduplicateIdsCleanly`.

A notebook cell copied in Jupyter keeps its nbgrader metadata, so its id appears twice. nbgrader's DeduplicateIds
keeps the last copy and empties the others' metadata to `{}`, which its own OverwriteCells (with
`add_missing_cells`, which this course sets) then reads as a cell with no `grade_id`: a KeyError, and the whole
notebook scores 0. Here the other copies lose the metadata entirely and become ordinary cells of the student's,
which count for nothing. tests/test_grading_robustness.py grades a notebook with every cell doubled.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import DeduplicateIds


class DeduplicateIdsCleanly(DeduplicateIds):
    """nbgrader's DeduplicateIds, then no empty nbgrader metadata left behind."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader") == {}:
                del cell.metadata["nbgrader"]
        return nb, resources
