"""Solve a Python and a SQL exercise in a real JupyterLab, as a learner does, and see the report.

Under each exercise's page a new cell is inserted from the keyboard, code is typed into it
and run, then `prep.check(...)` in the next cell shows the report; the checked code lands in
the practice history. One server, one browser and one page serve both notebooks.

Skipped when Chromium or playwright is missing, unless `PREP_REQUIRE_BROWSER=1` (CI),
where that fails instead. On failure a screenshot and the server log go to test-artifacts/.
With `PREP_SCREENSHOTS=1` the two passing reports are also saved as docs/check-report-*.png.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import lab
import pytest

from prep import workbook
from prep.exercises import runner

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0  # two slow cores: kernel start, then every exercise page of the notebook
ACTION_TIMEOUT_MS = 30_000
PYTHON_NOTEBOOK = "25-python-exercises.ipynb"
SQL_NOTEBOOK = "26-sql-exercises.ipynb"
PYTHON_ID = "lru-cache"
SQL_ID = "revenue-by-category"
DOCS_DIR = lab.REPO_ROOT / "docs"
CELL_ATTR = "data-prep-test-cell"

# A first try that forgets to evict: it passes the plain get/put cases and fails the rest.
NEVER_EVICTS = '''class LRUCache:
    """First try: a dict, and nothing is ever dropped."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.items = {}

    def get(self, key):
        return self.items.get(key)

    def put(self, key, value):
        self.items[key] = value
