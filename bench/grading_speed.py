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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--copies", type=int, default=4, help="copies of the solution and of the blank notebook")
    parser.add_argument("--modes", default="nbgrader,1,2", help="graders to time: nbgrader and/or worker counts")
    add_flags(parser, repeats=1)
    args = parser.parse_args()
    n = 2 * args.copies
    print(f"{args.assignment}: {n} submissions")
    print("| grader | seconds | submissions/min | speed-up | peak MB | CPU s | cores busy |\n" + "|---" * 7 + "|")
    base_name, base_times, base_cpus, rows = None, [], [], []
    for mode in args.modes.split(","):
        runs = [run(args.assignment, args.copies, mode) for _ in range(args.repeats)]
        times, cpus = [seconds for seconds, _, _ in runs], [cpu for _, _, cpu in runs]
        seconds, mb, cpu = statistics.median(times), max(mb for _, mb, _ in runs), statistics.median(cpus)
        name = "nbgrader autograde (sequential)" if mode == "nbgrader" else f"lmrl-grade --workers {mode}"
        base_name, base_times = base_name or name, base_times or times  # the first mode is the reference
        base = statistics.median(base_times)
        print(f"| {name} | {seconds:.0f} | {60 * n / seconds:.1f} | {base / seconds:.2f}x | {mb} | {cpu:.0f} | "
              f"{cpu / seconds:.2f} |", flush=True)
        rows.append(row(f"grading {n} submissions of {args.assignment}: {name}", "s", times, base_name, base_times))
        base_cpus = base_cpus or cpus
        rows.append(row(f"CPU seconds of grading {n} submissions of {args.assignment}: {name}", "CPU s", cpus,
                        base_name, base_cpus))
    if args.write:
        write(result("grading_speed", rows), args.results)


if __name__ == "__main__":
    main()
