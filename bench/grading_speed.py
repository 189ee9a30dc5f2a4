"""Submissions graded per minute: sequential `nbgrader autograde` against `lmrl-grade` with 1 and 2 workers.

Each run grades `--copies` copies of the solution and of the blank notebook of one assignment in a fresh course,
and checks the scores (solution full marks, blank 0). Peak memory is the largest resident set of the run's
process tree (sampled every 0.2 s). CPU seconds are those of this process and of its descendants (nbgrader, the
workers, the kernels; sampled with the memory, so a process's last 0.2 s may be missed): their ratio to the
wall-clock time is the number of cores kept busy, and CPU seconds / cores is the fastest any number of workers
could grade the same work on this machine.

    python bench/grading_speed.py 00_getting_started --copies 4         # ~5 min on 2 quiet cores
    python bench/grading_speed.py 06_policy_gradients --modes 2         # lmrl-grade with 2 workers only
    python bench/grading_speed.py 06_policy_gradients --write           # bench/results/grading_speed.json
    python bench/grading_speed.py all --copies 2 --write                # every assignment, then their sums

`--repeats N` grades N times per mode and keeps the median (default 1: each mode takes minutes). The JSON rows
compare each mode with the first of `--modes` (sequential nbgrader by default), timed in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from course_tools import filled_in, make_course, released_notebooks, source_notebooks, submit  # noqa: E402
from record import add_flags, result, row, write  # noqa: E402

from lmrl_utils.grading.batch import grade, read_scores  # noqa: E402
from lmrl_utils.grading.worker import ensure_models  # noqa: E402
from lmrl_utils.release import assignments  # noqa: E402


def _watch(stop: threading.Event, peak: list[int], cpu: dict[int, int]) -> None:
    """Until `stop` is set, every 0.2 s: the largest summed resident set (MB) of this process and its descendants
    in peak[0], and each descendant's CPU seconds so far in cpu[pid] (from ps: the kernels run in PID namespaces
    of their own, so the operating system's accounting of waited-for children misses them)."""
    import os

    def sample() -> int:
        out = subprocess.run(["ps", "-eo", "pid,ppid,rss,times"], capture_output=True, text=True).stdout
        rows = [tuple(map(int, line.split())) for line in out.split("\n")[1:] if line.strip()]
        children, total, todo = {}, 0, [os.getpid()]
        for pid, ppid, _, _ in rows:
            children.setdefault(ppid, []).append(pid)
        own = {pid: (rss, seconds) for pid, _, rss, seconds in rows}
        while todo:
            pid = todo.pop()
            rss, seconds = own.get(pid, (0, 0))
            total += rss
            if pid != os.getpid():
                cpu[pid] = max(cpu.get(pid, 0), seconds)
            todo += children.get(pid, [])
        return total // 1024

    while not stop.wait(0.2):
        peak[0] = max(peak[0], sample())


def run(assignment: str, copies: int, mode: str) -> tuple[float, int, float]:
    """Seconds, peak MB and CPU seconds to grade the copies in a fresh course with `mode` ("nbgrader", "1" or "2"
    workers)."""
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), assignment)
        released, sources = released_notebooks(course, assignment), source_notebooks(course, assignment)
        full = {name: filled_in(nb, sources[name]) for name, nb in released.items()}
        for k in range(copies):
            submit(course, assignment, f"full{k}", full)
            submit(course, assignment, f"blank{k}", released)
        stop, peak, cpu_of = threading.Event(), [0], {}
        watcher = threading.Thread(target=_watch, args=(stop, peak, cpu_of))
        watcher.start()
        start, cpu_before = time.perf_counter(), time.process_time()
        if mode == "nbgrader":
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment], cwd=course,
                           capture_output=True, check=True)
        else:
            grade(course, assignment, workers=int(mode), progress=lambda _: None)
        seconds = time.perf_counter() - start
        stop.set()
        watcher.join()
        cpu = time.process_time() - cpu_before + sum(cpu_of.values())
        for k in range(copies):
            score, max_score, _ = read_scores(course, assignment, f"full{k}")
            assert score == max_score and read_scores(course, assignment, f"blank{k}")[0] == 0, mode
        return seconds, peak[0], cpu


def measure(assignment: str, copies: int, modes: list[str], repeats: int) -> dict[str, tuple]:
    """{mode: (seconds of each repeat, CPU seconds of each repeat, peak MB)} for one assignment, printed as a table."""
    n, out = 2 * copies, {}
    print(f"\n{assignment}: {n} submissions")
    print("| grader | seconds | submissions/min | speed-up | peak MB | CPU s | cores busy |\n" + "|---" * 7 + "|")
    for mode in modes:
        runs = [run(assignment, copies, mode) for _ in range(repeats)]
        out[mode] = ([s for s, _, _ in runs], [c for _, _, c in runs], max(mb for _, mb, _ in runs))
        seconds, cpu, base = statistics.median(out[mode][0]), statistics.median(out[mode][1]), out[modes[0]][0]
        print(f"| {NAME(mode)} | {seconds:.0f} | {60 * n / seconds:.1f} | {statistics.median(base) / seconds:.2f}x | "
              f"{out[mode][2]} | {cpu:.0f} | {cpu / seconds:.2f} |", flush=True)
    return out


def NAME(mode: str) -> str:  # noqa: N802  # a mode's name in the tables and the JSON rows
    return "nbgrader autograde (sequential)" if mode == "nbgrader" else f"lmrl-grade --workers {mode}"


def rows_of(what: str, by_mode: dict[str, tuple], modes: list[str]) -> list[dict]:
    """The JSON rows of one measurement: seconds and CPU seconds per mode, each against the first mode's."""
    rows, (base_times, base_cpus, _) = [], by_mode[modes[0]]
    for mode in modes:
        times, cpus, _ = by_mode[mode]
        rows.append(row(f"grading {what}: {NAME(mode)}", "s", times, NAME(modes[0]), base_times))
        rows.append(row(f"CPU seconds of grading {what}: {NAME(mode)}", "CPU s", cpus, NAME(modes[0]), base_cpus))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="+", help="assignment ids, or all")
    parser.add_argument("--copies", type=int, default=4, help="copies of the solution and of the blank notebook")
    parser.add_argument("--modes", default="nbgrader,1,2", help="graders to time: nbgrader and/or worker counts")
    add_flags(parser, repeats=1)
    args = parser.parse_args()
    names = assignments() if args.assignments == ["all"] else args.assignments
    print(f"cached models checked (trained if missing) in {ensure_models():.0f} s")  # as lmrl-grade does first
    modes, n, rows = args.modes.split(","), 2 * args.copies, []
    per = {a: measure(a, args.copies, modes, args.repeats) for a in names}
    for a in names:
        rows += rows_of(f"{n} submissions of {a}", per[a], modes)
    if len(names) > 1:  # the whole course: each repeat's times summed over the assignments, last (the headline)
        total = {m: tuple([sum(x) for x in zip(*(per[a][m][k] for a in names), strict=True)] for k in (0, 1))
                 + (max(per[a][m][2] for a in names),) for m in modes}
        print(f"\nevery assignment ({len(names)}): " + ", ".join(
            f"{NAME(m)} {statistics.median(total[m][0]):.0f} s" for m in modes))
        rows += rows_of(f"{n} submissions of each of the {len(names)} assignments", total, modes)
    if args.write:
        write(result("grading_speed", rows), args.results)

if __name__ == "__main__":
    main()
