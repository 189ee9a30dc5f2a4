"""Homework in JupyterLab and grading in nbgrader's Formgrader, in a real browser (Debian's Chromium, offline).

    python -m pytest tests/test_lab_browser.py -v

One throw-away JupyterLab serves a copy of the course (tests/lab_server.py); the repository is never written to.
A student opens Chapter 1's exercise notebook: the blank notebook fails only where code is missing, a correct
`softmax` passes its visible tests, the classic unstable one (no max subtracted) gets the check's friendly
message instead of a wall of traceback, and nbgrader's Validate button reports what the autograder would. An
instructor opens the Formgrader from Lab's Nbgrader menu, finds every assignment of the course, generates the
student version of each, sees each one's points and Chapter 1's student notebook. Screenshots of the three views
go to `_build/artifacts/screenshots/` (tests/browser.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from browser import PageLog, artifacts_dir, offline_page
from course_tools import apply_edits, grade_id, solution_code, wrong_answers
from lab_server import Lab, lab_server
from playwright.sync_api import Locator, Page, expect

from lmrl_utils.chapters import CHAPTERS

# under `pytest -n 2 --dist loadgroup` the three tests share one worker, hence one Lab server and one browser
pytestmark = pytest.mark.xdist_group("lab_browser")

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "chapters/01_attention/attention.ipynb"  # the student's notebook, as `make release` generated it
SOURCE = nbformat.read(REPO / "solutions" / "01_attention" / "attention.ipynb", as_version=4)
SOLUTIONS = {grade_id(c): solution_code(c.source) for c in SOURCE.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
# the classic mistake of the wrong-answer registry that the softmax's visible test must catch: no max subtracted
UNSTABLE_SOFTMAX = next(solution_code(cell.source) for cell in apply_edits(
    {"attention.ipynb": SOURCE}, wrong_answers("01_attention")["unstable_softmax"]["edits"])["attention.ipynb"].cells
    if grade_id(cell) == "softmax")
# test cells a student sees (the student version of a hidden test keeps only its docstring), with their first line
VISIBLE_TESTS = {grade_id(c): c.source.splitlines()[0] for c in SOURCE.cells
                 if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")
                 and "BEGIN HIDDEN TESTS" not in c.source}
RESTART_AND_RUN_ALL = "Restart Kernel and Run All Cells…"  # JupyterLab 4's name, which the README must use
FRIENDLY_HINT = "Look for exp() of a large number"  # what check_finite tells the student who wrote it
MAX_ERROR_LINES = 15  # a failed check shows the failing test line and the message (13 lines), not the checks' code
COURSE_FRAME = re.compile(r"File \S*lmrl_utils")  # how IPython heads a frame of the course's own code

VIEWPORT = {"width": 1400, "height": 900}
UI_MS = 20_000  # a click's or a dialog's effect, on two busy cores (Playwright's default is 5 s)
KERNEL_START_MS = 90_000  # a kernel that imports torch, on two busy cores
CELL_MS = 60_000  # nbgrader's own limit for one cell
VALIDATE_MS = 180_000  # Validate runs the whole notebook in a fresh kernel on the server
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'  # tracebacks and stderr


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory) -> Iterator[Lab]:
    """One JupyterLab for the module, on a copy of the course: starting one takes seconds. It asks for `browser`
    first, so a machine without Chromium skips before a server starts."""
    with lab_server(tmp_path_factory.mktemp("lab")) as server:
        yield server


@contextlib.contextmanager
def lab_page(browser, lab: Lab, request: pytest.FixtureRequest) -> Iterator[tuple[Page, PageLog]]:
    """A browser tab on the Lab (network off but for it); on failure a screenshot of it is kept; afterwards its
    kernels are shut down, so the next test does not share the machine with them."""
    page, log = offline_page(browser, lab.base, viewport=VIEWPORT)
    page.set_default_timeout(UI_MS)
    try:
        yield page, log
        assert not log.refused, f"JupyterLab tried to reach the internet: {log.refused}"
    except BaseException:
        with contextlib.suppress(Exception):  # the failure matters, not a screenshot that could not be taken
            page.screenshot(path=artifacts_dir("failures") / f"{request.node.name}.png")
        raise
    finally:
        page.context.close()
        with contextlib.suppress(OSError):
            for session in lab.api("GET", "api/sessions"):
                lab.api("DELETE", f"api/sessions/{session['id']}")


def student_copy(lab: Lab, name: str) -> str:
    """A fresh copy of the student notebook next to it, so each test starts from the notebook as released."""
    target = Path(NOTEBOOK).with_name(name)
    (lab.root / target).write_bytes((lab.root / NOTEBOOK).read_bytes())
    return str(target)


def open_notebook(page: Page, lab: Lab, path: str, workspace: str) -> tuple[Locator, nbformat.NotebookNode]:
    """Open a notebook in Lab as a student would, wait for its kernel; the cells on screen and in the file."""
    nb = nbformat.read(lab.root / path, as_version=4)
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/{path}"))  # a workspace of its own: nothing restored
    cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Notebook-cell")
    expect(cells, f"JupyterLab does not show the {len(nb.cells)} cells of {path}").to_have_count(
        len(nb.cells), timeout=KERNEL_START_MS)
    status = page.locator("#jp-main-statusbar")
    expect(status, f"{path} does not open with the course's kernel, Python 3 (ipykernel), or it never became "
           "idle").to_contain_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"), timeout=KERNEL_START_MS)
    return cells, nb


def run_cell(page: Page, cell: Locator) -> None:
    """Run one cell with Shift+Enter, as a student does, and wait until it has finished."""
    prompt = cell.locator(".jp-InputArea-prompt")
    before = prompt.text_content()
    prompt.click()  # selects the cell (command mode); the code typed into it stays
    page.keyboard.press("Shift+Enter")
    expect(prompt, "the cell did not start running").not_to_have_text(before, timeout=CELL_MS)
    expect(prompt, "the cell did not finish within nbgrader's 60 s").to_have_text(re.compile(r"^\[\d+\]:$"),
                                                                                 timeout=CELL_MS)


def type_code(page: Page, cell: Locator, code: str) -> None:
    """Replace a cell's code by typing into its editor (CodeMirror): click, select all, insert the text."""
    cell.locator(".cm-content").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(code)
    expect(cell.locator(".cm-content"), "the typed code did not reach the cell's editor").to_contain_text(
        code.strip().splitlines()[-1].strip(), timeout=UI_MS)


