"""The workbook in a real JupyterLab and headless Chromium: typed answers reach the history.

Skipped when Chromium or playwright is missing, unless `PREP_REQUIRE_BROWSER=1` (set by CI),
where a missing browser fails the run instead. On failure a screenshot and the server log
land in `test-artifacts/`.
"""

from __future__ import annotations

import contextlib
import csv
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import lab
import pytest

from prep.coach.textstats import word_count
from prep.store.history import SCHEMA_VERSION

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0  # two slow cores: kernel start, pandas and matplotlib imports
TIMEOUT_MS = TIMEOUT_S * 1000
ACTION_TIMEOUT_MS = 30_000  # a click, a fill, the status line after Save
DRAFT_TIMEOUT_S = 15.0  # drafts are written ~1 s after typing stops, at most ~5 s while typing

ANSWER_FIELD = ".prep-answer textarea"
XSS_PAYLOAD = (
    '<img src=x onerror="window.__pwned=1">'
    " <script>window.__pwned=2</script>"
    ' <svg onload="window.__pwned=3">'
)


class Workbook:
    """One test's data dir, and (once `open` is called) its JupyterLab, browser and page.

    Everything starts inside the test body, so a missing browser under
    `PREP_REQUIRE_BROWSER=1` is reported as a failed test rather than a setup error.
    """

    def __init__(self, data_dir: Path, name: str) -> None:
        self.data_dir = data_dir
        self.name = name
        self.server: lab.LabServer | None = None
        self.page: Page | None = None
        self._stack = contextlib.ExitStack()

    @property
    def history(self) -> Path:
        return self.data_dir / "practice_history.csv"

    def open(self, notebook: str, selector: str = ".prep-card") -> Page:
        """Start Lab and Chromium, open `notebook`, run all cells and wait for `selector`."""
        lab.require_browser()
        from playwright.sync_api import sync_playwright

        self.server = self._stack.enter_context(lab.LabServer(lab.NOTEBOOKS_DIR, self.data_dir))
        playwright = self._stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        self._stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page = context.new_page()
        lab.open_and_run(self.page, self.server, notebook, selector=selector, timeout=TIMEOUT_S)
        return self.page

    def close(self, *, failed: bool) -> None:
        if failed:
            for path in lab.save_artifacts(self.page, self.name, self.server):
                print(f"saved {path}")
        self._stack.close()


@pytest.fixture
def workbook(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workbook]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    failures_before = request.session.testsfailed
    book = Workbook(data_dir, request.node.name)
    yield book
    # The call phase is reported before teardown runs, so a failure has been counted.
    book.close(failed=request.session.testsfailed > failures_before)


def _history_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _answer_with_token() -> tuple[str, str]:
    token = f"token-{uuid.uuid4().hex[:12]}"
    answer = f'I owned the billing API, "end to end", for 8 months.\nProof: {token}'
    return answer, token


def test_question_card_saves_answer_to_history(workbook: Workbook) -> None:
    page = workbook.open("02-past-role.ipynb")
    card = page.locator(".prep-question-card").first
    answer, token = _answer_with_token()

    card.locator("textarea.prep-answer, .prep-answer textarea").first.fill(answer)
    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved").first.wait_for()

    lab.wait_for_file_text(workbook.history, token, timeout=TIMEOUT_S)
    rows = [row for row in _history_rows(workbook.history) if row["item_id"] == "past-role"]
    assert len(rows) == 1, rows
    assert rows[0]["answer"] == answer
    assert rows[0]["schema_version"] == SCHEMA_VERSION
    assert rows[0]["word_count"] == str(word_count(answer))
    assert rows[0]["row_check"].startswith("c1:")  # the row carries its integrity check

    # the coach's feedback is on the page, with its reasons
    coach = card.locator(".prep-feedback")
    coach.locator("summary", has_text="Talking points:").wait_for()
    assert "Structure (STAR)" in coach.inner_text()
    assert "Delivery" in coach.inner_text()


