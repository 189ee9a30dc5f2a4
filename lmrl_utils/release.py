"""Generate the student notebooks in chapters/ from the instructor notebooks in solutions/, with real nbgrader.

    python -m lmrl_utils.release            # regenerate every assignment (what `make release` runs)
    python -m lmrl_utils.release 01_attention
    python -m lmrl_utils.release --check    # fail if chapters/ differs from what generation produces

nbgrader's `generate_assignment --force` wipes its whole release folder, and chapters/ also holds the narrative
pages, so generation runs in a throw-away course folder and only the generated files are copied back.
The rule that makes `--check` possible: every .ipynb under chapters/ is generated; narrative pages are .md.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent
# an editable install (the README's) finds the repository beside the package; otherwise use the working folder
REPO = _PACKAGE_PARENT if (_PACKAGE_PARENT / "solutions").is_dir() else Path.cwd()


def assignments(repo: Path = REPO) -> list[str]:
    """Assignment ids: the folders of solutions/ that hold at least one notebook, e.g. ['01_attention']."""
    return sorted(p.name for p in (repo / "solutions").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate(assignment: str, out_dir: Path, repo: Path = REPO) -> Path:
    """Run `nbgrader generate_assignment` on a copy of the course; return the folder of released files."""
    course = out_dir / "course"
    (course / "solutions").mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(repo / "solutions" / assignment, course / "solutions" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
        cwd=course, capture_output=True, text=True,
    )
    released = course / "release" / assignment
    # nbgrader logs errors and may still exit 0: judge by the files it wrote
    if proc.returncode != 0 or not any(released.glob("*.ipynb")):
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stdout}\n{proc.stderr}")
    return released


def _generated_files(released: Path) -> list[Path]:
    return sorted(p for p in released.rglob("*") if p.is_file())


def release(assignment: str, repo: Path = REPO) -> list[Path]:
    """Regenerate one assignment's student files into chapters/<assignment>/; narrative pages are untouched."""
    dest = repo / "chapters" / assignment
    with tempfile.TemporaryDirectory() as tmp:
        released = generate(assignment, Path(tmp), repo)
        written = []
        for src in _generated_files(released):
            target = dest / src.relative_to(released)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            written.append(target)
    return written


def check(assignment: str, repo: Path = REPO) -> list[str]:
    """Differences between chapters/<assignment>/ and a fresh generation, as messages (empty when in sync)."""
    dest = repo / "chapters" / assignment
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        released = generate(assignment, Path(tmp), repo)
        expected = {p.relative_to(released) for p in _generated_files(released)}
        for rel in sorted(expected):
            target = dest / rel
            if not target.exists():
                problems.append(f"chapters/{assignment}/{rel} is missing: run `make release`.")
            elif not filecmp.cmp(released / rel, target, shallow=False):
                problems.append(
                    f"chapters/{assignment}/{rel} differs from what nbgrader generates from "
                    f"solutions/{assignment}/{rel}: edit the solution notebook, then run `make release`."
                )
    for nb in sorted(dest.glob("**/*.ipynb")) if dest.exists() else []:
        rel = nb.relative_to(dest)
        if rel not in expected and ".ipynb_checkpoints" not in rel.parts:
            problems.append(
                f"chapters/{assignment}/{rel} is not generated from solutions/{assignment}/: every .ipynb "
                "under chapters/ must be (narrative pages are MyST .md files)."
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="*", help="assignment ids (default: all under solutions/)")
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    ids = args.assignment or assignments()
    failed = False
    for a in ids:
        if args.check:
            problems = check(a)
            for p in problems:
                print(p)
            failed |= bool(problems)
            print(f"{a}: {'OUT OF DATE' if problems else 'in sync'}")
        else:
            for path in release(a):
                print(f"wrote {path.relative_to(REPO)}")
    # chapters/ folders with notebooks but no source would never be checked: say so
    for chapter in sorted((REPO / "chapters").iterdir()):
        if chapter.is_dir() and chapter.name not in assignments() and any(chapter.glob("*.ipynb")):
            print(f"chapters/{chapter.name} has notebooks but solutions/{chapter.name} has none")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
