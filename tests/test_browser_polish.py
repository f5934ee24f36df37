"""The finishing touches in a real JupyterLab: no sideways scrollbar under any card at 1280
and 800 px windows, the email draft shown whole with its To and Subject lines, answer fields
that grow as the text does, the mock's header after the run, and a page that opens without
JupyterLab marking it modified.

The notebooks are served as `make lab` serves them: a working copy made by
tools/workcopy.py. Skipped when Chromium or playwright is missing, unless
`PREP_REQUIRE_BROWSER=1` (CI), where that fails instead. On failure a screenshot and the
server log go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import lab
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0
ACTION_TIMEOUT_MS = 30_000
NARROW, WIDE = 800, 1280
WIDTHS = (NARROW, WIDE)  # each page opens in the narrow window first, then it widens
PAGES = [
    ("02-past-role.ipynb", ".prep-question-card"),
    ("05-research-company.ipynb", ".prep-tip-card"),
    ("10-progress.ipynb", ".prep-progress"),
    ("13-databases.ipynb", ".prep-deck .prep-question-card"),
]

# Whatever scrolls sideways inside an output (the output itself, or a widget box, which
# ipywidgets draws with `overflow: auto`), and every button whose label is cut off.
_OVERFLOW_JS = """() => {
    const found = [];
    const name = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
    for (const out of document.querySelectorAll('.jp-OutputArea-output')) {
        if (!out.checkVisibility()) continue;
        for (const el of [out, ...out.querySelectorAll('*')]) {
            if (!el.checkVisibility() || el.clientWidth === 0) continue;
            const style = getComputedStyle(el);
            const scrolls = el === out || ['auto', 'scroll'].includes(style.overflowX);
            const button = el.classList.contains('jupyter-button');
            if ((scrolls || button) && el.scrollWidth > el.clientWidth) {
                const what = button ? `button "${el.innerText.trim()}" cut off` : 'scrolls';
                found.push(`${name(el)} ${what}: scrollWidth ${el.scrollWidth} >`
                    + ` clientWidth ${el.clientWidth}`);
            }
        }
    }
    return found;
}"""

_DIRTY_JS = "() => window.jupyterapp.shell.currentWidget.model.dirty"


def _workcopy():
    spec = importlib.util.spec_from_file_location(
        "workbook_workcopy_polish", lab.REPO_ROOT / "tools" / "workcopy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Session:
    """One JupyterLab on a `make lab` working copy, one browser page, for the whole module."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.server: lab.LabServer | None = None
        self.page: Page | None = None
        self.stack = contextlib.ExitStack()

    def start(self) -> Page:
        lab.require_browser()
        if self.page is not None:
            return self.page
        from playwright.sync_api import sync_playwright

        folder = self.tmp / "my-workbook"
        _workcopy().sync(lab.NOTEBOOKS_DIR, folder)
        self.server = self.stack.enter_context(lab.LabServer(folder, self.tmp / "data"))
        playwright = self.stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        self.stack.callback(browser.close)
        context = browser.new_context(viewport={"width": NARROW, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page = context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())  # "leave this page?"
        return self.page

    def open(self, notebook: str, selector: str, *, run: bool = True) -> Page:
        """Open `notebook` at the first width, wait for its kernel, and run it (`run`)."""
        page = self.start()
        assert self.server is not None
        page.set_viewport_size({"width": NARROW, "height": 900})
        page.goto(self.server.url(notebook), timeout=TIMEOUT_S * 1000)
        lab.wait_for_kernel(page, notebook, TIMEOUT_S)
        if run:
            lab.run_all(page, self.server, notebook, selector=selector, timeout=TIMEOUT_S)
        return page

    @contextlib.contextmanager
    def artifacts(self, name: str) -> Iterator[None]:
        with lab.artifacts_on_failure(self.page, name, self.server):
            yield


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    run = Session(tmp_path_factory.mktemp("polish"))
    try:
        yield run
    finally:
        run.stack.close()


def overflow_at_each_width(page: Page) -> dict[int, list[str]]:
    """What scrolls sideways (or cuts a button off) at each window width."""
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(400)  # JupyterLab lays the panels out again after a resize
        found[width] = page.evaluate(_OVERFLOW_JS)
    page.set_viewport_size({"width": NARROW, "height": 900})
    return {width: problems for width, problems in found.items() if problems}


def test_a_page_opens_without_being_marked_modified(session: Session) -> None:
    """The working copy carries the kernel's language_info, so connecting changes nothing."""
    page = session.open("02-past-role.ipynb", ".prep-card", run=False)
    with session.artifacts("polish-opened-clean"):
        page.wait_for_timeout(1000)  # the kernel's info has been applied by now
        assert page.evaluate(_DIRTY_JS) is False
        tab = page.locator(".lm-TabBar-tab[data-type='document-title'].jp-mod-current")
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or "")