def test_tip_card_saves_prompt(workbook: Workbook) -> None:
    page = workbook.open("05-research-company.ipynb", selector=".prep-tip-card")
    card = page.locator(".prep-tip-card").first
    answer, token = _answer_with_token()

    card.locator("textarea").first.fill(answer)
    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved").first.wait_for()

    lab.wait_for_file_text(workbook.history, token, timeout=TIMEOUT_S)
    rows = [row for row in _history_rows(workbook.history) if token in row["answer"]]
    assert len(rows) == 1, rows
    assert rows[0]["item_id"].startswith("research-company/"), rows[0]
    assert rows[0]["answer"] == answer


def test_progress_notebook_shows_charts(
    workbook: Workbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_history(workbook.data_dir, monkeypatch)
    page = workbook.open("10-progress.ipynb", selector=".prep-progress img")
    page.wait_for_function(
        """(minimum) => [...document.querySelectorAll('.prep-progress img')]
            .filter((img) => img.complete && img.naturalWidth > 0).length >= minimum""",
        arg=4,
        timeout=TIMEOUT_MS,
    )
    widths = page.locator(".prep-progress img").evaluate_all(
        "(imgs) => imgs.map((img) => img.naturalWidth)"
    )
    assert sum(width > 0 for width in widths) >= 5, widths
    # issue 15: every chart is an <img> whose alt says what it shows
    alts = page.locator(".prep-progress .prep-chart img").evaluate_all(
        "(imgs) => imgs.map((img) => img.alt)"
    )
    assert len(alts) == 6 and all(alts), alts
    assert alts[0].startswith("Practice calendar, a square a day"), alts[0]

    # issues 6 and 13: the topic grid, the cards of the topic practised last, another topic
    # picked in the page, and the filters redraw
    view = page.locator(".prep-progress").first
    assert view.locator("table.prep-topics tbody tr").count() == len(prep_topics())
    last = prep_questions()[-1].topic
    assert view.locator(".prep-question-stat").count() == len(prep_questions(topic=last))
    # the options: every practised question, then the topics in order
    topic_ids = [topic.id for topic in prep_topics()]
    view.locator(".prep-topic-select select").select_option(index=1 + topic_ids.index("databases"))
    wanted = len(prep_questions(topic="databases"))
    page.wait_for_function(
        "(n) => document.querySelectorAll('.prep-progress .prep-question-stat').length === n",
        arg=wanted,
        timeout=TIMEOUT_MS,
    )
    view.locator(".prep-progress-filters select").select_option(label="Your role in past projects")
    selected = "2 saved answers over 2 days in this selection"
    view.locator(".prep-status", has_text=selected).wait_for()
    # the status line and the cards are two widgets: the cards may arrive a moment later
    page.wait_for_function(
        "() => document.querySelectorAll('.prep-progress .prep-question-stat').length === 1",
        timeout=TIMEOUT_MS,
    )
    view.locator("button", has_text="Show everything").click()
    total = 2 * len(prep_questions())
    view.locator(".prep-status", has_text=f"{total} saved answers over").wait_for()


def test_answer_with_markup_is_shown_as_text(workbook: Workbook) -> None:
    """S2: an answer full of HTML is stored as typed and shown as text, never run."""
    notebook = "01-first-involved.ipynb"
    page = workbook.open(notebook, selector=".prep-question-card")
    card = page.locator(".prep-question-card").first
    token = f"xss-{uuid.uuid4().hex[:12]}"
    answer = f"{token} {XSS_PAYLOAD}"

    card.locator(ANSWER_FIELD).fill(answer)
    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved attempt").wait_for()
    _assert_shown_as_text(page, answer, token)

    lab.wait_for_file_text(workbook.history, token, timeout=TIMEOUT_S)
    rows = [row for row in _history_rows(workbook.history) if token in row["answer"]]
    assert [row["answer"] for row in rows] == [answer]

    # A fresh page and a card rebuilt from the history file: still text, still not run.
    assert workbook.server is not None
    lab.reload_and_run(
        page, workbook.server, notebook, selector=".prep-question-card", timeout=TIMEOUT_S
    )
    _assert_shown_as_text(page, answer, token)


def _assert_shown_as_text(page: Page, answer: str, token: str) -> None:
    card = page.locator(".prep-question-card").first
    attempts = card.locator(".prep-attempts")
    attempts.locator(".prep-attempt", has_text=token).wait_for()
    shown = attempts.inner_text()
    assert "<img src=x" in shown, shown
    assert answer in shown, shown
    assert attempts.locator("img, svg, script").count() == 0
    assert card.locator('img[src="x"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    page.wait_for_timeout(500)  # an injected onerror/onload would have fired by now
    assert page.evaluate("window.__pwned") is None


def test_draft_restored_after_kernel_restart(workbook: Workbook) -> None:
    """Issue 3 item 3: unsaved typing survives "Restart Kernel and Run All Cells…"."""
    notebook = "02-past-role.ipynb"
    page = workbook.open(notebook, selector=".prep-question-card")
    card = page.locator(".prep-question-card").first
    drafts = workbook.data_dir / "drafts.json"
    token = f"draft-{uuid.uuid4().hex[:12]}"
    answer = f"I kept the release checklist and ran the weekly demo {token}"

    card.locator(ANSWER_FIELD).fill(answer)  # one input event: ipywidgets syncs the value
    lab.wait_for_file_text(drafts, token, timeout=DRAFT_TIMEOUT_S)

    assert workbook.server is not None
    fresh = lab.restart_and_run_all(
        page, workbook.server, notebook, selector=".prep-question-card", timeout=TIMEOUT_S
    )
    card = fresh.first
    card.locator(".prep-status", has_text="Draft restored").wait_for()
    assert card.locator(ANSWER_FIELD).input_value() == answer
    assert page.locator(f"[{lab.STALE_ATTR}]").count() == 0, "the old card is still shown"
    assert not workbook.history.exists() or token not in workbook.history.read_text("utf-8")

    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved attempt 1").wait_for()
    lab.wait_for_file_text(workbook.history, token, timeout=TIMEOUT_S)
    lab.wait_for_file_without_text(drafts, token, timeout=DRAFT_TIMEOUT_S)


def prep_questions(topic: str | None = None) -> list:
    import prep

    return prep.questions(topic=topic)


def prep_topics() -> list:
    import prep

    return [topic for topic in prep.topics() if topic.questions]


def _seed_history(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save two attempts at each question, a week apart, through the package's own store."""
    monkeypatch.setenv("PREP_DATA_DIR", str(data_dir))
    import prep.paths
    from prep.store.history import HistoryStore

    path = prep.paths.history_path()  # where the kernel, given the same variable, will read
    questions = [question.id for question in prep.questions()]
    start = datetime(2026, 11, 6, 14, 2, 5, tzinfo=timezone.utc)
    for week in range(2):
        for n, item_id in enumerate(questions):
            when = start + timedelta(days=7 * week + n)
            store = HistoryStore(path, clock=lambda when=when: when)
            answer = f"Attempt {week + 1} at {item_id},\nwith more detail each time."
            store.record(item_id, answer, seconds=60 + 10 * n, confidence=2 + week)


def test_mock_interview_runs_two_questions(workbook: Workbook) -> None:
    """Issue 5: start a mock run, answer two questions against the clock, both saved."""
    page = workbook.open("11-mock-interview.ipynb", selector=".prep-mock")
    mock = page.locator(".prep-mock").first
    mock.locator("button", has_text="Start the interview").click()
    tokens = []
    for number in (1, 2):
        mock.locator("h3", has_text=f"question {number} of 3").wait_for()
        mock.locator(".prep-countdown", has_text="left").wait_for()
        assert mock.locator(".prep-hints").inner_text().strip() == ""  # hidden until answered
        token = f"mock-{uuid.uuid4().hex[:10]}"
        tokens.append(token)
        mock.locator(".prep-answer textarea").fill(f"As a result we shipped it in 3 weeks. {token}")
        mock.locator("button", has_text="Submit answer").click()
        mock.locator(".prep-status", has_text=f"Saved ({number} of 3 answered)").wait_for()
        assert "What a strong answer covers" in mock.locator(".prep-hints").inner_text()
        mock.locator("button", has_text="Next question").click()
    # the learner stops here, halfway through: both answers are in the history
    lab.wait_for_file_text(workbook.history, tokens[1], timeout=TIMEOUT_S)
    rows = [row for row in _history_rows(workbook.history) if row["mode"] == "mock"]
    assert [any(t in row["answer"] for t in tokens) for row in rows] == [True, True]
    assert all(row["seconds"] != "" for row in rows)
