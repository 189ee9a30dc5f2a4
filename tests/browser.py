"""A real browser for the tests: Debian's Chromium driven by Playwright, with the network off but for localhost.

    with chromium() as browser:                      # skips the test when Chromium or Playwright is missing
        with served(site) as base:                   # http://127.0.0.1:PORT for a folder, stopped afterwards
            page, log = offline_page(browser, base)  # every request off localhost is refused and logged
            page.goto(base + "/intro.html")

No browser is downloaded: Playwright (PyPI) drives the system's `/usr/bin/chromium` (Debian's `chromium`
package, which `.ci/run` installs). Screenshots and other artefacts go to `artifacts_dir()`.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# What the environment's probe found necessary on these machines: without the background-networking flags,
# Chromium opens many connections of its own that the closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    """The system Chromium, or None (`LMRL_CHROMIUM` names another binary)."""
    return os.environ.get("LMRL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def artifacts_dir(kind: str = "screenshots") -> Path:
    """Where browser tests leave what a person should look at (`LMRL_ARTIFACTS`, default `_build/artifacts`)."""
    path = Path(os.environ.get("LMRL_ARTIFACTS", REPO / "_build" / "artifacts")) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Chromium for one test module; skipped, with the install command, when it is missing."""
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium: `apt install chromium` (Debian's package; .ci/run installs it in CI)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: run `make install`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test reports what matters; no access log on stderr
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A tab closed while a file was still being sent is not an error of the site: no traceback for it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve a folder over HTTP on a free local port, as `make serve` does; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageLog:
    """What a page did that a reader would not see: refused off-machine requests, console errors."""
    refused: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # local requests answered with an HTTP error

    def clear(self) -> None:
        for kind in (self.refused, self.console_errors, self.page_errors, self.failed):
            kind.clear()


def offline_page(browser, base: str, **context_options):
    """A new page whose requests reach only `base` (the local server); everything else is refused and logged."""
    context = browser.new_context(**context_options)
    log = PageLog()

    def route(r) -> None:
        url = r.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            log.refused.append(url)
            r.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("response", lambda r: log.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page, log
