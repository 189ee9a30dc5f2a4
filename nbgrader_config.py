"""nbgrader settings for LMRL. Run nbgrader from the repository root (see the README's instructor section)."""

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "lmrl"
# Instructor notebooks (solutions, visible and hidden tests) live in solutions/<assignment>/.
c.CourseDirectory.source_directory = "solutions"
# nbgrader's own release folder; the published student notebooks are copied from it into chapters/ by
# `make release` (python -m lmrl_utils.release), which never lets nbgrader write into chapters/ itself.
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# What students see in place of a solution region.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograding: a cell that runs longer than this is interrupted and counts as failed; the rest of the notebook
# still runs, so one infinite loop costs one exercise, not the submission. Each graded notebook runs in well
# under 60 s with the solution (see bench/time_notebooks.py).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0

# Autograding runs nbgrader's own steps, with one change, nbgrader's Execute replaced by GradedExecute (same
# settings; lmrl_utils.grading.execute):
# - before a notebook is executed, the cells a student wrote are scanned for code that changes how the tests run
#   (patched check helpers, torch or IPython, importlib, os, ...; lmrl_utils.grading.tamper). Such a notebook is
#   not run; its tests score 0 with a message naming the lines;
# - the kernel runs in a bubblewrap sandbox (lmrl_utils.grading.sandbox): no solutions, gradebook or network, its
#   own scratch /tmp, memory/CPU/process limits, nothing left running. "auto" grades unsandboxed with a warning
#   where bubblewrap cannot run (apt-get install bubblewrap); "on" refuses to;
# - a cell that kills the kernel fails, and the rest of the notebook runs again in a fresh kernel.
c.Autograde.sanitize_preprocessors = [  # nbgrader's, with a copied cell no longer failing the whole notebook
    "nbgrader.preprocessors.ClearOutput",
    "lmrl_utils.grading.sanitize.DeduplicateIdsCleanly",  # nbgrader.preprocessors.DeduplicateIds, fixed
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GradedExecute.sandbox = "auto"
c.SandboxedKernelManager.memory_bytes = 8 * 2**30  # address space; torch alone maps about 1 GB
c.SandboxedKernelManager.cpu_seconds = 1800  # for the whole notebook; each cell also has Execute.timeout
c.SandboxedKernelManager.processes = 256  # processes and threads of the kernel: a fork bomb stops here
c.Autograde.autograde_preprocessors = [
    "lmrl_utils.grading.execute.GradedExecute",  # nbgrader.preprocessors.Execute, scanned, sandboxed, restarted
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "lmrl_utils.grading.feedback.LimitOutputSize",  # LimitOutput counts lines; this cuts characters
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback must not show hidden tests, instructor paths or giant outputs to students (lmrl_utils.grading.feedback).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "lmrl_utils.grading.feedback.SafeFeedback",  # before ClearHiddenTests, which removes the marker it needs
    "nbgrader.preprocessors.ClearHiddenTests",
]

# A test cell the student deleted is put back (after the cell that preceded it) and run, with a note saying so:
# deleting a test must neither cost nor earn points.
c.OverwriteCells.add_missing_cells = True
