"""The small things: fields no wider than their card, fields that grow with the text, a
status line that never says "Saved" over unsaved text, and a mock header that says when the
run is over. The browser half (no sideways scrollbar, the whole email draft in view) is in
tests/test_browser_polish.py.
"""

from __future__ import annotations

from datetime import datetime, timezone

import ipywidgets as widgets
import pytest

import prep
from prep import workbook
from prep.widgets._layout import CHARS_PER_ROW, GrowingRows, rows_for
from prep.widgets.mock_view import MockInterview
from prep.widgets.question_card import ANSWER_ROWS
from prep.widgets.tip_card import DRAFT_ROWS


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def no_bugs(card):
    assert card.bug_log.entries == [], card.bug_log.entries[0]


# ---- widths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: prep.card("past-role"), id="question card"),
        pytest.param(lambda: prep.card("research-company"), id="tip card"),
        pytest.param(lambda: prep.card("follow-up-email"), id="email card"),
        pytest.param(lambda: prep.mock_interview(questions=2, seed=1), id="mock"),
        pytest.param(lambda: prep.deck("databases"), id="deck"),
        pytest.param(lambda: prep.add_question_card(), id="own-question form"),
    ],
)
def test_no_widget_is_laid_out_wider_than_its_card(data_dir, build):
    """`width="100%"` plus ipywidgets' 2 px margins puts a scrollbar under the card."""
    wide = [
        f"{type(w).__name__} {sorted(w._dom_classes)}"
        for w in walk(build())
        if isinstance(getattr(w, "layout", None), widgets.Layout)
        and (w.layout.width or "").replace(" ", "") in {"100%", "min(100%,48em)"}
    ]
    assert wide == []


# ---- growing text fields ----------------------------------------------------------------