def output_text(cell: Locator) -> str:
    """Everything the cell's output area shows (text of every output, visible on screen or not)."""
    return "\n".join(cell.locator(".jp-OutputArea-output").all_text_contents())


def errors_of(cell: Locator) -> list[str]:
    """The tracebacks (and stderr text) the cell's output area shows."""
    return cell.locator(STDERR).all_text_contents()


def cell_at(cells: Locator, nb: nbformat.NotebookNode, gid: str) -> Locator:
    """The cell on screen whose nbgrader grade_id is `gid`."""
    index = next(k for k, c in enumerate(nb.cells) if grade_id(c) == gid)
    return cells.nth(index)


def screenshot(page: Page, name: str, top: Locator | None = None, bottom: Locator | None = None) -> Path:
    """Save what the screen shows, after scrolling `top` to the top of the notebook or `bottom` to its bottom."""
    for element, block in ((top, "start"), (bottom, "end")):
        if element is not None:
            element.evaluate(f"e => e.scrollIntoView({{block: '{block}'}})")
    path = artifacts_dir() / name
    page.screenshot(path=path)
    return path


def test_a_student_runs_fills_in_and_checks_the_softmax(browser, lab: Lab, request: pytest.FixtureRequest) -> None:
    """The blank notebook fails only where code is missing; a correct softmax passes its visible tests; the
    unstable one is caught with the check's short, friendly message."""
    with lab_page(browser, lab, request) as (page, _):
        cells, nb = open_notebook(page, lab, NOTEBOOK, "student")

        # Run every code cell, one at a time: Lab's Run All stops at the first error, a student goes on.
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                run_cell(page, cells.nth(k))
        failed = {}
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and errors_of(cells.nth(k)):
                failed[grade_id(cell) or f"cell {k}"] = "\n".join(errors_of(cells.nth(k)))
        not_missing_code = {name: text[-300:] for name, text in failed.items()
                            if not text.strip().splitlines()[-1].startswith("NotImplementedError")}
        assert not not_missing_code, (
            f"the blank notebook fails where no code is missing (expected only NotImplementedError): "
            f"{not_missing_code}")
        assert set(VISIBLE_TESTS) <= set(failed), (
            f"visible tests that pass on the blank notebook: {sorted(set(VISIBLE_TESTS) - set(failed))}")
        assert "setup" not in failed, f"the setup cell fails: {failed.get('setup')}"

        # Shift+Enter through the exercise: the solution, the "Try it" cell below it, the visible test
        solution, test = cell_at(cells, nb, "softmax"), cell_at(cells, nb, "softmax_visible")
        index = next(k for k, c in enumerate(nb.cells) if grade_id(c) == "softmax")
        assert nb.cells[index + 1].cell_type == "code" and not grade_id(nb.cells[index + 1]), (
            "the softmax exercise has no ungraded 'Try it' cell below its solution any more: update this test")
        try_it = cells.nth(index + 1)
        type_code(page, solution, SOLUTIONS["softmax"])
        for cell in (solution, try_it, test):
            run_cell(page, cell)
        assert not errors_of(try_it), f"the 'Try it' cell fails with a correct softmax: {errors_of(try_it)}"
        assert not errors_of(test), f"the correct softmax fails its visible test: {errors_of(test)}"
        assert "softmax: visible tests passed" in output_text(test), (
            f"the softmax test cell does not say its tests passed; it shows: {output_text(test)!r}")
        shot = screenshot(page, "lab-student-test-passed.png", top=solution)

        type_code(page, solution, UNSTABLE_SOFTMAX)
        for cell in (solution, try_it, test):
            run_cell(page, cell)
        shown = "\n".join(errors_of(test))
        assert FRIENDLY_HINT in shown and "CheckFailed" in shown, (
            f"the unstable softmax (no max subtracted) is not caught with check_finite's hint; the test shows: "
            f"{shown[-600:]!r}")
        lines = shown.strip().splitlines()
        assert len(lines) <= MAX_ERROR_LINES and not COURSE_FRAME.search(shown), (
            f"a failed check shows {len(lines)} lines of traceback, including the course's own code; a student "
            f"should see the failing test line and the message (CheckFailed._render_traceback_):\n{shown}")
        screenshot(page, "lab-student-test-failed.png", bottom=test)

        page.get_by_role("menuitem", name="Kernel").click()
        expect(page.get_by_role("menuitem", name=RESTART_AND_RUN_ALL),
               f"Lab's Kernel menu has no {RESTART_AND_RUN_ALL!r}").to_be_visible(timeout=UI_MS)
        page.keyboard.press("Escape")
    assert shot.stat().st_size > 10_000, f"the screenshot {shot} is empty"
    students = (REPO / "README.md").read_text().split("## For students")[1].split("\n## ")[0]
    assert RESTART_AND_RUN_ALL in students, f"the README's 'For students' does not name Lab's {RESTART_AND_RUN_ALL!r}"


