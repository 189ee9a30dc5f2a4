"""`lmrl-grade` (lmrl_utils.grading.batch): the class is graded in parallel by the real nbgrader, a crash or a kill
loses no committed grade, a rerun grades only what is missing, and regrading gives the same scores; with a
PostgreSQL gradebook the jobs run on a Dask cluster. Shown on Chapter 0's assignment (the fastest); the
end-to-end round trips of every chapter use the same grader."""

from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from course_tools import grade_id, make_course, standard_submissions, student_id, submit, wrong_answers

from lmrl_utils.grading.batch import grade, marker, read_scores, students_to_grade

ASSIGNMENT = "00_getting_started"
NB = "warmup.ipynb"
WRONG = student_id("plus_sign_update")


def _submissions(course):
    subs = standard_submissions(course, ASSIGNMENT)
    loops = copy.deepcopy(subs["full"][NB])
    for cell in loops.cells:
        if grade_id(cell) == "sgd_step":
            cell.source = "while True:\n    pass\n" + cell.source
    return {"full": subs["full"], "blank": subs["blank"], WRONG: subs[WRONG], "loops": {NB: loops},
            "broken-file": {NB: '{"cells": [ this is not json'}}


def test_a_killed_run_is_finished_by_a_rerun_with_the_same_grades(tmp_path):
    course = make_course(tmp_path, ASSIGNMENT)
    for student, nbs in _submissions(course).items():
        submit(course, ASSIGNMENT, student, nbs)
    command = [sys.executable, "-m", "lmrl_utils.grading.batch", ASSIGNMENT, "--course", str(course),
               "--workers", "2", "--no-feedback", "--cell-timeout", "20"]
    # kill the whole run (workers included) as soon as the first student's grade is written back
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    for line in run.stderr:
        if line.startswith("[") and ": graded, " in line:
            os.killpg(run.pid, signal.SIGKILL)
            break
    run.wait()
    left = students_to_grade(course, ASSIGNMENT)
    assert 0 < len(left) < 5, f"the kill should leave some students graded and some not: {left}"

    results = {r.student: r for r in grade(course, ASSIGNMENT, workers=2, cell_timeout=20,
                                           progress=lambda _: None)}
    assert set(results) == set(left), "the rerun grades exactly the students without a committed grade"
    score = {s: read_scores(course, ASSIGNMENT, s) for s in ("full", "blank", WRONG, "loops", "broken-file")}
    max_score = score["full"][1]
    assert score["full"][0] == max_score and score["blank"][0] == 0, score
    assert 0 < score[WRONG][0] < max_score and 0 < score["loops"][0] < max_score, score
    assert score["broken-file"][0] == 0
    assert results["broken-file"].status == "failed" if "broken-file" in results else True
    assert students_to_grade(course, ASSIGNMENT) == [], "every submission has a committed result"

    # regrading gives the same scores cell by cell; a changed submission is graded again
    again = grade(course, ASSIGNMENT, workers=2, force=True, cell_timeout=20,
                  only=["full", WRONG], progress=lambda _: None)
    for r in again:
        assert r.per_cell == score[r.student][2], f"{r.student} regraded differently"
    (course / "submitted" / "full" / ASSIGNMENT / "timestamp.txt").write_text("2026-11-24 09:00:00.000000 UTC")
    assert "full" in students_to_grade(course, ASSIGNMENT)
    assert marker(course, ASSIGNMENT, "blank").exists()


@pytest.fixture
def postgres_url():
    """A throw-away PostgreSQL server (Debian's package; run as the `postgres` user when we are root), its URL."""
    initdb = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
    if initdb is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt install postgresql)")
    bin_dir = Path(initdb).resolve().parent  # /usr/lib/postgresql/N/bin: createdb and pg_ctl beside it
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="lmrl-pg-"))
    folder.chmod(0o777)
    port = 55000 + os.getpid() % 1000

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, text=True)

    run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "lmrl", "--auth=trust", "-E", "UTF8")
    run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "-o",
        f"-p {port} -k {folder} -c listen_addresses=''", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", str(folder), "-p", str(port), "-U", "lmrl", "lmrl")
        yield f"postgresql://lmrl@/lmrl?host={folder}&port={port}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_a_postgresql_gradebook_graded_by_a_dask_cluster(tmp_path, postgres_url):
    from distributed import Client, LocalCluster

    course = make_course(tmp_path, ASSIGNMENT)
    subs = standard_submissions(course, ASSIGNMENT)
    for student in ("full", "blank", WRONG):
        submit(course, ASSIGNMENT, student, subs[student])
    db = f"--CourseDirectory.db_url={postgres_url}"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force", db],
                          cwd=course, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        results = {r.student: r for r in grade(course, ASSIGNMENT, db_url=postgres_url, client=client,
                                               progress=lambda _: None)}
    assert {s: r.status for s, r in results.items()} == {"full": "graded", "blank": "graded", WRONG: "graded"}
    full, max_score, _ = read_scores(course, ASSIGNMENT, "full", postgres_url)
    assert full == max_score > 0 and read_scores(course, ASSIGNMENT, "blank", postgres_url)[0] == 0
    score, _, cells = read_scores(course, ASSIGNMENT, WRONG, postgres_url)
    loses = wrong_answers(ASSIGNMENT)["plus_sign_update"]["loses"]
    assert 0 < score < max_score and all(cells[name] == 0 for name in loses), cells
    assert not (course / "gradebook.db").exists() or read_scores(course, ASSIGNMENT, "full")[0] == 0, \
        "with --db the SQLite gradebook is left alone"


def test_an_lms_export_is_collected_by_nbgrader_and_graded(tmp_path):
    import zipfile

    import nbformat

    from lmrl_utils.grading.batch import main

    course = make_course(tmp_path, ASSIGNMENT)
    subs = standard_submissions(course, ASSIGNMENT)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:  # the names an LMS gives: student_user_submission_file
        z.writestr(f"doejane_LATE_101_5001_{NB[:-6]}-1.ipynb", nbformat.writes(subs[WRONG][NB]))
        z.writestr(f"roebob_102_5002_{NB}", nbformat.writes(subs["blank"][NB]))
        z.writestr("roebob_102_5002_notes.txt", "not a notebook of the assignment")
    assert main([ASSIGNMENT, "--course", str(course), "--zip", str(archive), "--no-feedback"]) == 0
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["doejane", "roebob"]
    assert (course / "submitted" / "doejane" / ASSIGNMENT / NB).is_file()
    wrong, max_score, _ = read_scores(course, ASSIGNMENT, "doejane")  # the other tests grade a full notebook
    assert 0 < wrong < max_score and read_scores(course, ASSIGNMENT, "roebob")[0] == 0
    with pytest.raises(RuntimeError, match="matched the file-name pattern"):
        from lmrl_utils.grading.collect import collect_zip

        bad = tmp_path / "bad.zip"
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr(NB, nbformat.writes(subs["blank"][NB]))  # no student in the name
        shutil.rmtree(course / "submitted")
        collect_zip([bad], course, ASSIGNMENT)
