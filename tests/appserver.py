"""Run the workbook as `make app` does, Voilà inside a Jupyter server, for a browser test.

`AppServer` is `lab.LabServer` with the app's command line: a temp copy of the notebooks,
a temp data dir, temp Jupyter dirs, a free port and a random token, and the settings in the
repository's `jupyter_app_config.py`. Importable without playwright or Chromium.
"""

from __future__ import annotations

import json
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

    log_name = "app-server.log"

    def server_command(self, settings_dir: Path) -> list[str]:
        """The Makefile's `app` command line (JupyterLab's settings folder goes unused)."""
        return [
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

    def api(self, path: str) -> Any:
        """GET a Jupyter REST endpoint (e.g. `/api/kernels`) with the token; return its JSON."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))
