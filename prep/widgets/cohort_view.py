"""The cohort view: several learners' practice side by side, for an instructor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..content.loader import Content
from ..errors import HistoryError
from ..insight.cohort import (
    CHARTS,
    MAX_LEARNERS_AS_LINES,
    CohortSummary,
    compare_learners,
    read_history,
)
from ..insight.progress import png_bytes
from ..store.history import HistoryReport, empty_frame
from ._common import BugLog, Status, clause, esc, guarded, local_tz, plural_s, problem_list_html
from .progress_view import chart_widget

_CELL = "padding:2px 10px"
_WARN = "color:var(--jp-warn-color1,#b26a00)"
_HEADINGS = (
    ("Learner", "left"),
    ("Answers saved", "right"),
    ("Days practised", "right"),
    ("Streak (longest)", "right"),
    ("This week (goal)", "right"),
    ("Questions tried", "right"),
    ("Latest coverage", "right"),
    ("Latest confidence", "right"),
    ("Minutes timed", "right"),
    ("Last practised", "left"),
)


def cohort_table_html(
    summary: CohortSummary,
    unreadable: dict[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> str:
    """One row per learner (in `order`, if given); a learner whose file failed says why."""
    unreadable = unreadable or {}
    head = "".join(f"<th style='text-align:{a};{_CELL}'>{h}</th>" for h, a in _HEADINGS)
    rows = {
        str(row["learner"]): _row_cells(row, summary.question_count)
        for row in summary.table.to_dict("records")
    }
    names = list(order) if order is not None else [*rows, *unreadable]
    body = []
    for name in names:
        if name in rows:
            cells = "".join(
                f"<td style='text-align:{a};{_CELL}'>{esc(c)}</td>"
                for c, (_h, a) in zip(rows[name], _HEADINGS, strict=True)
            )
        elif name in unreadable:
            cells = (
                f"<td style='{_CELL}'>{esc(name)}</td>"
                f"<td colspan='{len(_HEADINGS) - 1}' style='{_CELL};{_WARN}'>"
                f"could not be read: {esc(unreadable[name])}</td>"
            )
        else:
            continue
        body.append(f"<tr>{cells}</tr>")
    return (
        "<table class='prep-cohort-table'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _row_cells(row: dict[str, Any], question_count: int) -> tuple[str, ...]:
    return (
        str(row["learner"]),
        str(row["answers saved"]),
        str(row["days practised"]),
        f"{row['current streak']} ({row['longest streak']})",
        f"{row['days this week']} of {row['weekly goal']}",
        f"{row['questions tried']} of {question_count}",
        _or_dash(row["latest coverage"], "{:.0f}%"),
        _or_dash(row["latest confidence"], "{:.1f}/5"),
        _minutes(float(row["minutes timed"])),
        "never" if pd.isna(row["last practised"]) else _when(row["last practised"]),
    )


def _or_dash(value: Any, pattern: str) -> str:
    return "–" if pd.isna(value) else pattern.format(float(value))


def _minutes(value: float) -> str:
    """Minutes timed: tenths while they still matter."""
    if not value:
        return "0"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _when(moment: pd.Timestamp) -> str:
    return moment.strftime("%a %d %b %Y, %H:%M")


def problems_html(reports: dict[str, HistoryReport]) -> str:
    """Each learner's unreadable lines: how many, and the first few."""
    parts = []
    for name, report in reports.items():
        count = len(report.problems)
        if not count:
            continue
        lines = "line" if count == 1 else "lines"
        parts.append(
            f"<p><b>{esc(name)}</b>: {count} {lines} could not be read and "
            f"{'is' if count == 1 else 'are'} left out:</p>{problem_list_html(report.problems)}"
        )
    if not parts:
        return ""
    return (
        f"<div class='prep-cohort-problems' style='{_WARN}'>{''.join(parts)}"
        "<p>The files themselves are unchanged. A learner can run "
        "<code>prep.repair_history()</code> on their own copy; it keeps a backup first.</p></div>"
    )


