"""Accessibility in a real JupyterLab: axe-core on every kind of page, in Light and Dark, and
the keyboard a learner without a mouse uses.

axe-core is the npm package pinned in tests/axe/ (`npm ci` there installs it; tests/a11y.py
does that when npm is present). The audit fails on any serious or critical violation inside
workbook output, in either theme, and prints JupyterLab's own violations as information.
Zero violations count only once axe has shown that it evaluated colour contrast (passes
counted inside the workbook's output).

Skipped when Chromium, playwright, or axe-core (and npm to install it) is missing, unless
`PREP_REQUIRE_BROWSER=1` (CI), where that fails instead. One JupyterLab, one browser and one
page serve every test here; on failure a screenshot and the server log go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import a11y
import lab
import pytest
import test_browser_exercises as exercises

from prep.store.history import SPREADSHEET_CELL_LIMIT
from prep.widgets._common import FOCUS

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0
ACTION_TIMEOUT_MS = 30_000
THEMES = (a11y.LIGHT, a11y.DARK)
BACKGROUNDS = {a11y.LIGHT: "#ffffff", a11y.DARK: "#111111"}  # --jp-layout-color0
CARD_NOTEBOOK = "01-first-involved.ipynb"
KEYBOARD_NOTEBOOK = "02-past-role.ipynb"
TIP_NOTEBOOK = "08-follow-up-email.ipynb"
DECK_NOTEBOOK = "13-databases.ipynb"
MOCK_NOTEBOOK = "11-mock-interview.ipynb"
PROGRESS_NOTEBOOK = "10-progress.ipynb"
GUIDANCE = ("Why they ask", "Talking points", "Pitfalls to avoid", "Example outline")


def require_tools() -> None:
    """Skip (or under `PREP_REQUIRE_BROWSER=1`, fail) when a needed tool is missing."""
    reason = lab.browser_unavailable_reason() or a11y.axe_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("PREP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PREP_REQUIRE_BROWSER=1 but the accessibility tests cannot run: {reason}")
    pytest.skip(reason)


class Session:
    """One JupyterLab, browser and page for the whole module, started by the first test."""

    def __init__(self, data_dir: Path, notebooks: Path) -> None:
        self.data_dir = data_dir
        self.notebooks = notebooks
        self.server: lab.LabServer | None = None
        self.page: Page | None = None
        self.stack = contextlib.ExitStack()

    def start(self) -> Page:
        require_tools()
        if self.page is not None:
            return self.page
        from playwright.sync_api import sync_playwright

        self.server = self.stack.enter_context(lab.LabServer(self.notebooks, self.data_dir))
        playwright = self.stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        self.stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page = context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())  # "leave this page?"
        return self.page

    def open(self, notebook: str, selector: str = ".prep-card") -> Page:
        page = self.start()
        assert self.server is not None
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(self.server.url(notebook), timeout=TIMEOUT_S * 1000)
        lab.run_all(page, self.server, notebook, selector=selector, timeout=TIMEOUT_S)
        a11y.set_theme(page, a11y.LIGHT)
        page.locator("#jp-main-statusbar", has_text="Idle").wait_for(timeout=TIMEOUT_S * 1000)
        return page

    @contextlib.contextmanager
    def artifacts(self, name: str) -> Iterator[None]:
        with lab.artifacts_on_failure(self.page, name, self.server):
            yield


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    tmp = tmp_path_factory.mktemp("a11y")
    folder = exercises.served_notebooks(
        tmp,
        {exercises.PYTHON_NOTEBOOK: exercises.PYTHON_ID, exercises.SQL_NOTEBOOK: exercises.SQL_ID},
    )
    run = Session(tmp / "data", folder)
    try:
        yield run
    finally:
        run.stack.close()


# ---- the audit -----------------------------------------------------------------------------


def audit_both_themes(page: Page, label: str, audits: list[a11y.Audit]) -> None:
    """Audit the page as it is in Light, then in Dark, and put the theme back."""
    for theme in THEMES:
        a11y.set_theme(page, theme)
        result = a11y.audit(page, label)
        print(result.report(), flush=True)
        audits.append(result)
    a11y.set_theme(page, a11y.LIGHT)
    page.set_viewport_size({"width": 1280, "height": 900})


def card(page: Page) -> Locator:
    return page.locator(".prep-question-card").first


def save_and_wait(page: Page, scope: Locator, text: str, expect: str) -> None:
    field = scope.locator(".prep-answer textarea").first
    field.fill(text)
    lab.save_button(scope).click()
    scope.locator(".prep-status", has_text=expect).wait_for(timeout=TIMEOUT_S * 1000)


def question_card_pages(run: Session, audits: list[a11y.Audit]) -> None:
    page = run.open(CARD_NOTEBOOK)
    audit_both_themes(page, "question card, fresh", audits)
    save_and_wait(page, card(page), "I first wrote code to automate a report at work.", "Saved")
    save_and_wait(page, card(page), "A second try: I automated a weekly report.", "Saved attempt")
    # the coach's comparison with the attempt before is showing now, with its diff
    card(page).locator("summary", has_text="Word by word").click()
    audit_both_themes(page, "question card, after two saves", audits)
    long_answer = "An answer longer than a spreadsheet cell holds. " * (
        SPREADSHEET_CELL_LIMIT // 40
    )
    save_and_wait(page, card(page), long_answer, "spreadsheet")
    status = card(page).locator(".prep-status .prep-tone-warn")
    assert status.count() == 1, "the long answer's status is not shown as a warning"
    audit_both_themes(page, "question card, warning showing", audits)


def tip_card_page(run: Session, audits: list[a11y.Audit]) -> None:
    page = run.open(TIP_NOTEBOOK)
    tip = page.locator(".prep-tip-card").first
    tip.locator(".prep-answer textarea").first.fill("Maya Patel")
    lab.save_button(tip).click()
    tip.locator(".prep-status", has_text="Saved").wait_for()
    audit_both_themes(page, "tip card (follow-up email), after a save", audits)


def deck_page(run: Session, audits: list[a11y.Audit]) -> None:
    page = run.open(DECK_NOTEBOOK, selector=".prep-deck")
    audit_both_themes(page, "topic deck (13-databases)", audits)


def mock_pages(run: Session, audits: list[a11y.Audit]) -> None:
    page = run.open(MOCK_NOTEBOOK, selector=".prep-mock")
    mock = page.locator(".prep-mock").first
    audit_both_themes(page, "mock interview, before", audits)
    mock.locator(".prep-start").click()
    mock.locator(".prep-answer textarea").wait_for()
    audit_both_themes(page, "mock interview, during", audits)
    for number in range(1, 20):
        summary = mock.locator(".prep-mock-summary")
        if summary.inner_text().strip():
            break
        mock.locator(".prep-answer textarea").fill(f"My answer number {number}, said aloud.")
        mock.locator(".prep-submit").click()
        next_button = mock.locator(".prep-next")
        deadline = time.monotonic() + TIMEOUT_S
        while not (next_button.is_visible() or summary.inner_text().strip()):
            assert time.monotonic() < deadline, "the mock interview never moved on"
            page.wait_for_timeout(200)
        if next_button.is_visible():
            next_button.click()
            page.wait_for_timeout(300)
    assert summary.inner_text().strip(), "the mock interview has no summary at the end"
    audit_both_themes(page, "mock interview, after", audits)


def exercise_pages(run: Session, audits: list[a11y.Audit]) -> None:
    page = run.start()
    assert run.server is not None
    exercises.open_exercise(page, run.server, exercises.PYTHON_NOTEBOOK, exercises.PYTHON_ID)
    check = f'prep.check("{exercises.PYTHON_ID}", LRUCache)'
    exercises.type_into_new_cell(page, "a11y-code", exercises.NEVER_EVICTS, below_selected=True)
    exercises.run_and_insert_below(page)
    exercises.type_into_new_cell(page, "a11y-check", check)
    exercises.run_and_insert_below(page)
    report = exercises.wait_for_report(page, run.server, exercises.PYTHON_NOTEBOOK, "a11y-check")
    assert "prep-report-fail" in (report.get_attribute("class") or "")
    page.keyboard.press("Escape")
    audit_both_themes(page, "Python exercises (25), a failing check report", audits)

    exercises.open_exercise(page, run.server, exercises.SQL_NOTEBOOK, exercises.SQL_ID)
    query = exercises.workbook.all_exercises().get(exercises.SQL_ID).solution
    exercises.type_into_new_cell(
        page, "a11y-sql", f'prep.check("{exercises.SQL_ID}", """{query}""")', below_selected=True
    )
    exercises.run_and_insert_below(page)
    report = exercises.wait_for_report(page, run.server, exercises.SQL_NOTEBOOK, "a11y-sql")
    report.locator(".prep-report-table").first.wait_for()
    page.keyboard.press("Escape")
    audit_both_themes(page, "SQL exercises (26), a passing check report with rows", audits)


def progress_page(run: Session, audits: list[a11y.Audit]) -> None:
    page = run.open(PROGRESS_NOTEBOOK, selector=".prep-progress")
    page.locator(".prep-progress img").first.wait_for(timeout=TIMEOUT_S * 1000)
    audit_both_themes(page, "progress page (after the saves above)", audits)


def test_axe_finds_nothing_serious_in_the_workbook_in_either_theme(session: Session) -> None:
    audits: list[a11y.Audit] = []
    started = time.monotonic()
    session.start()
    with session.artifacts("a11y-axe"):
        question_card_pages(session, audits)
        tip_card_page(session, audits)
        deck_page(session, audits)
        mock_pages(session, audits)
        exercise_pages(session, audits)
        progress_page(session, audits)  # last: the saves above are its history
    print(f"{len(audits)} audits in {time.monotonic() - started:.0f} s", flush=True)

    unproven = [f"{a.label} · {a.theme}" for a in audits if a.contrast_passes == 0]
    assert not unproven, f"axe evaluated no colour contrast in the workbook on: {unproven}"
    blocking = [f"{a.label} · {a.theme}:\n{a.report()}" for a in audits if a.blocking]
    assert not blocking, "serious or critical axe violations in workbook output:\n" + "\n".join(
        blocking
    )
    assert {a.theme for a in audits} == set(THEMES)


# ---- the keyboard --------------------------------------------------------------------------

_ACTIVE_JS = """() => {
    const e = document.activeElement;
    const card = e && e.closest('.prep-question-card');
    return {
        inCard: !!card,
        tag: e ? e.tagName : '',
        text: e ? (e.textContent || '').trim() : '',
        save: !!(e && e.classList.contains('prep-save')),
    };
}"""

_OUTLINE_JS = """() => {
    const s = getComputedStyle(document.activeElement);
    return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor};
}"""


def tab_stops(page: Page, limit: int = 30) -> list[dict]:
    """Press Tab until focus leaves the card (or `limit` presses); return each stop."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE_JS)
        if not active["inCard"]:
            break
        stops.append(active)
    return stops


