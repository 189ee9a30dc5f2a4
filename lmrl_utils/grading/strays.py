"""Ending what a student's cell left running in the sandbox (lmrl_utils.grading.sandbox), a fork bomb included.

After each code cell, the grader kills every process in the kernel's sandbox except the kernel itself, so the
next cells get the CPU and the process limit back. The kernel is told apart by its place, not its name: the
sandbox's bubblewrap starts the PID namespace's init, which starts the kernel first; everything the student
started is a later descendant of that init.

Why killing again until nothing is left is enough: a process with SIGKILL pending can no longer complete a fork
(Linux checks for a fatal signal before it adds the child to the process table), and a child it added before is
in /proc by the time kill() returns. So each pass finds every process the previous one missed, and a pass that
finds none left (but the kernel's own zombie children) ends it. SIGSTOP has no such guarantee: a stopped
process's fork in progress still completes, which let children of a bomb on a slow, loaded machine survive an
earlier stop-then-kill version.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def process_table() -> dict[int, tuple[int, int, str, str]]:
    """{pid: (parent pid, start time in clock ticks, command name, state: Z for a zombie)} of every process."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_bytes().decode("utf-8", "replace")  # a process may name itself with any bytes
        except OSError:  # ended meanwhile
            continue
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        table[int(stat.parent.name)] = (int(fields[1]), int(fields[19]), name, fields[0])
    return table


def descendants(root: int, table: dict[int, tuple[int, int, str, str]]) -> list[int]:
    """Every process below `root` (not `root` itself), parents before children."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop(0)
        found.append(pid)
        todo += children.get(pid, [])
    return found


def end_strays(sandbox_pid: int, seconds: float = 10.0) -> int:
    """Kill every process in the sandbox started by `sandbox_pid` (bubblewrap) except the kernel, the first
    process started below the namespace's init, and wait until the init has reaped them, so the next cell has
    the whole process limit; return how many were killed. Gives up after `seconds` (a process stuck in the
    operating system's kernel cannot die sooner)."""
    killed: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        table = process_table()
        inside = [pid for pid in descendants(sandbox_pid, table) if table[pid][0] != sandbox_pid]  # not the init
        if not inside:
            break
        kernel = min(inside, key=lambda pid: (table[pid][1], pid))
        # a zombie still holds a slot of the process limit until its parent reaps it; the init reaps every
        # orphan, but the kernel's own children stay zombies until the student's code waits for them
        left = [pid for pid in inside if pid != kernel and not (table[pid][3] == "Z" and table[pid][0] == kernel)]
        if not left:
            break
        alive = [pid for pid in left if table[pid][3] != "Z"]
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if killed.issuperset(alive):
            time.sleep(0.01)  # only dying ones and zombies left: let them end and the init reap them
        killed.update(alive)
    return len(killed)
