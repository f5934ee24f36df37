"""The progress view: charts and a table from the practice history, with a Refresh button."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo

import ipywidgets as widgets
import pandas as pd

from ..content.loader import Content
from ..errors import HistoryError
from ..insight.progress import Spot, Summary, figures, png_bytes, summarise
from ..store.history import HistoryReport
from ._common import BugLog, Status, esc, guarded, local_tz, plural_s, problem_list_html

EMPTY_MESSAGE = (
    "No practice saved yet. Answer a question in one of the question notebooks and press "
    "Save; your progress will show up here."
)
ALL_ITEMS = "All questions and tips"
_MUTED = "var(--jp-ui-font-color2,#666)"
_GOOD = "var(--jp-success-color1,#2e7d32)"
_BAD = "var(--jp-error-color1,#c62828)"


def items_table_html(summary: Summary) -> str:
    """Each item's attempts, last practice date and last confidence, as an escaped table."""
    head = "".join(
        f"<th style='text-align:left;padding:2px 10px'>{h}</th>"
        for h in ("Question or tip", "Attempts", "Last practised", "Last confidence")
    )
    body = []
    for row in summary.per_item.itertuples(index=False):
        confidence = "" if pd.isna(row.last_confidence) else f"{int(row.last_confidence)}/5"
        last = row.last_practised.strftime("%a %d %b %Y")
        cells = (row.title, str(row.attempts), last, confidence)
        body.append(
            "<tr>" + "".join(f"<td style='padding:2px 10px'>{esc(c)}</td>" for c in cells) + "</tr>"
        )
    rows = "".join(body)
    return f"<table class='prep-items'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


class ProgressView(widgets.VBox):
    """Show how much, how often and how well the learner practises.

    Refresh re-reads the history; the filters (dates and one question or tip) only
    re-summarise what was read. The habit line and the calendar always count everything.
    """

    def __init__(
        self,
        read: Callable[[], HistoryReport],
        content: Content,
        *,
        tz: tzinfo | None = None,
        today: date | None = None,
    ) -> None:
        self.read = read
        self.content = content
        self.tz = tz
        self.today = today
        self.frame: pd.DataFrame | None = None
        self.summary: Summary | None = None
        self.heading = widgets.HTML("<h3 style='margin:0.2em 0'>Your practice so far</h3>")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(self._on_refresh)
        self.status = Status()
        self.bug_log = BugLog()
        self.problems = widgets.HTML("")
        self.since = widgets.DatePicker(description="From", value=None)
        self.until = widgets.DatePicker(description="To", value=None)
        self.item = widgets.Dropdown(
            description="Show",
            options=[(ALL_ITEMS, "")] + [(entry.title, entry.id) for entry in content.items()],
            value="",
        )
        self.show_all = widgets.Button(description="Show everything", icon="times")
        self.show_all.on_click(self._on_show_all)
        for control in (self.since, self.until, self.item):
            control.observe(self._on_filter, names="value")
        self.filters = widgets.HBox(
            [self.since, self.until, self.item, self.show_all],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.filters.add_class("prep-progress-filters")
        self.filter_note = widgets.HTML("")
        self.spotlight = widgets.HTML("")
        self.spotlight.add_class("prep-spotlight")
        self.cards = widgets.HTML("")
        self.cards.add_class("prep-question-cards")
        self.charts = widgets.GridBox(
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(420px, 1fr))")
        )
        self.table = widgets.HTML("")
        super().__init__(
            [
                self.heading,
                self.refresh_button,
                self.status,
                self.problems,
                self.filters,
                self.filter_note,
                self.spotlight,
                self.cards,
                self.charts,
                self.table,
                self.bug_log,
            ]
        )
        self.add_class("prep-progress")
        self.refresh()

    @guarded
    def _on_refresh(self, _button: widgets.Button | None = None) -> None:
        self.refresh()

    @guarded
    def _on_filter(self, _change: dict | None = None) -> None:
        self.render()

    @guarded
    def _on_show_all(self, _button: widgets.Button | None = None) -> None:
        with self.hold_trait_notifications():
            self.since.value = self.until.value = None
            self.item.value = ""
        self.render()

    def refresh(self) -> None:
        """Re-read the history and redraw everything."""
        try:
            report = self.read()
        except HistoryError as exc:
            self.frame = None
            self.status.show("error", f"Could not read your practice history: {exc}")
            self._clear()
            return
        self.problems.value = _problems_html(report)
        self.frame = report.frame
        self.render()

    def render(self) -> None:
        """Summarise what was read, through the filters, and draw it."""
        if self.frame is None:
            return
        if self.frame.empty:
            self.summary = None
            self.status.show("info", EMPTY_MESSAGE)
            self._clear()
            return
        since, until, item = self.since.value, self.until.value, self.item.value or None
        if since and until and since > until:
            self.status.show(
                "warn",
                f"The From date ({since:%d %b %Y}) is after the To date ({until:%d %b %Y}); "
                "swap them or clear one.",
            )
            self._clear()
            return
        tz = self.tz or local_tz()
        today = self.today or datetime.now(tz).date()
        self.summary = summarise(
            self.frame, self.content, tz, today, since=since, until=until, item=item
        )
        self.filter_note.value = _filter_note(since, until, item and self.content.title_of(item))
        total = int(self.summary.per_day.sum())
        days = int((self.summary.per_day > 0).sum())
        where = " in this selection" if (since or until or item) else ""
        self.status.show(
            "ok",
            f"{total} saved answer{plural_s(total)} over {days} day{plural_s(days)}{where}. "
            + habit_sentence(self.summary),
        )
        self.spotlight.value = spotlight_html(self.summary)
        self.cards.value = question_cards_html(
            self.summary, today, "No attempts in these dates" if since or until else "Not tried yet"
        )
        images = []
        for name, fig in figures(self.summary).items():
            image = widgets.Image(value=png_bytes(fig), format="png")
            image.layout.max_width = "100%"
            image.add_class(f"prep-chart-{name}")
            images.append(image)
        self.charts.children = tuple(images)
        self.table.value = items_table_html(self.summary) if total else ""

    def _clear(self) -> None:
        self.charts.children = ()
        for part in (self.table, self.spotlight, self.cards, self.filter_note):
            part.value = ""


