"""Sphinx extension: every exercise page of the book says how to work on it in the reader's own JupyterLab.

The exercise pages are the generated student notebooks (chapters/NN_topic/*.ipynb), shown as they are; the book
adds this note above them instead of each notebook carrying its own copy (`_config.yml`, `extra_extensions`).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from docutils import nodes

TITLE = "Work on this exercise in your own JupyterLab"


def note_text(notebook: str) -> list[str]:
    """The note's paragraphs for the student notebook at `notebook` (a path relative to the course root).

    >>> note_text("chapters/01_attention/attention.ipynb")[1].split(": ")[1]
    'jupyter lab chapters/01_attention/attention.ipynb'
    """
    folder = PurePosixPath(notebook).parent.as_posix()
    return [
        "This page shows the exercise notebook as students receive it: no solutions, no hidden tests. The book "
        "does not run it; you do, in JupyterLab on your own machine (the README's Quick start installs "
        "everything, offline after the install).",
        f"In your clone of the course, with its virtual environment active: jupyter lab {notebook}",
        f"The download button at the top of this page gives the same notebook. Save it in {folder}/ of your "
        "clone, fill in every YOUR CODE HERE and run the test cell under each exercise. Before you hand it in, run "
        "it from the top with Kernel → Restart Kernel and Run All Cells…",
    ]


def _add_note(app, doctree: nodes.document) -> None:
    """Insert the note under the first title of a page whose source is a notebook under chapters/."""
    source = PurePosixPath(app.env.doc2path(app.env.docname, base=False))
    if source.suffix != ".ipynb" or not source.parts or source.parts[0] != "chapters":
        return
    first, command, rest = note_text(source.as_posix())
    note = nodes.admonition(classes=["tip", "lmrl-exercise-note"])
    note += nodes.title(text=TITLE)
    note += nodes.paragraph(text=first)
    note += nodes.literal_block(text=command.split(": ", 1)[1], language="bash")
    note += nodes.paragraph(text=rest)
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, note)
        return
    title_at = next((k for k, child in enumerate(section.children) if isinstance(child, nodes.title)), -1)
    section.insert(title_at + 1, note)


def setup(app) -> dict:
    """Register the note with Sphinx (Jupyter Book loads this through `sphinx: extra_extensions`)."""
    app.connect("doctree-read", _add_note)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