def history_answers(data_dir: Path, item_id: str) -> list[str]:
    path = data_dir / "practice_history.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["answer"] for row in csv.DictReader(handle) if row["item_id"] == item_id]


def test_a_keyboard_reaches_opens_and_saves_everything_on_a_card(session: Session) -> None:
    page = session.open(KEYBOARD_NOTEBOOK)
    with session.artifacts("a11y-keyboard"):
        box = card(page)
        prompt = box.locator("h3 + p").first.inner_text().strip()
        # the answer field is named after its question
        field = page.get_by_role("textbox", name=f"Your answer to: {prompt}")
        assert field.count() == 1, "the answer field has no name that says its question"
        # and Save is called "Save" (not "\uf0c7 Save", its icon's glyph read as text)
        assert box.get_by_role("button", name="Save", exact=True).count() == 1

        # Tab from the card's heading (where a screen reader user starts reading it): the
        # guidance headers in order, then the answer field, ..., Save. (A click selects the
        # cell, and JupyterLab's cell toolbar then takes the first Tab.)
        box.locator("h3").first.evaluate("(h) => { h.tabIndex = -1; h.focus(); }")
        stops = tab_stops(page)
        summaries = [s["text"] for s in stops if s["tag"] == "SUMMARY"]
        assert summaries == list(GUIDANCE), stops
        kinds = [s["tag"] for s in stops]
        assert kinds[: len(GUIDANCE) + 1] == ["SUMMARY"] * len(GUIDANCE) + ["TEXTAREA"], kinds
        assert any(s["save"] for s in stops), f"Tab never reached Save: {stops}"

        # Enter opens a section, Space another, and both stay open
        sections = box.locator(".prep-guidance details")
        box.locator(".prep-guidance summary", has_text=GUIDANCE[0]).focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        opened = sections.evaluate_all("(els) => els.map((e) => e.open)")
        assert opened == [True, True, False, False], opened
        assert box.locator(".prep-guidance details[open] li").first.is_visible()

        # focus that shows: at least 2 px, 3:1 against the card's background, both themes
        for theme in THEMES:
            a11y.set_theme(page, theme)
            for control in (
                lab.save_button(box),
                box.locator(".prep-guidance summary").first,
                box.locator(".prep-answer textarea"),
            ):
                control.focus()
                page.keyboard.press("Shift+Tab")
                page.keyboard.press("Tab")  # focus by keyboard: :focus-visible applies
                outline = page.evaluate(_OUTLINE_JS)
                assert outline["style"] != "none" and outline["width"] >= 2, (theme, outline)
                ratio = a11y.contrast(outline["color"], BACKGROUNDS[theme])
                assert ratio >= 3, (theme, outline, ratio)
            light, dark = FOCUS
            wanted = light if theme == a11y.LIGHT else dark
            assert a11y.parse_color(outline["color"])[:3] == a11y.parse_color(wanted)[:3]
        a11y.set_theme(page, a11y.LIGHT)

        # the card says which shortcut saves, and it does, from inside the field
        hint = box.locator(".prep-shortcut").inner_text()
        assert "Ctrl+Enter" in hint and "⌘+Enter" in hint, hint
        item_id = "past-role"
        before = len(history_answers(session.data_dir, item_id))
        field = box.locator(".prep-answer textarea")
        field.click()
        first = "In my last role I owned the billing service end to end."
        field.press_sequentially(first)
        field.press("Control+Enter")
        box.locator(".prep-status", has_text=f"Saved attempt {before + 1}").wait_for()
        assert field.input_value() == first  # no newline typed, nothing else changed
        lab.wait_for_file_text(session.data_dir / "practice_history.csv", first)
        second = " I also ran its on-call rota."
        field.press("End")
        field.press_sequentially(second)
        field.press("Meta+Enter")  # ⌘+Enter on a Mac
        box.locator(".prep-status", has_text=f"Saved attempt {before + 2}").wait_for()
        lab.wait_for_file_text(session.data_dir / "practice_history.csv", second.strip())
        assert history_answers(session.data_dir, item_id)[-2:] == [first, first + second]
        # the notebook did not run the cell again (JupyterLab's own Ctrl+Enter)
        assert box.locator(".prep-attempt").count() == before + 2


def test_the_decks_level_and_the_confidence_say_which_is_chosen(session: Session) -> None:
    page = session.open(DECK_NOTEBOOK, selector=".prep-deck")
    with session.artifacts("a11y-deck"):
        deck = page.locator(".prep-deck").first
        levels = deck.locator(".prep-deck-level")
        every = levels.get_by_role("radio", name=re.compile(r"^All \("))
        junior = levels.get_by_role("radio", name=re.compile(r"^Junior \("))
        assert every.is_checked() and not junior.is_checked()
        junior.focus()
        page.keyboard.press("Space")
        deck.locator(".prep-deck-position", has_text="Question 1 of").first.wait_for()
        page.wait_for_function(
            "() => document.querySelector('.prep-deck-level input:checked')"
            ".parentElement.textContent.startsWith('Junior')"
        )
        assert junior.is_checked() and not every.is_checked()

        confidence = deck.locator(".prep-confidence").first
        four = confidence.get_by_role("radio", name=re.compile(r"^4 "))
        four.focus()
        page.keyboard.press("Space")
        assert four.is_checked()
        assert confidence.locator("input:checked").count() == 1
