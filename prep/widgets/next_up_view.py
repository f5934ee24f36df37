"""'What's next': the questions to practise now, and why, from the replayed schedule.

With a bank of 60-odd questions the list is grouped by topic (in workbook order), and a
topic shows its first few questions with "and N more" and the call that lists them all,
so the page stays short enough to read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo

import ipywidgets as widgets

from ..practice.schedule import STATUS_ORDER, NextItem, TopicGroup
from ._common import BugLog, Status, esc, guarded, local_time

# Tints behind the theme's own text colour: JupyterLab's warning orange as a text colour
# has 2.7:1 contrast on the light theme, far below 4.5:1; a tint keeps 6.7:1 or more on both.
_BADGES = {
    "overdue": ("Overdue", "rgba(229,57,53,0.30)"),
    "due": ("Due", "rgba(251,140,0,0.30)"),
    "new": ("New", "rgba(30,136,229,0.22)"),
    "weak": ("Weak", "rgba(251,140,0,0.30)"),
    "later": ("Later", "rgba(158,158,158,0.18)"),
}
_MUTED = "var(--jp-ui-font-color2,#666)"
_NOW = ("overdue", "due", "new", "weak")
SHOWN_PER_TOPIC = 3  # questions a topic shows when several topics are listed
_CELL = "padding:0.2em 0.8em 0.2em 0"


@dataclass(frozen=True)
class NextUpList:
    """What the view shows: every listed question ranked, the same grouped by topic.

    `scope` says what was asked for ("Databases and SQL, mid level"), `call` the Python
    that lists one topic in full (with `{topic}` for its id), `topic` the topic asked
    for (every group is then shown in full).
    """

    items: list[NextItem]
    titles: dict[str, str]
    groups: list[TopicGroup] = field(default_factory=list)
    scope: str = ""
    call: str = "prep.next_up(topic={topic!r})"
    topic: str | None = None


def _row(item: NextItem, titles: dict[str, str], tz: tzinfo | None) -> str:
    label, tint = _BADGES[item.status]
    due = "—" if item.due is None else local_time(item.due, tz).strftime("%a %d %b, %H:%M")
    title = titles.get(item.question_id, item.question_id)
    return (
        "<tr>"
        f"<td style='{_CELL}'>{esc(title)}</td>"
        f"<td style='{_CELL}'><strong style='background:{tint};padding:0 0.35em;"
        f"border-radius:3px'>{label}</strong></td>"
        f"<td style='{_CELL}'>{esc(item.reason)}</td>"
        f"<td style='padding:0.2em 0;white-space:nowrap'>{esc(due)}</td>"
        "</tr>"
    )


def _head() -> str:
    cells = "".join(
        f"<th scope='col' style='text-align:left'>{h}</th>"
        for h in ("Question", "Status", "Why", "Due")
    )
    return f"<thead><tr>{cells}</tr></thead>"


def status_counts(items: Sequence[NextItem]) -> str:
    """`2 due, 40 new, 1 later`: how many of each status, in the list's order."""
    counts = {status: sum(i.status == status for i in items) for status in STATUS_ORDER}
    return ", ".join(f"{n} {status}" for status, n in counts.items() if n)


def _lead(items: Sequence[NextItem], titles: dict[str, str]) -> str:
    now_items = [i for i in items if i.status in _NOW]
    if now_items:
        title = titles.get(now_items[0].question_id, now_items[0].question_id)
        return f"Practise <strong>{esc(title)}</strong> next."
    return (
        "Nothing is due: everything is scheduled for later. A mock interview is a good "
        "use of today."
    )


def next_up_html(
    items: list[NextItem],
    titles: dict[str, str],
    tz: tzinfo | None,
    groups: Sequence[TopicGroup] | None = None,
    *,
    per_topic: int | None = SHOWN_PER_TOPIC,
    call: str = "prep.next_up(topic={topic!r})",
    scope: str = "",
) -> str:
    """A table of the questions: status, why each is listed, and when it is due (local time).

    With `groups`, one block per topic under its heading, each showing its first
    `per_topic` questions to practise now (None: every question) and how many more there
    are; without, one list.
    """
    if not items:
        where = f" in {esc(scope)}" if scope else ""
        return f"<p><em>There are no questions{where} in the workbook yet.</em></p>"
    total = len(items)
    summary = (
        f"<p style='margin:0.2em 0;color:{_MUTED}'>{total} question{'s' if total != 1 else ''}"
        f"{' in ' + esc(scope) if scope else ''}: {esc(status_counts(items))}.</p>"
    )
    if groups is None:
        body = f"<tbody>{''.join(_row(i, titles, tz) for i in items)}</tbody>"
    else:
        body = "".join(_group_html(g, titles, tz, per_topic, call) for g in groups)
    return (
        f"<p style='margin:0.2em 0'>{_lead(items, titles)}</p>{summary}"
        f"<table class='prep-next-table'>{_head()}{body}</table>"
    )


def _group_html(
    group: TopicGroup,
    titles: dict[str, str],
    tz: tzinfo | None,
    per_topic: int | None,
    call: str,
) -> str:
    # a topic among many shows only what to practise now: questions due later are counted
    shown = (
        group.items
        if per_topic is None
        else tuple(i for i in group.items if i.status in _NOW)[:per_topic]
    )
    header = (
        "<tr><th scope='rowgroup' colspan='4' style='text-align:left;padding:0.7em 0 0.1em 0'>"
        f"{esc(group.title)} <span style='font-weight:normal;color:{_MUTED}'>· "
        f"{esc(status_counts(group.items))}</span></th></tr>"
    )
    rows = "".join(_row(i, titles, tz) for i in shown)
    hidden = [i for i in group.items if i not in shown]
    more = ""
    if hidden:
        listing = call.format(topic=group.topic)
        more = (
            f"<tr class='prep-next-more'><td colspan='4' style='padding:0 0 0.2em 0;"
            f"color:{_MUTED}'>…and {len(hidden)} more ({esc(status_counts(hidden))}): "
            f"<code>{esc(listing)}</code> lists them all.</td></tr>"
        )
    return f"<tbody class='prep-next-topic'>{header}{rows}{more}</tbody>"


class NextUpView(widgets.VBox):
    """The 'what's next' list, rebuilt from the history whenever Refresh is pressed."""

    def __init__(
        self,
        build: Callable[[], NextUpList],
        *,
        tz: tzinfo | None = None,
    ) -> None:
        self.build = build
        self.tz = tz
        self.items: list[NextItem] = []
        self.groups: list[TopicGroup] = []
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
        listed = self.build()
        self.items, self.groups = listed.items, listed.groups
        if listed.scope:
            self.heading.value = (
                f"<h3 style='margin:0.2em 0'>What to practise next: {esc(listed.scope)}</h3>"
            )
        self.table.value = next_up_html(
            listed.items,
            listed.titles,
            self.tz,
            listed.groups or None,
            # one topic asked for, or only one there: every question in it
            per_topic=None if listed.topic or len(listed.groups) < 2 else SHOWN_PER_TOPIC,
            call=listed.call,
            scope=listed.scope,
        )