def _filter_note(since: date | None, until: date | None, title: str | None) -> str:
    if not (since or until or title):
        return ""
    parts = []
    if since or until:
        start = f"{since:%d %b %Y}" if since else "the start"
        end = f"{until:%d %b %Y}" if until else "today"
        parts.append(f"from {start} to {end}")
    if title:
        parts.append(f"for {esc(title)} only")
    return (
        f"<p class='prep-filter-note' style='margin:0.2em 0;color:{_MUTED}'>Showing practice "
        f"{' '.join(parts)}. The streaks and the calendar always count all your practice.</p>"
    )


def spotlight_html(summary: Summary) -> str:
    """'Most improved' and 'Needs work' side by side, each entry with its reason."""

    def column(heading: str, spots: tuple[Spot, ...], none: str) -> str:
        if spots:
            entries = "".join(
                f"<li><strong>{esc(s.title)}</strong>: {esc(s.reason)}</li>" for s in spots
            )
            body = f"<ul style='margin:0.2em 0;padding-left:1.2em'>{entries}</ul>"
        else:
            body = f"<p style='margin:0.2em 0;color:{_MUTED}'>{esc(none)}</p>"
        return f"<div style='flex:1 1 280px'><h4 style='margin:0.3em 0'>{heading}</h4>{body}</div>"

    return (
        "<div style='display:flex;flex-wrap:wrap;gap:0 2em'>"
        + column(
            "Most improved",
            summary.improved,
            "Nothing yet: a question shows here once a later try beats your first ones.",
        )
        + column(
            "Needs work", summary.needs_work, "Nothing stands out: every question is in shape."
        )
        + "</div>"
    )


