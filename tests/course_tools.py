"""Build throw-away nbgrader courses for the end-to-end tests: release, submit, autograde, read the gradebook."""

from __future__ import annotations

import copy
import html
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from lmrl_utils.grading.batch import read_scores
from lmrl_utils.release import generate

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)


def visible_text(page: str) -> str:
    """What a reader sees of an HTML page: tags dropped, entities decoded (code highlighting splits lines)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def nbgrader(course: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run the real nbgrader CLI in `course`; return the finished process (nbgrader often exits 0 on failure)."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True,
                          text=True, timeout=timeout)


def make_course(root: Path, assignment: str) -> Path:
    """A course folder with the project's nbgrader_config.py and one assignment's instructor notebooks, released
    by nbgrader (`lmrl_utils.release.generate`, the same generation `make release` uses)."""
    generate(assignment, root, REPO)
    return root / "course"


def solution_code(source: str) -> str:
    """The instructor cell's code with the solution markers removed (what a perfect student would write)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def filled_in(released_nb, source_nb):
    """The released notebook with every solution cell replaced by the instructor's solution."""
    solutions = {grade_id(c): c.source for c in source_nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(released_nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = solution_code(solutions[grade_id(cell)])
    return nb


def apply_edits(nbs: dict, edits) -> dict:
    """Apply (notebook, grade_id, old, new) text edits to copies of the notebooks in `nbs` (name -> nb)."""
    nbs = {name: copy.deepcopy(nb) for name, nb in nbs.items()}
    for nb_name, gid, old, new in edits:
        cells = [c for c in nbs[nb_name].cells if grade_id(c) == gid]
        assert len(cells) == 1, f"{nb_name} has no single cell with grade_id {gid!r}"
        count = cells[0].source.count(old)
        assert count == 1, f"edit {old!r} occurs {count} times in cell {gid!r} of {nb_name}; it must occur once"
        cells[0].source = cells[0].source.replace(old, new)
    return nbs


def released_notebooks(course: Path, assignment: str) -> dict:
    return {p.name: nbformat.read(p, as_version=4)
            for p in sorted((course / "release" / assignment).glob("*.ipynb"))}


def source_notebooks(course: Path, assignment: str) -> dict:
    return {p.name: nbformat.read(p, as_version=4)
            for p in sorted((course / "solutions" / assignment).glob("*.ipynb"))}


def submit(course: Path, assignment: str, student: str, nbs: dict) -> Path:
    """Place a student's notebooks (name -> nb, or name -> raw text) plus the other released files."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    for extra in (course / "release" / assignment).iterdir():
        if extra.suffix != ".ipynb":
            (shutil.copytree if extra.is_dir() else shutil.copy)(extra, folder / extra.name)
    for name, nb in nbs.items():
        if isinstance(nb, str):
            (folder / name).write_text(nb)
        else:
            nbformat.write(nb, folder / name)
    (folder / "timestamp.txt").write_text("2026-11-23 09:00:00.000000 UTC")
    return folder


def registry(kind: str, assignment: str) -> dict:
    """tests/<kind>/<assignment>.py's dict of named edits (WRONG_ANSWERS or CORRECT_VARIANTS); {} if none."""
    path = REPO / "tests" / kind / f"{assignment}.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"{kind}_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, kind.upper())


def wrong_answers(assignment: str) -> dict:
    """The assignment's registry of plausible wrong answers (tests/wrong_answers/<assignment>.py)."""
    return registry("wrong_answers", assignment)


def correct_variants(assignment: str) -> dict:
    """The assignment's correct answers written differently from the reference (tests/correct_variants/)."""
    return registry("correct_variants", assignment)


def scores(course: Path, assignment: str, student: str) -> tuple[float, float, dict]:
    """(score, max_score, {grade_id: score}) of a student's submission, read from the course's gradebook."""
    return read_scores(course, assignment, student)


def student_id(wrong_answer: str) -> str:
    """The student id under which a wrong answer is submitted: `wrong-<name>` (nbgrader ids avoid `_`)."""
    return f"wrong-{wrong_answer.replace('_', '-')}"


def standard_submissions(course: Path, assignment: str, n_wrong: int | None = None) -> dict[str, dict]:
    """The round trip's submissions: "full" (the solution), "blank" (the student notebook as released) and
    one per wrong answer of tests/wrong_answers/<assignment>.py (its edited notebooks; the others blank), each
    student id -> {notebook name: nb}. `n_wrong` keeps the registry's first n wrong answers."""
    released = released_notebooks(course, assignment)
    sources = source_notebooks(course, assignment)
    full = {name: filled_in(nb, sources[name]) for name, nb in released.items()}
    students = {"full": full, "blank": released}
    for name, case in list(wrong_answers(assignment).items())[:n_wrong]:
        edited = apply_edits(full, case["edits"])
        # a notebook the wrong answer leaves alone is handed in blank: it would only re-earn the full marks the
        # "full" student already shows, at the cost of a run (Chapter 3's lm.ipynb trains for half a minute)
        students[student_id(name)] = {nb: edited[nb] if edited[nb] != full[nb] else released[nb] for nb in full}
    return students
