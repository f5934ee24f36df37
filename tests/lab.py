"""Drive the workbook in a real JupyterLab and a headless Debian Chromium.

Used by `tests/test_browser.py` and `tools/screenshots.py`. Importable without playwright
or Chromium installed: `browser_unavailable_reason()` says what is missing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
_SAVE_LABEL = re.compile(r"^\s*Save\s*$")

# Without the networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# JupyterLab settings for a quiet, deterministic page: no news pop-up covering the bottom
# right, no autosave, the preferred kernel started without a dialog, and every cell attached
# to the DOM (the default windowing can leave off-screen outputs unrendered).
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    },
}
DARK_THEME: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
}


def chromium_path() -> str | None:
    """Return the Chromium to drive: `$PREP_CHROMIUM`, else /usr/bin/chromium, if executable."""
    candidate = os.environ.get("PREP_CHROMIUM") or DEFAULT_CHROMIUM
    return candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None


def require_browser(what: str = "the browser tests") -> None:
    """Skip the calling test where the browser cannot run; fail instead under CI's
    `PREP_REQUIRE_BROWSER=1`, where a missing browser must never pass as a skip."""
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("PREP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PREP_REQUIRE_BROWSER=1 but {what} cannot run: {reason}")
    pytest.skip(reason)


def browser_unavailable_reason() -> str | None:
    """Say why browser tests cannot run here, or return None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package `playwright` is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        wanted = os.environ.get("PREP_CHROMIUM") or DEFAULT_CHROMIUM
        return f"no Chromium at {wanted} (apt-get install chromium, or set PREP_CHROMIUM)"
    return None


def launch_browser(playwright: Playwright, *, headless: bool = True) -> Browser:
    """Launch the system Chromium through playwright (never `playwright install`)."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(browser_unavailable_reason() or "Chromium not found")
    return playwright.chromium.launch(
        executable_path=executable, args=list(CHROMIUM_ARGS), headless=headless
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _merge_settings(*layers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for plugin, values in layer.items():
            merged.setdefault(plugin, {}).update(values)
    return merged


class LabServer:
    """A throwaway JupyterLab on a temp copy of the notebooks, saving practice into `data_dir`.

    The kernel inherits the server's environment, so `PREP_DATA_DIR` reaches the workbook.
    Jupyter's config, runtime, data and IPython dirs are temp dirs too; the venv's kernelspec
    and lab extensions stay visible because Jupyter always searches `sys.prefix/share/jupyter`.
    """

    def __init__(
        self,
        notebooks_dir: str | os.PathLike[str],
        data_dir: str | os.PathLike[str],
        *,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        python: str = sys.executable,
        startup_timeout: float = 60.0,
    ) -> None:
        self.notebooks_dir = Path(notebooks_dir)
        self.data_dir = Path(data_dir)
        self.settings = _merge_settings(LAB_SETTINGS, settings or {})
        self.python = python
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(16)
        self.port = 0
        self.tmp: Path | None = None
        self.root: Path | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """Return the address that opens `notebook` (relative to the copied folder) in Lab."""
        return f"{self.base_url}/lab/tree/{notebook}?token={self.token}"

    def __enter__(self) -> LabServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self.cleanup()

    def start(self) -> None:
        """Copy the notebooks, write the settings, start Lab and wait until it answers."""
        if not self.notebooks_dir.is_dir():
            raise FileNotFoundError(f"no notebooks folder at {self.notebooks_dir}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix="prep-lab-"))
        self.root = self.tmp / "notebooks"
        shutil.copytree(
            self.notebooks_dir,
            self.root,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        settings_dir = self.tmp / "app-settings"
        settings_dir.mkdir()
        (settings_dir / "overrides.json").write_text(json.dumps(self.settings, indent=2))
        env = dict(os.environ)
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTER_DATA_DIR", "data"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (self.tmp / sub).mkdir()
            env[name] = str(self.tmp / sub)
        env["PREP_DATA_DIR"] = str(self.data_dir.resolve())
        env.pop("MPLBACKEND", None)  # a test run's Agg must not leak into the learner's kernel
        env["PYTHONUNBUFFERED"] = "1"
        self.port = _free_port()
        cmd = self.server_command(settings_dir)
        if hasattr(os, "getuid") and os.getuid() == 0:
            cmd.append("--allow-root")
        self.log_path = self.tmp / self.log_name
        self._log_file = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            cmd, cwd=self.root, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            self.cleanup()
            raise

    log_name = "jupyterlab.log"

    def server_command(self, settings_dir: Path) -> list[str]:
        """The server's command line (a subclass serves something else on the same set-up)."""
        return [
            self.python,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.app_settings_dir={settings_dir}",
            "--LabApp.news_url=None",
            "--LabApp.expose_app_in_browser=True",
        ]

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        request = urllib.request.Request(
            f"{self.base_url}/api/status", headers={"Authorization": f"token {self.token}"}
        )
        proc = self._proc
        if proc is None:
            raise RuntimeError("the server was not started")
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {proc.returncode} before answering;"
                    f" log tail:\n{self.log_tail()}"
                )
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(request, timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.25)
        raise TimeoutError(
            f"JupyterLab did not answer /api/status on port {self.port} within"
            f" {self.startup_timeout:.0f} s; log tail:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines of the server log (kernel tracebacks land here too)."""
        if self.log_path is None or not self.log_path.exists():
            return "(no server log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server; its kernels go with it. The temp dir stays until `cleanup()`."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=timeout)
        self._proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self) -> None:
        """Delete the temp dir (notebook copy, settings, log); call after `stop()`."""
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# `path` shows and its kernel is connected and idle. The status bar's "Idle" alone is not
# enough after a reload: a fresh kernel's first websocket can fail and reconnect, and a
# "run all" sent then is lost, leaving every cell unrun.
KERNEL_READY_JS = """(path) => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!widget || !widget.context || widget.context.path !== path) return false;
    const session = widget.sessionContext && widget.sessionContext.session;
    const kernel = session && session.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


def wait_for_kernel(page: Page, notebook: str, timeout: float = 90.0) -> None:
    """Wait until `notebook` is the page showing and its kernel is connected and idle."""
    # Lab restores its workspace, so another notebook may be showing (and idle) at first.
    page.wait_for_function(KERNEL_READY_JS, arg=notebook, timeout=timeout * 1000, polling=250)


# Tracebacks in the current notebook, read from its model (stderr warnings are not errors).
_CELL_ERRORS_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.model.cells;
    const errors = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        for (let j = 0; j < cell.outputs.length; j++) {
            const output = cell.outputs.get(j).toJSON();
            if (output.output_type === 'error') {
                errors.push(`cell ${i + 1}: ${output.ename}: ${output.evalue}`);
            }
        }
    }
    return errors;
}"""

