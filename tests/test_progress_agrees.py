"""The progress page never contradicts itself: one "recent coverage", "next review", "improved".

Each test builds a small fixed history and reads what two views say about the same
question: the spotlight (most improved / needs work), the per-question cards, the topic
grid, next_up and the mock summary. Each reproduces a contradiction the page used to show.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from bank_fixture import write_article
from fsrs import Card

from prep.coach.analysis import analyse
from prep.content.loader import load_content
from prep.insight.progress import summarise
from prep.models import Attempt
from prep.practice.schedule import CardState, next_up, replay
from prep.store.history import HistoryReport, HistoryStore
from prep.widgets import ProgressView
from prep.widgets.mock_view import MockResult, summary_html
from prep.widgets.next_up_view import next_up_html

UTC = timezone.utc
TODAY = date(2026, 11, 24)  # a Tuesday
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
QUESTIONS = ["first-involved", "past-role", "language-limits", "five-years"]


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return load_content(write_article(tmp_path_factory.mktemp("content")))


def history_with(tmp_path, entries):
    """entries: (utc datetime, item_id, confidence, coverage as saved, e.g. "0.40")"""
    store = HistoryStore(tmp_path / "h.csv")
    for n, (when, item_id, confidence, coverage) in enumerate(entries):
        store.clock = lambda when=when: when
        extra = {} if coverage is None else {"coverage": coverage}
        store.record(item_id, f"answer {n}", confidence=confidence, extra=extra)
    return store.load()


def at(month, day, hour=12):
    return datetime(2026, month, day, hour, tzinfo=UTC)


def view_of(frame, content, due=None):
    return ProgressView(
        lambda: HistoryReport(frame),
        content,
        due=(lambda _frame: due) if due is not None else None,
        tz=UTC,
        today=TODAY,
        now=NOW,
    )


def card_of(view, item_id):
    cards = view.cards.value.split("class='prep-question-stat'")[1:]
    (card,) = [c for c in cards if f"data-item='{item_id}'" in c]
    return card


# ---- "improved" and "needs work" -------------------------------------------------------------


@pytest.fixture
def rising(tmp_path):
    return history_with(
        tmp_path,
        [
            (at(11, 20), "past-role", 2, "0.20"),
            (at(11, 23), "past-role", 3, "0.40"),  # up 20 points, still below half
            (at(11, 20), "five-years", 2, "0.50"),
            (at(11, 23), "five-years", 3, "0.75"),  # up, and in shape
        ],
    )


def test_a_question_that_needs_work_is_not_also_most_improved(rising, content):
    summary = summarise(rising, content, UTC, TODAY)
    improved = {s.item_id for s in summary.improved}
    needs = {s.item_id: s.reason for s in summary.needs_work}
    assert not improved & set(needs), "listed under both Most improved and Needs work"
    assert improved == {"five-years"}
    # the gain is not lost: Needs work says how far the question has come
    assert needs["past-role"] == "covers 40% of the talking points lately (up from 20%)"


def test_the_page_says_where_an_improved_question_that_needs_work_is_listed(rising, content):
    view = view_of(rising, content)
    assert "still needs work is listed under Needs work" in view.spotlight.value


def test_a_rise_too_small_to_show_is_no_improvement(tmp_path, content):
    frame = history_with(
        tmp_path,
        [(at(11, 20), "past-role", None, "0.500"), (at(11, 23), "past-role", None, "0.504")],
    )
    summary = summarise(frame, content, UTC, TODAY)
    assert summary.improved == ()  # not "coverage 50% → 50%"
    assert "↑ 0" not in card_of(view_of(frame, content), "past-role")


def test_a_question_that_needs_work_is_not_called_strong(tmp_path, content):
    frame = history_with(tmp_path, [(at(11, 23), "past-role", 1, "0.90")])
    view = view_of(frame, content)
    needs = {s.item_id for s in view.summary.needs_work}
    assert "past-role" in needs  # rated 1/5
    assert "prep-strong" not in card_of(view, "past-role")
    assert view.summary.topics[0].total.strong == 0


# ---- "recent coverage": one window, one rounding ----------------------------------------------


def test_a_card_states_one_coverage_and_it_is_the_recent_one(tmp_path, content):
    tries = ((20, "0.40"), (21, "0.40"), (22, "0.40"), (23, "0.80"))
    frame = history_with(tmp_path, [(at(11, d), "five-years", None, c) for d, c in tries])
    card = card_of(view_of(frame, content), "five-years")
    shown = re.findall(r"[Cc]overage[^<]*<strong>(\d+)%", card)
    assert shown and set(shown) == {"60"}, card  # the last two of four tries, not the last one
    assert "Recent coverage <strong>60%</strong>" in card


@pytest.mark.parametrize("tries", [1, 2, 3, 4, 5, 7])
def test_next_up_and_the_progress_page_mean_the_same_recent_coverage(tmp_path, content, tries):
    covers = ["0.20", "0.30", "0.80", "0.90", "0.10", "0.55", "0.65"][:tries]
    rows = [(at(11, 1 + n), "past-role", 1 + n % 5, c) for n, c in enumerate(covers)]
    frame = history_with(tmp_path, rows)
    stats = summarise(frame, content, UTC, TODAY).question_stats.set_index("item_id")
    state = replay(frame, QUESTIONS)["past-role"]
    assert state.recent_coverage * 100 == pytest.approx(stats.loc["past-role", "recent_coverage"])
    assert state.recent_confidence == pytest.approx(stats.loc["past-role", "recent_confidence"])


def test_next_up_does_not_call_weak_what_the_card_calls_80_percent(tmp_path, content):
    tries = ((20, "0.20"), (21, "0.30"), (22, "0.80"))
    frame = history_with(tmp_path, [(at(11, d), "past-role", 3, c) for d, c in tries])
    card = card_of(view_of(frame, content), "past-role")
    assert "Recent coverage <strong>80%</strong>" in card
    states = replay(frame, QUESTIONS)
    item = next(i for i in next_up(states, at(11, 22, 13)) if i.question_id == "past-role")
    assert item.status != "weak", item.reason


def test_a_coverage_shown_as_50_percent_is_not_called_below_50(tmp_path, content):
    frame = history_with(tmp_path, [(at(11, 23), "past-role", 4, "0.495")])
    view = view_of(frame, content)
    card = card_of(view, "past-role")
    assert "Recent coverage <strong>50%</strong>" in card
    assert "prep-band-weak" not in view.topic_grid.value.split("Your background")[1][:400]
    assert "past-role" not in {s.item_id for s in view.summary.needs_work}
    state = replay(frame, QUESTIONS)["past-role"]
    item = next(i for i in next_up({"past-role": state}, at(11, 23, 13)))
    assert item.status != "weak", item.reason


# ---- "next review": calendar days in the learner's time zone ------------------------------------


def scheduled(due):
    card = Card(card_id=1, due=due, last_review=due - timedelta(days=2))
    return {"past-role": CardState("past-role", card, reviews=1, last_reason="confidence 4/5")}


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (datetime(2026, 11, 23, 23, tzinfo=UTC), "next review later today"),
        (datetime(2026, 11, 24, 8, tzinfo=UTC), "next review tomorrow"),  # 12 hours away
        (datetime(2026, 11, 25, 8, tzinfo=UTC), "next review in 2 days"),  # 36 hours away
        (datetime(2026, 11, 30, 1, tzinfo=UTC), "next review in 7 days"),
    ],
)
def test_next_review_counts_calendar_days_to_the_due_date_shown(due, words):
    now = datetime(2026, 11, 23, 20, tzinfo=UTC)  # Monday evening
    (item,) = next_up(scheduled(due), now)
    assert item.reason == words
    html = next_up_html([item], {"past-role": "Your role"}, UTC)
    assert due.strftime("%a %d %b") in html and words in html


def test_next_review_is_counted_in_the_learners_time_zone():
    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    due = datetime(2026, 11, 25, 12, tzinfo=UTC)
    auckland = ZoneInfo("Pacific/Auckland")  # 23:00 on the 24th; due 01:00 on the 26th
    (utc_item,) = next_up(scheduled(due), now, tz=UTC)
    (nz_item,) = next_up(scheduled(due), now, tz=auckland)
    assert utc_item.reason == "next review tomorrow"
    assert nz_item.reason == "next review in 2 days"
    assert "Thu 26 Nov" in next_up_html([nz_item], {}, auckland)


def test_overdue_means_due_on_an_earlier_day_and_counts_calendar_days():
    now = datetime(2026, 11, 24, 9, tzinfo=UTC)
    (item,) = next_up(scheduled(datetime(2026, 11, 22, 21, tzinfo=UTC)), now)  # 36 h ago
    assert (item.status, item.reason) == (
        "overdue",
        "overdue by 2 days (last rated confidence 4/5)",
    )
    (late,) = next_up(scheduled(datetime(2026, 11, 23, 21, tzinfo=UTC)), now)  # 12 h ago
    assert late.status == "overdue"
    assert late.reason == "overdue by 1 day (last rated confidence 4/5)"
    (today,) = next_up(scheduled(datetime(2026, 11, 24, 1, tzinfo=UTC)), now)
    assert (today.status, today.reason) == ("due", "due now (last rated confidence 4/5)")


def test_a_card_and_next_up_name_the_same_next_review(tmp_path, content):
    frame = history_with(tmp_path, [(at(11, 23), "past-role", 4, "0.80")])
    due = {"past-role": datetime(2026, 11, 26, 8, tzinfo=UTC)}  # Thursday: in 2 days
    card = card_of(view_of(frame, content, due), "past-role")
    assert "next review in 2 days (Thu 26 Nov)" in card


def test_the_mock_summary_words_the_next_review_as_next_up_does(content):
    question = content.get("past-role")
    feedback = analyse("I led the API work.", question, content.lexicon)
    attempt = Attempt("a1", NOW, question.id, "I led the API work.", seconds=70, confidence=4)
    due = datetime(2026, 11, 26, 8, tzinfo=UTC)
    html = summary_html([MockResult(question, attempt, feedback)], {question.id: due}, UTC, now=NOW)
    (item,) = next_up(scheduled(due), NOW, tz=UTC)
    assert "in 2 days (Thu 26 Nov)" in html and item.reason == "next review in 2 days"
