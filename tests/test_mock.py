"""The mock interview, driven by a fake clock: countdown, saving, abandoning, the summary."""

from __future__ import annotations

import gc
import weakref
from datetime import datetime, timezone

import pytest
from bank_fixture import write_article

import prep
from prep import workbook
from prep.errors import HistoryWriteError
from prep.store.history import HistoryStore
from prep.widgets.mock_view import MockInterview, countdown_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def new_run():
    data = workbook.content()
    clock = FakeClock()
    questions = [data.get("past-role"), data.get("five-years"), data.get("first-involved")]
    mock = MockInterview(
        questions,
        store=workbook.store(),
        lexicon=data.lexicon,
        seed=42,
        next_reviews=lambda: {
            q.id: datetime(2026, 12, 1, 9, tzinfo=timezone.utc) for q in questions
        },
        drafts=workbook.drafts(),
        clock=clock,
        tz=timezone.utc,
    )
    return mock, clock


@pytest.fixture
def run(data_dir):
    return new_run()


def close_all(widget):
    """Close a widget and everything inside it, as when its notebook goes away."""
    for child in getattr(widget, "children", ()):
        close_all(child)
    widget.close()


def test_countdown_text():
    assert countdown_text(90, 7) == ("1:23 left", False)
    assert countdown_text(90, 102) == ("0:12 over", True)


def test_questions_one_at_a_time_with_hints_after_submitting(run, data_dir):
    mock, clock = run
    assert mock.answer.layout.display == "none"  # nothing is asked before Start
    mock.start()
    assert "question 1 of 3" in mock.header.value
    assert "What has been your role" in mock.prompt.value
    assert mock.hints.value == ""  # hidden until the answer is in
    clock.now += 75
    mock.tick()
    assert "1:45 left" in mock.countdown.value  # past-role aims for 1:30-3:00
    mock.answer.value = "I was responsible for the billing API; as a result refunds took a day."
    mock.confidence.value = 4
    attempt = mock.submit()
    assert attempt.mode == "mock" and attempt.seconds == 75 and attempt.confidence == 4
    assert "What a strong answer covers" in mock.hints.value
    assert "Talking points:" in mock.hints.value
    assert mock.answer.disabled
    row = prep.history().iloc[-1]
    assert row["mode"] == "mock" and row["seconds"] == 75 and row["coverage"] > 0


def test_over_time_turns_the_countdown_red(run):
    mock, clock = run
    mock.start()
    clock.now += 200
    mock.tick()
    assert "0:20 over" in mock.countdown.value and "error-color" in mock.countdown.value


def test_an_abandoned_run_keeps_every_submitted_answer(data_dir):
    mock, clock = new_run()  # not the fixture: pytest would keep the run alive
    mock.start()
    for text in ("First answer, about my role.", "Second answer, about five years."):
        clock.now += 30
        mock.answer.value = text
        mock.submit()
        mock.next()
    mock.answer.value = "typed but never submitted"
    assert mock.autosave.debouncer.wait_idle(timeout=30)  # its timer holds the run till then
    abandoned = weakref.ref(mock)
    close_all(mock)  # the learner closes the notebook: no finish(), no last save
    del mock
    gc.collect()
    assert abandoned() is None, gc.get_referrers(abandoned())
    frame = HistoryStore(data_dir / "practice_history.csv").load()
    assert list(frame["answer"]) == [
        "First answer, about my role.",
        "Second answer, about five years.",
    ]
    assert list(frame["item_id"]) == ["past-role", "five-years"]
    assert set(frame["mode"]) == {"mock"}
    assert workbook.drafts().get("mock/first-involved").text == "typed but never submitted"


def test_finishing_shows_the_summary_with_next_reviews(run):
    mock, clock = run
    mock.start()
    for seconds in (80, 70, 40):
        clock.now += seconds
        mock.answer.value = "As a result we shipped in 3 weeks."
        mock.submit()
        mock.next()
    assert "Done: 3 answers saved." in mock.status.text
    summary = mock.summary.value
    assert summary.count("<tr>") == 4
    assert "1:20" in summary and "1:10" in summary and "0:40" in summary
    assert summary.count("Tue 01 Dec") == 3


def test_empty_answer_and_failed_save_keep_the_text(run, monkeypatch):
    mock, _clock = run
    mock.start()
    mock.submit()
    assert mock.status.text.startswith("Nothing to submit yet")

    def full(*_args, **_kwargs):
        raise HistoryWriteError("the disk is full.")

    monkeypatch.setattr(mock.store, "record", full)
    mock.answer.value = "precious"
    assert mock.submit() is None
    assert mock.status.text == "Not saved: the disk is full. Your answer is still in the field."
    assert mock.answer.value == "precious" and not mock.answer.disabled


def test_typed_answer_is_kept_as_a_draft(run, data_dir):
    mock, _clock = run
    mock.start()
    mock.answer.value = "half an answer"
    mock.autosave.flush()
    again = prep.mock_interview(questions=3, seed=42)
    again.questions = mock.questions  # the same run, as after a kernel restart
    again.start()
    assert again.answer.value == "half an answer"
    assert "Draft restored" in again.status.text


def test_public_mock_interview_asks_due_questions_first(data_dir, tmp_path, monkeypatch):
    """With only the article's four (no bank), a run is still full, due questions first."""
    monkeypatch.setenv("PREP_CONTENT_DIR", str(write_article(tmp_path / "content")))
    store = HistoryStore(data_dir / "practice_history.csv")
    store.clock = lambda: datetime(2020, 1, 1, tzinfo=timezone.utc)
    store.record("language-limits", "long ago", confidence=3)
    mock = prep.mock_interview(questions=2, seed=5)
    assert mock.questions[0].id == "language-limits"
    assert len(mock.questions) == 2
    assert "prep.mock_interview(questions=2, seed=5)" in mock.header.value
    assert len(prep.mock_interview().questions) == 4  # five asked for, four there are


def test_the_answer_box_is_named_after_each_question_and_ctrl_enter_submits(run):
    mock, _clock = run
    assert mock.shortcut.layout.display == "none"  # nothing to submit before the start
    mock.start()
    assert mock.answer.description == f"Your answer to: {mock.current.prompt}"
    assert mock.shortcut.layout.display is None and ".prep-submit" in mock.shortcut.value
    assert "Ctrl+Enter" in mock.shortcut.value
    mock.answer.value = "An answer long enough to submit."
    mock.submit()
    assert mock.shortcut.layout.display == "none"  # submitted: the shortcut goes with the button
    mock.next()
    assert mock.answer.description == f"Your answer to: {mock.current.prompt}"
