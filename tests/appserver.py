"""Run the workbook as `make app` does, Voilà inside a Jupyter server, for a browser test.

`AppServer` is `lab.LabServer` with the app's command line: a temp copy of the notebooks,
a temp data dir, temp Jupyter dirs, a free port and a random token, and the settings in the
repository's `jupyter_app_config.py`. Importable without playwright or Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import lab

APP_CONFIG = lab.REPO_ROOT / "jupyter_app_config.py"
START_PAGE = "00-start-here.ipynb"
RENDER_PREFIX = "/voila/render/"


class AppServer(lab.LabServer):
    """A throwaway `make app` on a temp copy of the notebooks, saving practice into `data_dir`.

    The flags are the Makefile's `app` ones (tests/test_workcopy.py checks those), plus what
    a test needs: no browser, a fixed free port and a known token.
    """

    def url(self, notebook: str) -> str:
        """Return the address that opens `notebook` (relative to the copied folder) in Voilà."""
        return f"{self.base_url}{RENDER_PREFIX}{notebook}?token={self.token}"

    @property
    def start_url(self) -> str:
        """The address `make app` opens in the browser: the server's default URL, with token."""
        return f"{self.base_url}/?token={self.token}"

    def start(self) -> None:
        """Copy the notebooks, start the server with the app's settings, wait until it answers."""
        if not self.notebooks_dir.is_dir():
            raise FileNotFoundError(f"no notebooks folder at {self.notebooks_dir}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix="prep-app-"))
        self.root = self.tmp / "notebooks"
        shutil.copytree(
            self.notebooks_dir,
            self.root,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
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
        self.port = lab._free_port()
        cmd = [
            self.python,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--config={APP_CONFIG}",
            f"--ServerApp.root_dir={self.root}",
            f"--ServerApp.default_url={RENDER_PREFIX}{START_PAGE}",
        ]
        if hasattr(os, "getuid") and os.getuid() == 0:
            cmd.append("--allow-root")
        self.log_path = self.tmp / "app-server.log"
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

    def api(self, path: str) -> Any:
        """GET a Jupyter REST endpoint (e.g. `/api/kernels`) with the token; return its JSON."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))
