"""Grade a whole class with the real nbgrader, several submissions at once, safely: `lmrl-grade ASSIGNMENT`.

nbgrader autogrades one submission after another, and its SQLite gradebook is not safe with several writers. Here
`workers` long-lived processes each run nbgrader's own autograde (its API, as the formgrader calls it: its
preprocessors, a fresh kernel per notebook, its cell time-outs) for one student at a time against a private copy
of the gradebook; this process, the only writer of the course's gradebook, copies each finished submission's
grades into it, one transaction per student. So:

- a crash or a looping notebook costs that student's run (or cell), never another student's grade;
- killing the run loses nothing committed: run it again and it grades only the students it has no result for (a
  marker in `.lmrl-grade/` records the hash of the submission whose grades were committed; a changed submission
  is graded again);
- the same submission always gets the same score (the notebooks seed everything; tests/test_grading_batch.py).

Example (an instructor, from the repository root after `nbgrader collect` or with a folder per student):

    lmrl-grade 04_mdp --workers 2                          # grade submitted/*/04_mdp, feedback, grades.csv
    lmrl-grade 04_mdp --submissions ~/handed_in/04_mdp     # first copy DIR/<student>/*.ipynb into submitted/
    lmrl-grade 04_mdp --zip ~/Downloads/export.zip          # first unpack an LMS export (nbgrader zip_collect)
    lmrl-grade 04_mdp --db postgresql://grader@db/lmrl --dask tcp://scheduler:8786 --workers 32

With a PostgreSQL gradebook (`--db`; create it with `nbgrader generate_assignment A --CourseDirectory.db_url=URL`)
every job writes its own grades, so the jobs can run on a Dask cluster (`--dask`) whose workers share the course
folder; no scheduler of ours.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from lmrl_utils.grading.collect import LMS_FILENAME, collect_folders, collect_zip
from lmrl_utils.grading.sandbox import sandbox_problem
from lmrl_utils.grading.worker import PRELOAD, autograde, autograde_here, ensure_models

MARKERS = ".lmrl-grade"  # <course>/.lmrl-grade/<assignment>/<student>.json: the hash of what was graded


@dataclass
class Result:
    """One student's outcome: status "graded", "failed" (nbgrader could not grade a notebook; it scores 0) or
    "crashed" (the worker died; nothing committed, graded again on the next run)."""

    student: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    per_cell: dict[str, float] = field(default_factory=dict)
    log: str = ""

    @property
    def timeouts(self) -> int:
        """Cells that nbgrader interrupted for running longer than the cell time-out."""
        return sum("CellTimeoutError" in line or "timed out" in line.lower() for line in self.log.splitlines())

    @property
    def crashes(self) -> int:
        """Cells whose kernel died or hung; the rest of their notebook ran again in a fresh kernel (.execute)."""
        return self.log.count("The kernel died or hung in cell")

    @property
    def strays(self) -> int:
        """Processes a cell left running, killed when it ended (in the sandbox; .execute)."""
        return sum(int(line.split("Killed ")[1].split()[0]) for line in self.log.splitlines()
                   if "processes that cell" in line)

    @property
    def tampered(self) -> bool:
        """Whether the tamper scan (lmrl_utils.grading.tamper) zeroed a notebook of this submission."""
        return "Tampering detected" in self.log


def submission_hash(folder: Path) -> str:
    """A hash of every file a student handed in (names and bytes), so a changed submission is graded again."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def marker(course: Path, assignment: str, student: str) -> Path:
    """Where the hash of a student's committed submission is kept (outside nbgrader's folders)."""
    return course / MARKERS / assignment / f"{student}.json"


