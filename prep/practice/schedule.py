"""What to practise next: FSRS scheduling replayed from the history. Pure functions.

Every question is an FSRS card and every saved attempt at it is a review. The schedule is
never stored: it is rebuilt by replaying the history in time order, so it can never drift
from the record. Fuzzing is off, so the same history always gives the same due dates.
Times are UTC throughout; only the display converts to the learner's time zone.

A review's rating comes from the learner's confidence when they gave one:

    confidence 1 -> Again, 2 -> Hard, 3 or 4 -> Good, 5 -> Easy

otherwise from the answer coach's talking-point coverage (below a third -> Again, below
two thirds -> Hard, otherwise Good; coverage alone never says Easy), and otherwise Good.

A coding or SQL exercise is a card too, and each check of it a review (`exercise_rating`):

    some test failed                                  -> Again
    every test passed, after a hint or the solution   -> Hard
    every test passed, no help, after failed checks   -> Good
    every test passed, no help, at the first check    -> Easy

and opening the model solution while the latest check has not passed is a review rated
Again (the history says so in a `solution` row). "No help" counts the hints and the model
solution seen since the last passing check.

Across the bank, `by_topic` groups the ranked list by topic, and a mock interview opens
with one behavioural question and goes on with technical ones (`mock_pools`,
`pick_for_mock`), due ones first, then a seeded shuffle.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

import pandas as pd
from fsrs import Card, Rating, Scheduler

from ..content.loader import Content
from ..models import Topic
from . import measures

RATING_BY_CONFIDENCE = {
    1: Rating.Again,
    2: Rating.Hard,
    3: Rating.Good,
    4: Rating.Good,
    5: Rating.Easy,
}
RECENT = measures.RECENT_TRIES  # scored tries that count as "recent" (see `measures.window`)
STATUS_ORDER = ("overdue", "due", "new", "weak", "later")


def scheduler() -> Scheduler:
    """FSRS with its default weights, no minute-long learning steps, and no fuzzing."""
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


EXERCISE_MODE = "exercise"
SOLUTION_MODE = "solution"  # the model solution opened before the latest check passed


def exercise_rating(
    passed: int | None, run: int | None, helped: bool, struggled: bool
) -> tuple[Rating, str]:
    """The FSRS rating for one check of an exercise, and why (see the module docstring)."""
    if not run or passed is None or passed < run:
        return Rating.Again, f"{passed or 0} of {run or 0} tests passed"
    if helped:
        return Rating.Hard, "passed with help"
    if struggled:
        return Rating.Good, "passed after earlier failed checks"
    return Rating.Easy, "passed at the first check"


def rating_for(confidence: int | None, coverage: float | None) -> tuple[Rating, str]:
    """The FSRS rating for one attempt, and where it came from (shown to the learner)."""
    if confidence is not None and confidence in RATING_BY_CONFIDENCE:
        return RATING_BY_CONFIDENCE[confidence], f"confidence {confidence}/5"
    if coverage is not None:
        rating = (
            Rating.Again if coverage < 1 / 3 else Rating.Hard if coverage < 2 / 3 else Rating.Good
        )
        return rating, f"coverage {coverage:.0%}"
    return Rating.Good, "no confidence given"


@dataclass(frozen=True)
class CardState:
    """One question's schedule after replaying its attempts."""

    question_id: str
    card: Card | None  # None: never practised
    reviews: int = 0
    last_rating: Rating | None = None
    last_reason: str = ""
    # the same window as the progress page (`measures.first_and_recent`): a share of the
    # talking points, 0-1 (exercises: of the tests passed), and a confidence of 1-5
    recent_coverage: float | None = None
    recent_confidence: float | None = None
    exercise: bool = False  # a coding or SQL exercise, not a spoken question

    @property
    def due(self) -> datetime | None:
        return None if self.card is None else self.card.due

    @property
    def last_review(self) -> datetime | None:
        return None if self.card is None else self.card.last_review