def validate_button(page: Page) -> Locator:
    """The Validate button nbgrader's Lab extension adds to the notebook's toolbar."""
    return page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate", exact=True)


def validation(page: Page) -> Locator:
    """Click nbgrader's Validate button; the dialog's message, once the server has run the notebook."""
    validate_button(page).click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header"), "Validate showed no 'Validation Results' dialog").to_have_text(
        "Validation Results", timeout=VALIDATE_MS)
    return dialog.locator("#validation-message")


def test_validate_reports_what_the_autograder_would(browser, lab: Lab, request: pytest.FixtureRequest) -> None:
    """nbgrader's Validate button: the blank notebook fails exactly its visible tests, the solved one passes."""
    path = student_copy(lab, "attention-validate.ipynb")
    with lab_page(browser, lab, request) as (page, _):
        cells, nb = open_notebook(page, lab, path, "validate")
        expect(validate_button(page),
               "the notebook toolbar has no Validate button: nbgrader's Lab extension is not enabled").to_be_visible(
            timeout=UI_MS)

        message = validation(page)
        expect(message, "Validate does not report the blank notebook as failing").to_have_class(
            re.compile("validation-failed"), timeout=UI_MS)
        report = message.text_content()
        assert report.count("The following cell failed:") == len(VISIBLE_TESTS), (
            f"Validate lists {report.count('The following cell failed:')} failed cells on the blank notebook; "
            f"the autograder would fail its {len(VISIBLE_TESTS)} visible tests (and the hidden ones):\n"
            f"{report[:2000]}")
        missing = [first for first in VISIBLE_TESTS.values() if first not in report]
        assert not missing, f"Validate does not name these failing tests of the blank notebook: {missing}"
        assert "NotImplementedError" in report, f"Validate does not say why the blank notebook fails:\n{report[:2000]}"
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_role("button", name="Ok", exact=True).click()
        expect(dialog, "the Validation Results dialog does not close").to_have_count(0, timeout=UI_MS)

        for gid, code in SOLUTIONS.items():
            type_code(page, cell_at(cells, nb, gid), code)
        message = validation(page)  # saves the notebook first, then runs it on the server
        saved = nbformat.read(lab.root / path, as_version=4)
        wrong = [gid for gid, code in SOLUTIONS.items()
                 if next(c.source for c in saved.cells if grade_id(c) == gid).strip() != code.strip()]
        assert not wrong, f"the solutions typed into Lab were not saved as typed: {wrong}"
        expect(message, "Validate does not pass the notebook filled in with the instructor's solutions").to_have_class(
            re.compile("validation-success"), timeout=UI_MS)
        expect(message, "Validate's success message changed").to_have_text(
            "Success! Your notebook passes all the tests.", timeout=UI_MS)
        screenshot(page, "lab-validate-dialog.png")


