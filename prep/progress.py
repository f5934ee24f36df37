"""Summaries of the practice history (pure pandas) and the charts drawn from them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

import matplotlib

matplotlib.use("Agg")  # figures are rendered to PNG bytes; no GUI backend, no pyplot state
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.text import Text

from .content import Content
from .textstats import word_count

DEFAULT_WEEKLY_GOAL = 3
WEEKLY_GOAL_ITEM = "expert-advice/weekly-goal"
_FIRST_NUMBER = re.compile(r"\d+")


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
    """The goal the learner saved on the habit page (its first number), else the default."""
    notes = history.loc[history["item_id"] == WEEKLY_GOAL_ITEM, "answer"]
    for note in reversed(list(notes)):
        match = _FIRST_NUMBER.search(str(note))
        if match and 1 <= int(match.group()) <= 50:
            return int(match.group()), True
    return DEFAULT_WEEKLY_GOAL, False


def habit(history: pd.DataFrame, tz: tzinfo, today: date) -> Habit:
    days = set(history["recorded_at"].dt.tz_convert(tz).dt.date)
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


@dataclass(frozen=True)
class Summary:
    """Everything the progress view shows, computed once from the history."""

    per_day: pd.Series  # local date -> attempts, every day from the first to the last
    per_item: pd.DataFrame  # item_id, title, kind, attempts, last_practised, last_confidence
    questions: pd.DataFrame  # per question attempt: local time, title, words, confidence, coverage
    habit: Habit | None = None

    @property
    def empty(self) -> bool:
        return self.per_day.empty


def base_item(item_id: str) -> str:
    """`research-company/stack` belongs to `research-company`."""
    return item_id.split("/", 1)[0]


def summarise(
    history: pd.DataFrame, content: Content, tz: tzinfo, today: date | None = None
) -> Summary:
    """Summarise a typed history frame (see `history.DTYPES`) in the learner's time zone."""
    today = today or datetime.now(tz).date()
    local = history["recorded_at"].dt.tz_convert(tz)
    frame = pd.DataFrame(
        {
            "when": local,
            "day": local.dt.date,
            "item": history["item_id"].map(base_item),
            "answer": history["answer"],
            "confidence": history["confidence"],
            "coverage": history.get("coverage", pd.NA),
            "word_count": history.get("word_count", pd.NA),
        }
    )
    if frame.empty:
        per_day = pd.Series(dtype="int64")
    else:
        counts = frame.groupby("day").size()
        days = pd.date_range(min(counts.index), max(counts.index), freq="D").date
        per_day = counts.reindex(days, fill_value=0)

    order = {item.id: n for n, item in enumerate(content.items())}
    rows = []
    for item_id, group in frame.groupby("item", sort=False):
        rated = group["confidence"].dropna()
        rows.append(
            {
                "item_id": item_id,
                "title": content.title_of(item_id),
                "kind": getattr(_safe_get(content, item_id), "kind", "unknown"),
                "attempts": len(group),
                "last_practised": group["when"].max(),
                "last_confidence": rated.iloc[-1] if len(rated) else pd.NA,
            }
        )
    per_item = pd.DataFrame(
        rows,
        columns=["item_id", "title", "kind", "attempts", "last_practised", "last_confidence"],
    )
    if not per_item.empty:
        per_item = per_item.sort_values(
            "item_id", key=lambda s: s.map(lambda i: order.get(i, len(order)))
        ).reset_index(drop=True)

    question_ids = {q.id for q in content.questions}
    asked = frame[frame["item"].isin(question_ids)]
    questions = pd.DataFrame(
        {
            "when": asked["when"],
            "item_id": asked["item"],
            "title": asked["item"].map(content.title_of),
            "words": _words(asked),
            "confidence": asked["confidence"],
            "coverage": (asked["coverage"] * 100).astype("Float64"),
        }
    ).reset_index(drop=True)
    return Summary(
        per_day=per_day,
        per_item=per_item,
        questions=questions,
        habit=habit(history, tz, today),
    )


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


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=_FIGSIZE, dpi=100, facecolor=_FACE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor(_FACE)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _date_axis(ax: object, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """Date ticks that stay readable from one day of practice to years of it."""
    span = last - first
    pad = max(pd.Timedelta(hours=12), span * 0.04)
    ax.set_xlim(first - pad, last + pad)  # type: ignore[attr-defined]
    locator = AutoDateLocator(minticks=2, maxticks=8)
    ax.xaxis.set_major_locator(locator)  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[attr-defined]


def chart_attempts_per_day(summary: Summary) -> Figure:
    fig, ax = _figure()
    days = pd.to_datetime(pd.Series(summary.per_day.index))
    ax.bar(days, summary.per_day.to_numpy(), width=0.8, color="#3b7dd8")
    ax.set_title("Attempts per day")
    ax.set_ylabel("attempts")
    ax.yaxis.get_major_locator().set_params(integer=True)
    _date_axis(ax, days.min(), days.max())
    return fig


def chart_attempts_per_item(summary: Summary) -> Figure:
    fig, ax = _figure()
    items = summary.per_item.iloc[::-1]
    colors = ["#3b7dd8" if kind == "question" else "#8a6fd1" for kind in items["kind"]]
    ax.barh(items["title"], items["attempts"], color=colors)
    ax.set_title("Attempts per question and tip")
    ax.set_xlabel("attempts (tips count each saved field)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="y", labelsize=8)
    return fig


def _per_question_lines(summary: Summary, column: str, title: str, ylabel: str) -> Figure:
    fig, ax = _figure()
    data = summary.questions.dropna(subset=[column])
    when = data["when"].dt.tz_localize(None)
    for name, group in data.groupby("title", sort=False):
        ax.plot(when[group.index], group[column].astype(float), marker="o", label=name)
    if data.empty:
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
        _date_axis(ax, when.min(), when.max())
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return fig


def chart_confidence(summary: Summary) -> Figure:
    fig = _per_question_lines(summary, "confidence", "Confidence over time", "confidence (1-5)")
    fig.axes[0].set_ylim(0.5, 5.5)
    fig.axes[0].set_yticks([1, 2, 3, 4, 5])
    return fig


def chart_answer_length(summary: Summary) -> Figure:
    return _per_question_lines(summary, "words", "Answer length over time", "words")


def chart_coverage(summary: Summary) -> Figure:
    """Talking points covered, per question, as the answer coach scored each attempt."""
    fig = _per_question_lines(
        summary, "coverage", "Talking-point coverage over time", "coverage (%)"
    )
    fig.axes[0].set_ylim(-5, 105)
    return fig


CALENDAR_WEEKS = 26
_GREENS = ListedColormap(["#b7e1b0", "#7cc47a", "#3f9d4a", "#1f6f2e"])


def chart_calendar(summary: Summary) -> Figure:
    """Practice days over the last half year, a square a day, with the habit in the title."""
    assert summary.habit is not None
    habit = summary.habit
    today = habit.today
    start = today - timedelta(days=today.weekday(), weeks=CALENDAR_WEEKS - 1)
    counts = {d: int(n) for d, n in summary.per_day.items()}
    grid = np.full((7, CALENDAR_WEEKS), np.nan)
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        grid[day.weekday(), offset // 7] = counts.get(day, 0)
    fig = Figure(figsize=(6.2, 2.3), dpi=100, facecolor=_FACE, layout="constrained")
    ax = fig.add_subplot()
    cmap = _GREENS.with_extremes(under="#9e9e9e40", bad="#00000000")
    high = max(1, int(np.nanmax(grid)) if not np.all(np.isnan(grid)) else 1)
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0.5, vmax=max(high, 1.5))
    ax.set_yticks([0, 2, 4], ["Mon", "Wed", "Fri"])
    months = [
        (offset // 7, (start + timedelta(days=offset)).strftime("%b"))
        for offset in range((today - start).days + 1)
        if (start + timedelta(days=offset)).day == 1
    ]
    ax.set_xticks([m[0] for m in months], [m[1] for m in months])
    ax.tick_params(length=0)
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
    ("attempts-per-day", chart_attempts_per_day),
    ("attempts-per-item", chart_attempts_per_item),
    ("confidence", chart_confidence),
    ("answer-length", chart_answer_length),
    ("coverage", chart_coverage),
)


def figures(summary: Summary) -> dict[str, Figure]:
    """Build every chart for a non-empty summary."""
    return {name: build(summary) for name, build in CHARTS}


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
    fig.savefig(buffer, format="png", transparent=True)
    return buffer.getvalue()