def _value(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def replay(history: pd.DataFrame, question_ids: Sequence[str]) -> dict[str, CardState]:
    """Replay every attempt at each question, oldest first, through FSRS."""
    replayed = Replay(question_ids)
    replayed.add(history)
    return replayed.states()


REPLAY_FORMAT = 3  # 3: recent coverage and confidence kept apart, with their counts
FSRS_VERSION = importlib.metadata.version("fsrs")
_EXERCISE_COLUMNS = ("tests_passed", "tests_run", "hints_used", "solution_shown")
_FINGERPRINTED = (
    "attempt_id",
    "item_id",
    "recorded_at",
    "mode",
    "confidence",
    "coverage",
    *_EXERCISE_COLUMNS,
)


def rows_fingerprint(history: pd.DataFrame, rows: int) -> str:
    """A digest of what the replay reads from the first `rows` rows (changes if any does)."""
    columns = [c for c in _FINGERPRINTED if c in history.columns]
    hashed = pd.util.hash_pandas_object(history.iloc[:rows][columns], index=False)
    digest = hashlib.sha256(",".join(columns).encode())
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def _floats(values: pd.Series) -> list[float | None]:
    """A number column as Python floats, None where blank."""
    floats = pd.to_numeric(values.astype(object), errors="coerce").astype(float).tolist()
    return [None if v != v else v for v in floats]


class Replay:
    """FSRS replayed over a history that only grows: `add` the rows saved since, in order.

    Replaying 100,000 attempts costs about a second (FSRS reviews one at a time), so a
    process keeps one of these and feeds it only new rows. `add` refuses (returns False)
    rows older than a question's last replayed review, which only a replay from the start
    can place; the caller then starts a new `Replay`.
    """

    def __init__(self, question_ids: Sequence[str]) -> None:
        self.question_ids = tuple(question_ids)
        self._number = {qid: n for n, qid in enumerate(self.question_ids, 1)}
        self._fsrs = scheduler()
        self._cards: dict[str, Card] = {}
        self._reviews: dict[str, int] = dict.fromkeys(self.question_ids, 0)
        self._last: dict[str, tuple[Rating, str]] = {}
        # the last scored values and how many there were: enough for `measures.window`
        self._covers: dict[str, deque] = {q: deque(maxlen=RECENT) for q in self.question_ids}
        self._confs: dict[str, deque] = {q: deque(maxlen=RECENT) for q in self.question_ids}
        self._scored: dict[str, list[int]] = {q: [0, 0] for q in self.question_ids}
        self._struggled: dict[str, bool] = {}  # exercises: a failed check since the last pass
        self.rows = 0  # history rows seen so far, replayed or not (tips, other ids)

    def add(self, history: pd.DataFrame) -> bool:
        """Replay `history`'s rows (those after the ones already added); False if out of order."""
        self.rows += len(history)
        wanted = history[history["item_id"].isin(self.question_ids)]
        ordered = wanted.sort_values("recorded_at", kind="stable")  # ties keep file order

        def column(name: str) -> list:
            if name in ordered:
                return _floats(ordered[name])
            return [None] * len(ordered)

        modes = ordered["mode"].tolist() if "mode" in ordered else [""] * len(ordered)
        # whole columns to plain Python values first: per-row pandas access costs more
        # than the FSRS review itself
        for question_id, moment, mode, confidence, coverage, passed, run, hints, shown in zip(
            ordered["item_id"].tolist(),
            ordered["recorded_at"].dt.to_pydatetime().tolist(),
            modes,
            column("confidence"),
            column("coverage"),
            *(column(c) for c in _EXERCISE_COLUMNS),
            strict=True,
        ):
            card = self._cards.get(question_id)
            if card is not None and card.last_review is not None and moment < card.last_review:
                return False
            conf = None if confidence is None else int(confidence)
            if mode == EXERCISE_MODE:
                rating, reason = exercise_rating(
                    None if passed is None else int(passed),
                    None if run is None else int(run),
                    bool(hints) or bool(shown),
                    self._struggled.get(question_id, False),
                )
                self._struggled[question_id] = rating == Rating.Again
                coverage = passed / run if passed is not None and run else 0.0
            elif mode == SOLUTION_MODE:
                rating, reason = Rating.Again, "model solution opened before a pass"
                self._struggled[question_id] = True
                coverage = None
            else:
                rating, reason = rating_for(conf, coverage)
            if card is None:
                card = Card(card_id=self._number[question_id], due=moment)
            self._cards[question_id], _log = self._fsrs.review_card(
                card, rating, review_datetime=moment
            )
            self._reviews[question_id] += 1
            self._last[question_id] = (rating, reason)
            if mode != SOLUTION_MODE:
                counts = self._scored[question_id]
                if coverage is not None:
                    self._covers[question_id].append(coverage)
                    counts[0] += 1
                if conf is not None:
                    self._confs[question_id].append(conf)
                    counts[1] += 1
        return True

    def to_dict(self, fingerprint: str) -> dict:
        """The replay so far as plain data, with the fingerprint of the rows it was fed."""
        return {
            "format": REPLAY_FORMAT,
            "fsrs": FSRS_VERSION,
            "question_ids": list(self.question_ids),
            "rows": self.rows,
            "fingerprint": fingerprint,
            "questions": {
                qid: {
                    "card": self._cards[qid].to_dict() if qid in self._cards else None,
                    "reviews": self._reviews[qid],
                    "last": [int(self._last[qid][0]), self._last[qid][1]]
                    if qid in self._last
                    else None,
                    "covers": list(self._covers[qid]),
                    "confs": list(self._confs[qid]),
                    "scored": list(self._scored[qid]),
                    "struggled": self._struggled.get(qid),
                }
                for qid in self.question_ids
            },
        }

    @classmethod
    def from_dict(cls, data: dict, question_ids: Sequence[str]) -> Replay | None:
        """A replay saved by `to_dict`, or None when it was for other questions or versions."""
        try:
            if (
                data["format"] != REPLAY_FORMAT
                or data["fsrs"] != FSRS_VERSION
                or tuple(data["question_ids"]) != tuple(question_ids)
            ):
                return None
            replayed = cls(question_ids)
            replayed.rows = int(data["rows"])
            for qid, saved in data["questions"].items():
                if saved["card"] is not None:
                    replayed._cards[qid] = Card.from_dict(saved["card"])
                replayed._reviews[qid] = int(saved["reviews"])
                if saved["last"] is not None:
                    replayed._last[qid] = (Rating(saved["last"][0]), str(saved["last"][1]))
                replayed._covers[qid].extend(float(c) for c in saved["covers"])
                replayed._confs[qid].extend(int(c) for c in saved["confs"])
                replayed._scored[qid] = [int(n) for n in saved["scored"]]
                if saved.get("struggled") is not None:
                    replayed._struggled[qid] = bool(saved["struggled"])
        except (KeyError, TypeError, ValueError):
            return None
        return replayed

    def states(self) -> dict[str, CardState]:
        """Every question's schedule as replayed so far, in the order of `question_ids`."""
        states: dict[str, CardState] = {}
        for question_id in self.question_ids:
            covers, confs = self._scored[question_id]
            rating, reason = self._last.get(question_id, (None, ""))
            states[question_id] = CardState(
                question_id=question_id,
                card=self._cards.get(question_id),
                reviews=self._reviews[question_id],
                last_rating=rating,
                last_reason=reason,
                recent_coverage=_recent(self._covers[question_id], covers),
                recent_confidence=_recent(self._confs[question_id], confs),
                exercise=question_id in self._struggled,
            )
        return states


def _recent(last: deque, scored: int) -> float | None:
    """The mean of the recent window of `scored` values, from the last few kept."""
    if not scored:
        return None
    ends = measures.window(scored)
    values = list(last)[-ends:]
    return sum(values) / len(values)


@dataclass(frozen=True)
class NextItem:
    """One question in "what's next", with why it is listed."""

    question_id: str
    status: str  # one of STATUS_ORDER
    due: datetime | None
    reason: str


def _weakness(state: CardState) -> float | None:
    """Lower is weaker; None when nothing marks the question as weak (`measures`' rule)."""
    scores = []
    coverage = state.recent_coverage
    if coverage is not None and measures.is_weak_coverage(coverage * 100):
        scores.append(coverage)
    if measures.is_weak_confidence(state.recent_confidence):
        scores.append((state.recent_confidence - 1) / 4)  # type: ignore[operator]
    return min(scores) if scores else None


def next_up(
    states: dict[str, CardState], now: datetime, tz: tzinfo | None = None
) -> list[NextItem]:
    """Every question with its status, the ones to practise now first.

    Overdue (due on an earlier day than today) comes first, most overdue first; then due
    now (due today); then never practised; then not due but weak (lowest recent coverage
    or confidence); then the rest by due date. Days are calendar days in `tz` (default:
    `now`'s zone), the zone the due dates are shown in, so "next review in 2 days" stands
    beside a date two days away.
    """
    tz = tz or now.tzinfo or timezone.utc
    items: list[tuple[tuple, NextItem]] = []
    for position, (question_id, state) in enumerate(states.items()):
        due = state.due
        if due is None:
            item = NextItem(question_id, "new", None, "never practised")
            key: tuple = (STATUS_ORDER.index("new"), position)
        elif due <= now:
            status = "overdue" if measures.is_overdue(due, now, tz) else "due"
            when = measures.relative_review(due, now, tz)
            item = NextItem(question_id, status, due, f"{when} (last rated {state.last_reason})")
            key = (STATUS_ORDER.index(status), due, position)
        elif (weakness := _weakness(state)) is not None:
            parts = []
            if state.recent_coverage is not None:
                measure = "tests passed" if state.exercise else "coverage"
                shown = measures.percent_text(state.recent_coverage * 100)
                parts.append(f"recent {measure} {shown}")
            if state.recent_confidence is not None:
                parts.append(f"recent confidence {measures.tenths(state.recent_confidence):.1f}/5")
            item = NextItem(question_id, "weak", due, "weak: " + ", ".join(parts))
            key = (STATUS_ORDER.index("weak"), weakness, position)
        else:
            when = measures.relative_review(due, now, tz)
            item = NextItem(question_id, "later", due, f"next review {when}")
            key = (STATUS_ORDER.index("later"), due, position)
        items.append((key, item))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class TopicGroup:
    """One topic's share of "what's next": its questions in the order `next_up` gives."""

    topic: str
    title: str
    items: tuple[NextItem, ...]


def by_topic(
    items: Sequence[NextItem], topics: Sequence[Topic], topic_of: Mapping[str, str]
) -> list[TopicGroup]:
    """`items` grouped by topic, topics in workbook order, each keeping the order given.

    A question whose topic is not in `topics` (a topic file removed, say) gets a group of
    its own after the known ones, titled by its id; topics with no items are left out.
    """
    grouped: dict[str, list[NextItem]] = {topic.id: [] for topic in topics}
    for item in items:
        grouped.setdefault(topic_of.get(item.question_id, ""), []).append(item)
    titles = {topic.id: topic.title for topic in topics}
    return [
        TopicGroup(topic, titles.get(topic, topic or "Other questions"), tuple(listed))
        for topic, listed in grouped.items()
        if listed
    ]


BEHAVIOURAL_TOPIC = "behavioural"
BACKGROUND_TOPIC = "background"  # the article's four: the opening when no behavioural fits
_NOW = ("overdue", "due")


@dataclass(frozen=True)
class MockPools:
    """Where a mock interview draws from: one opening question, then the rest.

    `opening` holds the behavioural questions that fit the level (the article's background
    four when none does); `rest` the questions of the chosen topics (every technical topic
    when none is chosen); `spare` tops the rest up when it has too few and no topic was
    chosen (a workbook with only the article's four still gets a full run).
    """

    opening: tuple[str, ...]
    rest: tuple[str, ...]
    spare: tuple[str, ...] = ()


def mock_pools(
    content: Content, topics: Sequence[str] | None = None, level: str | None = None
) -> MockPools:
    """The pools for `pick_for_mock`; an unknown topic or level raises `UnknownItemError`."""
    level_fits = content.select(level=level)  # checks the level even with no questions
    chosen = [content.topic(t).id for t in topics or ()]
    behavioural = [q.id for q in level_fits if q.topic == BEHAVIOURAL_TOPIC]
    opening = behavioural or [q.id for q in level_fits if q.topic == BACKGROUND_TOPIC]
    if chosen:
        rest = [q.id for q in level_fits if q.topic in chosen]
        return MockPools(tuple(opening), tuple(rest))
    talk = (BEHAVIOURAL_TOPIC, BACKGROUND_TOPIC)
    rest = [q.id for q in level_fits if q.topic not in talk]
    spare = [q.id for q in level_fits if q.topic in talk]
    return MockPools(tuple(opening), tuple(rest), tuple(spare))


def pick_for_mock(
    states: dict[str, CardState],
    now: datetime,
    count: int,
    seed: int,
    pools: MockPools | None = None,
) -> list[str]:
    """Questions for a mock interview: due and overdue first, then a seeded shuffle.

    With `pools`, the run opens with one question from `pools.opening` (the most overdue
    one if any is due, else a seeded pick) and goes on with `pools.rest`, due ones first,
    then a seeded shuffle, topped up from `pools.spare`. Without, every question in
    `states` is one pool, as before the bank. The same seed and schedule give the same run.
    """
    ranked = next_up(states, now)
    rng = random.Random(seed)

    def draw(pool: Iterable[str], taken: Sequence[str], wanted: int) -> list[str]:
        allowed = set(pool) - set(taken)
        listed = [i for i in ranked if i.question_id in allowed]
        first = [i.question_id for i in listed if i.status in _NOW]
        rest = [i.question_id for i in listed if i.status not in _NOW]
        rng.shuffle(rest)
        return (first + rest)[: max(0, wanted)]

    if pools is None:
        return draw(states, (), count)
    opening: list[str] = []
    if count > 1 or not pools.rest:
        opening = draw(pools.opening, (), 1)
    chosen = opening + draw(pools.rest, opening, count - len(opening))
    return chosen + draw(pools.spare, chosen, count - len(chosen))
