"""Summaries of the practice history (pure pandas) and the charts drawn from them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

import matplotlib

matplotlib.use("Agg")  # figures are rendered to PNG bytes; no GUI backend, no pyplot state
import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter

from ..coach.textstats import word_count
from ..content.loader import Content
from ..models import LEVELS, Question
from ..practice import measures
from ..practice.schedule import SOLUTION_MODE

DEFAULT_WEEKLY_GOAL = 3
WEEKLY_GOAL_ITEM = "expert-advice/weekly-goal"
WEEKLY_GOAL_DAYS = (1, 7)  # the habit page's `number` rule in data/guides.yaml says the same
_FIRST_NUMBER = re.compile(r"[-+−]?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Habit:
    """The practice habit: streaks of days in a row, and this week against the goal."""

    today: date
    current_streak: int  # days in a row up to today (or up to yesterday, if not yet today)
    longest_streak: int
    days_this_week: int  # days with practice since Monday
    weekly_goal: int
    goal_is_yours: bool  # False: the default, because no goal was saved on the habit page


def streaks(days: Iterable[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive practice days.

    The current streak still counts when today has no practice yet, as long as yesterday
    did: the day is not over.
    """
    practised = sorted(set(days))
    longest = run = 0
    previous: date | None = None
    for day in practised:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in practised else today - timedelta(days=1)
    have = set(practised)
    while day in have:
        current += 1
        day -= timedelta(days=1)
    return current, longest


def weekly_goal(history: pd.DataFrame) -> tuple[int, bool]:
    """The practice days a week the learner saved on the habit page, else the default.

    Only a whole number of days from 1 to 7 counts. Older notes in free text ("five, say
    5") give their first number; a note whose first number is out of range, negative or
    not whole ("8", "-2", "2.5") is ignored, and an earlier one (or the default) applies.
    """
    notes = history.loc[history["item_id"] == WEEKLY_GOAL_ITEM, "answer"]
    low, high = WEEKLY_GOAL_DAYS
    for note in reversed(list(notes)):
        match = _FIRST_NUMBER.search(str(note))
        if match and match.group().isdigit() and low <= int(match.group()) <= high:
            return int(match.group()), True
    return DEFAULT_WEEKLY_GOAL, False


def practice_rows(history: pd.DataFrame) -> pd.DataFrame:
    """The rows that are practice: all but notes that a model solution was opened.

    Reading a model solution is not solving the exercise, so it keeps no streak alive
    and counts as no saved answer (the schedule still counts it, as a lapse).
    """
    if "mode" not in history or not (history["mode"] == SOLUTION_MODE).any():
        return history
    return history[(history["mode"] != SOLUTION_MODE).to_numpy(dtype=bool)]


def habit(history: pd.DataFrame, tz: tzinfo, today: date) -> Habit:
    """The habit from a typed history: the same local days `summarise` counts."""
    history = practice_rows(history)
    return habit_from_days(_distinct_dates(_local_days(history["recorded_at"], tz)), history, today)


def habit_from_days(days: set[date], history: pd.DataFrame, today: date) -> Habit:
    """The habit from the local days practised (the goal comes from the history's notes)."""
    current, longest = streaks(days, today)
    monday = today - timedelta(days=today.weekday())
    goal, yours = weekly_goal(history)
    return Habit(
        today=today,
        current_streak=current,
        longest_streak=longest,
        days_this_week=sum(monday <= d <= today for d in days),
        weekly_goal=goal,
        goal_is_yours=yours,
    )


TREND_POINTS = 12  # attempts kept per question for its trend sparkline
# attempts averaged for "where you started" and "where you are now" (`measures.window`)
FIRST_AND_RECENT = measures.RECENT_TRIES
STALE_DAYS = 14  # a question not practised for this long needs work
WEAK_COVERAGE = float(measures.WEAK_COVERAGE)  # % of talking points
WEAK_CONFIDENCE = measures.WEAK_CONFIDENCE
SPOTLIGHT = 5  # entries per "most improved" / "needs work" list


@dataclass(frozen=True)
class Spot:
    """A question picked out for the learner, and the reason in words."""

    item_id: str
    title: str
    reason: str


@dataclass(frozen=True)
class Summary:
    """Everything the progress view shows, computed once from the history.

    `habit` and `calendar` always describe all the practice; the rest follows the
    filters (`since`, `until`, `item`) given to `summarise`.
    """

    per_day: pd.Series  # local date -> attempts, every day from the first to the last
    per_item: pd.DataFrame  # item_id, title, kind, attempts, last_practised, last_confidence
    questions: pd.DataFrame  # per question attempt: local time, title, words, confidence, coverage
    habit: Habit | None = None
    weekly: pd.DataFrame | None = None  # Monday -> attempts, minutes, days (every week)
    question_stats: pd.DataFrame | None = None  # one row per question in the content
    calendar: pd.Series | None = None  # local date -> attempts, all practice, unfiltered
    improved: tuple[Spot, ...] = ()
    needs_work: tuple[Spot, ...] = ()
    topics: tuple[TopicRow, ...] = ()  # the topic x level grid, over every question

    @property
    def empty(self) -> bool:
        return self.per_day.empty


def base_item(item_id: str) -> str:
    """`research-company/stack` belongs to `research-company`."""
    return item_id.split("/", 1)[0]


def _by_unique(values: pd.Series, function) -> np.ndarray:
    """`values.map(function)`, calling it once per distinct value (ids repeat a lot)."""
    codes, uniques = pd.factorize(values)
    mapped = np.array([function(v) for v in uniques] + [None], dtype=object)
    return mapped[codes]  # code -1 (missing) picks the trailing None


def _local_days(when_utc: pd.Series, tz: tzinfo) -> pd.Series:
    """Each time's local calendar day, as a tz-naive midnight (vectorised, no date objects)."""
    return when_utc.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def _distinct_dates(days: pd.Series) -> set[date]:
    return set(pd.DatetimeIndex(days.unique()).date) if len(days) else set()


def _counts_per_day(days: pd.Series) -> pd.Series:
    if days.empty:
        return pd.Series(dtype="int64")
    counts = days.value_counts()
    every = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    return pd.Series(counts.reindex(every, fill_value=0).to_numpy(), index=every.date)


