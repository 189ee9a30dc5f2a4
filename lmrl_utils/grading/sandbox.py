"""The student's kernel in a sandbox: what it may read, write, start and use, when the autograder runs it.

A submission's code runs in a Jupyter kernel. Started plainly, that kernel has the grader's rights: it can read
the instructor's `solutions/`, the gradebook (every hidden test's source) and other students' work, write the
gradebook, and leave processes behind. `SandboxedKernelManager` starts it instead inside bubblewrap (`bwrap`,
Debian's package `bubblewrap`), as a Jupyter kernel manager nbgrader's Execute uses like its own:

- **files**: a new root holding only the system folders (`/usr`, `/etc`, ...), Python, the course package, the
  model cache and the notebook's own folder, all read-only, and a private scratch `/tmp` of `scratch_bytes`. No
  `solutions/`, no gradebook, no other student, no `.git`, nothing else of the grader's home;
- **network**: none (`--unshare-net`); the kernel talks to the grader over Unix sockets in a private folder;
- **processes**: its own PID namespace: when the kernel ends or the grader kills it, everything it started dies
  with it (a detached process included). It cannot see or signal anything outside;
- **limits** (`prlimit`): address space `memory_bytes`, CPU time `cpu_seconds`, `processes` (threads count),
  files of at most `file_bytes`, no core dumps. Nbgrader's per-cell timeout still applies. Where the grader may
  make a control group (root, with a cpu controller), the kernel and all it starts are one group, which the
  scheduler weighs like one process, so a fork bomb cannot starve the kernel grading another student
  (`cpu_cores` > 0 also caps the group);
- **strays**: a process a cell started and left running is killed when the cell ends
  (lmrl_utils.grading.strays, called by lmrl_utils.grading.execute), so the next cells get the CPU and the
  process limit;
- **user**: run as root, the grader gives each kernel a uid of its own with no capabilities, so the process
  limit counts that kernel only (a fork bomb stops at `processes`); run as another user, bubblewrap maps the
  kernel to that user in a user namespace (the limits hold; the process count is per user namespace).

`sandbox_problem()` says why a machine cannot sandbox (no bwrap, namespaces refused); `GradedExecute`
(lmrl_utils.grading.execute) then grades unsandboxed with a warning, or refuses when `sandbox = "on"`.
tests/test_grading_sandbox.py grades attacks through the real nbgrader to show each limit holds.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import site
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Float, Integer

from lmrl_utils.cache import cache_dir
from lmrl_utils.grading.strays import end_strays

# Environment variables the kernel keeps; everything else (tokens, database URLs, the grader's paths) is dropped.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
            "OPENBLAS_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "MPLBACKEND", "JPY_SESSION_NAME")
NAMESPACES = ("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try")
SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt")
JOIN_GROUP = ["sh", "-c", '{ echo $$ > "$0/cgroup.procs"; } 2>/dev/null; exec "$@"']  # + group, command: joins, execs
FIRST_UID = 200_000  # kernels run as uid FIRST_UID + the grading process's pid: one uid per concurrent kernel


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """None when bubblewrap can start a sandbox here, else why not (said once, in the grader's log)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        probe = subprocess.run([bwrap, *_root_args(), *NAMESPACES, "--die-with-parent", "/bin/true"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap could not start: {err}"
    if probe.returncode != 0:
        return f"bubblewrap could not start a sandbox here: {probe.stderr.strip()[:300]}"
    return None


def _root_args() -> list[str]:
    """The system folders, read-only, as the host has them (a folder, or a symlink such as /bin -> usr/bin)."""
    args: list[str] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    return args


def _readable(folder: Path) -> None:
    """Let the kernel's own uid read the model cache: files saved by older versions were private (0600)."""
    for path in folder.iterdir():
        mode = path.stat().st_mode
        if path.is_file() and not mode & 0o004:
            path.chmod(mode | 0o044)


def python_dirs() -> list[str]:
    """Folders the kernel's Python needs: its installation, its environment and the course package (an editable
    install points into the repository, whose other folders stay hidden)."""
    import lmrl_utils

    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
            *site.getsitepackages(), *lmrl_utils.__path__, str(cache_dir())}
    _readable(cache_dir())
    existing = sorted(d for d in dirs if d and os.path.isdir(d))
    # a folder inside another bound folder is bound already
    return [d for d in existing if not any(d != o and d.startswith(o.rstrip("/") + "/") for o in existing)]


def sandbox_command(cmd: list[str], cwd: str, conn_dir: str, uid: int | None, limits: dict[str, int],
                    scratch_bytes: int) -> list[str]:
    """`cmd` (the kernel's command line) wrapped in bwrap, setpriv (root only) and prlimit."""
    # scratch /tmp first: the folders bound next may lie under the host's /tmp
    args = ["bwrap", *_root_args(), *NAMESPACES, "--die-with-parent", "--perms", "1777", "--size", str(scratch_bytes),
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
            # jupyter_client names the grader as the kernel's parent; from its PID namespace the kernel would not
            # find it and stop at once (1 means "no parent to watch"). --die-with-parent ends it with the grader.
            "--setenv", "JPY_PARENT_PID", "1"]
    binds = [("--ro-bind", path) for path in python_dirs()] + [("--ro-bind", cwd), ("--bind", conn_dir)]
    made: set[str] = set()
    for how, path in binds:
        for parent in reversed(Path(path).parents):  # bwrap would make them 0700, closed to the kernel's uid
            if str(parent) not in made and parent != Path("/") and not str(parent).startswith(SYSTEM_DIRS):
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        args += [how, path, path]
    args += ["--chdir", cwd]
    for dev in sorted(Path("/dev").glob("nvidia*")):  # a GPU, when the machine has one
        args += ["--dev-bind", str(dev), str(dev)]
    if uid is not None:  # root: become an unprivileged uid of this kernel's own, with no capabilities left
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs"]
    else:
        args += ["--"]
    args += ["prlimit", *(f"--{name}={value}" for name, value in limits.items()), "--", *cmd]
    return args