# Every output of the current notebook, one short line each, to explain a wait that timed out.
_CELL_OUTPUTS_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.model.cells;
    const lines = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        for (let j = 0; j < cell.outputs.length; j++) {
            const output = cell.outputs.get(j).toJSON();
            const text = output.text || (output.data && (output.data['text/plain'] || ''))
                || output.evalue || '';
            const flat = (Array.isArray(text) ? text.join('') : String(text)).slice(0, 300);
            lines.push(`cell ${i + 1} ${output.output_type}: ${flat}`);
        }
    }
    return lines;
}"""

_READY_OR_FAILED_JS = f"""(selector) => {{
    const shown = [...document.querySelectorAll(selector)].some((el) => el.checkVisibility());
    return shown || ({_CELL_ERRORS_JS})().length > 0;
}}"""


def open_and_run(
    page: Page,
    server: LabServer,
    notebook: str,
    *,
    selector: str = ".prep-card",
    timeout: float = 90.0,
) -> None:
    """Open `notebook`, wait for an idle kernel, run all cells, wait for `selector` to show.

    `selector` is plain CSS. A cell that raises ends the wait at once with its error.
    """
    page.goto(server.url(notebook), timeout=timeout * 1000)
    run_all(page, server, notebook, selector=selector, timeout=timeout)


def reload_and_run(
    page: Page,
    server: LabServer,
    notebook: str,
    *,
    selector: str = ".prep-card",
    timeout: float = 90.0,
) -> None:
    """Reload the page (the kernel keeps running), then run all cells as `run_all` does.

    The notebook has unsaved outputs, so Lab asks "leave this page?": the prompt is accepted.
    """
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload(timeout=timeout * 1000)
    run_all(page, server, notebook, selector=selector, timeout=timeout)


def run_all(
    page: Page,
    server: LabServer,
    notebook: str,
    *,
    selector: str = ".prep-card",
    timeout: float = 90.0,
) -> None:
    """Wait for `notebook` to show with an idle kernel, run all cells, wait for `selector`."""
    wait_for_kernel(page, notebook, timeout)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    wait_for_output(page, server, notebook, selector=selector, timeout=timeout)


STALE_ATTR = "data-prep-stale"


def restart_and_run_all(
    page: Page,
    server: LabServer,
    notebook: str,
    *,
    selector: str = ".prep-card",
    timeout: float = 90.0,
) -> Locator:
    """Restart the kernel as a learner does; return the `selector` elements built afterwards.

    Menu Kernel → "Restart Kernel and Run All Cells…", then "Restart" in the dialog. The
    elements shown before are marked `data-prep-stale` first, so the wait (and the returned
    locator) only ever sees the new outputs. `selector` must be one compound selector.
    """
    page.locator(selector).evaluate_all(
        f"(els) => els.forEach((el) => el.setAttribute('{STALE_ATTR}', '1'))"
    )
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Kernel\s*$")).click()
    page.locator(".lm-Menu-item", has_text="Restart Kernel and Run All Cells").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("button.jp-mod-accept", has_text="Restart").click()
    dialog.wait_for(state="detached")
    fresh = f"{selector}:not([{STALE_ATTR}])"
    wait_for_output(page, server, notebook, selector=fresh, timeout=timeout)
    return page.locator(fresh)


def wait_for_output(
    page: Page,
    server: LabServer,
    notebook: str,
    *,
    selector: str = ".prep-card",
    timeout: float = 90.0,
) -> None:
    """Wait until `selector` shows; a cell that raises ends the wait at once with its error."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_function(
            _READY_OR_FAILED_JS, arg=selector, timeout=timeout * 1000, polling=250
        )
    except PlaywrightTimeoutError:
        outputs = "\n".join(f"  {line}" for line in page.evaluate(_CELL_OUTPUTS_JS))
        raise TimeoutError(
            f"no visible {selector!r} in {notebook} {timeout:.0f} s after run-all;"
            f" its outputs:\n{outputs or '  (none)'}\nserver log tail:\n{server.log_tail(12)}"
        ) from None
    errors = page.evaluate(_CELL_ERRORS_JS)
    if errors:
        raise NotebookError(notebook, errors, server.log_tail(12))