def summarise(
    history: pd.DataFrame,
    content: Content,
    tz: tzinfo,
    today: date | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    item: str | None = None,
    due: Mapping[str, datetime | None] | None = None,
    now: datetime | None = None,
) -> Summary:
    """Summarise a typed history frame (see `history.DTYPES`) in the learner's time zone.

    `since` and `until` (local dates, both included) and `item` (a question or tip id)
    narrow everything except the habit and the calendar, which are about all practice;
    the topic grid follows the dates but not `item` (it is about every question). `due`
    maps question ids to their FSRS due date (from the workbook's replay), `now` is the
    moment "due" is judged at (default: the current time).
    """
    today = today or datetime.now(tz).date()
    history = practice_rows(history)
    all_days = _local_days(history["recorded_at"], tz)
    items = pd.Series(_by_unique(history["item_id"], base_item), index=history.index)
    dated = pd.Series(True, index=history.index)
    if since is not None:
        dated &= all_days >= pd.Timestamp(since)
    if until is not None:
        dated &= all_days <= pd.Timestamp(until)
    keep = dated if item is None else dated & (items == item)
    frame = pd.DataFrame(
        {
            "when": history["recorded_at"].dt.tz_convert(tz),
            "day": all_days,
            "item": items,
            "answer": history["answer"],
            "seconds": history["seconds"],
            "confidence": history["confidence"],
            "coverage": history.get("coverage", pd.Series(pd.NA, index=history.index)),
            "word_count": history.get("word_count", pd.Series(pd.NA, index=history.index)),
        }
    )
    every_item = frame[dated.to_numpy()]
    frame = every_item if item is None else frame[keep.to_numpy()]

    all_questions = _question_attempts(every_item, content)
    questions = all_questions
    if item is not None:
        questions = all_questions[all_questions["item_id"] == item].reset_index(drop=True)
    narrowed = since is not None or until is not None
    all_stats = mark_status(question_stats(all_questions, content), content, due, now, today)
    stats = all_stats
    if item is not None:
        stats = all_stats[all_stats["item_id"] == item].reset_index(drop=True)
    return Summary(
        per_day=_counts_per_day(frame["day"]),
        per_item=_per_item(frame, content),
        questions=questions,
        habit=habit_from_days(_distinct_dates(all_days), history, today),
        weekly=weekly(frame),
        question_stats=stats,
        calendar=_counts_per_day(all_days),
        improved=most_improved(stats),
        needs_work=needs_work(
            stats, today, untried="not practised in these dates" if narrowed else "not tried yet"
        ),
        topics=topic_grid(all_stats, content),
    )