class CohortView(widgets.VBox):
    """Show several learners' practice side by side; Refresh re-reads every file.

    The files are only ever read (by `read`, `cohort.read_history` unless a test passes
    another): the view never records, repairs, backs up or locks them. A file that cannot
    be read is a message in that learner's row, and the others still show.
    """

    def __init__(
        self,
        sources: Sequence[tuple[str, Path]],
        content: Content,
        *,
        tz: tzinfo | None = None,
        read: Callable[[Path], HistoryReport] | None = None,
    ) -> None:
        self.sources = list(sources)
        names = [name for name, _ in self.sources]
        if len(set(names)) != len(names):
            raise ValueError(f"learner names must differ (see cohort.learner_names): {names}")
        self.content = content
        self.tz = tz
        self.read = read or read_history
        self.summary: CohortSummary | None = None
        self.unreadable: dict[str, str] = {}
        self.heading = widgets.HTML("<h3 style='margin:0.2em 0'>Learners side by side</h3>")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(self._on_refresh)
        self.status = Status()
        self.bug_log = BugLog()
        self.table = widgets.HTML("")
        self.problems = widgets.HTML("")
        self.charts = widgets.GridBox(
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(420px, 1fr))")
        )
        super().__init__(
            [
                self.heading,
                self.refresh_button,
                self.status,
                self.table,
                self.charts,
                self.problems,
                self.bug_log,
            ]
        )
        self.add_class("prep-cohort")
        self.refresh()

    @guarded
    def _on_refresh(self, _button: widgets.Button | None = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-read every learner's file and redraw everything."""
        tz = self.tz or local_tz()
        reports: dict[str, HistoryReport] = {}
        self.unreadable = {}
        for name, path in self.sources:
            try:
                reports[name] = self.read(path)
            except HistoryError as exc:
                self.unreadable[name] = _reason(exc)
                reports[name] = HistoryReport(empty_frame())
        readable = [(n, r.frame) for n, r in reports.items() if n not in self.unreadable]
        self.summary = compare_learners(readable, self.content, tz, datetime.now(tz).date())
        self.status.show(*self._status(self.summary, reports))
        self.table.value = cohort_table_html(
            self.summary, self.unreadable, [name for name, _ in self.sources]
        )
        self.problems.value = problems_html(reports)
        self.charts.children = self._charts(self.summary) if self.summary.answers else ()

    def _status(self, summary: CohortSummary, reports: dict[str, HistoryReport]) -> tuple[str, str]:
        learners = len(self.sources)
        answers = summary.answers
        text = (
            f"{learners} learner{plural_s(learners)}, "
            f"{answers if answers else 'no'} answer{plural_s(answers)} saved"
        )
        kind = "ok" if answers else "info"
        if self.unreadable:
            count = len(self.unreadable)
            text += f"; {count} file{plural_s(count)} could not be read (see the table)"
            kind = "warn"
        damaged = sum(1 for r in reports.values() if r.problems)
        if damaged:
            text += f"; {damaged} file{plural_s(damaged)} with lines left out (see below)"
            kind = "warn"
        return kind, text + "."

    def _charts(self, summary: CohortSummary) -> tuple[widgets.HTML, ...]:
        """Each chart as an image with its text alternative (`progress_view.chart_widget`)."""
        images = []
        wide = len(summary.learners) > MAX_LEARNERS_AS_LINES
        for name, build, describe in CHARTS:
            image = chart_widget(png_bytes(build(summary)), describe(summary), name)
            if wide:  # the heatmaps grow with the cohort: give them the whole row
                image.layout.grid_column = "1 / -1"
            images.append(image)
        return tuple(images)


def _reason(exc: HistoryError) -> str:
    """The error as the end of "could not be read: ..." (without saying "could not read" twice)."""
    text = clause(exc)
    prefix = "could not read "
    return text[len(prefix) :] if text.lower().startswith(prefix) else text
