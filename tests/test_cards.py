"""Cards tested like ordinary objects: set values, call the handler, check CSV and status."""

from __future__ import annotations

import csv
import errno
import os
import re

import pytest

import prep
from prep import workbook
from prep.store.history import HistoryStore
from prep.widgets import QuestionCard, TipCard
from prep.widgets._common import Stopwatch, TimerControl
from prep.widgets.tip_card import decode_checklist, encode_checklist

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


def history_rows(data_dir):
    with open(data_dir / "practice_history.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def no_bugs(card):
    assert card.bug_log.entries == [], card.bug_log.entries[0]


def test_question_card_saves_a_row_and_says_so(data_dir):
    card = prep.card("past-role")
    assert isinstance(card, QuestionCard)
    card.answer.value = "I led the back end of a travel app, in Ruby, with one designer."
    card.confidence.value = 4
    card._on_save(None)
    no_bugs(card)
    (row,) = history_rows(data_dir)
    assert row["item_id"] == "past-role"
    assert row["answer"] == card.answer.value
    assert row["confidence"] == "4" and row["seconds"] == "" and row["mode"] == "practice"
    assert card.status.text.startswith("Saved attempt 1 at ")
    assert card.answer.value, "the answer stays in the field after saving"
    assert "travel app" in card.history_view.value


def test_save_button_click_saves_too(data_dir):
    card = prep.card("first-involved")
    card.answer.value = "Curiosity about how apps talk to servers."
    card.save_button.click()
    no_bugs(card)
    assert len(history_rows(data_dir)) == 1


def test_empty_answer_is_refused_with_a_message(data_dir):
    card = prep.card("five-years")
    card.answer.value = "   \n  "
    card._on_save(None)
    assert card.status.kind == "error" and "type your answer" in card.status.text
    assert not (data_dir / "practice_history.csv").exists()


def test_same_text_twice_is_not_saved_twice(data_dir):
    card = prep.card("five-years")
    card.answer.value = "Leading a platform team."
    card._on_save(None)
    card._on_save(None)
    assert len(history_rows(data_dir)) == 1
    assert "Already saved" in card.status.text


def test_attempt_numbers_and_earlier_attempts_newest_first(data_dir):
    first = prep.card("language-limits")
    for text in ("Python is slow.", "Python is slow; I profile first.", "Third: GIL and memory."):
        first.answer.value = text
        first._on_save(None)
    assert first.status.text.startswith("Saved attempt 3")
    again = prep.card("language-limits")  # a re-run cell reads the history back
    shown = again.history_view.value
    assert "Your earlier attempts (3)" in shown
    assert shown.index("Third: GIL") < shown.index("Python is slow.")


def test_unwritable_data_dir_keeps_the_answer_and_explains(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("PREP_DATA_DIR", str(blocker / "data"))
    card = prep.card("past-role")
    card.answer.value = "My precious answer"
    card._on_save(None)
    no_bugs(card)
    assert card.status.kind == "error" and card.status.text.startswith("Not saved:")
    assert "still in the field" in card.status.text
    assert card.answer.value == "My precious answer"


def test_permission_denied_keeps_the_answer(data_dir, monkeypatch):
    card = prep.card("past-role")
    card.answer.value = "Answer kept"
    real_open = os.open

    def deny(path, flags, *args):
        if str(path).endswith(".csv") or str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", deny)
    card._on_save(None)
    no_bugs(card)
    assert "permission" in card.status.text and card.answer.value == "Answer kept"


def test_timer_records_seconds_with_a_fake_clock(data_dir):
    now = [100.0]
    store = HistoryStore(data_dir / "practice_history.csv")
    timer = TimerControl(Stopwatch(clock=lambda: now[0]))
    card = QuestionCard(prep.questions()[0], store=store, timer=timer)
    card.timer.button.value = True
    now[0] += 83.4
    assert card.timer.readout.value == "0:00"  # only refreshed on ticks
    card.timer.ticker.value = 1
    assert card.timer.readout.value == "1:23"
    card.answer.value = "Timed answer"
    card._on_save(None)
    assert history_rows(data_dir)[0]["seconds"] == "83"
    assert card.timer.readout.value == "0:00" and not card.timer.button.value


def test_live_word_count_and_speaking_time(data_dir):
    card = prep.card("past-role")
    card.answer.value = "word " * 280
    assert "280 words" in card.length.value and "about 2:00 spoken" in card.length.value


def test_guidance_starts_hidden_for_practising_blind(data_dir):
    card = prep.card("past-role")
    html = card.guidance.value
    summaries = re.findall(r"<details class='prep-guide'><summary>([^<]*)</summary>", html)
    assert summaries == ["Why they ask", "Talking points", "Pitfalls to avoid", "Example outline"]
    assert " open" not in html  # every section closed until the learner opens it


def test_the_answer_field_is_named_after_its_question(data_dir):
    card = prep.card("past-role")
    assert card.answer.description == f"Your answer to: {card.question.prompt}"
    assert not card.answer.description_allow_html  # the question is text, never markup


def test_html_in_answers_is_shown_as_text(data_dir):
    card = prep.card("past-role")
    card.answer.value = XSS
    card._on_save(None)
    again = prep.card("past-role")
    assert "<img" not in again.history_view.value and "<script" not in again.history_view.value
    assert "&lt;img src=x onerror=" in again.history_view.value


def test_oversized_answer_saves_with_a_spreadsheet_warning(data_dir):
    card = prep.card("past-role")
    card.answer.value = "long " * 8000
    card._on_save(None)
    assert card.status.kind == "warn" and "spreadsheet" in card.status.text
    assert history_rows(data_dir)[0]["answer"] == card.answer.value


def test_unexpected_bug_shows_in_the_card_not_nowhere(data_dir, monkeypatch):
    card = prep.card("past-role")
    card.answer.value = "text"
    monkeypatch.setattr(card.store, "record", lambda *a, **k: 1 / 0)
    card.save_button.click()
    assert "went wrong inside the workbook" in card.status.text
    assert "ZeroDivisionError" in card.bug_log.entries[0]
    assert card.answer.value == "text"


def test_unknown_id_is_a_message_not_a_traceback(data_dir):
    shown = prep.card("past-roel")
    assert "prep-message" in shown._dom_classes
    assert "past-roel" in shown.message and "past-role" in shown.message


def test_tip_card_saves_one_row_per_changed_prompt(data_dir):
    card = prep.card("research-company")
    assert isinstance(card, TipCard)
    card.fields["company"].value = "Acme, back-end developer"
    card.fields["stack"].value = "Go, PostgreSQL, Kafka"
    card._on_save(None)
    no_bugs(card)
    rows = history_rows(data_dir)
    assert {(r["item_id"], r["answer"]) for r in rows} == {
        ("research-company/company", "Acme, back-end developer"),
        ("research-company/stack", "Go, PostgreSQL, Kafka"),
    }
    assert card.status.text.startswith("Saved 2 answers")
    card._on_save(None)
    assert len(history_rows(data_dir)) == 2 and "Nothing new" in card.status.text
    card.fields["stack"].value = "Go, PostgreSQL, Kafka, Redis"
    card._on_save(None)
    assert history_rows(data_dir)[-1]["item_id"] == "research-company/stack"


def test_tip_card_refuses_when_empty(data_dir):
    card = prep.card("ask-questions")
    card._on_save(None)
    assert card.status.kind == "error" and "fill in at least one" in card.status.text


def test_tip_card_reopens_with_latest_notes(data_dir):
    card = prep.card("ask-questions")
    card.fields["performance"].value = "How do you measure performance?"
    card._on_save(None)
    card.fields["performance"].value = "How is success measured in the first 90 days?"
    card._on_save(None)
    again = prep.card("ask-questions")
    assert again.fields["performance"].value == "How is success measured in the first 90 days?"


def test_checklist_round_trip(data_dir):
    card = prep.card("come-prepared")
    card.checks["laptop"].value = True
    card.checks["usb-drive"].value = True
    card._on_save(None)
    no_bugs(card)
    saved = history_rows(data_dir)[-1]
    assert saved["item_id"] == "come-prepared/checklist"
    assert "[x] laptop:" in saved["answer"] and "[ ] outfit:" in saved["answer"]
    again = prep.card("come-prepared")
    assert again.checks["laptop"].value and again.checks["usb-drive"].value
    assert not again.checks["outfit"].value


def test_checklist_codec():
    tip = workbook.content().get("come-prepared")
    text = encode_checklist(tip.checklist, {"laptop"})
    assert decode_checklist(text) == {"laptop"}
    assert decode_checklist("junk\n[X] outfit: whatever") == {"outfit"}


def test_follow_up_card_composes_the_email_live(data_dir):
    card = prep.card("follow-up-email")
    assert "Still to fill in" in card.draft_note.value
    values = {
        "interviewers": "Ana Lee <ana@example.com>",
        "company": "Acme",
        "role": "Back-End Developer",
        "thanks": "Thanks for the architecture walkthrough.",
        "open-question": "On caching: I would use Redis with a short TTL.",
        "your-name": "Sam",
    }
    for key, value in values.items():
        card.fields[key].value = value
    assert card.draft.value.startswith("To: ana@example.com")
    assert "Dear Ana Lee," in card.draft.value and "Redis with a short TTL" in card.draft.value
    assert "Ready to send" in card.draft_note.value
    card._on_save(None)
    assert len(history_rows(data_dir)) == len(values)


@pytest.mark.parametrize("item_id", ["expert-advice", "certifications"])
def test_guides_are_tip_cards(data_dir, item_id):
    card = prep.card(item_id)
    assert isinstance(card, TipCard) and card.fields
    first = next(iter(card.fields))
    card.fields[first].value = "3"  # expert-advice's first field is the weekly goal: a number
    card._on_save(None)
    assert history_rows(data_dir)[0]["item_id"] == f"{item_id}/{first}"


def test_card_reports_unreadable_history_lines(data_dir):
    card = prep.card("past-role")
    card.answer.value = "good"
    card._on_save(None)
    with open(data_dir / "practice_history.csv", "a", encoding="utf-8") as handle:
        handle.write('"broken","row"\r\n')
    again = prep.card("past-role")
    assert again.status.kind == "warn" and "could not be read" in again.status.text
    assert "Your earlier attempts (1)" in again.history_view.value


def test_history_returns_typed_frame(data_dir):
    card = prep.card("past-role")
    card.answer.value = "0012"
    card._on_save(None)
    frame = prep.history()
    assert frame["answer"].tolist() == ["0012"]
    assert str(frame["recorded_at"].dtype) == "datetime64[ns, UTC]"
