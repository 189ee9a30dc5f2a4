"""A throw-away JupyterLab for the browser tests: a copy of the course, stopped with all its kernels afterwards.

    with lab_server(tmp_path) as lab:              # the course copied into tmp_path/course, served on a free port
        page.goto(lab.url("lab/tree/chapters/01_attention/attention.ipynb"))

The server runs as a student's or an instructor's would after the README's install (`jupyter lab` in the
activated virtual environment), with what that install enabled (nbgrader's Lab and server extensions), but it
reads no personal configuration (`~/.jupyter`), writes nothing outside `tmp_path`, and is told to fetch no news
and check for no update (the tests run offline). Nothing is written into the repository: release/,
gradebook.db and the notebooks a test edits live in the copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What Lab and the formgrader need of the course; lmrl_utils is installed (editable), kernels import it from the
# repository without a copy.
COURSE_PARTS = ["chapters", "solutions", "nbgrader_config.py"]
LAB_SETTINGS = {  # user settings of the throw-away Lab: nothing fetched from the internet
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}


@dataclass
class Lab:
    """A running JupyterLab: the course copy it serves, its address and token, its process and log."""
    root: Path
    base: str
    token: str
    process: subprocess.Popen
    log: Path

    def url(self, path: str = "lab") -> str:
        """An address of the server that logs the browser in (the token in the query, as `jupyter lab` prints)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, method: str, path: str, timeout: float = 30) -> object:
        """Call the server's REST API (e.g. GET api/kernels); the decoded JSON, or None for an empty answer."""
        request = urllib.request.Request(f"{self.base}/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for a failure message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def copy_course(dest: Path) -> Path:
    """A copy of the course folder (chapters/, solutions/, nbgrader_config.py) at `dest`, to serve and grade."""
    dest.mkdir(parents=True)
    junk = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "_build")
    for part in COURSE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=junk)
        else:
            shutil.copy(source, dest / part)
    return dest


def _environment(tmp: Path) -> dict[str, str]:
    """The environment of `jupyter lab` typed in the activated virtual environment, with its own folders."""
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    # activation puts the environment's scripts first on PATH; nbgrader's gradebook runs `alembic` from PATH
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = sys.prefix
    env["JUPYTER_CONFIG_DIR"] = str(tmp / "config")  # no personal ~/.jupyter; the install's config still applies
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")  # connection files and the server's jpserver-<pid>.json
    env["IPYTHONDIR"] = str(tmp / "ipython")  # no personal startup files; history written here
    env.pop("JUPYTER_TOKEN", None)
    return env


def _server_info(runtime: Path, pid: int) -> dict | None:
    """What the server wrote about itself once it listens (its port), or None before that."""
    info = runtime / f"jpserver-{pid}.json"
    try:
        return json.loads(info.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _descendants(pid: int) -> list:
    """The server's child processes (kernels, validation kernels), to stop whatever outlives the server."""
    try:
        import psutil  # ipykernel's dependency, installed with the course
    except ImportError:
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _stop(lab: Lab) -> None:
    """Stop the server as Ctrl+C would (kernels first), then end by id anything of ours still running."""
    children = _descendants(lab.process.pid)
    if lab.base:  # it listens: ask it to shut every kernel down, then itself
        with contextlib.suppress(OSError):
            lab.api("POST", "api/shutdown", timeout=10)
    try:
        lab.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        lab.process.terminate()
        try:
            lab.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lab.process.kill()
            lab.process.wait(timeout=10)
    for child in children:  # kernels run in sessions of their own: a killed server would leave them behind
        with contextlib.suppress(Exception):
            child.kill()


@contextlib.contextmanager
def lab_server(tmp: Path, timeout: float = 120) -> Iterator[Lab]:
    """A JupyterLab serving a copy of the course made in `tmp`, on a free local port with a fresh token; stopped,
    with all its kernels, whatever happens in the `with` block."""
    root = copy_course(tmp / "course")
    settings = tmp / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    token = secrets.token_hex(16)
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp / 'lab-workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # CI containers run as root; a student's machine does not
    log = tmp / "jupyter-lab.log"
    env = _environment(tmp)
    with open(log, "w") as out:
        # started from the course folder, as the README says: the formgrader and Validate read nbgrader_config.py
        # from the working folder
        process = subprocess.Popen(args, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    lab = Lab(root=root, base="", token=token, process=process, log=log)
    try:
        deadline = time.monotonic() + timeout
        info = None
        while info is None:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {process.returncode}:\n{lab.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start within {timeout:.0f} s:\n{lab.log_tail()}")
            time.sleep(0.2)
            info = _server_info(Path(env["JUPYTER_RUNTIME_DIR"]), process.pid)
        lab.base = f"http://127.0.0.1:{info['port']}"
        lab.api("GET", "api/status")  # answers once the extensions are loaded
        yield lab
    finally:
        _stop(lab)
