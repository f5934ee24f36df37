"""The own-question form in a real JupyterLab: typed into, Add clicked, the question stored.

Skipped when Chromium or playwright is missing, unless `PREP_REQUIRE_BROWSER=1` (CI),
where that fails instead. On failure a screenshot and the server log go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import lab
import pytest
import yaml

pytestmark = pytest.mark.browser

TIMEOUT_S = 120.0
ACTION_TIMEOUT_MS = 30_000
NOTEBOOK = "24-my-questions.ipynb"
FORM = ".prep-add-question"
TITLE = "Sharding: the orders table 🙂"
PROMPT = 'How would you shard a table of "two billion" orders?'
POINTS = ["Pick a shard key that spreads writes", "- Cross-shard queries cost more"]


def served_notebooks(tmp_path: Path) -> Path:
    """The workbook's notebooks, plus a one-cell form notebook if the real one is not there yet."""
    folder = tmp_path / "notebooks"
    shutil.copytree(lab.NOTEBOOKS_DIR, folder)
    page = folder / NOTEBOOK
    if not page.exists() or "add_question_card" not in page.read_text(encoding="utf-8"):
        page = folder / "my-questions-form.ipynb"
        cells = [
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["import prep\n", "prep.add_question_card()"],
                "outputs": [],
                "execution_count": None,
            }
        ]
        notebook = {
            "cells": cells,
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        page.write_text(json.dumps(notebook), encoding="utf-8")
    return folder


def test_the_form_adds_a_question_typed_in_the_browser(tmp_path: Path) -> None:
    lab.require_browser()
    from playwright.sync_api import sync_playwright

    data_dir = tmp_path / "data"
    folder = served_notebooks(tmp_path)
    notebook = NOTEBOOK if (folder / NOTEBOOK).exists() else "my-questions-form.ipynb"
    page = server = None
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(lab.LabServer(folder, data_dir))
        playwright = stack.enter_context(sync_playwright())
        browser = lab.launch_browser(playwright)
        stack.callback(browser.close)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        with lab.artifacts_on_failure(page, "own-question-form", server):
            lab.open_and_run(page, server, notebook, selector=FORM, timeout=TIMEOUT_S)
            form = page.locator(FORM).first

            form.locator(".prep-own-title input").press_sequentially(TITLE)
            form.locator(".prep-own-prompt textarea").press_sequentially(PROMPT)
            points = form.locator(".prep-own-points textarea")
            points.press_sequentially(POINTS[0])
            points.press("Enter")
            points.press_sequentially(POINTS[1])
            form.locator(".prep-own-level select").select_option(label="Senior")
            # What was typed reaches the kernel (its autosaved draft is on disk) before Add:
            # ipywidgets may hold back a burst of keystrokes while a click goes straight on.
            lab.wait_for_file_text(data_dir / "drafts.json", "Cross-shard", timeout=TIMEOUT_S)
            form.locator("button", has_text="Add").first.click()

            status = form.locator(".prep-status", has_text="Added")
            status.wait_for()
            text = status.inner_text()
            qid = "my-sharding-orders-table"
            assert qid in text and f'prep.card("{qid}")' in text, text
            assert form.locator(".prep-own-title input").input_value() == ""  # cleared
            form.locator(".prep-own-row", has_text=TITLE).wait_for()  # listed below the form

            path = data_dir / "my_questions.yaml"
            lab.wait_for_file_text(path, qid, timeout=TIMEOUT_S)
            stored = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
            assert [(q["id"], q["title"], q["prompt"], q["level"]) for q in stored] == [
                (qid, TITLE, PROMPT, "senior")
            ]
            assert [p["text"] for p in stored[0]["talking_points"]] == POINTS
            lab.wait_for_file_without_text(data_dir / "drafts.json", "Cross-shard")  # added
