"""Cards cost the same at any history size: bounded attempts, one shared read, no I/O per key."""

from __future__ import annotations

import builtins
import importlib
import os
from datetime import datetime, timedelta, timezone

import pytest

import prep
from prep import workbook
from prep.models import Attempt
from prep.store.history import COLUMNS, attempt_fields, encode_row
from prep.widgets.question_card import KEPT_ATTEMPTS, SHOWN_ATTEMPTS

history_module = importlib.import_module("prep.store.history")
T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)


def write_history(path, count, item_id="past-role"):
    rows = [encode_row({c: c for c in COLUMNS}, COLUMNS)]
    for n in range(count):
        attempt = Attempt(f"{n:032x}", T0 + timedelta(minutes=n), item_id, f"answer number {n + 1}")
        rows.append(encode_row(attempt_fields(attempt), COLUMNS))
    path.write_bytes(b"".join(rows))


def test_a_card_holds_the_newest_attempts_and_numbers_them_from_the_total(data_dir):
    write_history(data_dir / "practice_history.csv", 200)
    card = prep.card("past-role")
    assert card.total == 200 and len(card.attempts) == KEPT_ATTEMPTS
    listed = card.history_view.value
    assert "Your earlier attempts (200)" in listed
    assert listed.count("prep-attempt") == SHOWN_ATTEMPTS
    assert "#200 ·" in listed and "answer number 200" in listed and "#191 ·" in listed
    assert "#190 ·" not in listed
    assert card.more_button.layout.display is None

    card._on_more(None)
    assert card.history_view.value.count("prep-attempt") == 2 * SHOWN_ATTEMPTS
    while card.more_button.layout.display is None:
        card._on_more(None)
    assert card.history_view.value.count("prep-attempt") == KEPT_ATTEMPTS
    assert "150 older attempts are in prep.history()." in card.history_view.value

    card.answer.value = "a brand-new answer"
    card.save()
    assert card.status.text.startswith("Saved attempt 201 at")
    assert card.total == 201 and len(card.attempts) == KEPT_ATTEMPTS
    assert "Your earlier attempts (201)" in card.history_view.value


def test_feedback_compares_with_the_right_attempt_number(data_dir):
    write_history(data_dir / "practice_history.csv", 120)
    card = prep.card("past-role")
    card.answer.value = "answer number 120"  # the same as the newest: compared with #119
    assert "attempt 119," in card.feedback.value
    card.answer.value = "something else"
    assert "attempt 120," in card.feedback.value


def test_a_second_card_in_the_same_process_does_not_parse_old_rows_again(data_dir, monkeypatch):
    write_history(data_dir / "practice_history.csv", 300)
    prep.card("past-role")
    parsed = []
    real_fast, real_text = history_module._parse_fast, history_module.parse_text

    def spy_fast(source, schema):
        parsed.append(("whole file", source))
        return real_fast(source, schema)

    def spy_text(text, schema=history_module.SCHEMA):
        parsed.append(("text", text.count("\n")))
        return real_text(text, schema)

    monkeypatch.setattr(history_module, "_parse_fast", spy_fast)
    monkeypatch.setattr(history_module, "parse_text", spy_text)
    for item in ("five-years", "research-company", "past-role"):
        prep.card(item)
    assert parsed == []  # nothing new on disk: nothing parsed at all
    workbook.store().record("past-role", "one more")
    card = prep.card("past-role")
    assert card.total == 301
    assert parsed == [("text", 2)]  # the header and the one new row, not 301 rows


def test_typing_never_touches_the_history(data_dir, monkeypatch):
    write_history(data_dir / "practice_history.csv", 50)
    card = prep.card("past-role")
    history = str(workbook.store().path)
    touched = []
    real_open, real_os_open = builtins.open, os.open

    def watch_open(file, *args, **kwargs):
        if str(file) == history:
            touched.append(file)
        return real_open(file, *args, **kwargs)

    def watch_os_open(file, *args, **kwargs):
        if str(file) == history:
            touched.append(file)
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watch_open)
    monkeypatch.setattr(os, "open", watch_os_open)
    monkeypatch.setattr(type(workbook.store()), "read", lambda self: pytest.fail("read"))
    for text in ("I", "I led", "I led the team", "I led the team that rebuilt search."):
        card.answer.value = text
    assert "Talking points" in card.feedback.value
    assert touched == []


def test_the_answer_just_saved_never_comes_back_as_an_unsaved_draft(data_dir):
    """Resetting the confidence after Save autosaves: the saved text must not be the draft."""
    card = prep.card("past-role")
    card.answer.value = "=1+1 is what I typed"
    card.confidence.value = 4
    card.save()
    card.autosave.flush()  # the autosave the confidence reset triggered
    assert workbook.drafts().load() == {}
    # even when a spreadsheet later changes that saved row, nothing claims it was unsaved
    path = workbook.store().path
    path.write_bytes(path.read_bytes().replace(b'"=1+1 is what I typed"', b'"2 is what I typed"'))
    again = prep.card("past-role")
    assert "Draft restored" not in again.status.text and again.answer.value == ""


def test_every_view_shares_the_one_read(data_dir, monkeypatch, tmp_path):
    """After the first card, the progress page, next_up, the mock and the answer book
    parse nothing old again: only a new row, once."""
    write_history(data_dir / "practice_history.csv", 120)
    prep.card("past-role")
    whole = []
    real_fast = history_module._parse_fast
    monkeypatch.setattr(history_module, "_parse_fast", lambda *a: whole.append(a) or real_fast(*a))
    prep.progress()
    prep.next_up()
    prep.mock_interview(questions=2, seed=3)
    prep.export_answer_book(str(tmp_path / "book.md"))
    workbook.store().record("past-role", "one more")
    page = prep.progress()
    page.refresh()
    assert whole == []
    assert len(page.frame) == 121  # the new row is in, read once, on its own
