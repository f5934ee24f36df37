"""A topic page in a real JupyterLab and headless Chromium: move through the deck, save, see it.

Skipped when Chromium or playwright is missing, unless `PREP_REQUIRE_BROWSER=1` (set by CI),
where a missing browser fails the run instead. On failure a screenshot and the server log
land in `test-artifacts/`.
"""

from __future__ import annotations

import contextlib
import csv
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import lab
import pytest

import prep

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0  # two slow cores: kernel start, pandas and matplotlib imports
ACTION_TIMEOUT_MS = 30_000
TOPIC = "http-apis"
NOTEBOOK = "12-http-apis.ipynb"


class Lab:
    """One test's data dir and, once `open` is called, its JupyterLab, browser and page.

    Everything starts inside the test body, so a missing browser under
    `PREP_REQUIRE_BROWSER=1` is a failed test rather than a setup error.
    """

    def __init__(self, data_dir: Path, name: str) -> None:
        self.data_dir, self.name = data_dir, name
        self.server: lab.LabServer | None = None
        self.page: Page | None = None
        self._stack = contextlib.ExitStack()

    def open(self, notebook: str) -> Page:
        """Start Lab and Chromium, open `notebook`, run all cells, wait for the deck."""
        lab.require_browser()
        from playwright.sync_api import sync_playwright

        self.server = self._stack.enter_context(lab.LabServer(lab.NOTEBOOKS_DIR, self.data_dir))
        playwright = self._stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        self._stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page = context.new_page()
        lab.open_and_run(self.page, self.server, notebook, selector=".prep-deck", timeout=TIMEOUT_S)
        return self.page

    def close(self, *, failed: bool) -> None:
        if failed:
            for path in lab.save_artifacts(self.page, self.name, self.server):
                print(f"saved {path}")
        self._stack.close()


@pytest.fixture
def workbook(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Lab]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    failures_before = request.session.testsfailed
    book = Lab(data_dir, request.node.name)
    yield book
    # the call phase is reported before teardown runs, so a failure has been counted
    book.close(failed=request.session.testsfailed > failures_before)


def heading(deck: Locator) -> str:
    return deck.locator(".prep-deck-slot h3").first.inner_text().strip()


def wait_for_heading(deck: Locator, title: str) -> None:
    deck.locator(".prep-deck-slot h3", has_text=title).first.wait_for()


def wait_for_position(deck: Locator, text: str) -> None:
    """Wait for "Question 2 of 6" above the card (it may update just after the card does)."""
    exact = re.compile(rf"^\s*{re.escape(text)}\s*$")
    deck.locator(".prep-deck-nav .prep-deck-position", has_text=exact).first.wait_for()


def test_move_through_a_topic_deck_then_save_an_answer(workbook: Lab) -> None:
    page = workbook.open(NOTEBOOK)
    questions = prep.questions(topic=TOPIC)
    assert len(questions) >= 4, "the topic needs a few questions for this test"
    deck = page.locator(".prep-deck").first
    assert heading(deck) == questions[0].title
    wait_for_position(deck, f"Question 1 of {len(questions)}")
    assert deck.locator(".prep-question-card").count() == 1  # one card at a time

    deck.locator("button.prep-deck-next").click()
    wait_for_heading(deck, questions[1].title)
    wait_for_position(deck, f"Question 2 of {len(questions)}")

    # the level filter: only that level's questions (and those for every level) remain
    level = next(q.level for q in questions if q.level and q.level != questions[1].level)
    kept = [q for q in questions if q.level in (None, level)]
    deck.locator(".prep-deck-level label", has_text=re.compile(rf"^{level.capitalize()} ")).click()
    wait_for_heading(deck, kept[0].title)
    wait_for_position(deck, f"Question 1 of {len(kept)}")

    # by keyboard: Tab from the level buttons reaches Next, and Enter presses it
    if len(kept) > 1:
        deck.locator(".prep-deck-jump select").focus()
        for _ in range(4):
            page.keyboard.press("Tab")
            focused = page.evaluate("() => document.activeElement.className")
            if "prep-deck-next" in focused:
                break
        assert "prep-deck-next" in focused, f"Tab never reached Next (last: {focused!r})"
        page.keyboard.press("Enter")
        wait_for_heading(deck, kept[1].title)
        target = kept[1]
    else:
        target = kept[0]

    # type an answer into the card on show and save it
    token = f"token-{uuid.uuid4().hex[:12]}"
    answer = f"A PUT replaces the resource, so sending it twice leaves the same state. {token}"
    card = deck.locator(".prep-question-card").first
    card.locator(".prep-answer textarea").first.fill(answer)
    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved").first.wait_for()

    history = workbook.data_dir / "practice_history.csv"
    lab.wait_for_file_text(history, token, timeout=TIMEOUT_S)
    with history.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if token in row["answer"]]
    assert [row["item_id"] for row in rows] == [target.id]

    # the typed text is still there after moving away and back, and the jump list knows
    deck.locator(".prep-deck-level label", has_text=re.compile(r"^All ")).click()
    other = next(q for q in questions if q.id != target.id)
    jump = deck.locator(".prep-deck-jump select")
    jump.select_option(value=next(o for o in jump_labels(deck) if other.title in o))
    wait_for_heading(deck, other.title)
    jump.select_option(value=next(o for o in jump_labels(deck) if target.title in o))
    wait_for_heading(deck, target.title)
    assert token in deck.locator(".prep-answer textarea").first.input_value()
    mine = [o for o in jump_labels(deck) if target.title in o]
    assert mine and "practised" in mine[0], jump_labels(deck)


def jump_labels(deck: Locator) -> list[str]:
    """The jump list's lines, with plain spaces (ipywidgets shows them as non-breaking ones)."""
    return deck.locator(".prep-deck-jump option").evaluate_all("(os) => os.map((o) => o.value)")


def test_a_question_added_with_the_form_joins_the_deck_after_refresh(workbook: Lab) -> None:
    page = workbook.open("24-my-questions.ipynb")
    deck = page.locator(".prep-deck").first
    deck.locator(".prep-deck-empty", has_text="No questions here yet").wait_for()

    form = page.locator(".prep-add-question").first
    form.locator(".prep-own-title input").fill("Sizing the order queue")
    form.locator(".prep-own-prompt textarea").fill("How would you size the checkout queue?")
    form.locator(".prep-own-points textarea").fill("Peak rate against drain rate")
    form.locator("button", has_text="Add").first.click()
    form.locator(".prep-status", has_text="Added").wait_for()

    deck.locator("button.prep-deck-refresh").click()
    wait_for_heading(deck, "Sizing the order queue")
    wait_for_position(deck, "Question 1 of 1")
    card = deck.locator(".prep-question-card").first
    token = f"token-{uuid.uuid4().hex[:12]}"
    card.locator(".prep-answer textarea").first.fill(f"Measure the peak rate first. {token}")
    lab.save_button(card).click()
    card.locator(".prep-status", has_text="Saved").first.wait_for()
    history = workbook.data_dir / "practice_history.csv"
    lab.wait_for_file_text(history, token, timeout=TIMEOUT_S)
    with history.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if token in row["answer"]]
    assert len(rows) == 1 and rows[0]["item_id"].startswith("my-sizing"), rows
