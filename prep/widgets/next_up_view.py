"""'What's next': the questions to practise now, and why, from the replayed schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

import ipywidgets as widgets

from ..practice.schedule import NextItem
from ._common import BugLog, Status, esc, guarded, local_time

_BADGES = {
    "overdue": ("Overdue", "var(--jp-error-color1,#c62828)"),
    "due": ("Due", "var(--jp-warn-color1,#b26a00)"),
    "new": ("New", "var(--jp-brand-color1,#1976d2)"),
    "weak": ("Weak", "var(--jp-warn-color1,#b26a00)"),
    "later": ("Later", "var(--jp-ui-font-color2,#666)"),
}


def next_up_html(items: list[NextItem], titles: dict[str, str], tz: tzinfo | None) -> str:
    """A table of every question: status, why it is listed, and when it is due (local time)."""
    if not items:
        return "<p><em>There are no questions in the workbook yet.</em></p>"
    rows = []
    for item in items:
        label, color = _BADGES[item.status]
        due = "" if item.due is None else local_time(item.due, tz).strftime("%a %d %b, %H:%M")
        title = titles.get(item.question_id, item.question_id)
        rows.append(
            "<tr>"
            f"<td style='padding:0.2em 0.8em 0.2em 0'>{esc(title)}</td>"
            f"<td style='padding:0.2em 0.8em 0.2em 0;color:{color}'><strong>{label}</strong></td>"
            f"<td style='padding:0.2em 0.8em 0.2em 0'>{esc(item.reason)}</td>"
            f"<td style='padding:0.2em 0'>{esc(due)}</td>"
            "</tr>"
        )
    now_items = [i for i in items if i.status in ("overdue", "due", "new", "weak")]
    lead = (
        f"Practise <strong>{esc(titles.get(now_items[0].question_id, ''))}</strong> next."
        if now_items
        else "Nothing is due: everything is scheduled for later. A mock interview is a good "
        "use of today."
    )
    return (
        f"<p>{lead}</p><table class='prep-next-table'>"
        "<tr><th style='text-align:left'>Question</th><th style='text-align:left'>Status</th>"
        "<th style='text-align:left'>Why</th><th style='text-align:left'>Due</th></tr>"
        f"{''.join(rows)}</table>"
    )


class NextUpView(widgets.VBox):
    """The 'what's next' list, rebuilt from the history whenever Refresh is pressed."""

    def __init__(
        self,
        build: Callable[[], tuple[list[NextItem], dict[str, str]]],
        *,
        tz: tzinfo | None = None,
    ) -> None:
        self.build = build
        self.tz = tz
        self.heading = widgets.HTML("<h3 style='margin:0.2em 0'>What to practise next</h3>")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(self._on_refresh)
        self.table = widgets.HTML("")
        self.table.add_class("prep-next-up-table")
        self.status = Status()
        self.bug_log = BugLog()
        super().__init__([self.heading, self.refresh_button, self.status, self.table, self.bug_log])
        self.add_class("prep-card")
        self.add_class("prep-next-up")
        self.refresh()

    @guarded
    def _on_refresh(self, _button: widgets.Button | None = None) -> None:
        self.refresh()

    def refresh(self) -> None:
        items, titles = self.build()
        self.items = items
        self.table.value = next_up_html(items, titles, self.tz)
