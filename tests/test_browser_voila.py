"""The workbook as an app (`make app`: Voilà in a Jupyter server) in a real headless Chromium.

A learner opens the app and lands on the start page, follows Next to a question, types an
answer and saves it (the row lands in the data folder given to the server), follows Next to
the following page and Previous back, where the saved attempt is listed. Every page loads
with HTTP 200: no link answers 403, and the pages left behind have their kernels shut down.

Skipped when Chromium or playwright is missing, unless `PREP_REQUIRE_BROWSER=1` (CI),
where that fails instead. On failure a screenshot and the server log go to test-artifacts/.
With `PREP_SCREENSHOTS=1` the start page and the pages after each Next are saved there too.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import appserver
import lab
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0
ACTION_TIMEOUT_MS = 60_000
CARD = ".prep-question-card"
NEXT = re.compile(r"^Next: ")
PREVIOUS = re.compile(r"^← Previous: ")


class Traffic:
    """What the browser fetched that went wrong, sorted into what matters and what does not.

    Offline (as here and in CI) the Voilà template's web font, icon stylesheets and MathJax
    cannot load from their CDNs: those failures, and the console lines they cause, are ignored.
    So is the kernel shutdown beacon a page sends as it is left, which Chromium reports as
    aborted by the navigation even though the server receives it.
    """

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.bad_responses: list[str] = []
        self.failed: list[str] = []
        self.ignored: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _ours(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def _response(self, response) -> None:
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    def _failed(self, request) -> None:
        line = f"{request.method} {request.url}: {request.failure}"
        beacon = urlsplit(request.url).path.startswith("/voila/api/shutdown/")
        if not self._ours(request.url) or (beacon and "ERR_ABORTED" in str(request.failure)):
            self.ignored.append(line)
        else:
            self.failed.append(line)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and not self._ours(source):
            self.ignored.append(f"console: {message.text} ({source})")
        else:
            self.console_errors.append(f"{message.text} ({source})")

    def problems(self) -> list[str]:
        return [
            *(f"HTTP {line}" for line in self.bad_responses),
            *(f"request failed: {line}" for line in self.failed),
            *(f"console error: {line}" for line in self.console_errors),
            *(f"page error: {line}" for line in self.page_errors),
        ]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# Voilà's page is as tall as the window and scrolls inside; this is the height of its content.
_CONTENT_HEIGHT_JS = (
    "() => Math.max(...[...document.querySelectorAll('*')].map((e) => e.scrollHeight))"
)


def _shot(page: Page, name: str) -> None:
    """With PREP_SCREENSHOTS=1, save the whole page as test-artifacts/voila-NAME.png."""
    if os.environ.get("PREP_SCREENSHOTS") != "1":
        return
    lab.ARTIFACTS_DIR.mkdir(exist_ok=True)
    window = page.viewport_size or {"width": 1280, "height": 900}
    height = min(int(page.evaluate(_CONTENT_HEIGHT_JS)) + 40, 8000)
    page.set_viewport_size({"width": window["width"], "height": max(height, window["height"])})
    page.screenshot(path=str(lab.ARTIFACTS_DIR / f"voila-{name}.png"))
    page.set_viewport_size(window)


def _follow(page: Page, name: re.Pattern[str], server: appserver.AppServer, notebook: str):
    """Click the navigation link called `name`; check it opened `notebook` with HTTP 200."""
    link = page.get_by_role("link", name=name)
    with page.expect_navigation(timeout=TIMEOUT_S * 1000) as navigation:
        link.click()
    response = navigation.value
    assert response is not None and response.status == 200, (
        f"{name.pattern} answered {response and response.status}; log:\n{server.log_tail(12)}"
    )
    assert urlsplit(page.url).path == f"{appserver.RENDER_PREFIX}{notebook}", page.url


def _heading(page: Page, text: str) -> None:
    """Wait until the page's title heading shows, its navigation cell, and every widget.

    Voilà writes "Loading widget..." where each widget goes until the page's widget manager
    has drawn it.
    """
    page.locator("h1", has_text=text).first.wait_for(state="visible")
    page.get_by_role("link", name=re.compile(r"^(Next|← Previous): ")).first.wait_for()
    page.wait_for_function("() => !document.body.innerText.includes('Loading widget...')")


def _wait_for_kernels(server: appserver.AppServer, count: int, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        kernels = server.api("/api/kernels")
        if len(kernels) <= count or time.monotonic() >= deadline:
            return kernels
        time.sleep(0.5)


def test_app_opens_on_start_page_saves_and_navigates(tmp_path: Path) -> None:
    lab.require_browser()
    from playwright.sync_api import sync_playwright

    data_dir = tmp_path / "data"
    history = data_dir / "practice_history.csv"
    proof = f"proof-{uuid.uuid4().hex[:10]}"
    answer = f"A friend's broken website made me curious how servers answer. {proof}"
    page = server = None
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(appserver.AppServer(lab.NOTEBOOKS_DIR, data_dir))
        playwright = stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        traffic = Traffic(page, server.base_url)
        with lab.artifacts_on_failure(page, "voila-app", server):
            # the address `make app` opens is the start page
            response = page.goto(server.start_url, timeout=TIMEOUT_S * 1000)
            assert response is not None and response.status == 200
            start = f"{appserver.RENDER_PREFIX}{appserver.START_PAGE}"
            assert urlsplit(page.url).path == start, page.url
            _heading(page, "Start here")
            _shot(page, "start-page")

            _follow(page, NEXT, server, "01-first-involved.ipynb")
            _heading(page, "How you got into computer science")
            card = page.locator(CARD).first
            card.locator("textarea").first.fill(answer)
            lab.save_button(card).click()
            card.locator(".prep-status", has_text="Saved attempt 1").wait_for()
            lab.wait_for_file_text(history, proof, timeout=TIMEOUT_S)
            rows = [row for row in _rows(history) if row["item_id"] == "first-involved"]
            assert [row["answer"] for row in rows] == [answer]
            _shot(page, "after-next-saved")

            _follow(page, NEXT, server, "02-past-role.ipynb")
            _heading(page, "Your role in past projects")
            page.locator(CARD).first.locator("textarea").first.wait_for()
            _shot(page, "after-second-next")
            # the pages left behind shut their kernels down; only this page's runs
            kernels = _wait_for_kernels(server, 1)
            assert len(kernels) == 1, (kernels, server.log_tail(20))

            _follow(page, PREVIOUS, server, "01-first-involved.ipynb")
            attempt = page.locator(CARD).first.locator(".prep-attempt", has_text=proof)
            attempt.wait_for()
            assert "Your earlier attempts (1)" in page.locator(CARD).first.inner_text()

            assert traffic.problems() == [], traffic.problems()
            print("ignored while offline:", *sorted(set(traffic.ignored)), sep="\n  ")