def students_to_grade(course: Path, assignment: str, force: bool = False, only: list[str] | None = None
                      ) -> list[str]:
    """The students (of `only`, if given) with a submission of `assignment` and no committed grade for exactly
    that submission; with `force`, every one of them."""
    todo = []
    for folder in sorted((course / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        if only is not None and student not in only:
            continue
        done_file = marker(course, assignment, student)
        done = done_file.exists() and json.loads(done_file.read_text()).get("hash") == submission_hash(folder)
        if force or not done:
            todo.append(student)
    return todo


def _has_submission(db_url: str, assignment: str, student: str) -> bool:
    """Whether nbgrader recorded a submission of `student` in the gradebook at `db_url`."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            return False
    return True


def _copy_grades(master: Path, private: Path, assignment: str, student: str) -> bool:
    """Copy one student's submission from a private gradebook into the course's, in one transaction.

    Returns False when nbgrader recorded no submission (the student then has no grade, and is graded again on the
    next run)."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own add_submission warns about its session
    with Gradebook(f"sqlite:///{private}") as src, Gradebook(f"sqlite:///{master}") as dst:
        try:
            sub = src.find_submission(assignment, student)
        except MissingEntry:
            return False
        dst.update_or_create_student(student)
        dst.update_or_create_submission(assignment, student, timestamp=sub.timestamp)
        for nb in sub.notebooks:
            target = dst.find_submission_notebook(nb.name, assignment, student)
            target.flagged, target.late_submission_penalty = nb.flagged, nb.late_submission_penalty
            for grade in nb.grades:
                row = dst.find_grade(grade.name, nb.name, assignment, student)
                for column in ("auto_score", "manual_score", "extra_credit", "needs_manual_grade"):
                    setattr(row, column, getattr(grade, column))
            for comment in nb.comments:
                row = dst.find_comment(comment.name, nb.name, assignment, student)
                row.auto_comment, row.manual_comment = comment.auto_comment, comment.manual_comment
        dst.db.commit()
    return True


def read_scores(course: Path, assignment: str, student: str, db_url: str | None = None
                ) -> tuple[float, float, dict[str, float]]:
    """(score, max_score, {grade_id: score}) of a student's submission in the course's gradebook (0 if none)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url or f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return 0.0, gb.find_assignment(assignment).max_score, {}
        per_cell = {grade.name: grade.score for nb in sub.notebooks for grade in nb.grades}
        return sub.score, sub.max_score, per_cell


def grade(course: Path, assignment: str, workers: int = 2, force: bool = False, cell_timeout: float | None = None,
          only: list[str] | None = None, db_url: str | None = None, client=None, progress=print) -> list[Result]:
    """Autograde every ungraded submission of `assignment`, `workers` at a time.

    `cell_timeout`: seconds a cell may run (default: nbgrader_config.py's); `only` limits the run to these students.
    Without `db_url`, the gradebook is the course's SQLite file and this process is its only writer; with a
    server's URL (PostgreSQL), every job writes its own grades there. `client`: a `dask.distributed.Client` whose
    workers run the jobs instead of local processes (they must see the course folder and the database, and run one
    thread each: nbgrader is not thread-safe)."""
    course = Path(course).resolve()
    master = course / "gradebook.db"
    url = db_url or f"sqlite:///{master}"
    students = students_to_grade(course, assignment, force, only)
    results: list[Result] = []
    forks = multiprocessing.get_context("forkserver")  # forked from a clean server, whatever the caller imported
    forks.set_forkserver_preload(PRELOAD)
    with tempfile.TemporaryDirectory(prefix="lmrl-grade-") as tmp, \
            ProcessPoolExecutor(max(1, workers), mp_context=forks) as pool:
        jobs = {}
        for student in students:  # every private gradebook is copied before the first result is written back
            private = Path(tmp) / f"{student}.db"
            if db_url is None:
                shutil.copy(master, private)
            hashed = submission_hash(course / "submitted" / student / assignment)
            args = (course, assignment, student, db_url or f"sqlite:///{private}", cell_timeout)
            if client is None:
                job = pool.submit(autograde_here, dict(os.environ), *args)
            else:
                job = client.submit(autograde, *args, pure=False)
            jobs[job] = (student, private, hashed)
        if client is None:
            finished = as_completed(jobs)
        else:
            from distributed import as_completed as dask_completed

            finished = dask_completed(list(jobs))
        for k, job in enumerate(finished, 1):
            student, private, hashed = jobs[job]
            try:
                status, log, seconds = job.result()
            except Exception as err:  # the worker died (or Dask lost it): nothing committed, a rerun grades it
                status, log, seconds = "crashed", f"the grading worker died: {err!r}", 0.0
            if status == "crashed":
                committed = False
            elif db_url is None:
                committed = _copy_grades(master, private, assignment, student)
            else:
                committed = _has_submission(db_url, assignment, student)
            if status == "graded" and not (committed and (course / "autograded" / student / assignment).exists()):
                status = "failed"  # nbgrader recorded the submission but could not grade a notebook: it scores 0
            score, max_score, per_cell = read_scores(course, assignment, student, url)
            if committed:  # a rerun skips this student until the submission changes
                done_file = marker(course, assignment, student)
                done_file.parent.mkdir(parents=True, exist_ok=True)
                done_file.write_text(json.dumps({"hash": hashed, "status": status, "score": score}))
            results.append(Result(student, status, score, max_score, seconds, per_cell, log))
            progress(f"[{k}/{len(students)}] {student}: {status}, {score:g}/{max_score:g} in {seconds:.1f} s")
    return sorted(results, key=lambda r: r.student)


def summary(results: list[Result]) -> str:
    """A table for the instructor: one line per student, then the mean score of each test cell."""
    lines = [f"{'student':28s} {'status':8s} {'score':>11s} {'seconds':>8s} {'cell time-outs':>15s} "
             f"{'kernel deaths':>14s} {'killed processes':>16s} tampering"]
    lines += [f"{r.student:28s} {r.status:8s} {r.score:5g}/{r.max_score:<5g} {r.seconds:8.1f} {r.timeouts:15d} "
              f"{r.crashes:14d} {r.strays:16d} {'DETECTED' if r.tampered else '-'}" for r in results]
    cells = sorted({name for r in results for name in r.per_cell})
    if cells:
        lines.append("mean score per test cell:")
        for name in cells:
            values = [r.per_cell.get(name) or 0.0 for r in results]
            lines.append(f"  {name:32s} {sum(values) / len(values):.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The `lmrl-grade` command: grade, then write feedback and export grades.csv with nbgrader itself."""
    parser = argparse.ArgumentParser(prog="lmrl-grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment id, e.g. 04_mdp")
    parser.add_argument("--course", type=Path, default=Path("."), help="the course folder (nbgrader_config.py)")
    parser.add_argument("--submissions", type=Path, help="a folder per student to copy into submitted/ first")
    parser.add_argument("--zip", type=Path, action="append", help="an LMS export (.zip) to unpack into submitted/"
                        " first with nbgrader zip_collect (repeatable)")
    parser.add_argument("--zip-pattern", default=LMS_FILENAME, help="regular expression with groups student_id and"
                        " file_id for the archive's file names (default: <student>_<n>_<n>_<notebook>.ipynb)")
    parser.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    parser.add_argument("--force", action="store_true", help="grade again even submissions already graded")
    parser.add_argument("--cell-timeout", type=float, help="seconds per cell (default: nbgrader_config.py's)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--db", help="a gradebook server's URL (postgresql://...) instead of gradebook.db")
    parser.add_argument("--dask", metavar="ADDRESS", help="run the jobs on a Dask cluster ('local': this machine)")
    parser.add_argument("--no-feedback", action="store_true", help="skip feedback and export")
    args = parser.parse_args(argv)
    if args.submissions:
        collect_folders(args.submissions, args.course, args.assignment)
    if args.zip:
        students = collect_zip(args.zip, args.course, args.assignment, args.zip_pattern)
        print(f"collected {len(students)} students from {len(args.zip)} archive(s)", file=sys.stderr)
    print("checking the cached models the notebooks load (a cold machine trains them once, a few minutes)",
          file=sys.stderr, flush=True)
    ensure_models()
    client = None
    if args.dask:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1) if args.dask == "local" else args.dask
        client = Client(cluster)
    results = grade(args.course, args.assignment, args.workers, args.force, args.cell_timeout, args.student,
                    args.db, client, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(summary(results))
    problem = sandbox_problem()
    print("isolation: student code ran in bubblewrap (lmrl_utils.grading.sandbox)" if problem is None else
          f"WARNING: no sandbox on this machine ({problem}): student code ran with the grader's rights")
    if not args.no_feedback:
        db = [f"--CourseDirectory.db_url={args.db}"] if args.db else []
        for command in (["generate_feedback", args.assignment, "--force"], ["export", "--to", "grades.csv"]):
            subprocess.run([sys.executable, "-m", "nbgrader", *command, *db], cwd=args.course, check=True,
                           capture_output=True)
    return 0 if all(r.status == "graded" for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
