"""The sandbox holds when student code gets past the tamper scan (lmrl_utils.grading.sandbox and .execute).

Each attack is a cell added to a correct Chapter 0 warm-up, graded by lmrl-grade (the real nbgrader, its
GradedExecute) with the scan switched off, so that the code really runs, and the sandbox required. The grader's data
stays unreadable and unwritable, nothing outlives the grading, the limits hold, a crash costs only what it broke,
and nobody else's grade moves. Without bubblewrap (Debian: apt-get install bubblewrap) the module is skipped."""

from __future__ import annotations

import contextlib
import copy
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from course_tools import REPO, filled_in, grade_id, make_course, released_notebooks, scores, source_notebooks, submit

from lmrl_utils.cache import cache_dir
from lmrl_utils.grading.batch import summary
from lmrl_utils.grading.sandbox import JOIN_GROUP, cpu_cgroup, remove_cgroup, sandbox_problem

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sandbox"),  # one worker grades the attacks once
              pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}")]

ASSIGNMENT, NB = "00_getting_started", "warmup.ipynb"
TAG = f"lmrl-orphan-{uuid.uuid4().hex[:8]}"  # the command line of the process that tries to outlive its kernel

PROBE = """import os
course = os.path.abspath('../../..')
targets = [course + '/gradebook.db', course + '/solutions', course + '/source', course + '/submitted',
           course + '/nbgrader_config.py', course + '/../secret.txt', '{repo}/solutions', '{repo}/.git']
"""
# name -> (cells added after the setup cell, or edits {grade_id: text put before that solution cell's code})
ATTACKS = {
    "reads and writes the grader's data": PROBE + """seen, wrote = [], []
for path in targets:
    try:
        seen.append((path, os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(16)))
    except OSError:
        pass
for path in targets + [course + '/autograded/full/00_getting_started/warmup.ipynb', course + '/x.txt']:
    for act in (lambda: open(path, 'ab').write(b'x'), lambda: os.remove(path)):
        try:
            act()
            wrote.append(path)
        except OSError:
            pass
print('SEEN', seen)
print('WROTE', wrote)
""",
    "a process that outlives the kernel": f"""import subprocess
subprocess.Popen(['sh', '-c', 'sleep 3600; : {TAG}'], start_new_session=True)
""",
    "processes, memory, CPU time, files and network": """import os, resource, socket, time
pids = []
try:
    while len(pids) < 2000:
        pid = os.fork()
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        pids.append(pid)
    print('FORKS', len(pids), 'NOT REFUSED')
except OSError as err:
    print('FORKS', len(pids), 'REFUSED', err.errno)
for pid in pids:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
print('LIMITS', [resource.getrlimit(r)[0] for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NPROC,
                                                    resource.RLIMIT_FSIZE)])
try:
    big = bytearray(12 * 2**30)
    print('MEMORY GRANTED')
except MemoryError:
    print('MEMORY REFUSED')
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=5)
    print('NET OPEN')
except OSError as err:
    print('NET CLOSED', err.errno)
""",
    "a fork bomb": ["""import os, time
if os.fork() == 0:
    while True:  # every process forks for ever, 2, 4, 8, ... processes, retrying every 10 ms once refused
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
count, seen, end = (lambda: sum(name.isdigit() for name in os.listdir('/proc'))), [], time.time() + 12
while time.time() < end and (len(seen) < 10 or seen[-1] > seen[-10]):  # until it stops growing: the limit
    time.sleep(0.1)
    seen.append(count())
print('BOMB', seen[-1])
""", """import os
print('AFTER', sum(name.isdigit() for name in os.listdir('/proc')),
      sorted(open(f'/proc/{pid}/stat').read().split(')')[1].split()[0] for pid in os.listdir('/proc') if pid.isdigit()))
"""],
    "(not an attack) builds a cache file the grader has not made": [f"""
from lmrl_utils.cache import cache_dir, load_or_build
print('BUILT', load_or_build(cache_dir() / 'lmrl-test-{TAG}.pt', lambda: {{'x': 1}}))
"""],
    "exits and crashes": {"fit_with_sgd_step": "import os\nos._exit(0)\n",
                          "train_linear_regression": "import ctypes\nctypes.string_at(0)\n"},
    "ignores interrupts and loops": {"train_linear_regression": (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n")},
}


def outputs(course, student: str) -> str:
    """Every text and error message of a student's autograded notebook."""
    graded = nbformat.read(course / "autograded" / student / ASSIGNMENT / NB, as_version=4)
    return "\n".join(o.get("text", "") + o.get("evalue", "") for c in graded.cells for o in c.get("outputs", []))


def alive(tag: str) -> bool:
    return subprocess.run(["pgrep", "-f", tag], capture_output=True).returncode == 0


def grade_attacks(root) -> tuple:
    """Grade the solution, and the solution with each attack, in a new course under `root`; return the course and
    {attack name (None: the solution alone): (student, lmrl-grade's Result)}. Also used by bench/attacks.py."""
    from lmrl_utils.grading.batch import grade

    course = make_course(root, ASSIGNMENT)
    with open(course / "nbgrader_config.py", "a") as config:  # the sandbox alone, required
        config.write('\nc.GradedExecute.scan = False\nc.GradedExecute.sandbox = "on"\nc.Execute.timeout = 20\n')
    (course.parent / "secret.txt").write_text("a file of the grader's, outside the course")
    listener = socket.create_server(("127.0.0.1", 0))
    full = filled_in(released_notebooks(course, ASSIGNMENT)[NB], source_notebooks(course, ASSIGNMENT)[NB])
    students = {"full": None, **{f"s{i}": name for i, name in enumerate(ATTACKS)}}
    for student, name in students.items():
        nb = copy.deepcopy(full)
        attack = ATTACKS.get(name)
        for k, code in enumerate([attack] if isinstance(attack, str) else attack if isinstance(attack, list) else []):
            code = code.replace("{repo}", str(REPO)).replace("{port}", str(listener.getsockname()[1]))
            nb.cells.insert(2 + k, nbformat.v4.new_code_cell(code))
        for cell in nb.cells if isinstance(attack, dict) else []:
            cell.source = attack.get(grade_id(cell), "") + cell.source
        submit(course, ASSIGNMENT, student, {NB: nb})
    results = {r.student: r for r in grade(course, ASSIGNMENT, workers=2, progress=lambda _: None)}
    listener.close()
    return course, {name: (student, results[student]) for student, name in students.items()}


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Graded once per test process (session, not module: xdist may hand this module's tests over in two parts,
    and a module fixture would grade the attacks again, 2 min of a worker)."""
    return grade_attacks(tmp_path_factory.mktemp("sandbox"))


def test_this_module_runs_on_one_test_worker(request):
    """`--dist loadgroup` sends the module to one worker, which grades the attacks once (pytest-xdist#1386: with
    pytest 9.2 the group is silently lost, and both workers spend 2.5 min grading them)."""
    if os.environ.get("PYTEST_XDIST_WORKER") and request.config.getvalue("dist") == "loadgroup":
        assert request.node.nodeid.endswith("@sandbox"), f"xdist lost this module's group: {request.node.nodeid}"


def test_the_solution_keeps_full_marks_in_the_sandbox(graded):
    course, by_attack = graded
    student, result = by_attack[None]
    assert result.status == "graded" and result.score == result.max_score == 6, result.log[-2000:]


def test_the_graders_data_is_neither_readable_nor_writable(graded):
    course, by_attack = graded
    student, result = by_attack["reads and writes the grader's data"]
    out = outputs(course, student)
    assert "SEEN []" in out and "WROTE []" in out, out[:1500]
    assert result.score == 6, f"the attack cell costs nothing else ({result.per_cell})"
    assert (course / "gradebook.db").stat().st_size > 0 and (course / "nbgrader_config.py").exists()
    assert not (course / "x.txt").exists()
    assert scores(course, ASSIGNMENT, by_attack[None][0])[0] == 6, "another student's grade moved"


def test_nothing_outlives_the_grading(graded):
    course, by_attack = graded
    assert by_attack["a process that outlives the kernel"][1].score == 6
    assert not alive(TAG), "a process the student started is still running after grading"


def test_processes_memory_and_network_are_limited(graded):
    course, by_attack = graded
    student, result = by_attack["processes, memory, CPU time, files and network"]
    out = outputs(course, student)
    assert "REFUSED" in out and "NOT REFUSED" not in out, out[:500]
    assert int(out.split("FORKS")[1].split()[0]) < 256, "no more processes than the limit"
    assert "LIMITS [8589934592, 1800, 256, 67108864]" in out and "MEMORY REFUSED" in out, out[:500]
    assert "NET CLOSED" in out, out[:500]
    assert result.score == 6, result.per_cell


def test_a_fork_bomb_ends_with_its_cell(graded):
    """The bomb fills the process limit (256 processes and threads), costs no exercise, and its processes are
    killed when its cell ends: the next cell finds only the kernel (and bubblewrap, the namespace's init)."""
    course, by_attack = graded
    student, result = by_attack["a fork bomb"]
    out = outputs(course, student)
    killed = [line for line in result.log.splitlines() if "Killed" in line or "died" in line]
    assert 200 < int(out.split("BOMB")[1].split()[0]) <= 256, (out[:500], killed)
    assert int(out.split("AFTER")[1].split()[0]) <= 3, (out[:500], killed)
    assert result.score == 6 and result.strays > 200, (result.per_cell, result.strays, killed)
    assert f"{result.strays:16d}" in summary([result]), "lmrl-grade's summary counts the killed processes"
    assert not in_kernel_groups(course), "a process outlived its kernel"


def in_kernel_groups(course: Path) -> list[int]:
    """Processes in the sandbox's cpu control groups that run in `course` (other tests grade at the same time)."""
    groups = [*Path("/sys/fs/cgroup").glob("lmrl-kernel-*"), *Path("/sys/fs/cgroup").glob("*/lmrl-kernel-*")]
    found = []
    for group in groups:
        with contextlib.suppress(OSError):  # removed meanwhile, with its kernel
            for pid in (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):  # ended meanwhile
                    if Path(os.readlink(f"/proc/{pid}/cwd")).is_relative_to(course.resolve()):
                        found.append(int(pid))
    return found


SPIN = "import os, time\nfor _ in range({forks}):\n    os.fork()\nend = time.time() + 2\nwhile time.time() < end: pass"


def _in_group(group, forks: int) -> subprocess.Popen:
    """A Python process that joins `group` the way the sandbox's wrapper does, then spins 2 s as 2**forks."""
    return subprocess.Popen([*JOIN_GROUP, str(group),
                             sys.executable, "-c", SPIN.format(forks=forks)])


def _cpu_of(run) -> float:
    """CPU seconds per wall-clock second of the process `run()` starts and waits for (not of its forks)."""
    start, before = time.perf_counter(), os.times()
    run()
    after = os.times()
    used = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return used / (time.perf_counter() - start)


def test_a_kernels_processes_share_the_cpu_as_one_group():
    """Eight spinners in one kernel's group and one in another's: the lone one still gets about a core of two
    (ungrouped, it would get about 2/9 of one), so a fork bomb cannot starve the student graded beside it."""
    bomb, lone = cpu_cgroup(), cpu_cgroup()
    if bomb is None or lone is None:
        pytest.skip("this grader cannot make a cpu control group (not root, or no cpu controller)")
    try:
        many = _in_group(bomb, forks=3)
        share = _cpu_of(lambda: _in_group(lone, forks=0).wait(timeout=30))
        many.wait(timeout=30)
        time.sleep(0.3)  # the forks end at the same deadline
    finally:
        remove_cgroup(bomb)
        remove_cgroup(lone)
    assert not bomb.exists() and not lone.exists()
    assert share > 0.4, f"the lone spinner got {share:.2f} of a core"


def test_a_cpu_cgroup_caps_what_runs_in_it(tmp_path):
    """What the sandbox's wrapper puts in a control group of 0.5 CPU uses at most about 0.5 CPU, however many
    processes spin in it (two here, on a machine with at least two cores)."""
    group = cpu_cgroup(0.5)
    if group is None:
        pytest.skip("this grader cannot make a cpu control group (not root, or no cpu controller)")
    try:
        used = _cpu_of(lambda: _in_group(group, forks=1).wait(timeout=30))
        time.sleep(0.3)  # the forked spinner ends at the same deadline
    finally:
        remove_cgroup(group)
    assert not group.exists()
    # the parent alone is measured: <= 0.25 CPU when capped with another spinner beside it, about 1 uncapped
    assert used < 0.4, used


def test_a_cache_file_built_in_the_sandbox_costs_nothing(graded):
    """The model cache is read-only in the sandbox, so what a cell builds is kept in memory only, silently: a
    warning would go to stderr, which nbgrader counts as a failed test (Chapter 7's solution lost a point so)."""
    course, by_attack = graded
    student, result = by_attack["(not an attack) builds a cache file the grader has not made"]
    graded_nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / NB, as_version=4)
    (cell,) = [c for c in graded_nb.cells if "BUILT" in c.source]
    assert [o.get("name") for o in cell.outputs] == ["stdout"], cell.outputs
    assert "BUILT {'x': 1}" in cell.outputs[0]["text"] and result.score == 6
    assert not (cache_dir() / f"lmrl-test-{TAG}.pt").exists(), "the kernel wrote into the model cache"


def test_a_crash_costs_only_what_it_broke(graded):
    """os._exit in fit_with_sgd_step's cell and a segfault in train_linear_regression's: those four tests fail,
    sgd_step's two still pass, because the rest of the notebook ran again in a fresh kernel."""
    course, by_attack = graded
    student, result = by_attack["exits and crashes"]
    assert result.per_cell == {"sgd_step_visible": 1, "sgd_step_hidden": 1, "train_visible": 0, "train_hidden": 0,
                               "fit_visible": 0, "fit_hidden": 0}, result.per_cell
    assert outputs(course, student).count("the kernel stopped while running this cell") == 2
    assert result.crashes == 2, "lmrl-grade's summary counts the kernel deaths"


def test_a_loop_that_ignores_interrupts_costs_its_exercise(graded):
    course, by_attack = graded
    student, result = by_attack["ignores interrupts and loops"]
    assert result.per_cell["sgd_step_visible"] == result.per_cell["sgd_step_hidden"] == 1, result.per_cell
    assert result.per_cell["train_visible"] == result.per_cell["train_hidden"] == 0, result.per_cell
    assert "did not stop when interrupted" in outputs(course, student)
