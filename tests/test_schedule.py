"""Scheduling by replaying the history through FSRS: due dates, order, time zones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card, Rating

import prep
from prep.practice.schedule import CardState, next_up, pick_for_mock, rating_for, replay
from prep.store.history import HistoryStore
from prep.widgets.next_up_view import next_up_html

UTC = timezone.utc
QUESTIONS = ["first-involved", "past-role", "language-limits", "five-years"]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def history(tmp_path, rows):
    """rows: (when, question id, confidence, coverage) -> a typed history frame."""
    store = HistoryStore(tmp_path / "practice_history.csv")
    for when, item_id, confidence, coverage in rows:
        store.clock = lambda when=when: when
        extra = {} if coverage is None else {"coverage": f"{coverage:.2f}"}
        store.record(item_id, f"answer at {when:%d %H:%M}", confidence=confidence, extra=extra)
    return store.load()


@pytest.mark.parametrize(
    ("confidence", "coverage", "rating"),
    [
        (1, None, Rating.Again),
        (2, 0.9, Rating.Hard),
        (3, None, Rating.Good),
        (4, 0.1, Rating.Good),
        (5, None, Rating.Easy),
        (None, 0.2, Rating.Again),
        (None, 0.5, Rating.Hard),
        (None, 0.9, Rating.Good),
        (None, None, Rating.Good),
    ],
)
def test_rating_comes_from_confidence_then_coverage(confidence, coverage, rating):
    assert rating_for(confidence, coverage)[0] == rating


def test_replay_gives_the_expected_due_dates(tmp_path):
    frame = history(
        tmp_path,
        [
            (T0, "past-role", 3, None),  # Good: two days
            (T0, "five-years", 1, None),  # Again: one day
            (T0, "language-limits", 5, None),  # Easy: eight days
            (T0 + timedelta(days=2), "past-role", 4, None),  # Good again, on time
        ],
    )
    states = replay(frame, QUESTIONS)
    assert states["first-involved"].due is None
    assert states["five-years"].due == T0 + timedelta(days=1)
    assert states["language-limits"].due == T0 + timedelta(days=8)
    assert states["past-role"].due == T0 + timedelta(days=13)
    assert states["past-role"].reviews == 2
    assert states["past-role"].last_reason == "confidence 4/5"


def test_a_badly_answered_question_comes_back_sooner(tmp_path):
    frame = history(
        tmp_path,
        [(T0, "past-role", 1, 0.2), (T0, "five-years", 4, 0.9)],
    )
    states = replay(frame, QUESTIONS)
    assert states["past-role"].due < states["five-years"].due


def test_coverage_rates_attempts_saved_without_confidence(tmp_path):
    frame = history(tmp_path, [(T0, "past-role", None, 0.1), (T0, "five-years", None, 0.95)])
    states = replay(frame, QUESTIONS)
    assert states["past-role"].last_rating == Rating.Again
    assert states["five-years"].last_rating == Rating.Good
    assert states["past-role"].last_reason == "coverage 10%"


def test_replay_is_deterministic_and_ignores_file_order(tmp_path):
    rows = [(T0 + timedelta(days=d), "past-role", c, None) for d, c in [(0, 2), (1, 3), (4, 4)]]
    forward = replay(history(tmp_path / "a", rows), QUESTIONS)
    backward = replay(history(tmp_path / "b", rows[::-1]), QUESTIONS)
    assert forward["past-role"].due == backward["past-role"].due


def test_next_up_orders_overdue_due_new_weak_later(tmp_path):
    frame = history(
        tmp_path,
        [
            (T0 - timedelta(days=10), "past-role", 3, 0.8),  # due T0-8d: overdue
            (T0 - timedelta(days=1, hours=1), "five-years", 1, 0.9),  # due just now: due
            (T0 - timedelta(hours=1), "language-limits", 2, 0.3),  # due tomorrow, weak
        ],
    )
    items = next_up(replay(frame, QUESTIONS), T0)
    assert [(i.question_id, i.status) for i in items] == [
        ("past-role", "overdue"),
        ("five-years", "due"),
        ("first-involved", "new"),
        ("language-limits", "weak"),
    ]
    assert items[0].reason == "overdue by 8 days (last rated confidence 3/5)"
    assert items[2].reason == "never practised"
    assert items[3].reason == "weak: recent coverage 30%, recent confidence 2.0/5"


def test_a_never_seen_question_is_listed_even_with_a_long_history(tmp_path):
    rows = [(T0 + timedelta(days=d), "past-role", 4, 0.9) for d in range(0, 30, 3)]
    items = next_up(replay(history(tmp_path, rows), QUESTIONS), T0 + timedelta(days=30))
    assert {i.question_id for i in items if i.status == "new"} == {
        "first-involved",
        "language-limits",
        "five-years",
    }


def test_dst_and_time_zones_do_not_move_due_dates(tmp_path):
    """Europe/London leaves summer time on 25 Oct 2026; Auckland is 13 hours ahead."""
    before_change = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 00:30 BST on the 25th
    frame = history(tmp_path, [(before_change, "past-role", 3, None)])
    state = replay(frame, QUESTIONS)["past-role"]
    assert state.due == before_change + timedelta(days=2)  # 48 real hours, whatever the clocks
    now = before_change + timedelta(days=2, minutes=1)
    assert next_up(replay(frame, QUESTIONS), now)[0].status == "due"
    london = next_up_html(next_up({"past-role": state}, now), {}, ZoneInfo("Europe/London"))
    auckland = next_up_html(next_up({"past-role": state}, now), {}, ZoneInfo("Pacific/Auckland"))
    assert "Mon 26 Oct, 23:30" in london  # GMT after the change
    assert "Tue 27 Oct, 12:30" in auckland


def test_mock_picks_due_first_then_a_repeatable_shuffle(tmp_path):
    frame = history(tmp_path, [(T0 - timedelta(days=5), "five-years", 2, None)])
    states = replay(frame, QUESTIONS)
    first = pick_for_mock(states, T0, 4, seed=11)
    assert first[0] == "five-years"
    assert first == pick_for_mock(states, T0, 4, seed=11)
    shuffles = {tuple(pick_for_mock(states, T0, 4, seed=s)[1:]) for s in range(20)}
    assert len(shuffles) > 1
    assert len(pick_for_mock(states, T0, 2, seed=11)) == 2


def test_public_next_up_reads_the_real_history(data_dir):
    HistoryStore(data_dir / "practice_history.csv").record("past-role", "x", confidence=1)
    view = prep.next_up()
    statuses = {i.question_id: i.status for i in view.items}
    assert statuses["first-involved"] == "new"
    assert statuses["past-role"] in ("weak", "later")
    assert "Practise <strong>How you got into computer science</strong> next." in view.table.value


def test_next_up_survives_an_unreadable_history(data_dir):
    (data_dir / "practice_history.csv").write_bytes("attempt_id,caf\xe9\n".encode("cp1252"))
    view = prep.next_up()
    assert len(view.items) == len(prep.questions()) + len(prep.exercises())
    assert {i.status for i in view.items} == {"new"}  # the schedule starts afresh


def _every_card() -> list[str]:
    """What the workbook schedules: every question, then every exercise."""
    from prep import workbook

    return [q.id for q in workbook.content().questions] + list(workbook.all_exercises().ids)


def state(question_id, due=None, coverage=None, confidence=None):
    """A CardState due at `due` (None: never practised) with recent figures."""
    card = None if due is None else Card(card_id=1, due=due, last_review=due - timedelta(days=3))
    return CardState(
        question_id,
        card,
        reviews=0 if due is None else 1,
        last_reason="confidence 3/5",
        recent_coverage=coverage,
        recent_confidence=confidence,
    )


def test_within_each_group_the_most_urgent_comes_first():
    """Several questions per status, listed in the states in the opposite order."""
    now = T0
    states = [
        state("overdue-2d", due=now - timedelta(days=2)),
        state("overdue-9d", due=now - timedelta(days=9)),
        state("overdue-5d", due=now - timedelta(days=5)),
        state("due-1h", due=now - timedelta(hours=1)),
        state("due-8h", due=now - timedelta(hours=8)),  # due today: overdue is an earlier day
        state("new-first"),
        state("new-second"),
        state("weak-cover-40", due=now + timedelta(days=4), coverage=0.4),
        state("weak-cover-10", due=now + timedelta(days=9), coverage=0.1),
        state("weak-conf-1", due=now + timedelta(days=2), confidence=1.0),
        state("later-8d", due=now + timedelta(days=8), coverage=0.9),
        state("later-1d", due=now + timedelta(days=1), confidence=4.0),
        state("later-3d", due=now + timedelta(days=3)),
    ]
    items = next_up({s.question_id: s for s in states}, now)
    assert [(i.status, i.question_id) for i in items] == [
        ("overdue", "overdue-9d"),  # most overdue first
        ("overdue", "overdue-5d"),
        ("overdue", "overdue-2d"),
        ("due", "due-8h"),  # due longest first
        ("due", "due-1h"),
        ("new", "new-first"),  # new ones keep the workbook's order
        ("new", "new-second"),
        ("weak", "weak-conf-1"),  # weakest first: confidence 1/5 scores 0
        ("weak", "weak-cover-10"),
        ("weak", "weak-cover-40"),
        ("later", "later-1d"),  # soonest first
        ("later", "later-3d"),
        ("later", "later-8d"),
    ]


def test_the_order_within_a_group_does_not_depend_on_the_order_given():
    now = T0
    states = [
        state("a", due=now - timedelta(days=3)),
        state("b", due=now - timedelta(days=7)),
        state("c", due=now + timedelta(days=5), coverage=0.3),
        state("d", due=now + timedelta(days=5), coverage=0.2),
    ]
    for ordering in (states, states[::-1]):
        items = next_up({s.question_id: s for s in ordering}, now)
        assert [i.question_id for i in items] == ["b", "a", "d", "c"]


def test_a_kept_replay_fed_new_rows_equals_a_replay_from_scratch(data_dir, monkeypatch):
    """next_up() keeps its FSRS replay and adds only new rows; the schedule is the same."""
    from prep import workbook

    history = workbook.store()
    _save_days(
        history, [("past-role", 2), ("five-years", 4), ("past-role", 5), ("first-involved", 1)]
    )
    workbook._schedule(T0)
    history.clock = lambda: T0 + timedelta(days=9)
    history.record("past-role", "a later answer", confidence=3)
    added = _spy_adds(monkeypatch)
    kept, _ = workbook._schedule(T0)
    assert added == [1]  # only the new row was replayed
    fresh = replay(history.load(), _every_card())
    assert {q: (s.due, s.reviews, s.recent_confidence) for q, s in kept.items()} == {
        q: (s.due, s.reviews, s.recent_confidence) for q, s in fresh.items()
    }

    history.clock = lambda: T0 - timedelta(days=30)  # a row older than what was replayed
    history.record("past-role", "saved with a clock set back", confidence=1)
    added.clear()
    again, _ = workbook._schedule(T0)
    assert added == [1, 6]  # refused, then replayed from the first row
    assert again["past-role"].reviews == 4


def _fresh_session():
    """What a new kernel starts with: no store, no replay kept in memory."""
    from prep import workbook

    workbook._stores.clear()
    workbook._replays.clear()
    workbook._replays_saved.clear()


def _spy_adds(monkeypatch):
    from prep.practice import schedule

    added = []
    real_add = schedule.Replay.add

    def spy(self, rows):
        added.append(len(rows))
        return real_add(self, rows)

    monkeypatch.setattr(schedule.Replay, "add", spy)
    return added


def _save_days(history, answers):
    for day, (item, confidence) in enumerate(answers):
        history.clock = lambda day=day: T0 + timedelta(days=day)
        history.record(item, f"answer {day}", confidence=confidence)


def test_a_new_session_starts_from_the_saved_replay(data_dir, monkeypatch):
    from prep import workbook
    from prep.practice import replay_cache

    _save_days(workbook.store(), [("past-role", 2), ("five-years", 4), ("past-role", 5)])
    workbook._schedule(T0)
    assert replay_cache.cache_path(workbook.store().path).exists()
    _fresh_session()
    history = workbook.store()
    history.clock = lambda: T0 + timedelta(days=5)
    history.record("first-involved", "a new day", confidence=3)
    added = _spy_adds(monkeypatch)
    states, _ = workbook._schedule(T0)
    assert added == [1]  # the saved replay took the first three rows
    fresh = replay(history.load(), _every_card())
    assert {q: (s.due, s.reviews) for q, s in states.items()} == {
        q: (s.due, s.reviews) for q, s in fresh.items()
    }


def test_a_saved_replay_whose_rows_changed_is_not_used(data_dir, monkeypatch):
    from prep import workbook

    _save_days(workbook.store(), [("past-role", 2), ("five-years", 4), ("past-role", 5)])
    workbook._schedule(T0)
    _fresh_session()
    path = workbook.store().path
    path.write_bytes(path.read_bytes().replace(b'"answer 0","","2"', b'"answer 0","","5"'))
    added = _spy_adds(monkeypatch)
    states, _ = workbook._schedule(T0)
    assert added == [3]  # replayed from the first row: an early confidence changed
    assert states["past-role"].reviews == 2


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 99}', b"[1, 2]"])
def test_a_damaged_saved_replay_costs_only_a_full_replay(data_dir, monkeypatch, damage):
    from prep import workbook
    from prep.practice import replay_cache

    _save_days(workbook.store(), [("past-role", 2), ("five-years", 4)])
    workbook._schedule(T0)
    _fresh_session()
    cache = replay_cache.cache_path(workbook.store().path)
    cache.write_bytes(damage)
    added = _spy_adds(monkeypatch)
    states, _ = workbook._schedule(T0)
    assert added == [2] and states["five-years"].reviews == 1
    assert replay_cache.load(workbook.store().path, workbook.store().load(), tuple(states))


def test_a_review_due_later_today_does_not_say_in_0_days():
    card = Card(card_id=1, due=T0 + timedelta(hours=5))
    state = CardState("past-role", card, reviews=1, last_reason="confidence 4/5")
    (item,) = next_up({"past-role": state}, T0)
    assert item.status == "later" and item.reason == "next review later today"
    later = CardState("past-role", Card(card_id=1, due=T0 + timedelta(days=3, hours=1)), 1)
    assert next_up({"past-role": later}, T0)[0].reason == "next review in 3 days"