def cpu_cgroup(cores: float = 0.0) -> Path | None:
    """A new cpu control group: the scheduler shares the CPU fairly between groups, not processes, so a student
    who starts hundreds of processes gets no more than the kernel grading another student. `cores` > 0 also caps
    the group at that many CPUs (cgroup v2 `cpu.max`, or v1's CFS quota). None where this grader may not make one
    (not root, no cpu controller): then only the per-process limits hold."""
    name = f"lmrl-kernel-{uuid.uuid4().hex[:12]}"
    period = 100_000  # microseconds
    quota = int(cores * period)
    for root, weight, cap in ((Path("/sys/fs/cgroup"), "cpu.weight", {"cpu.max": f"{quota} {period}"}),
                              (Path("/sys/fs/cgroup/cpu"), "cpu.shares",
                               {"cpu.cfs_period_us": str(period), "cpu.cfs_quota_us": str(quota)})):
        if not (root / "cgroup.procs").exists():
            continue
        _sweep(root)
        group = root / name
        try:
            group.mkdir()
        except OSError:
            continue
        try:
            if not (group / weight).exists():  # v2 without the cpu controller enabled for its children
                raise OSError("no cpu controller")
            for file, value in cap.items() if cores > 0 else ():
                (group / file).write_text(value)
            return group
        except OSError:
            remove_cgroup(group)
    return None


def _sweep(root: Path, age: float = 3600.0) -> None:
    """Remove empty groups made over `age` seconds ago whose kernel's cleanup never ran (rmdir spares the others)."""
    for group in root.glob("lmrl-kernel-*"):
        with contextlib.suppress(OSError):
            if time.time() - group.stat().st_mtime > age and not (group / "cgroup.procs").read_text().strip():
                group.rmdir()


def remove_cgroup(group: Path) -> None:
    """Remove a control group once its processes have ended (they are being killed: wait up to 5 s)."""
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)


class SandboxedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, starting the kernel inside the sandbox (module docstring)."""

    memory_bytes = Integer(8 * 2**30, help="address-space limit of the kernel (RLIMIT_AS)").tag(config=True)
    cpu_seconds = Integer(1800, help="CPU seconds for the whole notebook (RLIMIT_CPU)").tag(config=True)
    processes = Integer(256, help="processes and threads of the kernel (RLIMIT_NPROC)").tag(config=True)
    file_bytes = Integer(64 * 2**20, help="largest file the kernel may write (RLIMIT_FSIZE)").tag(config=True)
    scratch_bytes = Integer(256 * 2**20, help="size of the kernel's private /tmp").tag(config=True)
    cpu_cores = Float(0.0, help="CPUs the kernel and its processes may use at most, where a cgroup can be made "
                      "(0: no cap, but they still share the CPU as one group)").tag(config=True)

    _conn_dir: str | None = None
    _cgroup: Path | None = None

    async def _async_pre_start_kernel(self, **kw):
        self._conn_dir = tempfile.mkdtemp(prefix="lmrl-kernel-")
        self.transport = "ipc"  # Unix sockets: the kernel has no network at all
        self.connection_file = os.path.join(self._conn_dir, "kernel.json")
        self.ip = os.path.join(self._conn_dir, "kernel-ipc")
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        uid = FIRST_UID + os.getpid() if os.geteuid() == 0 else None
        if uid is not None:  # the kernel's own uid must make its sockets and read its connection file
            for path in (self._conn_dir, self.connection_file):
                os.chown(path, uid, uid)
        limits = {"as": self.memory_bytes, "cpu": self.cpu_seconds, "nproc": self.processes,
                  "fsize": self.file_bytes, "core": 0}
        cwd = os.path.realpath(kw.get("cwd") or os.getcwd())
        env = {k: v for k, v in (kw.get("env") or os.environ).items() if k in KEPT_ENV or k.startswith("LMRL_")}
        env.update(HOME="/tmp", TMPDIR="/tmp", MPLCONFIGDIR="/tmp/matplotlib", LMRL_CACHE=str(cache_dir()),
                   LMRL_CACHE_READONLY="1")  # rebuilt in memory, without a warning nbgrader would count as failing
        kw.update(cwd=cwd, env=env)
        cmd = sandbox_command(cmd, cwd, self._conn_dir, uid, limits, self.scratch_bytes)
        self._cgroup = cpu_cgroup(self.cpu_cores)
        return (cmd if self._cgroup is None else [*JOIN_GROUP, str(self._cgroup), *cmd]), kw

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by a message on the control channel: a signal to bwrap would not reach the kernel inside."""
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    interrupt_kernel = _async_interrupt_kernel  # the async manager's public name is the coroutine

    def end_strays(self) -> int:
        """Kill what the student's code started and left running (a cell's processes end with the cell)."""
        process = getattr(self.provisioner, "process", None)
        return end_strays(process.pid) if process is not None and process.poll() is None else 0

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._conn_dir and not restart:
            shutil.rmtree(self._conn_dir, ignore_errors=True)
            self._conn_dir = None
        if self._cgroup is not None:
            remove_cgroup(self._cgroup)
            self._cgroup = None

    cleanup_resources = _async_cleanup_resources  # nbclient calls this name when the kernel died by itself
