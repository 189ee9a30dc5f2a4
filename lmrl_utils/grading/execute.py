"""How the autograder runs a submission: nbgrader's Execute, with a scan before, a sandbox around, and a fresh
kernel after a crash.

`GradedExecute` replaces nbgrader's Execute in `nbgrader_config.py` (`c.Autograde.autograde_preprocessors`) and
keeps its settings (`c.Execute.timeout`, ...). Three things change, each switchable on `c.GradedExecute`:

1. `scan` (True): the cells a student wrote are scanned first (lmrl_utils.grading.tamper). A notebook that patches
   the checks, torch or IPython, or reaches for `os`, `importlib`, ... is not run; its test cells score 0 with a
   message naming the lines.
2. `sandbox` ("auto"): the kernel runs in bubblewrap (lmrl_utils.grading.sandbox): it cannot read the solutions,
   hidden tests or gradebook, write outside its scratch `/tmp`, use the network or outlive its grading, and has
   memory, CPU-time and process limits. "auto" grades unsandboxed, with a warning in the log, where bubblewrap
   cannot run; "on" refuses to grade there; "off" never sandboxes (for a machine you trust, such as a student's
   own Validate).
3. `max_restarts` (3): when the kernel dies in a cell (a crash, `exit`, a limit) or ignores the interrupt at the
   cell's time limit, that cell gets a `KernelDied` error and the notebook runs again in a fresh kernel, skipping
   it, so a crash costs what it broke (that cell, and the tests that need what it would have defined), not the
   whole notebook.

In the sandbox, a process a cell started and left running is killed when that cell ends (a fork bomb, a server,
a detached process), so it cannot eat the CPU or the process limit the next cells need; the kernel stays.
"""

from __future__ import annotations

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from lmrl_utils.grading.feedback import is_test_cell
from lmrl_utils.grading.sandbox import SandboxedKernelManager, sandbox_problem
from lmrl_utils.grading.tamper import notebook_findings

KERNEL_DIED = ("the kernel stopped while running this cell: it crashed, exited, or passed a limit of the grader "
               "(memory, CPU time, processes). This cell counts as failed; the cells after it were run again in a "
               "fresh kernel.")
KERNEL_STUCK = ("this cell ran past the time limit and did not stop when interrupted, so the kernel was stopped. "
                "This cell counts as failed; the cells after it were run again in a fresh kernel.")


def error_output(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class GradedExecute(Execute):
    """nbgrader's Execute after the tamper scan, in the sandbox, restarting after a crash (module docstring)."""

    scan = Bool(True, help="scan student cells for tampering before running them").tag(config=True)
    sandbox = Unicode("auto", help='"auto", "on" or "off": run the kernel in bubblewrap').tag(config=True)
    max_restarts = Integer(3, help="fresh kernels after crashes, per notebook").tag(config=True)

    _warned = False

    def _choose_kernel_manager(self) -> None:
        if self.sandbox == "off":
            return
        problem = sandbox_problem()
        if problem is None:
            self.kernel_manager_class = SandboxedKernelManager
        elif self.sandbox == "on":
            raise RuntimeError(f"GradedExecute.sandbox is 'on' but {problem}")
        elif not GradedExecute._warned:
            GradedExecute._warned = True
            self.log.warning("Grading WITHOUT a sandbox: %s. Student code can read and write what the grader "
                             "can. Install bubblewrap before grading for credit.", problem)

    def preprocess(self, nb: NotebookNode, resources: dict | None = None, km=None) -> tuple[NotebookNode, dict]:
        if self.scan and (found := notebook_findings(nb)):
            return self._refuse(nb, found), resources or {}
        self._choose_kernel_manager()
        self._broken: dict[int, str] = {}  # cell index -> why it is skipped
        for _ in range(self.max_restarts + 1):
            self._running: int | None = None
            try:
                return super().preprocess(nb, resources, km)
            except (DeadKernelError, CellTimeoutError) as err:  # the latter: an interrupt the kernel ignored
                if self._running is None:
                    raise  # the kernel never ran a cell: a setup problem, not the student's
                self.log.warning("The kernel died or hung in cell %d (%s); running the notebook again without it.",
                                 self._running, type(err).__name__)
                self._broken[self._running] = KERNEL_DIED if isinstance(err, DeadKernelError) else KERNEL_STUCK
                nb.cells[self._running].outputs = [error_output("KernelDied", self._broken[self._running])]
        last = self._running  # it kept dying: what the last run did not reach counts as failed
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and index > last and is_test_cell(cell):
                cell.outputs = [error_output("KernelDied", f"not run: the kernel died {len(self._broken)} times.")]
        return nb, resources or {}

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if index in self._broken:
            cell.outputs = [error_output("KernelDied", self._broken[index])]
            return cell, self.resources
        self._running = index
        result = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code" and hasattr(self.km, "end_strays"):  # sandboxed: the cell's processes end
            if killed := self.km.end_strays():
                self.log.warning("Killed %d processes that cell %d left running.", killed, index)
        return result

    def _refuse(self, nb: NotebookNode, found: list[str]) -> NotebookNode:
        """Not run: every test cell gets an error naming the findings, so the notebook scores 0."""
        message = ("the submission changes how the tests run, which no exercise needs, so it was not run and its "
                   "tests score 0: " + "; ".join(found[:5])
                   + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")
                   + ". Remove that code and submit again; ask your instructor if you think this is a mistake.")
        self.log.warning("Tampering detected: %s", message)
        for cell in nb.cells:
            if cell.cell_type == "code" and is_test_cell(cell):
                cell.outputs = [error_output("TamperingDetected", message)]
        return nb