def points(folder: str) -> str:
    """The points of an assignment, from its instructor notebooks, as the Formgrader's gradebook writes them."""
    total = sum(c.metadata["nbgrader"].get("points", 0)
                for nb in sorted((REPO / "solutions" / folder).glob("*.ipynb"))
                for c in nbformat.read(nb, as_version=4).cells if c.metadata.get("nbgrader", {}).get("grade"))
    return f"0 / {total:g}"


def test_the_formgrader_lists_and_generates_every_assignment(browser, lab: Lab,
                                                             request: pytest.FixtureRequest) -> None:
    """The instructor's Formgrader, opened from Lab: every chapter's assignment, generated from the UI, with its
    points; Chapter 1's generated student notebook is where nbgrader puts it."""
    folders = [c.folder for c in CHAPTERS]
    with lab_page(browser, lab, request) as (page, _):
        page.goto(lab.url("lab/workspaces/instructor"))
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.get_by_role("menuitem", name="Formgrader").click()
        frame = page.frame_locator("iframe[src*='formgrader']")
        table = frame.locator("#main-table")  # the table's body: one row per assignment
        expect(table.locator("tr"), f"the Formgrader does not list the course's {len(folders)} assignments "
               f"{folders}").to_have_count(len(folders), timeout=KERNEL_START_MS)
        listed = [td.get_attribute("data-order") for td in table.locator("td.name").all()]
        assert sorted(listed) == folders, f"the Formgrader lists {listed}, the course has {folders}"

        for folder in folders:
            row = table.locator("tr", has=frame.locator(f'td.name[data-order="{folder}"]'))
            row.locator("td.assign a").click()  # "Generate": nbgrader generate_assignment, in the server
            modal = frame.locator("#success-modal, #error-modal")
            expect(modal, f"generating {folder} from the Formgrader gave no answer").to_be_visible(timeout=CELL_MS)
            assert modal.get_attribute("id") == "success-modal", (
                f"the Formgrader could not generate {folder}:\n{modal.text_content()[-2000:]}")
            modal.get_by_role("button", name="OK").click()
            expect(modal, "the Formgrader's success dialog does not close").to_have_count(0, timeout=UI_MS)
            expect(row.locator("td.preview a"), f"{folder} has no Preview link after generation").to_have_count(
                1, timeout=UI_MS)
        screenshot(page, "lab-formgrader-assignments.png")

        # Preview: Lab's file browser goes to the generated student version
        table.locator("tr", has=frame.locator('td.name[data-order="01_attention"]')).locator("td.preview a").click()
        folder_shown = page.locator(".jp-FileBrowser .jp-BreadCrumbs")
        files_shown = page.locator(".jp-FileBrowser .jp-DirListing-content")
        expect(folder_shown, "Preview does not open the release folder").to_contain_text(
            re.compile(r"release\s*/\s*01_attention"), timeout=UI_MS)
        expect(files_shown, "the generated student notebook is not in the release folder").to_contain_text(
            "attention.ipynb", timeout=UI_MS)

        released = lab.root / "release" / "01_attention" / "attention.ipynb"
        assert released.exists(), f"the Formgrader reported success but wrote no {released}"
        student = nbformat.read(released, as_version=4)
        stubs = [grade_id(c) for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")
                 and "raise NotImplementedError()" in c.source]
        assert stubs == list(SOLUTIONS), f"the generated notebook's solution cells are not all stubs: {stubs}"
        leaks = [m for m in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS") if any(m in c.source for c in student.cells)]
        assert not leaks, f"the generated student notebook still holds {leaks}"

        frame.get_by_role("link", name="Manual Grading").click()
        scores = frame.locator("#main-table td.score")  # only the gradebook's table has scores
        expect(scores, "the gradebook does not list every assignment").to_have_count(len(folders), timeout=CELL_MS)
        for folder in folders:
            score = frame.locator("#main-table tr", has=frame.get_by_text(folder, exact=True)).locator("td.score")
            expect(score, f"the gradebook's points of {folder} differ from its notebooks'").to_have_text(
                points(folder), timeout=CELL_MS)
        screenshot(page, "lab-formgrader-gradebook.png")
