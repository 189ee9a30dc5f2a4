"""Submissions as students hand them in, into nbgrader's `submitted/<student>/<assignment>/` layout.

Two shapes: a folder per student (`DIR/<student>/*.ipynb`, copied as `nbgrader collect` would), or the zip
archive a learning-management system exports, unpacked and sorted by nbgrader's own `zip_collect` (its extractor
and `FileNameCollectorPlugin`), with a regular expression that reads the student id and the notebook from each file
name. The default reads the common export pattern `<student>_<number>_<number>_<notebook>.ipynb`, with an
optional `LATE_` and a resubmission suffix (`bpe-1.ipynb` is `bpe.ipynb`):

    >>> import re
    >>> re.match(LMS_FILENAME, "doejane_LATE_1234_56789_bpe-1.ipynb").group("student_id", "file_id")
    ('doejane', 'bpe')
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

LMS_FILENAME = r"^(?:.*/)?(?P<student_id>[A-Za-z0-9-]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[A-Za-z0-9_]+?)(?:-\d+)?\.ipynb$"


def collect_folders(submissions: Path, course: Path, assignment: str) -> list[str]:
    """Copy DIR/<student>/... into submitted/<student>/<assignment>/; returns the students, sorted."""
    students = []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir()):
        target = course / "submitted" / folder.name / assignment
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(folder, target)
        students.append(folder.name)
    return students


def collect_zip(archives: list[Path], course: Path, assignment: str, regexp: str = LMS_FILENAME) -> list[str]:
    """Unpack LMS exports with `nbgrader zip_collect` into submitted/; returns the students it placed, sorted.

    The archives are copied to downloaded/<assignment>/archive/ (nbgrader's default place), then zip_collect
    extracts them and files each notebook whose name matches `regexp` (groups `student_id` and `file_id`) and is
    a notebook of the released assignment (`--strict`); a file that matches neither is skipped with a warning in
    the log that the error message shows.
    """
    archive_dir = course / "downloaded" / assignment / "archive"
    shutil.rmtree(archive_dir, ignore_errors=True)
    archive_dir.mkdir(parents=True)
    for archive in archives:
        if not archive.is_file():
            raise FileNotFoundError(f"no archive {archive}: give the .zip file the LMS exported")
        shutil.copy2(archive, archive_dir / archive.name)
    command = [sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force", "--strict",
               f"--FileNameCollectorPlugin.named_regexp={regexp}"]
    done = subprocess.run(command, cwd=course, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader zip_collect failed for {assignment}:\n{done.stderr[-2000:]}")
    extracted = course / "downloaded" / assignment / "extracted"
    matches = [re.match(regexp, p.name) for p in extracted.rglob("*.ipynb")]
    placed = sorted({m.group("student_id") for m in matches if m}
                    & {p.parent.name for p in (course / "submitted").glob(f"*/{assignment}")})
    if not placed:
        skipped = [line for line in done.stderr.splitlines() if "Skipped" in line]
        raise RuntimeError(f"no notebook of the archives matched the file-name pattern {regexp!r}; nbgrader said:\n"
                           + "\n".join(skipped[:10]))
    return placed
