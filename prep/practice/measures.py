"""One definition each of "recent", "weak", "improved" and "next review", for every view.

The progress page (spotlight, topic grid, question cards), next_up and the mock summary all
read a question's standing through these functions, so two parts of the page can never
give the same question two different figures:

    recent coverage    the mean coverage of the last scored tries: the last three, or the
                       later half when there are fewer than six (one of two, one of three,
                       two of four or five), so "first tries" and "recent" never share a
                       try; the same window gives recent confidence
    shown as           a whole percent (`percent`) and confidence to a tenth (`tenths`);
                       every comparison with a threshold uses the shown figure, so a
                       coverage shown as 50% is never called "below 50%"
    weak               recent coverage shown below `WEAK_COVERAGE` %, or recent confidence
                       shown at `WEAK_CONFIDENCE` or lower
    improved           the shown recent figure is above the shown first-tries figure (at
                       least 1 point of coverage or 0.1 of confidence); a question that
                       needs work is never listed as most improved (the progress page
                       says why)
    next review        the FSRS due date, counted in calendar days in the learner's time
                       zone from the same date shown beside it: "later today",
                       "tomorrow", "in 2 days"; past it, "due now" (due today) or
                       "overdue by 2 days" (due on an earlier day)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

RECENT_TRIES = 3  # the most tries "first tries" and "recent" each average
WEAK_COVERAGE = 50  # %: recent coverage shown below this is weak
STRONG_COVERAGE = 75  # %: recent coverage shown at this or above is strong
WEAK_CONFIDENCE = 2.5  # recent confidence shown at this or below is weak


def window(scored: int) -> int:
    """How many tries "first tries" and "recent" each average, out of `scored` tries."""
    return min(RECENT_TRIES, max(1, scored // 2))


def first_and_recent(values: Sequence[float]) -> tuple[float | None, float | None]:
    """The mean of the first tries and of the recent ones (None, None without any)."""
    if not values:
        return None, None
    ends = window(len(values))
    return sum(values[:ends]) / ends, sum(values[-ends:]) / ends


def _settled(value: float) -> float:
    # sums of two-decimal fractions carry float noise (62.49999999 for 62.5): drop it
    # before rounding, so the same mean rounds the same way whichever path computed it
    return round(float(value), 6)


def percent(value: float) -> int:
    """A coverage in % as shown: the nearest whole percent (a half goes to the even one)."""
    return round(_settled(value))


def percent_text(value: float) -> str:
    """`62%`: a coverage in % as every view writes it."""
    return f"{percent(value)}%"


def tenths(value: float) -> float:
    """A confidence (1-5) as shown: to one decimal place."""
    return round(_settled(value), 1)


def is_weak_coverage(coverage: float | None) -> bool:
    """Whether a recent coverage (in %) is weak; None (no coverage saved) is not."""
    return coverage is not None and coverage == coverage and percent(coverage) < WEAK_COVERAGE


def is_strong_coverage(coverage: float | None) -> bool:
    """Whether a recent coverage (in %) reaches `STRONG_COVERAGE` as shown."""
    return coverage is not None and coverage == coverage and percent(coverage) >= STRONG_COVERAGE


def is_weak_confidence(confidence: float | None) -> bool:
    """Whether a recent confidence (1-5) is weak; None (no rating given) is not."""
    return (
        confidence is not None
        and confidence == confidence
        and tenths(confidence) <= WEAK_CONFIDENCE
    )


def coverage_change(first: float | None, recent: float | None) -> int | None:
    """Recent minus first coverage, in whole points as the two figures are shown."""
    if first is None or recent is None or first != first or recent != recent:
        return None
    return percent(recent) - percent(first)


def confidence_change(first: float | None, recent: float | None) -> float | None:
    """Recent minus first confidence, in tenths as the two figures are shown."""
    if first is None or recent is None or first != first or recent != recent:
        return None
    return round(tenths(recent) - tenths(first), 1)


def calendar_days(moment: datetime, now: datetime, tz: tzinfo) -> int:
    """Calendar days from `now` to `moment` in `tz`: 0 the same day, 1 tomorrow, -1 yesterday."""
    return (moment.astimezone(tz).date() - now.astimezone(tz).date()).days


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def relative_review(due: datetime, now: datetime, tz: tzinfo) -> str:
    """When the review falls, relative to today in `tz`.

    Ahead: "later today", "tomorrow", "in 3 days". Past: "due now" when the date shown is
    today, "overdue by 2 days" when it is an earlier day (see `is_overdue`).
    """
    days = calendar_days(due, now, tz)
    if due > now:
        if days <= 0:
            return "later today"
        return "tomorrow" if days == 1 else f"in {_days(days)}"
    if days >= 0:
        return "due now"
    return f"overdue by {_days(-days)}"


def is_overdue(due: datetime, now: datetime, tz: tzinfo) -> bool:
    """Whether a review was due on an earlier calendar day than today, in `tz`."""
    return calendar_days(due, now, tz) < 0


def review_date(due: datetime, tz: tzinfo) -> str:
    """`Wed 25 Nov`: the due date as every view shows it, in the learner's time zone."""
    return due.astimezone(tz).strftime("%a %d %b")


def review_words(due: datetime | None, now: datetime, tz: tzinfo) -> str:
    """`in 2 days (Wed 25 Nov)`, `due now (Tue 24 Nov)`: a next review and its date.

    None (never practised) gives "".
    """
    if due is None:
        return ""
    return f"{relative_review(due, now, tz)} ({review_date(due, tz)})"
