"""The progress view: charts and a table from the practice history, with a Refresh button."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

import ipywidgets as widgets
import pandas as pd

from ..content import Content
from ..errors import HistoryError
from ..history import HistoryReport
from ..progress import Summary, figures, png_bytes, summarise
from ._common import BugLog, Status, esc, guarded, local_tz

EMPTY_MESSAGE = (
    "No practice saved yet. Answer a question in one of the question notebooks and press "
    "Save; your progress will show up here."
)
SHOWN_PROBLEMS = 5


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
    """Show how much and how well the learner has practised; Refresh re-reads the history."""

    def __init__(
        self,
        read: Callable[[], HistoryReport],
        content: Content,
        *,
        tz: tzinfo | None = None,
    ) -> None:
        self.read = read
        self.content = content
        self.tz = tz
        self.summary: Summary | None = None
        self.heading = widgets.HTML("<h3 style='margin:0.2em 0'>Your practice so far</h3>")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(self._on_refresh)
        self.status = Status()
        self.bug_log = BugLog()
        self.problems = widgets.HTML("")
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

    def refresh(self) -> None:
        """Re-read the history and redraw everything."""
        try:
            report = self.read()
        except HistoryError as exc:
            self.status.show("error", f"Could not read your practice history: {exc}")
            self.charts.children, self.table.value = (), ""
            return
        self.problems.value = _problems_html(report)
        self.summary = summarise(report.frame, self.content, self.tz or local_tz())
        if self.summary.empty:
            self.status.show("info", EMPTY_MESSAGE)
            self.charts.children, self.table.value = (), ""
            return
        total = int(self.summary.per_day.sum())
        days = int((self.summary.per_day > 0).sum())
        self.status.show(
            "ok",
            f"{total} saved answer{_s(total)} over {days} day{_s(days)}. "
            + habit_sentence(self.summary),
        )
        images = []
        for name, fig in figures(self.summary).items():
            image = widgets.Image(value=png_bytes(fig), format="png")
            image.layout.max_width = "100%"
            image.add_class(f"prep-chart-{name}")
            images.append(image)
        self.charts.children = tuple(images)
        self.table.value = items_table_html(self.summary)


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
        f"Streak: {habit.current_streak} day{_s(habit.current_streak)} in a row (longest "
        f"{habit.longest_streak}). This week: {habit.days_this_week} of "
        f"{habit.weekly_goal} practice days ({whose})."
    )


def _problems_html(report: HistoryReport) -> str:
    if not report.problems:
        return ""
    shown = "".join(f"<li>{esc(p)}</li>" for p in report.problems[:SHOWN_PROBLEMS])
    more = len(report.problems) - SHOWN_PROBLEMS
    extra = f"<li>…and {more} more</li>" if more > 0 else ""
    return (
        "<div style='color:var(--jp-warn-color1,#b26a00)'>"
        f"Some lines of your history could not be read and are left out (the file itself is "
        f"unchanged):<ul>{shown}{extra}</ul>Run <code>prep.repair_history()</code> to rewrite the "
        "file without them; it keeps a backup first.</div>"
    )


def _s(count: int) -> str:
    return "" if count == 1 else "s"