'''

# Every code cell of the current notebook has run (has an execution count).
_ALL_RUN_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.model.cells;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type === 'code' && !cell.executionCount) return false;
    }
    return true;
}"""

_CELL_INDEX_JS = """(text) => {
    const cells = window.jupyterapp.shell.currentWidget.model.cells;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type === 'code' && cell.sharedModel.getSource().includes(text)) return i;
    }
    return -1;
}"""

_MARK_CELL_JS = f"""([index, name]) => {{
    const notebook = window.jupyterapp.shell.currentWidget.content;
    notebook.widgets[index].node.setAttribute('{CELL_ATTR}', name);
}}"""

# The active cell: its index, its source, and whether the notebook is in edit mode.
_ACTIVE_CELL_JS = """() => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    return {
        index: notebook.activeCellIndex,
        source: notebook.activeCell.model.sharedModel.getSource(),
        mode: notebook.mode,
    };
}"""


def code_of(path: Path) -> str:
    """The source of every code cell of a notebook, one after another."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "code"
    )


def served_notebooks(tmp_path: Path, pages: dict[str, str]) -> Path:
    """A copy of the workbook's notebooks, each page checked to show its exercise."""
    folder = tmp_path / "notebooks"
    shutil.copytree(lab.NOTEBOOKS_DIR, folder)
    for notebook, exercise_id in pages.items():
        call = f'prep.exercise("{exercise_id}")'
        assert call in code_of(folder / notebook), f"{notebook} does not show {exercise_id}"
    return folder


def cell(page: Page, name: str) -> Locator:
    return page.locator(f"[{CELL_ATTR}='{name}']")


def mark_active(page: Page, name: str) -> dict:
    active = page.evaluate(_ACTIVE_CELL_JS)
    page.evaluate(_MARK_CELL_JS, [active["index"], name])
    return active


def open_exercise(page: Page, server: lab.LabServer, notebook: str, exercise_id: str) -> None:
    """Open `notebook`, run it all, wait for `exercise_id`'s page, and click that cell."""
    page.goto(server.url(notebook), timeout=TIMEOUT_S * 1000)
    lab.run_all(
        page, server, notebook, selector=".jp-OutputArea .jp-RenderedMarkdown", timeout=TIMEOUT_S
    )
    page.wait_for_function(_ALL_RUN_JS, timeout=TIMEOUT_S * 1000, polling=250)
    page.locator("#jp-main-statusbar", has_text="Idle").wait_for()
    index = page.evaluate(_CELL_INDEX_JS, f'prep.exercise("{exercise_id}")')
    assert index >= 0, f"{notebook} has no prep.exercise({exercise_id!r}) cell"
    page.evaluate(_MARK_CELL_JS, [index, "exercise"])
    shown = cell(page, "exercise").locator(".jp-OutputArea .jp-RenderedMarkdown")
    shown.filter(has_text="Start from this").wait_for()
    # select it as a learner does: a click beside the code, then command mode
    cell(page, "exercise").locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")


def type_into_new_cell(page: Page, name: str, code: str, *, below_selected: bool = False) -> None:
    """Type `code` into a fresh cell: one inserted with `b` below the selected cell, or the
    empty one Alt+Enter left in edit mode. `insert_text` sends it as one input, as a paste
    does, so the editor adds no indentation of its own."""
    if below_selected:
        page.keyboard.press("b")
        page.keyboard.press("Enter")
    active = mark_active(page, name)
    assert active["source"] == "" and active["mode"] == "edit", active
    page.keyboard.insert_text(code)
    typed = page.evaluate(_ACTIVE_CELL_JS)["source"]
    assert typed == code, f"the editor changed what was typed:\n{typed}"


def run_and_insert_below(page: Page) -> None:
    page.keyboard.press("Alt+Enter")  # run the cell, then a new empty cell below, in edit mode


def wait_for_report(page: Page, server: lab.LabServer, notebook: str, name: str) -> Locator:
    """Wait for the check report under cell `name`; a traceback anywhere ends the wait."""
    selector = f"[{CELL_ATTR}='{name}'] .prep-report"
    lab.wait_for_output(page, server, notebook, selector=selector, timeout=TIMEOUT_S)
    return page.locator(selector).first


def history_rows(data_dir: Path, token: str) -> list[dict[str, str]]:
    """Wait for the history to hold `token`; return the rows whose answer contains it."""
    path = data_dir / "practice_history.csv"
    lab.wait_for_file_text(path, token, timeout=TIMEOUT_S)
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if token in row["answer"]]


def screenshot(report: Locator, name: str) -> None:
    """Save the output area around a passing report under docs/, only when asked to."""
    if os.environ.get("PREP_SCREENSHOTS") != "1":
        return
    page = report.page
    page.mouse.move(0, 0)  # no hover highlight
    area = report.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-child')][1]")
    # Lab scrolls the notebook inside a fixed layout, so an element taller than the notebook
    # panel would be captured with the menus drawn over it: make the window tall enough.
    size = page.viewport_size or {"width": 1280, "height": 900}
    box = area.bounding_box()
    assert box is not None, "the report is not on screen"
    if box["height"] + 250 > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": int(box["height"]) + 250})
    try:
        area.scroll_into_view_if_needed()
        area.screenshot(path=str(DOCS_DIR / name), animations="disabled")
    finally:
        page.set_viewport_size(size)


def solve_python(page: Page, server: lab.LabServer, data_dir: Path, notebook: str) -> None:
    catalog = workbook.all_exercises()
    exercise = catalog.get(PYTHON_ID)
    total = len(catalog.cases(PYTHON_ID))
    wrong = runner.check(exercise, NEVER_EVICTS)  # what the report must say, from the runner
    assert not wrong.passed and 0 < wrong.failed < total, str(wrong)
    first_failure = next(r.name for r in wrong.results if not r.ok)

    open_exercise(page, server, notebook, PYTHON_ID)
    check_call = f'prep.check("{PYTHON_ID}", LRUCache)'

    # a first try that never evicts: the report says which tests failed
    type_into_new_cell(page, "wrong-code", NEVER_EVICTS, below_selected=True)
    run_and_insert_below(page)
    type_into_new_cell(page, "wrong-check", check_call)
    run_and_insert_below(page)
    report = wait_for_report(page, server, notebook, "wrong-check")
    assert "prep-report-fail" in (report.get_attribute("class") or "")
    headline = report.locator(".prep-report-headline").inner_text()
    assert f"{wrong.tests_passed} of {total} tests passed, {wrong.failed} failed" in headline
    failures = report.locator(".prep-report-bad")
    assert failures.count() == wrong.failed
    assert first_failure in failures.first.inner_text()
    assert "failed" in report.inner_text().lower()

    # the model solution, with a comment of the learner's own that must be saved with it
    token = f"typed-in-the-browser-{uuid.uuid4().hex[:10]}"
    code = f"# {token}\n{exercise.solution}"
    type_into_new_cell(page, "right-code", code)
    run_and_insert_below(page)
    type_into_new_cell(page, "right-check", check_call)
    run_and_insert_below(page)
    report = wait_for_report(page, server, notebook, "right-check")
    assert "prep-report-pass" in (report.get_attribute("class") or "")
    text = report.inner_text()
    assert f"all {total} tests passed" in text, text
    assert report.locator(".prep-report-ok").count() == total
    assert report.locator(".prep-report-bad").count() == 0
    screenshot(report, "check-report-python.png")

    rows = history_rows(data_dir, token)
    assert [(r["item_id"], r["mode"]) for r in rows] == [(PYTHON_ID, "exercise")]
    assert exercise.solution.strip() in rows[0]["answer"]
    assert (rows[0]["tests_passed"], rows[0]["tests_run"]) == (str(total), str(total))
    # the failing first try was saved too, with its counts
    with (data_dir / "practice_history.csv").open(newline="", encoding="utf-8") as handle:
        tries = [r for r in csv.DictReader(handle) if "nothing is ever dropped" in r["answer"]]
    assert [(r["item_id"], r["mode"], r["tests_passed"]) for r in tries] == [
        (PYTHON_ID, "exercise", str(wrong.tests_passed))
    ]


def solve_sql(
    page: Page, server: lab.LabServer, data_dir: Path, notebook: str, sql_id: str
) -> None:
    catalog = workbook.all_exercises()
    exercise = catalog.get(sql_id)
    total = len(catalog.cases(sql_id))
    assert '"""' not in exercise.solution

    open_exercise(page, server, notebook, sql_id)
    token = f"typed-in-the-browser-{uuid.uuid4().hex[:10]}"
    query = f"-- {token}\n{exercise.solution}"
    type_into_new_cell(
        page, "sql-check", f'prep.check("{sql_id}", """{query}""")', below_selected=True
    )
    run_and_insert_below(page)
    report = wait_for_report(page, server, notebook, "sql-check")
    text = report.inner_text()
    assert f"all {total} tests passed" in text, text
    assert report.locator(".prep-report-bad").count() == 0
    report.locator(".prep-report-table caption", has_text="Your rows").first.wait_for()
    screenshot(report, "check-report-sql.png")

    rows = history_rows(data_dir, token)
    assert [(r["item_id"], r["mode"]) for r in rows] == [(sql_id, "exercise")]
    assert exercise.solution.strip() in rows[0]["answer"]
    assert (rows[0]["tests_passed"], rows[0]["tests_run"]) == (str(total), str(total))


def test_solve_a_python_and_a_sql_exercise_and_see_the_reports(tmp_path: Path) -> None:
    lab.require_browser()
    from playwright.sync_api import sync_playwright

    sql_ids = [e.id for e in workbook.all_exercises().select(kind="sql")]
    assert sql_ids, "there are no SQL exercises"
    sql_id = SQL_ID if SQL_ID in sql_ids else sql_ids[0]
    data_dir = tmp_path / "data"
    folder = served_notebooks(tmp_path, {PYTHON_NOTEBOOK: PYTHON_ID, SQL_NOTEBOOK: sql_id})
    page = server = None
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(lab.LabServer(folder, data_dir))
        playwright = stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "leave this page?" (unsaved cells)
        with lab.artifacts_on_failure(page, "exercise-check-reports", server):
            solve_python(page, server, data_dir, PYTHON_NOTEBOOK)
            solve_sql(page, server, data_dir, SQL_NOTEBOOK, sql_id)