def days_ago(moment: pd.Timestamp, today: date) -> str:
    days = (today - moment.date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def sparkline(values: tuple[float, ...], low: float, high: float) -> str:
    """A tiny inline SVG line of the last scores, drawn in the text colour of the theme."""
    if not values:
        return ""
    width, height, pad = 96, 22, 3
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    points = [(pad + n * step, y(v)) for n, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in points)
    last_x, last_y = points[-1]
    return (
        f"<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' "
        f"aria-label='last {len(values)} scores' style='vertical-align:middle;opacity:0.85'>"
        f"<polyline points='{line}' fill='none' stroke='currentColor' stroke-width='1.5'/>"
        f"<circle cx='{last_x:.1f}' cy='{last_y:.1f}' r='2.5' fill='currentColor'/></svg>"
    )


def _change(value: float, unit: str) -> str:
    if pd.isna(value) or round(value, 1) == 0:
        return ""
    arrow, color = ("↑", _GOOD) if value > 0 else ("↓", _BAD)
    return f" <span style='color:{color}'>{arrow} {abs(value):.{0 if unit == '%' else 1}f}</span>"


def question_cards_html(summary: Summary, today: date, untried: str = "Not tried yet") -> str:
    """A small card per question: attempts, last practised, and coverage and confidence trends."""
    stats = summary.question_stats
    if stats is None or stats.empty:
        return ""
    cards = []
    for row in stats.itertuples(index=False):
        if row.attempts == 0:
            lines = [f"<div style='color:{_MUTED}'>{untried}</div>"]
        else:
            last = row.last_practised
            lines = [
                f"<div style='color:{_MUTED}'>{row.attempts} attempt{plural_s(row.attempts)} "
                f"· last {days_ago(last, today)} ({last:%a %d %b})</div>"
            ]
            if pd.notna(row.latest_coverage):
                lines.append(
                    f"<div>Coverage <strong>{row.latest_coverage:.0f}%</strong>"
                    f"{_change(row.coverage_change, '%')} "
                    f"{sparkline(row.coverage_trend, 0, 100)}</div>"
                )
            if pd.notna(row.latest_confidence):
                lines.append(
                    f"<div>Confidence <strong>{row.latest_confidence:.0f}/5</strong>"
                    f"{_change(row.confidence_change, '')} "
                    f"{sparkline(row.confidence_trend, 1, 5)}</div>"
                )
        cards.append(
            "<div class='prep-question-stat' style='border:1px solid "
            "var(--jp-border-color2,#ccc);border-radius:6px;padding:0.4em 0.7em'>"
            f"<div style='font-weight:600'>{esc(row.title)}</div>{''.join(lines)}</div>"
        )
    return (
        "<div style='display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));"
        f"gap:0.5em;margin:0.4em 0'>{''.join(cards)}</div>"
    )


def habit_sentence(summary: Summary) -> str:
    """Streaks and the week against the goal, in words (the calendar chart shows the same)."""
    habit = summary.habit
    if habit is None:
        return ""
    whose = (
        "your goal"
        if habit.goal_is_yours
        else "a starting goal: set your own on the start-here page"
    )
    return (
        f"Streak: {habit.current_streak} day{plural_s(habit.current_streak)} in a row (longest "
        f"{habit.longest_streak}). This week: {habit.days_this_week} of "
        f"{habit.weekly_goal} practice days ({whose})."
    )


def _problems_html(report: HistoryReport) -> str:
    parts = [f"<p>{esc(note)}</p>" for note in report.notes]
    if report.changes:
        count = len(report.changes)
        parts.append(
            f"<p>{count} saved row{plural_s(count)} {'was' if count == 1 else 'were'} changed "
            "outside the workbook, probably by a spreadsheet; the charts show them as they are "
            f"now:{problem_list_html(report.changes)}<code>prep.history_problems()</code> says "
            "what each was; <code>prep.repair_history()</code> puts back what the workbook "
            "saved, from its automatic backups.</p>"
        )
    if report.problems:
        parts.append(
            "<p>Some lines of your history could not be read and are left out (the file itself "
            f"is unchanged):{problem_list_html(report.problems)}Run "
            "<code>prep.repair_history()</code> to rewrite the file without them; it keeps a "
            "backup first.</p>"
        )
    if not parts:
        return ""
    return f"<div style='color:var(--jp-warn-color1,#b26a00)'>{''.join(parts)}</div>"
