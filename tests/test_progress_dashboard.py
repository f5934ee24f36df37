"""The progress dashboard: per-week practice, per-question stats, spotlights and filters.

Summaries are pure functions, checked on small fixed histories; the view is checked for
what a learner sees when they filter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from bank_fixture import write_article
from synthetic import typed_history

import prep
from prep.content.loader import load_content
from prep.insight.progress import (
    TREND_BUCKETS,
    figures,
    most_improved,
    needs_work,
    png_bytes,
    summarise,
    trend_points,
)
from prep.store.history import HistoryReport, HistoryStore, empty_frame
from prep.widgets import ProgressView, _common
from prep.widgets.cohort_view import CohortView
from prep.widgets.progress_view import days_ago, sparkline

UTC = timezone.utc
TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """The article's four questions only: the bank's own views are in test_bank_practice."""
    return load_content(write_article(tmp_path_factory.mktemp("content")))


def history_with(tmp_path, entries):
    """entries: (utc datetime, item_id, confidence, coverage 0-1 or None, seconds or None)"""
    store = HistoryStore(tmp_path / "h.csv")
    for n, (when, item_id, confidence, coverage, seconds) in enumerate(entries):
        store.clock = lambda when=when: when
        extra = {} if coverage is None else {"coverage": f"{coverage:.2f}"}
        store.record(item_id, f"answer {n}", confidence=confidence, seconds=seconds, extra=extra)
    return store.load()


def at(month, day, hour=12):
    return datetime(2026, month, day, hour, tzinfo=UTC)


def stats_row(summary, item_id):
    rows = summary.question_stats.set_index("item_id")
    return rows.loc[item_id]


# ---- time per week -----------------------------------------------------------------------


def test_weeks_start_on_monday_count_minutes_and_fill_gaps(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            (at(11, 1), "past-role", None, None, 90),  # Sunday: the week of Mon 26 Oct
            (at(11, 2), "past-role", None, None, 30),  # Monday
            (at(11, 3), "five-years", None, None, None),  # untimed: counts, adds no minutes
            (at(11, 3, 18), "five-years", None, None, 60),
            (at(11, 18), "past-role", None, None, 120),  # two quiet weeks in between
        ],
    )
    weekly = summarise(frame, content, UTC, TODAY).weekly
    assert [str(d) for d in weekly.index] == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
    ]
    assert weekly["attempts"].tolist() == [1, 3, 0, 1]
    assert weekly["minutes"].tolist() == [1.5, 1.5, 0.0, 2.0]
    assert weekly["days"].tolist() == [1, 2, 0, 1]


def test_weeks_follow_the_learners_time_zone(tmp_path, content):
    # 23:30 UTC on Sunday 1 Nov is already Monday in Berlin: a new week there
    frame = history_with(tmp_path, [(at(11, 1, 23), "past-role", None, None, 60)])
    berlin = summarise(frame, content, ZoneInfo("Europe/Berlin"), TODAY).weekly
    utc = summarise(frame, content, UTC, TODAY).weekly
    assert [str(d) for d in utc.index] == ["2026-10-26"]
    assert [str(d) for d in berlin.index] == ["2026-11-02"]


# ---- per question ------------------------------------------------------------------------


def test_question_stats_list_every_question_tried_or_not(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            (at(11, 1), "past-role", 2, 0.25, None),
            (at(11, 2), "past-role", 3, 0.50, None),
            (at(11, 3), "past-role", 3, 0.50, None),
            (at(11, 4), "past-role", 4, 0.75, None),
            (at(11, 5), "past-role", 5, 1.00, None),
            (at(11, 6), "five-years", None, 0.5, None),
            (at(11, 7), "research-company/stack", 1, None, None),  # a tip: not a question
        ],
    )
    summary = summarise(frame, content, UTC, TODAY)
    stats = summary.question_stats
    assert stats["item_id"].tolist() == [q.id for q in content.questions]
    past = stats_row(summary, "past-role")
    assert past["attempts"] == 5
    assert past["latest_coverage"] == 100.0 and past["latest_confidence"] == 5
    # five tries: the first two against the last two, never sharing the middle one
    assert past["first_coverage"] == pytest.approx(37.5)
    assert past["recent_coverage"] == pytest.approx(87.5)
    assert past["coverage_change"] == pytest.approx(50.0)
    assert past["coverage_trend"] == (25.0, 50.0, 50.0, 75.0, 100.0)
    five = stats_row(summary, "five-years")
    assert five["attempts"] == 1 and pd.isna(five["coverage_change"])  # one try: no change
    assert pd.isna(five["latest_confidence"]) and five["confidence_trend"] == ()
    untried = stats_row(summary, "language-limits")
    assert untried["attempts"] == 0 and pd.isna(untried["last_practised"])


def test_trends_keep_only_the_last_scores(tmp_path, content):
    entries = [(at(10, 1) + timedelta(hours=n), "past-role", None, n / 20, None) for n in range(20)]
    past = stats_row(summarise(history_with(tmp_path, entries), content, UTC, TODAY), "past-role")
    assert len(past["coverage_trend"]) == 12
    assert past["coverage_trend"][-1] == 95.0


def test_most_improved_ranks_gains_and_leaves_out_drops(tmp_path, content):
    # practised lately: a question left for 14 days needs work, and is then not "improved"
    frame = history_with(
        tmp_path,
        [
            (at(11, 20), "past-role", None, 0.25, None),
            (at(11, 21), "past-role", None, 1.0, None),  # +75 points
            (at(11, 20), "five-years", 2, 0.5, None),
            (at(11, 21), "five-years", 3, 0.75, None),  # +25 points, +1 confidence
            (at(11, 20), "first-involved", None, 1.0, None),
            (at(11, 21), "first-involved", None, 0.5, None),  # a drop
        ],
    )
    summary = summarise(frame, content, UTC, TODAY)
    improved = most_improved(summary.question_stats)
    assert [s.item_id for s in improved] == ["past-role", "five-years"]
    assert improved[0].reason == "coverage 25% → 100%"
    assert improved[1].reason == "coverage 50% → 75%, confidence 2.0 → 3.0"


def test_needs_work_puts_the_weakest_first_with_reasons_then_untried(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            (at(11, 20), "past-role", 4, 0.25, None),  # weak coverage
            (at(11, 20), "five-years", 1, 0.75, None),  # low confidence
            (at(10, 1), "first-involved", 4, 1.0, None),  # 54 days ago
        ],
    )
    spots = summarise(frame, content, UTC, TODAY).needs_work
    assert [(s.item_id, s.reason) for s in spots] == [
        ("first-involved", "not practised for 54 days"),
        ("five-years", "recent confidence 1.0/5"),  # the window next_up reads too
        ("past-role", "covers 25% of the talking points lately"),
        ("language-limits", "not tried yet"),
    ]


def test_a_strong_recent_question_does_not_need_work(tmp_path, content):
    frame = history_with(tmp_path, [(at(11, 23), "past-role", 4, 0.75, None)])
    stats = summarise(frame, content, UTC, TODAY).question_stats
    assert "past-role" not in [s.item_id for s in needs_work(stats, TODAY)]


def test_empty_history_has_every_question_untried(content):
    summary = summarise(empty_frame(), content, UTC, TODAY)
    assert summary.empty and summary.weekly.empty and summary.improved == ()
    assert [s.item_id for s in summary.needs_work] == [q.id for q in content.questions][:5]
    assert all(s.reason == "not tried yet" for s in summary.needs_work)


# ---- filters -----------------------------------------------------------------------------


def test_date_filter_includes_both_ends_in_local_days(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            (at(11, 1, 23), "past-role", 3, None, None),  # 2 Nov in Berlin
            (at(11, 3), "past-role", 3, None, None),
            (at(11, 4), "five-years", 3, None, None),
            (at(11, 5), "past-role", 3, None, None),
        ],
    )
    berlin = ZoneInfo("Europe/Berlin")
    summary = summarise(
        frame, content, berlin, TODAY, since=date(2026, 11, 2), until=date(2026, 11, 4)
    )
    assert int(summary.per_day.sum()) == 3
    assert summary.questions["when"].dt.day.tolist() == [2, 3, 4]
    # the habit and the calendar still count everything
    assert int(summary.calendar.sum()) == 4
    assert summary.habit.longest_streak == 4


def test_item_filter_keeps_one_question_or_one_tip(tmp_path, content):
    frame = history_with(
        tmp_path,
        [
            (at(11, 1), "past-role", 3, 0.5, None),
            (at(11, 2), "five-years", 3, 0.5, None),
            (at(11, 3), "research-company/stack", None, None, None),
            (at(11, 4), "research-company/why", None, None, None),
        ],
    )
    question = summarise(frame, content, UTC, TODAY, item="past-role")
    assert question.per_item["item_id"].tolist() == ["past-role"]
    assert question.question_stats["item_id"].tolist() == ["past-role"]
    tip = summarise(frame, content, UTC, TODAY, item="research-company")
    assert tip.per_item["attempts"].tolist() == [2]
    assert tip.questions.empty and tip.question_stats.empty


def test_a_range_with_nothing_in_it_says_not_practised_in_these_dates(tmp_path, content):
    frame = history_with(tmp_path, [(at(11, 1), "past-role", 3, 0.5, None)])
    summary = summarise(frame, content, UTC, TODAY, since=date(2026, 11, 10))
    assert summary.empty
    assert {s.reason for s in summary.needs_work} == {"not practised in these dates"}


# ---- charts stay cheap ---------------------------------------------------------------------


def test_trend_lines_average_per_period_when_there_are_many_attempts(tmp_path, content):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = 2 * 365
    frame = pd.DataFrame(
        {
            "when": [start + timedelta(days=n / 2) for n in range(rows)],
            "title": "Your role in past projects",
            "coverage": pd.array([float(n % 100) for n in range(rows)], dtype="Float64"),
        }
    )
    points, taken = trend_points(frame, "coverage")
    assert taken == "weekly mean"
    assert len(points) <= TREND_BUCKETS
    few, how = trend_points(frame.head(30), "coverage")
    assert how == "each attempt" and len(few) == 30


def test_every_chart_renders_for_a_single_attempt_and_a_filtered_tip(tmp_path, content):
    frame = history_with(tmp_path, [(at(11, 20), "research-company/stack", None, None, None)])
    for summary in (
        summarise(frame, content, UTC, TODAY),
        summarise(frame, content, UTC, TODAY, item="past-role"),
    ):
        for fig in figures(summary).values():
            assert png_bytes(fig).startswith(b"\x89PNG")


# ---- the view ----------------------------------------------------------------------------


class CountingRead:
    def __init__(self, frame):
        self.frame, self.calls = frame, 0

    def __call__(self):
        self.calls += 1
        return HistoryReport(self.frame)


@pytest.fixture
def practised(tmp_path):
    return history_with(
        tmp_path,
        [
            (at(11, 2), "past-role", 2, 0.25, 60),
            (at(11, 10), "past-role", 4, 0.75, 120),
            (at(11, 12), "five-years", 3, 0.5, None),
            (at(11, 23), "research-company/stack", None, None, None),
        ],
    )


def test_view_shows_spotlights_and_a_card_per_question(practised, content):
    view = ProgressView(CountingRead(practised), content, tz=UTC, today=TODAY)
    assert "Most improved" in view.spotlight.value
    # 14 days since its last try: under Needs work, which keeps the gain, not Most improved
    assert "not practised for 14 days; coverage up from 25% to 75%" in view.spotlight.value
    assert "Needs work" in view.spotlight.value and "not tried yet" in view.spotlight.value
    cards = view.cards.value
    assert cards.count("class='prep-question-stat'") == len(content.questions)
    assert "2 attempts · last 14 days ago (Tue 10 Nov)" in cards
    assert "Coverage <strong>75%</strong>" in cards and "↑ 50" in cards
    assert "Not tried yet" in cards
    assert len(view.charts.children) == 6


def test_filters_redraw_from_what_was_read_without_reading_again(practised, content):
    read = CountingRead(practised)
    view = ProgressView(read, content, tz=UTC, today=TODAY)
    assert view.status.text.startswith("4 saved answers over 4 days. Streak")
    view.item.value = "past-role"
    assert view.status.text.startswith("2 saved answers over 2 days in this selection.")
    assert "for Your role in past projects only" in view.filter_note.value
    view.since.value = date(2026, 11, 5)
    assert view.status.text.startswith("1 saved answer over 1 day in this selection.")
    assert "from 05 Nov 2026 to today" in view.filter_note.value
    assert read.calls == 1
    view.show_all.click()
    assert view.status.text.startswith("4 saved answers over 4 days. Streak")
    assert view.filter_note.value == "" and view.item.value == ""
    view.refresh_button.click()
    assert read.calls == 2


def test_from_after_to_is_a_message_not_an_error(practised, content):
    view = ProgressView(CountingRead(practised), content, tz=UTC, today=TODAY)
    view.since.value = date(2026, 11, 20)
    view.until.value = date(2026, 11, 1)
    assert view.status.kind == "warn" and "after the To date" in view.status.text
    assert view.charts.children == () and view.bug_log.entries == []
    view.until.value = None
    assert view.status.kind == "ok"


def test_a_range_with_no_practice_still_shows_the_habit(practised, content):
    view = ProgressView(CountingRead(practised), content, tz=UTC, today=TODAY)
    view.since.value = date(2026, 1, 1)
    view.until.value = date(2026, 1, 31)
    assert view.status.text.startswith("0 saved answers over 0 days in this selection.")
    assert "No attempts in these dates" in view.cards.value
    assert view.table.value == ""
    assert view.bug_log.entries == []


def test_titles_in_cards_and_spotlights_are_escaped(practised, content, monkeypatch):
    question = content.questions[0]
    hostile = type(question)(**{**question.__dict__, "title": "<img src=x onerror=alert(1)>"})
    patched = type(content)(**{**content.__dict__, "questions": (hostile, *content.questions[1:])})
    view = ProgressView(CountingRead(practised), patched, tz=UTC, today=TODAY)
    for html in (view.cards.value, view.spotlight.value):
        assert "<img" not in html and "&lt;img src=x" in html


def test_sparkline_draws_one_point_per_score_in_the_theme_colour():
    svg = sparkline((1.0, 3.0, 5.0), 1, 5)
    points = re.search(r"points='([^']*)'", svg).group(1).split()
    assert len(points) == 3
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]  # higher scores are drawn higher up
    assert "currentColor" in svg and sparkline((), 0, 1) == ""


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (datetime(2026, 11, 24, 8), "today"),
        (datetime(2026, 11, 23, 23), "yesterday"),
        (datetime(2026, 11, 1), "23 days ago"),
    ],
)
def test_days_ago(when, text):
    assert days_ago(pd.Timestamp(when), TODAY) == text


def test_ten_thousand_rows_filter_and_redraw(content):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [q.id for q in content.questions]
    rows = 10_000
    frame = typed_history(
        [start + timedelta(minutes=47 * n) for n in range(rows)], [ids[n % 4] for n in range(rows)]
    )
    view = ProgressView(CountingRead(frame), content, tz=UTC, today=TODAY)
    assert view.status.text.startswith("10000 saved answers")
    view.item.value = ids[0]
    assert view.status.text.startswith("2500 saved answers")
    assert len(view.charts.children) == 6 and view.bug_log.entries == []


# ---- one call each: the cohort, the answer book, the time zone -----------------------------


def test_progress_with_files_or_a_folder_compares_learners(data_dir, tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name, answers in (("ana", 2), ("ben", 1)):
        store = HistoryStore(folder / f"{name}.csv")
        for n in range(answers):
            store.record("past-role", f"answer {n}", confidence=3)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for view in (
        prep.progress(folder),
        prep.progress([folder / "ana.csv", folder / "ben.csv"]),
    ):
        assert isinstance(view, CohortView)
        assert view.status.text.startswith("2 learners, 3 answers saved")
    assert isinstance(prep.progress(), ProgressView)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_progress_of_a_missing_folder_names_it(data_dir, tmp_path):
    with pytest.raises(prep.PrepError, match="nowhere"):
        prep.progress(tmp_path / "nowhere")


def test_answer_book_is_one_call(data_dir, tmp_path, capsys):
    card = prep.card("past-role")
    card.answer.value = "I led the API work and we shipped it in six weeks."
    card._on_save(None)
    markdown, page = prep.export_answer_book(str(tmp_path / "answer-book"))
    assert markdown == tmp_path / "answer-book.md" and page == tmp_path / "answer-book.html"
    assert "I led the API work" in markdown.read_text(encoding="utf-8")
    assert "I led the API work" in page.read_text(encoding="utf-8")
    assert "Wrote your answer book to" in capsys.readouterr().out


def test_local_time_zone_keeps_daylight_saving_rules(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    zone = _common.local_tz()
    assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=1)
    monkeypatch.setenv("TZ", "not a zone")
    monkeypatch.setattr(_common, "LOCALTIME", "/nonexistent/localtime")
    assert _common.local_tz().utcoffset(None) is not None  # today's offset, as a last resort
