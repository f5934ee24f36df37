"""Progress: pure summaries on small fixed histories, and the view built on them."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import prep
from prep import workbook
from prep.insight.progress import (
    DEFAULT_WEEKLY_GOAL,
    figures,
    habit,
    png_bytes,
    streaks,
    summarise,
    weekly_goal,
)
from prep.store.history import HistoryReport, HistoryStore, Problem, empty_frame
from prep.widgets import ProgressView
from prep.widgets.progress_view import chart_alt, chart_png

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def history_with(tmp_path, entries):
    """entries: (utc datetime, item_id, answer, confidence)"""
    store = HistoryStore(tmp_path / "h.csv")
    for when, item_id, answer, confidence in entries:
        store.clock = lambda when=when: when
        store.record(item_id, answer, confidence=confidence)
    return store.load()


@pytest.fixture
def content():
    return workbook.content()


def test_empty_history_summary_is_empty(content):
    summary = summarise(empty_frame(), content, UTC)
    assert summary.empty and summary.per_item.empty and summary.questions.empty


def test_days_are_local_and_gaps_are_filled(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            # 23:30 UTC on the 30th is already the 1st in Berlin
            (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "past-role", "a b c", 2),
            (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "past-role", "a b c d", 4),
            (datetime(2026, 12, 3, 10, 0, tzinfo=UTC), "research-company/stack", "Go", None),
        ],
    )
    in_utc = summarise(frame, content, UTC).per_day
    assert [str(d) for d in in_utc.index] == [
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
    ]
    assert in_utc.tolist() == [1, 0, 0, 2]
    in_berlin = summarise(frame, content, BERLIN).per_day
    assert str(in_berlin.index[0]) == "2026-12-01"
    assert in_berlin.tolist() == [1, 0, 2]


def test_per_item_rolls_tip_prompts_up_and_keeps_workbook_order(tmp_path, content):
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    frame = history_with(
        tmp_path,
        [
            (start, "research-company/stack", "Go", None),
            (start + timedelta(hours=1), "research-company/goals", "Grow", None),
            (start + timedelta(hours=2), "five-years", "Lead", 3),
            (start + timedelta(hours=3), "first-involved", "Games", 2),
            (start + timedelta(hours=4), "first-involved", "Games, then servers", None),
        ],
    )
    per_item = summarise(frame, content, UTC).per_item
    assert per_item["item_id"].tolist() == ["first-involved", "five-years", "research-company"]
    assert per_item["attempts"].tolist() == [2, 1, 2]
    assert per_item["last_confidence"].tolist()[:2] == [2, 3]  # last *given* rating
    assert per_item["title"].iloc[2] == "Research the company"


def test_question_lengths_and_confidence_series(tmp_path, content):
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    frame = history_with(
        tmp_path,
        [
            (start, "past-role", "one two three", 2),
            (start + timedelta(days=1), "past-role", "one two three four five", 4),
            (start + timedelta(days=1), "ask-questions/education", "Do you fund courses?", None),
        ],
    )
    questions = summarise(frame, content, UTC).questions
    assert questions["words"].tolist() == [3, 5]
    assert questions["confidence"].tolist() == [2, 4]


def test_all_six_charts_render_to_png(tmp_path, content):
    frame = history_with(
        tmp_path, [(datetime(2026, 11, 20, 12, tzinfo=UTC), "past-role", "one answer", None)]
    )
    charts = figures(summarise(frame, content, UTC))
    assert list(charts) == [
        "calendar",
        "practice-per-week",
        "coverage",
        "confidence",
        "answer-length",
        "attempts-per-item",
    ]
    for fig in charts.values():
        assert png_bytes(fig).startswith(b"\x89PNG")


def test_view_says_so_when_there_is_no_history(content):
    view = ProgressView(lambda: HistoryReport(empty_frame()), content, tz=UTC)
    assert "No practice saved yet" in view.status.text
    assert view.charts.children == ()


def test_view_shows_charts_table_and_problems(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            (datetime(2026, 11, 20, 12, tzinfo=UTC), "past-role", "x", 3),
            (
                datetime(2026, 11, 22, 12, tzinfo=UTC),
                "come-prepared/checklist",
                "[x] laptop: L",
                None,
            ),
        ],
    )
    report = HistoryReport(frame, (Problem(7, "has 3 fields where the header has 8; skipped"),))
    view = ProgressView(lambda: report, content, tz=UTC)
    assert view.bug_log.entries == []
    assert view.status.text.startswith("2 saved answers over 2 days. Streak: ")
    assert "practice days (a starting goal" in view.status.text
    assert len(view.charts.children) == 6
    # each chart an <img> with its text alternative (ipywidgets' Image has no alt)
    assert all(chart_png(image).startswith(b"\x89PNG") for image in view.charts.children)
    assert all(chart_alt(image) for image in view.charts.children)
    assert "Your role in past projects" in view.table.value and "3/5" in view.table.value
    assert "line 7" in view.problems.value


def test_refresh_picks_up_new_answers(data_dir):
    view = prep.progress()
    assert "No practice saved yet" in view.status.text
    card = prep.card("five-years")
    card.answer.value = "Leading a team"
    card._on_save(None)
    view.refresh_button.click()
    assert view.status.text.startswith("1 saved answer over 1 day")
    assert len(view.charts.children) == 6


def test_unreadable_history_is_a_message(data_dir):
    (data_dir / "practice_history.csv").write_bytes("attempt_id,café\n".encode("cp1252"))
    view = prep.progress()
    assert view.status.kind == "error" and "UTF-8" in view.status.text


# ---- the habit: streaks and the weekly goal ----------------------------------------------


def days(*spec):
    return {date(2026, m, d) for m, d in spec}


@pytest.mark.parametrize(
    ("practised", "today", "current", "longest"),
    [
        (set(), date(2026, 11, 24), 0, 0),
        (days((11, 24)), date(2026, 11, 24), 1, 1),
        (days((11, 23)), date(2026, 11, 24), 1, 1),  # today is not over yet
        (days((11, 22)), date(2026, 11, 24), 0, 1),
        (days((10, 30), (10, 31), (11, 1), (11, 2)), date(2026, 11, 2), 4, 4),  # month end
        (days((12, 31), (1, 1)) | {date(2027, 1, 1)}, date(2027, 1, 1), 2, 2),  # year end
        (days((11, 1), (11, 2), (11, 3), (11, 10), (11, 11)), date(2026, 11, 11), 2, 3),
    ],
)
def test_streaks(practised, today, current, longest):
    assert streaks(practised, today) == (current, longest)


def test_streaks_follow_the_learners_time_zone(tmp_path):
    """The same two saves are consecutive days in London but a day apart in Auckland."""
    frame = history_with(
        tmp_path,
        [
            (datetime(2026, 11, 22, 10, 0, tzinfo=UTC), "past-role", "a", None),
            (datetime(2026, 11, 23, 11, 30, tzinfo=UTC), "past-role", "b", None),
        ],
    )
    london = habit(frame, ZoneInfo("Europe/London"), date(2026, 11, 24))
    auckland = habit(frame, ZoneInfo("Pacific/Auckland"), date(2026, 11, 24))  # 22nd, 24th
    assert (london.current_streak, london.longest_streak) == (2, 2)
    assert (auckland.current_streak, auckland.longest_streak) == (1, 1)


def test_weekly_goal_comes_from_the_habit_page(tmp_path):
    frame = history_with(tmp_path, [(datetime(2026, 11, 20, tzinfo=UTC), "past-role", "x", None)])
    assert weekly_goal(frame) == (DEFAULT_WEEKLY_GOAL, False)
    frame = history_with(
        tmp_path / "b",
        [
            (datetime(2026, 11, 20, tzinfo=UTC), "expert-advice/weekly-goal", "2 a week", None),
            (datetime(2026, 11, 21, tzinfo=UTC), "expert-advice/weekly-goal", "five, say 5", None),
        ],
    )
    assert weekly_goal(frame) == (5, True)


def test_days_this_week_count_from_monday(tmp_path):
    rows = [
        (datetime(2026, 11, d, 12, tzinfo=UTC), "past-role", f"answer {d}", None)
        for d in (20, 22, 23, 23, 24)  # Fri, Sun, Mon, Mon, Tue
    ]
    result = habit(history_with(tmp_path, rows), UTC, date(2026, 11, 24))
    assert result.days_this_week == 2
    assert result.current_streak == 3


def test_charts_are_transparent_for_dark_themes(tmp_path):
    frame = history_with(tmp_path, [(datetime(2026, 11, 20, 12, tzinfo=UTC), "past-role", "x", 3)])
    summary = summarise(frame, workbook.content(), UTC, date(2026, 11, 24))
    for name, fig in figures(summary).items():
        image = png_bytes(fig)
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
        assert image[25] == 6, name  # RGBA: the page's own background shows through


def test_answer_length_uses_the_saved_word_count_and_counts_older_rows(
    tmp_path, content, monkeypatch
):
    module = importlib.import_module("prep.insight.progress")
    counted = []
    real = module.word_count
    monkeypatch.setattr(module, "word_count", lambda text: counted.append(text) or real(text))
    store = HistoryStore(tmp_path / "h.csv")
    store.clock = lambda: datetime(2026, 11, 20, 9, tzinfo=UTC)
    store.record("past-role", "three words here")  # saved before the coach: no word_count
    store.clock = lambda: datetime(2026, 11, 21, 9, tzinfo=UTC)
    store.record("past-role", "four words said here", extra={"word_count": "4"})
    summary = summarise(store.load(), content, UTC, date(2026, 11, 24))
    assert list(summary.questions["words"]) == [3, 4]
    assert str(summary.questions["words"].dtype) == "int64"
    assert counted == ["three words here"]  # the coach's saved count is not redone


# ---- what the charts draw ------------------------------------------------------------------
# A chart showing the wrong column still renders a PNG; these read the drawn data back.

MONDAY = datetime(2026, 11, 16, 9, tzinfo=UTC)


@pytest.fixture
def charted(tmp_path, content):
    """Two weeks with distinct confidence, coverage, length and time; their charts."""
    store = HistoryStore(tmp_path / "h.csv")
    rows = [  # (when, item, answer, confidence, coverage, seconds)
        (MONDAY, "past-role", "one two three", 2, "0.25", 120),
        (MONDAY + timedelta(days=1), "past-role", "one two three four five", 4, "0.75", 300),
        (MONDAY + timedelta(days=7), "five-years", "two words", 5, "0.50", 60),
        (MONDAY + timedelta(days=8), "research-company/stack", "Go", None, None, None),
        (MONDAY + timedelta(days=8), "research-company/goals", "Grow", None, None, None),
    ]
    for when, item_id, answer, confidence, coverage, seconds in rows:
        store.clock = lambda when=when: when
        extra = {} if coverage is None else {"coverage": coverage}
        store.record(item_id, answer, confidence=confidence, seconds=seconds, extra=extra)
    summary = summarise(store.load(), content, UTC, date(2026, 11, 25))
    return figures(summary), content


def drawn_lines(fig):
    return {line.get_label(): [float(y) for y in line.get_ydata()] for line in fig.axes[0].lines}


def test_coverage_chart_draws_coverage_per_question(charted):
    charts, content = charted
    assert drawn_lines(charts["coverage"]) == {
        content.title_of("past-role"): [25.0, 75.0],
        content.title_of("five-years"): [50.0],
    }


def test_confidence_chart_draws_confidence_per_question(charted):
    charts, content = charted
    assert drawn_lines(charts["confidence"]) == {
        content.title_of("past-role"): [2.0, 4.0],
        content.title_of("five-years"): [5.0],
    }


def test_answer_length_chart_draws_words_per_question(charted):
    charts, content = charted
    assert drawn_lines(charts["answer-length"]) == {
        content.title_of("past-role"): [3.0, 5.0],
        content.title_of("five-years"): [2.0],
    }


def test_practice_per_week_draws_attempts_above_and_minutes_below(charted):
    charts, _content = charted
    top, bottom = charts["practice-per-week"].axes
    (attempts,) = top.patches
    (minutes,) = bottom.patches
    assert attempts.get_data().values.tolist() == [2.0, 3.0]
    assert minutes.get_data().values.tolist() == [7.0, 1.0]  # (120 + 300) s, then 60 s
    assert top.get_ylabel() == "attempts" and bottom.get_ylabel() == "minutes timed"


def test_attempts_per_item_draws_one_bar_per_item(charted):
    charts, content = charted
    ax = charts["attempts-per-item"].axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    widths = [bar.get_width() for bar in ax.patches]
    assert dict(zip(labels, widths, strict=True)) == {
        content.title_of("past-role"): 2,
        content.title_of("five-years"): 1,
        content.title_of("research-company"): 2,
    }


def test_calendar_marks_the_practice_days_with_their_counts(charted):
    charts, _content = charted
    ax = charts["calendar"].axes[0]
    drawn = dict(p.get_label().split(": ") for p in ax.patches)  # a square per day
    # today is Wed 25 Nov; the squares run Monday to Sunday, up to today
    assert drawn["2026-11-23"] == "1" and drawn["2026-11-24"] == "2"
    assert drawn["2026-11-25"] == "0"  # today, not practised yet
    assert drawn["2026-11-16"] == "1" and drawn["2026-11-17"] == "1"
    assert "2026-11-26" not in drawn  # the days after today are blank
    assert sum(int(n) for n in drawn.values()) == 5