class NotebookError(AssertionError):
    """A cell of the notebook under test raised; the message lists each traceback's last line."""

    def __init__(self, notebook: str, errors: list[str], log_tail: str) -> None:
        self.notebook, self.errors = notebook, errors
        lines = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"{notebook} raised while running:\n{lines}\nserver log tail:\n{log_tail}")


def save_button(card: Locator) -> Locator:
    """Return the card's "Save" button.

    Not `get_by_role(name="Save")`: the Font Awesome icon's glyph is part of the accessible name.
    """
    return card.locator("button", has_text=_SAVE_LABEL).first


def wait_for_file_text(path: str | os.PathLike[str], text: str, timeout: float = 30.0) -> str:
    """Poll `path` until it contains `text`; return the whole content."""
    target = Path(path)
    deadline = time.monotonic() + timeout
    content: str | None = None
    while True:
        if target.exists():
            content = target.read_text(encoding="utf-8", errors="replace")
            if text in content:
                return content
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    seen = "the file does not exist" if content is None else f"it holds:\n{content[-2000:]}"
    raise TimeoutError(f"{target} did not contain {text!r} within {timeout:.0f} s; {seen}")


def wait_for_file_without_text(
    path: str | os.PathLike[str], text: str, timeout: float = 30.0
) -> str | None:
    """Poll `path` until it is absent or no longer contains `text`; return its content."""
    target = Path(path)
    deadline = time.monotonic() + timeout
    while True:
        content = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
        if content is None or text not in content:
            return content
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    raise TimeoutError(
        f"{target} still contained {text!r} after {timeout:.0f} s; it holds:\n{content[-2000:]}"
    )


def save_artifacts(page: Page | None, name: str, server: LabServer | None = None) -> list[Path]:
    """Save a full-page screenshot and the server log under test-artifacts/; return paths."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    saved: list[Path] = []
    if page is not None and not page.is_closed():
        shot = ARTIFACTS_DIR / f"{safe}.png"
        with contextlib.suppress(Exception):  # a dead page must not hide the real failure
            page.screenshot(path=str(shot), full_page=True, timeout=15_000)
            saved.append(shot)
    if server is not None and server.log_path is not None and server.log_path.exists():
        log = ARTIFACTS_DIR / f"{safe}.jupyterlab.log"
        shutil.copyfile(server.log_path, log)
        saved.append(log)
    return saved


@contextlib.contextmanager
def artifacts_on_failure(
    page: Page | None, name: str, server: LabServer | None = None
) -> Iterator[None]:
    """Run a block; if it raises, save a screenshot and the server log, then re-raise."""
    try:
        yield
    except BaseException:
        saved = save_artifacts(page, name, server)
        for path in saved:
            print(f"saved {path}", file=sys.stderr)
        raise