def test_rows_follow_lines_and_long_lines_within_bounds():
    assert rows_for("", least=6, most=30) == 6
    assert rows_for("one line", least=1, most=30) == 2  # the line and a spare one
    assert rows_for("a\nb\nc\nd\ne\nf\ng\nh", least=6, most=30) == 9
    long_line = "word " * (CHARS_PER_ROW // 5 * 3)  # wraps onto three rows
    assert rows_for(long_line, least=1, most=30) == 4
    assert rows_for("x\n" * 500, least=6, most=30) == 30


def test_growing_rows_rejects_bounds_that_cannot_hold():
    with pytest.raises(ValueError, match="least"):
        GrowingRows(widgets.Textarea(), least=8, most=4)


def test_question_cards_answer_field_grows_and_shrinks_back(data_dir):
    card = prep.card("past-role")
    least, most = ANSWER_ROWS
    assert card.answer.rows == least and card.answer.layout.height is None
    card.answer.value = "\n".join(f"Point {n}: what I did and why it mattered." for n in range(15))
    assert least < card.answer.rows == 16
    card.answer.value = "A long answer. " * 600
    assert card.answer.rows == most  # then the field scrolls
    card.answer.value = ""
    assert card.answer.rows == least
    no_bugs(card)


def test_mock_answer_box_grows_and_starts_small_for_each_question(data_dir):
    mock = prep.mock_interview(questions=2, seed=3)
    mock.start()
    small = mock.answer.rows
    mock.answer.value = "\n".join(["I would start with the requirements."] * 12)
    assert mock.answer.rows > small
    mock.submit()
    mock.next()
    assert mock.answer.value == "" and mock.answer.rows == small
    no_bugs(mock)


def test_tip_fields_grow_from_their_own_number_of_lines(data_dir):
    card = prep.card("follow-up-email")
    field = card.fields["interviewers"]
    assert field.rows == 3  # the tip says three lines
    field.value = "\n".join(f"Person {n} <p{n}@example.com>" for n in range(8))
    assert field.rows == 9
    field.value = ""
    assert field.rows == 3


def test_email_draft_shows_its_header_and_body_and_grows_with_it(data_dir):
    card = prep.card("follow-up-email")
    least, _most = DRAFT_ROWS
    draft = card.draft.value
    assert draft.startswith("To: ") and "\nSubject: " in draft
    assert card.draft.layout.height is None
    # every line of the starting draft fits in its rows, the To and Subject lines included
    assert card.draft.rows >= rows_for(draft, least=1, most=100) and card.draft.rows >= least
    card.fields["thanks"].value = "the walk-through of how the team ships. " * 12
    card.fields["open-question"].value = "\n".join(["I would add an index on the key."] * 6)
    assert card.draft.value.startswith("To: ")
    assert card.draft.rows == rows_for(card.draft.value, least=least, most=DRAFT_ROWS[1])
    assert card.draft.rows > least
    no_bugs(card)


# ---- a status line that stays true ------------------------------------------------------


def test_question_card_stops_saying_saved_once_the_answer_changes(data_dir):
    card = prep.card("past-role")
    card.answer.value = "I led the back end of a travel app."
    card.save()
    saved = card.status.text
    assert saved.startswith("Saved attempt 1") and card.status.kind == "ok"

    card.answer.value += " It had 40,000 users."
    assert card.status.text.startswith("Not saved yet")
    assert "Saved attempt" not in card.status.text and "Press Save" in card.status.text

    card.answer.value = "I led the back end of a travel app."  # typed back to what is saved
    assert card.status.text == saved
    card.answer.value = ""  # cleared to try again: nothing unsaved in the field
    assert card.status.text == saved

    card.answer.value = "A second, better answer."
    assert card.status.text.startswith("Not saved yet")
    card.save()
    assert card.status.text.startswith("Saved attempt 2")
    no_bugs(card)


def test_already_saved_line_changes_too_and_the_draft_restored_line_stays(data_dir):
    card = prep.card("past-role")
    card.answer.value = "My answer."
    card.save()
    card.save()
    assert card.status.text.startswith("Already saved")
    card.answer.value = "My answer, longer."
    assert card.status.text.startswith("Not saved yet")

    card.autosave.flush()
    again = prep.card("past-role")  # the page run again: the draft comes back
    assert again.answer.value == "My answer, longer."
    restored = again.status.text
    assert restored.startswith("Draft restored")
    again.answer.value += " And more."
    assert again.status.text == restored  # still true: it is a draft, press Save to keep it


def test_tip_card_says_what_changed_after_a_save_and_undoing_it_restores_saved(data_dir):
    card = prep.card("follow-up-email")
    card.fields["company"].value = "Acme Payments"
    card.save()
    saved = card.status.text
    assert saved.startswith("Saved") and card.status.kind == "ok"

    card.fields["role"].value = "Back-end engineer"
    text = card.status.text
    assert text.startswith("Not saved yet") and "Saved" not in text.split(":", 1)[1]
    assert "role" in text.lower() and "Press Save" in text

    card.fields["role"].value = ""
    assert card.status.text == saved

    card.checks["handshake"].value = True
    assert card.status.text.startswith("Not saved yet") and "Checklist" in card.status.text
    card.save()
    assert card.status.text.startswith("Saved 1 answer")
    no_bugs(card)


def test_nothing_new_line_changes_when_a_field_does(data_dir):
    card = prep.card("research-company")
    field = next(iter(card.fields.values()))
    field.value = "They sell payroll software to small firms."
    card.save()
    card.save()
    assert card.status.text.startswith("Nothing new to save")
    field.value += " Founded in 2015."
    assert card.status.text.startswith("Not saved yet")


# ---- the mock interview's header --------------------------------------------------------


def run_of(count):
    data = workbook.content()
    questions = [data.get(i) for i in ("past-role", "five-years", "first-involved")[:count]]
    return MockInterview(
        questions,
        store=workbook.store(),
        lexicon=data.lexicon,
        seed=42,
        next_reviews=lambda: {
            q.id: datetime(2026, 12, 1, 9, tzinfo=timezone.utc) for q in questions
        },
        tz=timezone.utc,
    )


def test_mock_header_says_the_run_is_over_when_it_is(data_dir):
    mock = run_of(3)
    assert "Mock interview · 3 questions" in mock.header.value
    mock.start()
    for number in (1, 2, 3):
        assert f"question {number} of 3" in mock.header.value
        mock.answer.value = f"Answer {number}."
        mock.submit()
        mock.next()
    assert mock.done
    assert "done: 3 of 3 answered" in mock.header.value
    assert "question 3 of 3" not in mock.header.value
    assert mock.status.text == "Done: 3 answers saved."
    no_bugs(mock)


def test_a_one_question_run_says_answer_not_answers(data_dir):
    mock = run_of(1)
    mock.start()
    mock.answer.value = "My one answer."
    mock.submit()
    mock.next()
    assert "done: 1 of 1 answered" in mock.header.value
    assert mock.status.text == "Done: 1 answer saved."
