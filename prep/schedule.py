"""What to practise next: FSRS scheduling replayed from the history. Pure functions.

Every question is an FSRS card and every saved attempt at it is a review. The schedule is
never stored: it is rebuilt by replaying the history in time order, so it can never drift
from the record. Fuzzing is off, so the same history always gives the same due dates.
Times are UTC throughout; only the display converts to the learner's time zone.

A review's rating comes from the learner's confidence when they gave one:

    confidence 1 -> Again, 2 -> Hard, 3 or 4 -> Good, 5 -> Easy

otherwise from the answer coach's talking-point coverage (below a third -> Again, below
two thirds -> Hard, otherwise Good; coverage alone never says Easy), and otherwise Good.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from fsrs import Card, Rating, Scheduler

RATING_BY_CONFIDENCE = {
    1: Rating.Again,
    2: Rating.Hard,
    3: Rating.Good,
    4: Rating.Good,
    5: Rating.Easy,
}
WEAK_COVERAGE = 0.5
WEAK_CONFIDENCE = 2.5
RECENT = 3  # attempts that count as "recent" for the weakest list
STATUS_ORDER = ("overdue", "due", "new", "weak", "later")


def scheduler() -> Scheduler:
    """FSRS with its default weights, no minute-long learning steps, and no fuzzing."""
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


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
    recent_coverage: float | None = None
    recent_confidence: float | None = None

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
    fsrs = scheduler()
    wanted = history[history["item_id"].isin(question_ids)]
    ordered = wanted.sort_values("recorded_at", kind="stable")  # ties keep file order
    if "coverage" not in ordered:
        ordered = ordered.assign(coverage=pd.NA)
    groups = dict(tuple(ordered.groupby("item_id", sort=False)))  # one pass, not one per id
    states: dict[str, CardState] = {}
    for number, question_id in enumerate(question_ids, 1):
        rows = groups.get(question_id, ordered.iloc[0:0])
        card: Card | None = None
        rating: Rating | None = None
        reason = ""
        for when, confidence, cover in zip(
            rows["recorded_at"], rows["confidence"], rows["coverage"], strict=True
        ):
            conf = None if pd.isna(confidence) else int(confidence)
            rating, reason = rating_for(conf, _value(cover))
            if card is None:
                card = Card(card_id=number, due=when.to_pydatetime())
            card, _log = fsrs.review_card(card, rating, review_datetime=when.to_pydatetime())
        recent = rows.tail(RECENT)
        covers = [c for c in (_value(v) for v in recent["coverage"]) if c is not None]
        confidences = [int(c) for c in recent["confidence"] if not pd.isna(c)]
        states[question_id] = CardState(
            question_id=question_id,
            card=card,
            reviews=len(rows),
            last_rating=rating,
            last_reason=reason,
            recent_coverage=sum(covers) / len(covers) if covers else None,
            recent_confidence=sum(confidences) / len(confidences) if confidences else None,
        )
    return states


@dataclass(frozen=True)
class NextItem:
    """One question in "what's next", with why it is listed."""

    question_id: str
    status: str  # one of STATUS_ORDER
    due: datetime | None
    reason: str


def _weakness(state: CardState) -> float | None:
    """Lower is weaker; None when nothing marks the question as weak."""
    scores = []
    if state.recent_coverage is not None and state.recent_coverage < WEAK_COVERAGE:
        scores.append(state.recent_coverage)
    if state.recent_confidence is not None and state.recent_confidence <= WEAK_CONFIDENCE:
        scores.append((state.recent_confidence - 1) / 4)
    return min(scores) if scores else None


def _days(delta: timedelta) -> str:
    days = delta.days
    return f"{days} day{'s' if days != 1 else ''}"


def next_up(states: dict[str, CardState], now: datetime) -> list[NextItem]:
    """Every question with its status, the ones to practise now first.

    Overdue (due a day or more ago) comes first, most overdue first; then due now; then
    never practised; then not due but weak (lowest recent coverage or confidence); then
    the rest by due date.
    """
    items: list[tuple[tuple, NextItem]] = []
    for position, (question_id, state) in enumerate(states.items()):
        due = state.due
        if due is None:
            item = NextItem(question_id, "new", None, "never practised")
            key: tuple = (STATUS_ORDER.index("new"), position)
        elif due <= now - timedelta(days=1):
            item = NextItem(
                question_id,
                "overdue",
                due,
                f"overdue by {_days(now - due)} (last rated {state.last_reason})",
            )
            key = (STATUS_ORDER.index("overdue"), due, position)
        elif due <= now:
            item = NextItem(question_id, "due", due, f"due now (last rated {state.last_reason})")
            key = (STATUS_ORDER.index("due"), due, position)
        elif (weakness := _weakness(state)) is not None:
            parts = []
            if state.recent_coverage is not None:
                parts.append(f"recent coverage {state.recent_coverage:.0%}")
            if state.recent_confidence is not None:
                parts.append(f"recent confidence {state.recent_confidence:.1f}/5")
            item = NextItem(question_id, "weak", due, "weak: " + ", ".join(parts))
            key = (STATUS_ORDER.index("weak"), weakness, position)
        else:
            item = NextItem(question_id, "later", due, f"next review in {_days(due - now)} or so")
            key = (STATUS_ORDER.index("later"), due, position)
        items.append((key, item))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def pick_for_mock(states: dict[str, CardState], now: datetime, count: int, seed: int) -> list[str]:
    """Questions for a mock interview: due and overdue first, then a seeded shuffle."""
    ranked = next_up(states, now)
    first = [i.question_id for i in ranked if i.status in ("overdue", "due")]
    rest = [i.question_id for i in ranked if i.status not in ("overdue", "due")]
    random.Random(seed).shuffle(rest)
    return (first + rest)[:count]
