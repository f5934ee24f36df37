"""Summaries of the practice history (pure pandas) and the charts drawn from them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import tzinfo

import matplotlib

matplotlib.use("Agg")  # figures are rendered to PNG bytes; no GUI backend, no pyplot state
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from .content import Content
from .textstats import word_count


@dataclass(frozen=True)
class Summary:
    """Everything the progress view shows, computed once from the history."""

    per_day: pd.Series  # local date -> attempts, every day from the first to the last
    per_item: pd.DataFrame  # item_id, title, kind, attempts, last_practised, last_confidence
    questions: pd.DataFrame  # per question attempt: local time, title, words, confidence, coverage

    @property
    def empty(self) -> bool:
        return self.per_day.empty


def base_item(item_id: str) -> str:
    """`research-company/stack` belongs to `research-company`."""
    return item_id.split("/", 1)[0]


def summarise(history: pd.DataFrame, content: Content, tz: tzinfo) -> Summary:
    """Summarise a typed history frame (see `history.DTYPES`) in the learner's time zone."""
    local = history["recorded_at"].dt.tz_convert(tz)
    frame = pd.DataFrame(
        {
            "when": local,
            "day": local.dt.date,
            "item": history["item_id"].map(base_item),
            "answer": history["answer"],
            "confidence": history["confidence"],
            "coverage": history.get("coverage", pd.NA),
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
            "words": asked["answer"].map(word_count).astype("int64"),
            "confidence": asked["confidence"],
            "coverage": (asked["coverage"] * 100).astype("Float64"),
        }
    ).reset_index(drop=True)
    return Summary(per_day=per_day, per_item=per_item, questions=questions)


def _safe_get(content: Content, item_id: str) -> object | None:
    try:
        return content.get(item_id)
    except KeyError:
        return None


# ---- charts --------------------------------------------------------------------------------

_FIGSIZE = (6.2, 3.4)
_FACE = "#ffffff"


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


CHARTS = (
    ("attempts-per-day", chart_attempts_per_day),
    ("attempts-per-item", chart_attempts_per_item),
    ("confidence", chart_confidence),
    ("answer-length", chart_answer_length),
    ("coverage", chart_coverage),
)


def figures(summary: Summary) -> dict[str, Figure]:
    """Build every chart for a non-empty summary."""
    return {name: build(summary) for name, build in CHARTS}


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=fig.get_facecolor())
    return buffer.getvalue()