@pytest.mark.parametrize(("notebook", "selector"), PAGES, ids=[p[0] for p in PAGES])
def test_no_sideways_scrollbar_under_a_card(session: Session, notebook: str, selector: str) -> None:
    page = session.open(notebook, selector)
    with session.artifacts(f"polish-overflow-{notebook}"):
        page.locator(selector).first.wait_for()
        page.wait_for_timeout(800)  # charts and late widgets settle
        assert overflow_at_each_width(page) == {}


def test_the_email_draft_shows_to_and_subject_and_grows(session: Session) -> None:
    page = session.open("08-follow-up-email.ipynb", ".prep-draft")
    card = page.locator(".prep-tip-card").first
    draft = card.locator(".prep-draft textarea")
    with session.artifacts("polish-email-draft"):
        fields = card.locator(".prep-answer textarea")
        fields.nth(0).fill("Sam Lee <sam@example.com>\nAna Diaz <ana@example.com>")
        fields.nth(1).fill("Acme Payments")
        fields.nth(3).fill("the walk-through of how the team ships, and the on-call rota " * 3)
        page.wait_for_function(
            "(el) => el.value.includes('Acme Payments')", arg=draft.element_handle()
        )
        page.wait_for_timeout(600)  # the rows follow the draft from the kernel
        assert overflow_at_each_width(page) == {}
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(400)
            box = draft.evaluate(
                "(t) => ({top: t.scrollTop, height: t.clientHeight, content: t.scrollHeight,"
                " line: parseFloat(getComputedStyle(t).lineHeight) || 16, value: t.value,"
                " width: t.clientWidth, rows: t.rows})"
            )
            assert box["value"].startswith("To: sam@example.com, ana@example.com\nSubject: ")
            assert box["top"] == 0  # the To and Subject lines are the first two in view
            assert box["height"] >= 6 * box["line"]  # and the body below them
            if width == WIDE:  # at a normal width the whole draft is in view
                assert box["content"] <= box["height"] + 1, box
        page.set_viewport_size({"width": NARROW, "height": 900})


def test_the_answer_field_grows_with_the_answer(session: Session) -> None:
    page = session.open("02-past-role.ipynb", ".prep-question-card")
    field = page.locator(".prep-question-card .prep-answer textarea").first
    page.set_viewport_size({"width": WIDE, "height": 900})
    with session.artifacts("polish-growing-answer"):
        empty = field.bounding_box()
        assert empty is not None
        field.fill("\n".join(f"Point {n}: what I did, and what came of it." for n in range(20)))
        page.wait_for_function(
            "([el, h]) => el.getBoundingClientRect().height > h + 100",
            arg=[field.element_handle(), empty["height"]],
        )
        assert field.evaluate("(t) => t.scrollHeight <= t.clientHeight + 1")  # all in view
        field.fill("")
        page.wait_for_function(
            "([el, h]) => Math.abs(el.getBoundingClientRect().height - h) < 2",
            arg=[field.element_handle(), empty["height"]],
        )


def test_the_mock_interview_has_no_sideways_scrollbar_and_says_when_it_is_done(
    session: Session,
) -> None:
    page = session.open("11-mock-interview.ipynb", ".prep-mock")
    mock = page.locator(".prep-mock").first
    with session.artifacts("polish-mock"):
        assert overflow_at_each_width(page) == {}  # before: the Start button's words whole
        mock.locator("button", has_text="Start the interview").click()
        for number in (1, 2, 3):
            mock.locator("h3", has_text=f"question {number} of 3").wait_for()
            if number == 1:
                assert overflow_at_each_width(page) == {}  # during
            mock.locator(".prep-answer textarea").fill(f"My answer number {number}.")
            mock.locator("button", has_text="Submit answer").click()
            mock.locator(".prep-status", has_text=f"Saved ({number} of 3 answered)").wait_for()
            label = "See how it went" if number == 3 else "Next question"
            mock.locator("button", has_text=label).click()
        mock.locator("h3", has_text="done: 3 of 3 answered").wait_for()
        assert "question 3 of 3" not in mock.locator("h3").inner_text()
        assert overflow_at_each_width(page) == {}  # after


def test_practising_in_a_card_leaves_a_saved_page_unmodified(session: Session) -> None:
    """Running a page changes its outputs (JupyterLab marks that; autosave clears it), but
    what the learner then does in the card lives in the kernel and the history, not in the
    notebook: the timer ticking, typing and Save leave the page as it was saved."""
    page = session.open("02-past-role.ipynb", ".prep-question-card")
    card = page.locator(".prep-question-card").first
    with session.artifacts("polish-practice-unmodified"):
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(f"() => !({_DIRTY_JS})()")
        card.locator("button", has_text="Start timer").click()
        card.locator(".prep-answer textarea").fill("I led the back end of a travel app.")
        lab.save_button(card).click()
        card.locator(".prep-status", has_text="Saved attempt").wait_for()
        card.locator(".prep-answer textarea").press_sequentially(" More.")
        card.locator(".prep-status", has_text="Not saved yet").wait_for()
        page.wait_for_timeout(2500)  # a few ticks of the timer
        assert page.evaluate(_DIRTY_JS) is False
