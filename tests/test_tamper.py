"""The tamper scan (lmrl_utils.grading.tamper) is honest both ways: no reference solution, correct variant or wrong
answer of the course trips it, every attack of the grading-security issue does, and a real grading run gives
an attacking submission 0 with a message saying what was found."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from course_tools import (
    apply_edits,
    correct_variants,
    filled_in,
    make_course,
    released_notebooks,
    scores,
    solution_code,
    source_notebooks,
    submit,
    wrong_answers,
)

from lmrl_utils.grading.tamper import findings, notebook_findings
from lmrl_utils.release import assignments

REPO = Path(__file__).resolve().parent.parent

# Each a one-cell change a hostile student could hand in (issue 18's list).
ATTACKS = {
    "check helpers made no-ops": (
        "import lmrl_utils.grading as g\n"
        "for name in dir(g):\n"
        "    if name.startswith('check'):\n"
        "        setattr(g, name, lambda *a, **k: None)\n"),
    "provenance check patched": (
        "import lmrl_utils.grading.provenance as p\np.check_written_here = lambda *a, **k: None\n"),
    "torch patched": "import torch\ntorch.Tensor.any = lambda self, *a, **k: False\n",
    "torch patched through an alias": "import torch\nt = torch\nt.Tensor.any = lambda self, *a, **k: False\n",
    "torch patched inside a function": (
        "def sgd_step(parameters, lr):\n    m = torch\n    m.Tensor.all = lambda self, *a, **k: True\n"),
    "IPython's run_code replaced": "ip = get_ipython()\nip.run_code = lambda *a, **k: None\n",
    "importlib": "import importlib\nsgd_step = importlib.import_module('lmrl_utils.warmup').sgd_step\n",
    "sys.modules": "import sys\nsgd_step = sys.modules['lmrl_utils.warmup'].sgd_step\n",
    "__import__": "sgd_step = __import__('lmrl_utils.warmup', fromlist=['x']).sgd_step\n",
    "getattr with a built name": "import lmrl_utils.warmup as w\nsgd_step = getattr(w, 'sgd_' + 'step')\n",
    "copied source": (
        "import inspect\nimport lmrl_utils.warmup as w\nexec(inspect.getsource(w.sgd_step))\n"),
    "banned built-in by a built name": (
        "import torch.nn.functional as F\nattend = getattr(F, 'scaled_dot_product_' + 'attention')\n"),
    "reads the gradebook": "rows = open('../../../gradebook.db', 'rb').read()\n",
    "writes the gradebook": "import sqlite3\nsqlite3.connect('../../../gradebook.db').execute('delete from grade')\n",
    "deletes a course file": "import os\nos.remove('../../../nbgrader_config.py')\n",
    "a process that outlives the kernel": "import subprocess\nsubprocess.Popen(['sleep', '600'])\n",
    "exits the kernel": "import os\nos._exit(0)\n",
    "code object swapped": "def f():\n    pass\nf.__code__ = (lambda: 1).__code__\n",
    "globals rewritten": "globals()['check_close'] = print\n",
}


@pytest.mark.parametrize("name", ATTACKS)
def test_every_attack_is_found(name):
    assert findings(ATTACKS[name]), f"the tamper scan misses: {name}"


@pytest.mark.parametrize("assignment", assignments())
def test_no_honest_answer_of_the_course_is_flagged(assignment):
    """Solutions (demos included), correct variants and plausible wrong answers: none tampers."""
    folder = REPO / "solutions" / assignment
    sources = {p.name: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}
    cases = {"reference": [], **{n: v["edits"] for n, v in correct_variants(assignment).items()},
             **{n: v["edits"] for n, v in wrong_answers(assignment).items()}}
    for case, edits in cases.items():
        for nb_name, nb in apply_edits(sources, edits).items():
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("solution"):
                    cell.source = solution_code(cell.source)
            assert not notebook_findings(nb), f"{assignment} {case} {nb_name}: {notebook_findings(nb)}"


def submit_with_attacks(course: Path, assignment: str, nb_name: str, students: dict[str, str | None]) -> None:
    """Hand in the solution once per student, with the named attack of ATTACKS added as a cell (None: none)."""
    full = filled_in(released_notebooks(course, assignment)[nb_name], source_notebooks(course, assignment)[nb_name])
    for student, attack in students.items():
        nb = copy.deepcopy(full)
        if attack:
            nb.cells.insert(1, nbformat.v4.new_code_cell(ATTACKS[attack]))
        submit(course, assignment, student, {nb_name: nb})


@pytest.mark.slow
def test_a_grading_run_gives_attacks_zero_and_says_why(tmp_path):
    """The real autograder (lmrl-grade: nbgrader, its Execute after the tamper scan) on Chapter 0's warm-up: the
    solution keeps full marks; the solution with any attack of ATTACKS added scores 0 and its notebook names the
    finding (bench/attacks.py prints the table). Refused notebooks start no kernel, so this is quick."""
    from lmrl_utils.grading.batch import grade

    assignment, nb_name = "00_getting_started", "warmup.ipynb"
    course = make_course(tmp_path, assignment)
    attacks = {"full": None, **{f"attack{k}": name for k, name in enumerate(ATTACKS)}}  # none of them is run
    submit_with_attacks(course, assignment, nb_name, attacks)
    results = {r.student: r for r in grade(course, assignment, workers=2, progress=lambda _: None)}
    assert {s for s, r in results.items() if r.tampered} == set(attacks) - {"full"}, "the summary flags them"
    score, max_score, _ = scores(course, assignment, "full")
    assert score == max_score > 0
    for student in attacks:
        if student == "full":
            continue
        assert scores(course, assignment, student)[0] == 0, f"{student} scored {scores(course, assignment, student)}"
        graded = nbformat.read(course / "autograded" / student / assignment / nb_name, as_version=4)
        errors = [o for c in graded.cells for o in c.get("outputs", []) if o.get("ename") == "TamperingDetected"]
        assert errors and "line" in errors[0]["evalue"], f"{student}: no TamperingDetected message"