def _per_item(frame: pd.DataFrame, content: Content) -> pd.DataFrame:
    columns = ["item_id", "title", "kind", "attempts", "last_practised", "last_confidence", "topic"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby("item", sort=False)
    per_item = pd.DataFrame(
        {
            "attempts": grouped.size(),
            "last_practised": grouped["when"].max(),
            "last_confidence": grouped["confidence"].last(),  # the last *given* rating
        }
    ).reset_index(names="item_id")
    per_item.insert(1, "title", per_item["item_id"].map(content.title_of))
    entries = [_safe_get(content, i) for i in per_item["item_id"]]
    per_item.insert(2, "kind", [getattr(e, "kind", "unknown") for e in entries])
    titles = {t.id: t.title for t in content.topics}
    per_item["topic"] = [
        titles.get(e.topic, e.topic) if isinstance(e, Question) else TIPS_GROUP for e in entries
    ]
    order = {entry.id: n for n, entry in enumerate(content.items())}
    ranks = per_item["item_id"].map(lambda i: order.get(i, len(order)))
    return per_item.iloc[np.argsort(ranks.to_numpy(), kind="stable")].reset_index(drop=True)


def _question_attempts(frame: pd.DataFrame, content: Content) -> pd.DataFrame:
    question_ids = {q.id for q in content.questions}
    asked = frame[frame["item"].isin(question_ids)]
    return pd.DataFrame(
        {
            "when": asked["when"],
            "item_id": asked["item"],
            "title": _by_unique(asked["item"], content.title_of),
            "words": _words(asked),
            "confidence": asked["confidence"],
            "coverage": (asked["coverage"].astype("Float64") * 100).round(1),
        }
    ).reset_index(drop=True)


def _words(asked: pd.DataFrame) -> pd.Series:
    """Words per answer: the count saved with the attempt, counted afresh only where missing.

    Rows saved since the answer coach carry `word_count`; older rows and hand-edited blanks
    are counted here, with the same function the coach uses.
    """
    words = pd.Series(asked["word_count"], index=asked.index, dtype="Int64")
    missing = words.isna()
    if missing.any():
        words[missing] = asked.loc[missing, "answer"].map(word_count)
    return words.astype("int64")


def weekly(frame: pd.DataFrame) -> pd.DataFrame:
    """Attempts, minutes timed and practice days per week (weeks start on Monday).

    Minutes count only attempts with a recorded time (the card's timer or a mock run).
    """
    columns = ["attempts", "minutes", "days"]
    if frame.empty:
        return pd.DataFrame(columns=columns, dtype="float64")
    monday = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
    seconds = frame["seconds"].astype("Float64").fillna(0).astype("float64")
    grouped = pd.DataFrame({"week": monday, "seconds": seconds, "day": frame["day"]}).groupby(
        "week"
    )
    table = pd.DataFrame(
        {
            "attempts": grouped.size(),
            "minutes": grouped["seconds"].sum() / 60,
            "days": grouped["day"].nunique(),
        }
    )
    every = pd.date_range(table.index.min(), table.index.max(), freq="7D")
    table = table.reindex(every, fill_value=0)
    table.index = every.date
    return table


def question_stats(
    questions: pd.DataFrame, content: Content, ids: list[str] | None = None
) -> pd.DataFrame:
    """One row per question in the content, tried or not: counts, latest and change.

    `first_*` and `recent_*` average the first and the last few scored attempts (up to
    `FIRST_AND_RECENT`, at most half each: `measures.window`); `*_change` is recent minus
    first as the two are shown (whole points of coverage, tenths of confidence) and only
    exists with two or more.
    The trends are the last `TREND_POINTS` scores, oldest first, for sparklines. `ids`
    picks (and orders) the questions; the default is every question in the content.
    """
    ids = [q.id for q in content.questions] if ids is None else ids
    grouped = questions.groupby("item_id", sort=False)
    table = pd.DataFrame(index=pd.Index(ids, name="item_id"))
    table["title"] = [content.title_of(i) for i in ids]
    table["attempts"] = grouped.size().reindex(ids, fill_value=0)
    table["last_practised"] = grouped["when"].max().reindex(ids)
    for column in ("coverage", "confidence"):
        scored = questions.dropna(subset=[column])[["item_id", column]]
        scored[column] = scored[column].astype("float64")
        by_item = scored.groupby("item_id", sort=False)[column]
        count = by_item.size().reindex(ids, fill_value=0)
        table[f"latest_{column}"] = by_item.last().reindex(ids)
        # up to FIRST_AND_RECENT tries at each end, and never the same try at both ends
        position = by_item.cumcount()
        size = by_item.transform("size")
        ends = np.minimum(FIRST_AND_RECENT, np.maximum(1, size // 2))
        first = scored.loc[position < ends, column].groupby(scored["item_id"]).mean()
        recent = scored.loc[position >= size - ends, column].groupby(scored["item_id"]).mean()
        table[f"first_{column}"] = first.reindex(ids)
        table[f"recent_{column}"] = recent.reindex(ids)
        difference = (
            measures.coverage_change if column == "coverage" else measures.confidence_change
        )
        change = [
            difference(a, b) if n >= 2 else None
            for a, b, n in zip(
                table[f"first_{column}"], table[f"recent_{column}"], count, strict=True
            )
        ]
        table[f"{column}_change"] = pd.Series(change, index=table.index, dtype="float64")
        trend = by_item.tail(TREND_POINTS).groupby(scored["item_id"]).agg(tuple)
        table[f"{column}_trend"] = [trend.get(i, ()) for i in ids]
    return table.reset_index()


def most_improved(
    stats: pd.DataFrame, limit: int = SPOTLIGHT, today: date | None = None
) -> tuple[Spot, ...]:
    """Questions whose coverage (else confidence) rose most from the first tries to now.

    A question that needs work (`needs_work_reasons`: weak lately, slipping, or left for
    a while) is never listed here, however much it rose: it is listed under "Needs work",
    whose reason says how far it has come ("covers 40% ... lately (up from 20%)"). The
    learner's next step for it is more practice, not a pat on the back, and one question
    never sits in both lists. The `needs_work` column of `mark_status` decides; without
    it, `today` (None: no staleness check) does.
    """
    spots = []
    for row in stats.itertuples(index=False):
        coverage, confidence = row.coverage_change, row.confidence_change
        gain = coverage if pd.notna(coverage) and coverage > 0 else None
        lift = confidence if pd.notna(confidence) and confidence > 0 else None
        if gain is None and lift is None:
            continue
        needs = getattr(row, "needs_work", None)
        if needs is None:
            needs = bool(needs_work_reasons(row, today))
        if needs:
            continue
        parts = []
        if gain is not None:
            first, recent = row.first_coverage, row.recent_coverage
            parts.append(f"coverage {_pct(first)} → {_pct(recent)}")
        if lift is not None:
            first, recent = row.first_confidence, row.recent_confidence
            parts.append(f"confidence {measures.tenths(first):.1f} → {measures.tenths(recent):.1f}")
        # rank on coverage points; a confidence point counts as 20 (one step of five)
        score = (gain or 0) + 20 * (lift or 0)
        spots.append((score, Spot(row.item_id, row.title, ", ".join(parts))))
    spots.sort(key=lambda pair: -pair[0])
    return tuple(spot for _score, spot in spots[:limit])


def needs_work(
    stats: pd.DataFrame, today: date, limit: int = SPOTLIGHT, untried: str = "not tried yet"
) -> tuple[Spot, ...]:
    """Questions to practise next: weak lately, slipping, left for a while, or never tried.

    The practised ones that need work come first, weakest first; questions never tried
    fill the places left (in workbook order): with a bank of 60-odd, untried questions
    would otherwise crowd out every weak one, and the topic grid counts them anyway.
    """
    spots = []
    for position, row in enumerate(stats.itertuples(index=False)):
        if row.attempts == 0:
            spots.append((1, float(position), Spot(row.item_id, row.title, untried)))
            continue
        found = needs_work_reasons(row, today)
        if found:
            weakness = sum(score for _reason, score in found)
            reasons = "; ".join(reason for reason, _score in found)
            spots.append((0, -weakness, Spot(row.item_id, row.title, reasons)))
    spots.sort(key=lambda entry: entry[:2])
    return tuple(entry[2] for entry in spots[:limit])


def _pct(value: float) -> str:
    return measures.percent_text(value)


def needs_work_reasons(row: object, today: date | None) -> list[tuple[str, float]]:
    """Why a practised question needs work, each reason with its weight (none: it does not).

    Weak lately (`measures`' rule, on the figures as shown), coverage down from the first
    tries, or not practised for `STALE_DAYS` (checked only when `today` is given). `row`
    is a row of `question_stats` (an itertuples row or a Series).
    """
    if getattr(row, "attempts", 0) == 0:
        return []
    found: list[tuple[str, float]] = []
    coverage = _number(row.recent_coverage)  # type: ignore[attr-defined]
    change = _number(row.coverage_change)  # type: ignore[attr-defined]
    if measures.is_weak_coverage(coverage):
        reason = f"covers {_pct(coverage)} of the talking points lately"  # type: ignore[arg-type]
        if change is not None and change > 0:
            reason += f" (up from {_pct(row.first_coverage)})"  # type: ignore[attr-defined]
        found.append((reason, WEAK_COVERAGE - measures.percent(coverage)))  # type: ignore[arg-type]
    confidence = _number(row.recent_confidence)  # type: ignore[attr-defined]
    if measures.is_weak_confidence(confidence):
        shown = measures.tenths(confidence)  # type: ignore[arg-type]
        found.append((f"recent confidence {shown:.1f}/5", 20 * (WEAK_CONFIDENCE + 1 - shown)))
    if change is not None and change < 0:
        found.append((f"coverage down {-change:.0f} points from your first tries", -change))
    last = row.last_practised  # type: ignore[attr-defined]
    if today is not None and not pd.isna(last):
        idle = (today - last.date()).days
        if idle >= STALE_DAYS:
            found.append((f"not practised for {idle} days", float(idle)))
    if found and change is not None and change > 0 and not measures.is_weak_coverage(coverage):
        # risen, yet needing work for another reason: say so here, as Most improved will not
        first = _pct(row.first_coverage)  # type: ignore[attr-defined]
        found.append((f"coverage up from {first} to {_pct(coverage)}", 0.0))  # type: ignore[arg-type]
    return found


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


# ---- one definition of "recent coverage", "due" and "strong" ---------------------------------
#
# The topic grid, the per-question cards and the spotlight all read these columns of
# `question_stats` (the rules themselves live in `prep.practice.measures`, which next_up
# and the mock summary read too):
#   recent coverage  `recent_coverage`: the mean coverage of the last scored tries (up to
#                    FIRST_AND_RECENT, at most half of them), in % of the talking points
#   due              `due`: practised, and the FSRS replay's due date is now or past
#   needs work       `needs_work`: practised, and `needs_work_reasons` finds a reason
#   strong           `strong`: recent coverage shown at STRONG_COVERAGE or more, not due,
#                    and not in need of work (never "strong" beside "Needs work")
#   untried          `untried`: no attempt (in the dates shown)

STRONG_COVERAGE = float(measures.STRONG_COVERAGE)  # % of talking points, lately
BANDS = ("untried", "weak", "fair", "strong")  # how the grid colours recent coverage


def mark_status(
    stats: pd.DataFrame,
    content: Content,
    due: Mapping[str, datetime | None] | None,
    now: datetime | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """`stats` with each question's topic, level, `due_at`, `due`, `needs_work`, `strong`
    and `untried`.

    `due` maps question ids to the FSRS due date the workbook replayed (a question missing
    from it, or every one when it is None, is not due). `today` (default: `now`'s date)
    is the learner's day, for "not practised for 14 days". Pure: `stats` is not changed.
    """
    moment = pd.Timestamp(now or datetime.now().astimezone())
    today = today or moment.date()
    marked = stats.copy()
    by_id = {q.id: q for q in content.questions}
    marked["topic"] = [getattr(by_id.get(i), "topic", "") for i in marked["item_id"]]
    marked["level"] = [getattr(by_id.get(i), "level", None) for i in marked["item_id"]]
    dues = [(due or {}).get(i) for i in marked["item_id"]]
    marked["due_at"] = pd.to_datetime(pd.Series(dues, index=marked.index, dtype=object), utc=True)
    marked["untried"] = marked["attempts"] == 0
    marked["due"] = ~marked["untried"] & (marked["due_at"] <= moment).fillna(False)
    marked["needs_work"] = [
        bool(needs_work_reasons(row, today)) for row in marked.itertuples(index=False)
    ]
    strong = [measures.is_strong_coverage(_number(c)) for c in marked["recent_coverage"]]
    marked["strong"] = (
        pd.Series(strong, index=marked.index, dtype=bool) & ~marked["due"] & ~marked["needs_work"]
    )
    return marked


def coverage_band(coverage: float | None) -> str:
    """Which of `BANDS` a recent coverage (%) falls in, as shown: None or NaN is "untried"."""
    if coverage is None or pd.isna(coverage):
        return "untried"
    if measures.is_weak_coverage(coverage):
        return "weak"
    return "strong" if measures.is_strong_coverage(coverage) else "fair"


@dataclass(frozen=True)
class Cell:
    """The questions in one square of the topic grid, counted with the definitions above."""

    question_ids: tuple[str, ...] = ()
    practised: int = 0
    untried: int = 0
    due: int = 0
    strong: int = 0
    recent_coverage: float | None = None  # mean over the practised questions that have one

    @property
    def questions(self) -> int:
        return len(self.question_ids)

    @property
    def band(self) -> str:
        return coverage_band(self.recent_coverage)


@dataclass(frozen=True)
class TopicRow:
    """One topic of the grid: all its questions, and those of each level.

    `levels` counts the questions of exactly that level; questions asked at every level
    (level None: the article's four, own questions without one) count in `total` only,
    and `every_level` says how many they are.
    """

    topic: str
    title: str
    total: Cell
    levels: dict[str, Cell] = field(default_factory=dict)
    every_level: int = 0
    last_practised: pd.Timestamp | None = None


def grid_cell(rows: pd.DataFrame) -> Cell:
    """Count the rows of `mark_status` that make up one square of the grid."""
    if rows.empty:
        return Cell()
    practised = rows[~rows["untried"]]
    covers = practised["recent_coverage"].astype("float64").dropna()
    return Cell(
        question_ids=tuple(rows["item_id"]),
        practised=len(practised),
        untried=int(rows["untried"].sum()),
        due=int(rows["due"].sum()),
        strong=int(rows["strong"].sum()),
        recent_coverage=float(covers.mean()) if len(covers) else None,
    )


def topic_grid(stats: pd.DataFrame, content: Content) -> tuple[TopicRow, ...]:
    """Every topic with questions, in workbook order, as a row of the topic x level grid.

    `stats` is `question_stats` passed through `mark_status`; a question whose topic is
    not in `content.topics` gets a row of its own at the end.
    """
    if stats.empty or "topic" not in stats:
        return ()
    titles = {t.id: t.title for t in content.topics}
    order = list(titles) + [t for t in dict.fromkeys(stats["topic"]) if t not in titles]
    grid = []
    for topic_id, rows in stats.groupby("topic", sort=False):
        levels = {level: grid_cell(rows[rows["level"] == level]) for level in LEVELS}
        last = rows["last_practised"].max()
        grid.append(
            TopicRow(
                topic=str(topic_id),
                title=titles.get(str(topic_id), str(topic_id)),
                total=grid_cell(rows),
                levels=levels,
                every_level=int(rows["level"].isna().sum()),
                last_practised=None if pd.isna(last) else last,
            )
        )
    return tuple(sorted(grid, key=lambda row: order.index(row.topic)))


def last_practised_topic(grid: Iterable[TopicRow]) -> str | None:
    """The topic practised most recently, or None when none has been."""
    practised = [row for row in grid if row.last_practised is not None]
    return max(practised, key=lambda row: row.last_practised).topic if practised else None


def _safe_get(content: Content, item_id: str) -> object | None:
    try:
        return content.get(item_id)
    except KeyError:
        return None


# ---- charts --------------------------------------------------------------------------------

_FIGSIZE = (6.2, 3.4)
# Transparent figures with mid-grey text and lines read well on JupyterLab's light and dark
# themes alike (a PNG cannot follow the theme, so it must suit both).
_FACE = "none"
_INK = "#777777"


# Fixed margins: a layout engine measuring every label costs more than drawing the chart.
_MARGINS = {"left": 0.11, "right": 0.97, "bottom": 0.13, "top": 0.9}


def _figure(*, fit_labels: bool = False) -> tuple[Figure, object]:
    """A transparent figure with one axes; `fit_labels` sizes margins to long tick labels."""
    fig = Figure(
        figsize=_FIGSIZE,
        dpi=100,
        facecolor=_FACE,
        layout="constrained" if fit_labels else None,
    )
    if not fit_labels:
        fig.subplots_adjust(**_MARGINS)
    ax = fig.add_subplot()
    ax.set_facecolor(_FACE)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


DAY_AXIS_DAYS = 21  # spans up to this many days get a tick per day (or every few days)
WEEK_AXIS_WEEKS = 16  # spans up to this many weeks get a tick per week (or every few weeks)
MAX_TICKS = 8
_DAY = pd.Timedelta(days=1)


def _day_month(day: date | pd.Timestamp) -> str:
    """`8 Jun`: a date as the axes label it (no leading zero, on every platform)."""
    return f"{day.day} {day:%b}"


def _every(count: int) -> int:
    """The step between labelled ticks that keeps at most `MAX_TICKS` of `count`."""
    return max(1, -(-count // MAX_TICKS))


def _fixed_ticks(ax: object, where: list[pd.Timestamp], labels: list[str]) -> None:
    positions = [float(date2num(w)) for w in where]
    ax.xaxis.set_major_locator(FixedLocator(positions))  # type: ignore[attr-defined]
    names = dict(zip(positions, labels, strict=True))
    ax.xaxis.set_major_formatter(  # type: ignore[attr-defined]
        FuncFormatter(lambda x, _pos: names.get(x, ""))
    )


def _date_axis(ax: object, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """A time axis that suits the span: days for a few weeks or less, never hours.

    `first` and `last` are the earliest and latest moments drawn. Up to `DAY_AXIS_DAYS`
    days, the axis runs from the start of the first day to the end of the last, with a
    labelled tick in the middle of each day (every few days when there are many): one
    day of practice is one day wide, its points inside it. Longer spans get matplotlib's
    date ticks (weeks, months, years), which never fall to hours at that span.
    """
    first_day, last_day = first.normalize(), last.normalize()
    days = (last_day - first_day).days + 1
    if days <= DAY_AXIS_DAYS:
        pad = pd.Timedelta(hours=6)
        ax.set_xlim(first_day - pad, last_day + _DAY + pad)  # type: ignore[attr-defined]
        step = _every(days)
        centres = [first_day + pd.Timedelta(days=n, hours=12) for n in range(0, days, step)]
        names = [f"{c:%a} {_day_month(c)}" if len(centres) <= 4 else _day_month(c) for c in centres]
        _fixed_ticks(ax, centres, names)
        return
    span = last - first
    pad = span * 0.04
    ax.set_xlim(first - pad, last + pad)  # type: ignore[attr-defined]
    locator = AutoDateLocator(minticks=2, maxticks=MAX_TICKS)
    ax.xaxis.set_major_locator(locator)  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[attr-defined]


def _week_axis(ax: object, mondays: list[pd.Timestamp]) -> None:
    """A weekly axis: a labelled tick under the middle of each week (or every few weeks).

    The axis runs half a week beyond the first and last week, so a single week is a bar
    in the middle, not a block filling the chart; past `WEEK_AXIS_WEEKS` weeks it is
    `_date_axis`'s months.
    """
    if not mondays:
        return
    first, last = mondays[0], mondays[-1] + pd.Timedelta(days=7)
    weeks = len(mondays)
    if weeks > WEEK_AXIS_WEEKS:
        _date_axis(ax, first, last)
        return
    half = pd.Timedelta(days=3.5)
    ax.set_xlim(first - half, last + half)  # type: ignore[attr-defined]
    shown = mondays[:: _every(weeks)]
    _fixed_ticks(ax, [m + half for m in shown], [_day_month(m) for m in shown])
    ax.set_xlabel("week starting")  # type: ignore[attr-defined]


def chart_practice_per_week(summary: Summary) -> Figure:
    """Attempts and minutes timed per week, one above the other on the same weeks."""
    fig = Figure(figsize=(6.2, 3.6), dpi=100, facecolor=_FACE)
    fig.subplots_adjust(**_MARGINS, hspace=0.25)
    top, bottom = fig.subplots(2, 1, sharex=True)
    table = summary.weekly if summary.weekly is not None else pd.DataFrame()
    weeks = pd.to_datetime(pd.Series(table.index, dtype="object"))
    if len(weeks):
        edges = np.append(weeks.to_numpy(), (weeks.iloc[-1] + pd.Timedelta(days=7)).to_datetime64())
        for ax, column, color, label in (
            (top, "attempts", "#3b7dd8", "attempts"),
            (bottom, "minutes", "#d8833b", "minutes timed"),
        ):
            # one filled outline per panel: as cheap to draw at 500 weeks as at 5
            ax.stairs(table[column].to_numpy(dtype=float), edges, fill=True, color=color)
            ax.set_ylabel(label)
        _week_axis(bottom, list(weeks))
    for ax in (top, bottom):
        ax.set_facecolor(_FACE)
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.get_major_locator().set_params(integer=True)
    top.set_title("Practice per week")
    return fig


MAX_BARS = 16  # items the attempts chart names one by one; more are summed per topic
TIPS_GROUP = "Tips and guides"


def attempt_bars(summary: Summary) -> tuple[str, pd.DataFrame]:
    """The attempts chart's title and bars (title, attempts, kind), top bar first."""
    items = summary.per_item
    title = "Attempts per question and tip"
    if len(items) > MAX_BARS:
        topics = items.groupby("topic", sort=False)
        items = pd.DataFrame(
            {
                "title": list(topics.groups),
                "attempts": topics["attempts"].sum().to_numpy(),
                "kind": ["tip" if t == TIPS_GROUP else "question" for t in topics.groups],
            }
        )
        title = "Attempts per topic"
    return title, items


def chart_attempts_per_item(summary: Summary) -> Figure:
    """Attempts per question and tip; per topic once there are too many to name."""
    fig, ax = _figure(fit_labels=True)
    title, items = attempt_bars(summary)
    items = items.iloc[::-1]
    colors = ["#3b7dd8" if kind == "question" else "#8a6fd1" for kind in items["kind"]]
    ax.barh(items["title"], items["attempts"], color=colors)
    ax.set_title(title)
    ax.set_xlabel("attempts (tips count each saved field)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="y", labelsize=8)
    return fig


TREND_BUCKETS = 120  # most points a trend line draws; more attempts are averaged per period
_PERIODS = (("D", "daily"), ("W", "weekly"), ("M", "monthly"), ("Q", "quarterly"), ("Y", "yearly"))


def trend_points(questions: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str]:
    """Per question, its `column` over time: every attempt, or means per period when many.

    Returns (frame of title, when, value; how the values were taken). A line never
    draws more than `TREND_BUCKETS` points, so charts cost the same at any history size.
    """
    data = questions.dropna(subset=[column])
    frame = pd.DataFrame(
        {
            "title": data["title"],
            "when": data["when"].dt.tz_localize(None),
            "value": data[column].astype("float64"),
        }
    )
    if frame.empty or frame.groupby("title").size().max() <= TREND_BUCKETS:
        return frame, "each attempt"
    first, last = frame["when"].min(), frame["when"].max()
    # the finest period that keeps every line short enough (years always do)
    freq, name = next(
        (freq, name)
        for freq, name in _PERIODS
        if (last.to_period(freq) - first.to_period(freq)).n < TREND_BUCKETS or freq == "Y"
    )
    period = frame["when"].dt.to_period(freq).dt.start_time
    means = (
        frame.assign(when=period)
        .groupby(["title", "when"], sort=False)["value"]
        .mean()
        .reset_index()
    )
    return means, f"{name} mean"


MAX_LINES = 8  # questions a trend chart draws: the ones practised most recently


def recent_questions(questions: pd.DataFrame, limit: int = MAX_LINES) -> pd.DataFrame:
    """The attempts of the `limit` questions practised most recently (all when fewer)."""
    if questions.empty or questions["item_id"].nunique() <= limit:
        return questions
    last = questions.groupby("item_id", sort=False)["when"].max().nlargest(limit)
    return questions[questions["item_id"].isin(last.index)]


def day_positions(when: pd.Series) -> pd.Series:
    """Where each attempt sits on a day axis: inside its own day, in the order practised.

    The attempts of one day are spread evenly across that day (one alone sits at noon),
    so a day's tries read as steps from left to right rather than a vertical stroke at
    the hours they were saved, and a day on the axis is a day wide.
    """
    if when.empty:
        return when
    day = when.dt.normalize()
    order = when.groupby(day).rank(method="first")
    count = when.groupby(day).transform("size")
    return day + pd.to_timedelta((order - 0.5) / count, unit="D")


@dataclass(frozen=True)
class Trend:
    """What a per-question chart draws: its title, the points, and how they were taken."""

    title: str
    points: pd.DataFrame  # title, when (as drawn), value
    taken: str  # "each attempt", or "weekly mean" and so on
    attempts: dict[str, int]  # attempts with a value, per line


def trend(summary: Summary, column: str, title: str) -> Trend:
    """The lines a per-question chart draws (at most `MAX_LINES`), as `Trend`."""
    shown = recent_questions(summary.questions)
    if len(shown) < len(summary.questions):
        title = f"{title}, {MAX_LINES} practised last"
    points, taken = trend_points(shown, column)
    if taken == "each attempt":
        points = points.assign(when=day_positions(points["when"]))
    elif taken == "daily mean":
        points = points.assign(when=points["when"] + pd.Timedelta(hours=12))
    counts = shown.dropna(subset=[column]).groupby("title", sort=False).size()
    if taken != "each attempt":
        title = f"{title} ({taken})"
    return Trend(title, points, taken, {str(k): int(v) for k, v in counts.items()})


def _per_question_lines(summary: Summary, column: str, title: str, ylabel: str) -> Figure:
    fig, ax = _figure()
    drawn = trend(summary, column, title)
    points = drawn.points
    for name, group in points.groupby("title", sort=False):
        dots = "o" if len(group) <= 40 else None
        ax.plot(group["when"], group["value"], marker=dots, markersize=4, label=name)
    if points.empty:
        ax.text(
            0.5,
            0.5,
            "nothing to show yet",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="#666",
        )
    else:
        ax.legend(fontsize=7, frameon=False, loc="best")
        _date_axis(ax, points["when"].min(), points["when"].max())
    ax.set_title(drawn.title)
    ax.set_ylabel(ylabel)
    return fig


CONFIDENCE_TITLE = "Confidence over time"
LENGTH_TITLE = "Answer length over time"
COVERAGE_TITLE = "Talking-point coverage over time"


def chart_confidence(summary: Summary) -> Figure:
    fig = _per_question_lines(summary, "confidence", CONFIDENCE_TITLE, "confidence (1-5)")
    fig.axes[0].set_ylim(0.5, 5.5)
    fig.axes[0].set_yticks([1, 2, 3, 4, 5])
    return fig


def chart_answer_length(summary: Summary) -> Figure:
    fig = _per_question_lines(summary, "words", LENGTH_TITLE, "words")
    fig.axes[0].yaxis.get_major_locator().set_params(integer=True)  # no "40.5 words"
    return fig


def chart_coverage(summary: Summary) -> Figure:
    """Talking points covered, per question, as the answer coach scored each attempt."""
    fig = _per_question_lines(summary, "coverage", COVERAGE_TITLE, "coverage (%)")
    fig.axes[0].set_ylim(-5, 105)
    return fig


CALENDAR_WEEKS = 26
_GREENS = ("#b7e1b0", "#7cc47a", "#3f9d4a", "#1f6f2e")  # 1, then more answers a day
_EMPTY_FILL = "#9e9e9e33"  # a day without practice: a faint square with an outline
_EMPTY_EDGE = "#9e9e9e99"
_TODAY_EDGE = "#777777"  # mid grey: visible on the light and the dark theme
_CELL = 0.84  # of a grid step: the gap between squares shows the grid on any background


@dataclass(frozen=True)
class CalendarGrid:
    """The practice calendar as drawn: a column per week (Monday on top), a row per weekday.

    `counts[weekday, week]` is the answers saved that day; NaN for the days after today.
    """

    start: date  # the Monday of the first column
    today: date
    counts: np.ndarray

    @property
    def weeks(self) -> int:
        return self.counts.shape[1]

    def cell(self, day: date) -> tuple[int, int]:
        """(row, column) of a day in the grid."""
        return day.weekday(), (day - self.start).days // 7

    def monday(self, column: int) -> date:
        return self.start + timedelta(weeks=column)


def calendar_grid(summary: Summary, weeks: int = CALENDAR_WEEKS) -> CalendarGrid:
    """The last `weeks` weeks up to today's, from all practice (not the filters)."""
    assert summary.habit is not None
    today = summary.habit.today
    start = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    calendar = summary.calendar if summary.calendar is not None else summary.per_day
    counts = {d: int(n) for d, n in calendar.items() if d >= start}
    grid = np.full((7, weeks), np.nan)
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        grid[day.weekday(), offset // 7] = counts.get(day, 0)
    return CalendarGrid(start=start, today=today, counts=grid)


def _shade(count: float, high: float) -> str:
    """The green for a day's count: four steps from one answer up to the busiest day."""
    top = max(high, 1.5)
    return _GREENS[int(np.clip((count - 0.5) / (top - 0.5) * 4, 0, 3))]


def chart_calendar(summary: Summary) -> Figure:
    """Practice days over the last half year, a square a day, with the habit in the title.

    Every day up to today is a square of its own with a gap around it (a day without
    practice is a faint outlined square), so the grid reads with one day of history as
    with a year; today's square has a grey outline; the columns are labelled with the
    date of their Monday.
    """
    assert summary.habit is not None
    habit = summary.habit
    grid = calendar_grid(summary)
    fig = Figure(figsize=(6.2, 2.3), dpi=100, facecolor=_FACE)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.12, top=0.86)
    ax = fig.add_subplot()
    ax.set_facecolor(_FACE)
    high = float(np.nanmax(grid.counts)) if not np.all(np.isnan(grid.counts)) else 1.0
    inset = (1 - _CELL) / 2 - 0.5
    for (row, column), count in np.ndenumerate(grid.counts):
        if np.isnan(count):
            continue  # after today
        day = grid.monday(column) + timedelta(days=row)
        today = day == grid.today
        square = Rectangle(
            (column + inset, row + inset),
            _CELL,
            _CELL,
            facecolor=_EMPTY_FILL if count == 0 else _shade(count, high),
            edgecolor=_TODAY_EDGE if today else (_EMPTY_EDGE if count == 0 else "none"),
            linewidth=1.6 if today else 0.6,
            label=f"{day.isoformat()}: {int(count)}",
            gid="today" if today else None,
        )
        ax.add_patch(square)
    ax.set_xlim(-0.7, grid.weeks - 0.3)
    ax.set_ylim(6.7, -0.7)  # Monday on top
    ax.set_aspect("equal")
    ax.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"])
    # a label every four weeks, counted back from this week's column
    columns = list(range(grid.weeks - 1, -1, -4))[::-1]
    ax.set_xticks(columns, [_day_month(grid.monday(c)) for c in columns])
    ax.tick_params(length=0, labelsize=8)
    for spine in ax.spines.values():
        spine.set_visible(False)
    goal = f"{habit.days_this_week} of {habit.weekly_goal} days this week"
    ax.set_title(
        f"Practice days · streak {habit.current_streak} (longest {habit.longest_streak}) · {goal}",
        fontsize=10,
    )
    return fig


CHARTS = (
    ("calendar", chart_calendar),
    ("practice-per-week", chart_practice_per_week),
    ("coverage", chart_coverage),
    ("confidence", chart_confidence),
    ("answer-length", chart_answer_length),
    ("attempts-per-item", chart_attempts_per_item),
)


def figures(summary: Summary) -> dict[str, Figure]:
    """Build every chart for a non-empty summary."""
    return {name: build(summary) for name, build in CHARTS}


# ---- the charts in words ---------------------------------------------------------------------
# Each chart's text alternative (the <img alt>), built from the same data the chart draws:
# what it shows, over which dates, and the figures a reader would take from it.


def _long_date(day: date | pd.Timestamp) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _span(first: date | pd.Timestamp, last: date | pd.Timestamp) -> str:
    """`20 Nov to 23 Nov 2026`, or `Tue 24 Nov 2026` for one day."""
    if first == last:
        return _long_date(first)
    head = _day_month(first) if first.year == last.year else f"{_day_month(first)} {first.year}"
    return f"{head} to {_day_month(last)} {last.year}"


def _count(number: float, word: str) -> str:
    n = int(np.floor(float(number) + 0.5))
    return f"{n} {word}{'' if n == 1 else 's'}"


def alt_calendar(summary: Summary) -> str:
    """The calendar in words: the weeks shown, the days practised, the habit."""
    assert summary.habit is not None
    habit = summary.habit
    grid = calendar_grid(summary)
    counts = np.nan_to_num(grid.counts)
    days = int((counts > 0).sum())
    intro = (
        f"Practice calendar, a square a day for the {grid.weeks} weeks from "
        f"{_long_date(grid.start)} to today, {_long_date(grid.today)}"
    )
    if not days:
        what = "no practice saved in these weeks"
    else:
        most, busiest = max(
            (int(n), grid.monday(column) + timedelta(days=row))
            for (row, column), n in np.ndenumerate(counts)
        )  # the latest of the busiest days
        today = int(counts[grid.cell(grid.today)])
        what = (
            f"you practised on {_count(days, 'day')} ({_count(counts.sum(), 'answer')}), "
            f"at most {most} in a day (last on {busiest:%a} {_day_month(busiest)}); "
            f"today {_count(today, 'answer')}"
        )
    return (
        f"{intro}: {what}. Streak {_count(habit.current_streak, 'day')} (longest "
        f"{habit.longest_streak}); {habit.days_this_week} of {habit.weekly_goal} practice days "
        "this week."
    )


def alt_practice_per_week(summary: Summary) -> str:
    """The weekly chart in words: the weeks, the totals, the busiest and the latest week."""
    table = summary.weekly if summary.weekly is not None else pd.DataFrame()
    if table.empty:
        return "Practice per week: nothing saved in this selection."

    def week(row: pd.Series) -> str:
        return f"{_count(row['attempts'], 'attempt')}, {_count(row['minutes'], 'minute')} timed"

    weeks = list(table.index)
    if len(weeks) == 1:
        return f"Practice per week, the week of {_long_date(weeks[0])}: {week(table.iloc[0])}."
    busiest = table["attempts"].astype(float).idxmax()
    return (
        f"Practice per week, {len(weeks)} weeks from {_span(weeks[0], weeks[-1])} (weeks "
        f"start on Monday): {_count(table['attempts'].sum(), 'attempt')} and "
        f"{_count(table['minutes'].sum(), 'minute')} timed in all; most in the week of "
        f"{_day_month(busiest)} ({week(table.loc[busiest])}); the last, week of "
        f"{_day_month(weeks[-1])}: {week(table.iloc[-1])}."
    )


# what one point of a trend line is, by how `trend_points` took the values
_POINT_UNITS = {
    "each attempt": "attempt",
    "daily mean": "day",
    "weekly mean": "week",
    "monthly mean": "month",
    "quarterly mean": "quarter",
    "yearly mean": "year",
}


def _trend_words(drawn: Trend, shown: object) -> str:
    """`X rose from 42% at the first attempt to 93% at the latest, over 4 attempts; ...`.

    One clause per line of a trend chart, from the points it draws: the first and the
    latest point (a period's mean when the chart averages), the lowest and highest when
    they differ from those, and how many attempts the line stands for.
    """
    points = drawn.points
    if points.empty:
        return f"{drawn.title}: nothing to show yet."
    unit = _POINT_UNITS.get(drawn.taken, "attempt")
    lines = []
    for name, group in points.groupby("title", sort=False):
        values = group["value"].tolist()
        n = _count(drawn.attempts.get(str(name), len(values)), "attempt")
        first, last = shown(values[0]), shown(values[-1])  # type: ignore[operator]
        if len(values) == 1:
            one = "its one attempt" if n == "1 attempt" else f"the mean of {n}"
            lines.append(f"{name}: {last} at {one}")
            continue
        low, high = shown(min(values)), shown(max(values))  # type: ignore[operator]
        if first == last:
            line = f"{name} was {last} at the first {unit} and at the latest, over {n}"
        else:
            moved = "rose" if values[-1] > values[0] else "fell"
            line = f"{name} {moved} from {first} at the first {unit} to {last} at the latest"
            line += f", over {n}"
        if {low, high} - {first, last}:
            line += f" (lowest {low}, highest {high})"
        lines.append(line)
    days = points["when"].dt.normalize()
    return f"{drawn.title}, {_span(days.min(), days.max())}: {'; '.join(lines)}."


def alt_coverage(summary: Summary) -> str:
    return _trend_words(trend(summary, "coverage", COVERAGE_TITLE), measures.percent_text)


def alt_confidence(summary: Summary) -> str:
    return _trend_words(
        trend(summary, "confidence", CONFIDENCE_TITLE), lambda v: f"{measures.tenths(v):g}/5"
    )


def alt_answer_length(summary: Summary) -> str:
    return _trend_words(trend(summary, "words", LENGTH_TITLE), lambda v: f"{v:.0f} words")


def alt_attempts_per_item(summary: Summary) -> str:
    """The bars in words, top to bottom as drawn."""
    title, items = attempt_bars(summary)
    if items.empty:
        return f"{title}: none in this selection."
    bars = ", ".join(
        f"{t} {int(n)}" for t, n in zip(items["title"], items["attempts"], strict=True)
    )
    return f"{title} (tips count each saved field): {bars}."


ALT_TEXTS = {
    "calendar": alt_calendar,
    "practice-per-week": alt_practice_per_week,
    "coverage": alt_coverage,
    "confidence": alt_confidence,
    "answer-length": alt_answer_length,
    "attempts-per-item": alt_attempts_per_item,
}


def alt_texts(summary: Summary) -> dict[str, str]:
    """Every chart's text alternative, by the names `figures` gives."""
    return {name: ALT_TEXTS[name](summary) for name, _build in CHARTS}


def _ink(fig: Figure) -> None:
    """Grey every text, tick and axis line, so the chart reads on light and dark themes."""
    for text in fig.findobj(Text):
        text.set_color(_INK)
    for ax in fig.axes:
        ax.tick_params(colors=_INK)
        for spine in ax.spines.values():
            spine.set_edgecolor(_INK)


def png_bytes(fig: Figure) -> bytes:
    _ink(fig)
    buffer = io.BytesIO()
    # light compression: the PNG is shown once and thrown away, so speed beats size
    fig.savefig(buffer, format="png", transparent=True, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
