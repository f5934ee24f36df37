"""The progress view: charts and a table from the practice history, with a Refresh button."""

from __future__ import annotations

import base64
import dataclasses
import html
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timezone, tzinfo

import ipywidgets as widgets
import pandas as pd

from ..content.loader import Content
from ..errors import HistoryError
from ..insight.exercises import ExerciseStat, duration_words, exercise_stats
from ..insight.progress import (
    ALT_TEXTS,
    CHARTS,
    STRONG_COVERAGE,
    WEAK_COVERAGE,
    Cell,
    Spot,
    Summary,
    TopicRow,
    coverage_band,
    last_practised_topic,
    png_bytes,
    summarise,
)
from ..models import LEVELS, Exercise
from ..practice import measures
from ..store.history import HistoryReport
from ._common import (
    BugLog,
    Status,
    esc,
    guarded,
    local_tz,
    plural_s,
    problem_list_html,
)

EMPTY_MESSAGE = (
    "No practice saved yet. Answer a question in one of the question notebooks and press "
    "Save; your progress will show up here."
)
ALL_ITEMS = "All questions and tips"
_MUTED = "var(--jp-ui-font-color2,#666)"
PRACTISED = "__practised__"  # the topic selector's "every question you have practised"
QUESTION_CHARTS = ("coverage", "confidence", "answer-length")  # follow the topic selector
DueDates = Mapping[str, datetime | None]
# Tints laid over the theme's own background, with the theme's own text colour on top: the
# text keeps at least 6.7:1 contrast in JupyterLab's light and dark themes alike.
_TINTS = {
    "untried": "rgba(158,158,158,0.14)",
    "weak": "rgba(229,57,53,0.30)",
    "fair": "rgba(251,140,0,0.30)",
    "strong": "rgba(67,160,71,0.30)",
}
_BAND_WORDS = {
    "untried": "not tried yet",
    "weak": f"below {WEAK_COVERAGE:.0f}%",
    "fair": f"{WEAK_COVERAGE:.0f}–{STRONG_COVERAGE:.0f}%",
    "strong": f"{STRONG_COVERAGE:.0f}% or more",
}


def items_table_html(summary: Summary, skip: Collection[str] = ()) -> str:
    """Each item's attempts, last practice date and last confidence, as an escaped table.

    Items in `skip` (the exercises, which have a table of their own) are left out.
    """
    head = "".join(
        f"<th style='text-align:left;padding:2px 10px'>{h}</th>"
        for h in ("Question or tip", "Attempts", "Last practised", "Last confidence")
    )
    body = []
    for row in summary.per_item.itertuples(index=False):
        if row.item_id in skip:
            continue
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

    Refresh re-reads the history; the filters (dates and one question or tip) and the
    topic selector only re-summarise what was read. The habit line and the calendar
    always count everything. `due`, given the frame just read, returns each question's
    FSRS due date (the workbook's replay), so the page reads the history once.
    """

    def __init__(
        self,
        read: Callable[[], HistoryReport],
        content: Content,
        *,
        due: Callable[[pd.DataFrame], DueDates] | None = None,
        tz: tzinfo | None = None,
        today: date | None = None,
        now: datetime | None = None,
        exercises: Sequence[Exercise] = (),
    ) -> None:
        self.read = read
        self.content = content
        self.exercises = tuple(exercises)
        self.due = due
        self.tz = tz
        self.today = today
        self.now = now
        self.frame: pd.DataFrame | None = None
        self.due_dates: DueDates | None = None
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
        self.topic_grid = widgets.HTML("")
        self.topic_grid.add_class("prep-topic-grid")
        self.topic = widgets.Dropdown(
            description="Questions in",
            options=[("Every question you have practised", PRACTISED)],
            value=PRACTISED,
            style={"description_width": "initial"},
            # stretched between its 2 px margins: `100%` would be 4 px wider than the page
            layout=widgets.Layout(width="auto", align_self="stretch", max_width="48em"),
        )
        self.topic.add_class("prep-topic-select")
        self.topic.observe(self._on_topic, names="value")
        self.cards = widgets.HTML("")
        self.cards.add_class("prep-question-cards")
        self.exercise_table = widgets.HTML("")
        self.exercise_table.add_class("prep-exercise-progress")
        self.chart_note = widgets.HTML("")
        self.charts = widgets.GridBox(
            layout=widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(420px, 1fr))")
        )
        self.table = widgets.HTML("")
        self._topic_chosen = False  # the learner picked a topic: keep it across redraws
        self._quiet = False  # options being replaced: not a choice of the learner's
        self._images: dict[str, widgets.HTML] = {}  # the charts drawn, by name
        super().__init__(
            [
                self.heading,
                self.refresh_button,
                self.status,
                self.problems,
                self.filters,
                self.filter_note,
                self.spotlight,
                self.topic_grid,
                self.topic,
                self.cards,
                self.exercise_table,
                self.chart_note,
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
    def _on_topic(self, _change: dict | None = None) -> None:
        if self._quiet:
            return
        self._topic_chosen = True
        self.show_cards()
        self.draw_charts(QUESTION_CHARTS)

    @guarded
    def _on_show_all(self, _button: widgets.Button | None = None) -> None:
        with self.hold_trait_notifications():
            self.since.value = self.until.value = None
            self.item.value = ""
        self.render()

    def refresh(self) -> None:
        """Re-read the history (once) and redraw everything."""
        try:
            report = self.read()
        except HistoryError as exc:
            self.frame = None
            self.status.show("error", f"Could not read your practice history: {exc}")
            self._clear()
            return
        self.problems.value = _problems_html(report)
        self.frame = report.frame
        self.due_dates = self.due(report.frame) if self.due is not None else None
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
            self.frame,
            self.content,
            tz,
            today,
            since=since,
            until=until,
            item=item,
            due=self.due_dates,
            now=self.now or datetime.now(timezone.utc),
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
        self.topic_grid.value = topic_grid_html(self.summary.topics, dated=bool(since or until))
        self._offer_topics(self.summary.topics)
        self.show_cards()
        self.draw_charts()
        skip = {e.id for e in self.exercises}
        self.table.value = items_table_html(self.summary, skip) if total else ""
        stats = exercise_stats(self.frame, self.exercises)
        self.exercise_table.value = exercise_table_html(stats, self.due_dates, tz, now=self.now)

    def _chosen_ids(self) -> list[str] | None:
        """The questions the topic selector picks, or None for every one (or one item)."""
        if self.summary is None or self.item.value or self.topic.value == PRACTISED:
            return None
        row = next((r for r in self.summary.topics if r.topic == self.topic.value), None)
        return None if row is None else list(row.total.question_ids)

    def draw_charts(self, names: Sequence[str] | None = None) -> None:
        """Draw the charts (or only `names`); the question charts follow the topic selector."""
        summary = self.summary
        if summary is None:
            return
        ids = self._chosen_ids()
        chosen = summary
        if ids is not None:
            chosen = dataclasses.replace(
                summary, questions=summary.questions[summary.questions["item_id"].isin(ids)]
            )
        title = next((r.title for r in summary.topics if r.topic == self.topic.value), "")
        self.chart_note.value = (
            f"<p style='margin:0.4em 0 0 0;color:{_MUTED}'>The coverage, confidence and "
            f"answer-length charts show the questions in <strong>{esc(title)}</strong>; pick "
            "another topic above to see its lines.</p>"
            if ids is not None
            else ""
        )
        images = []
        for name, build in CHARTS:
            image = self._images.get(name)
            if image is None or names is None or name in names:
                drawn = chosen if name in QUESTION_CHARTS else summary
                image = chart_widget(png_bytes(build(drawn)), ALT_TEXTS[name](drawn), name)
                self._images[name] = image
            images.append(image)
        self.charts.children = tuple(images)

    def _offer_topics(self, grid: Sequence[TopicRow]) -> None:
        """Fill the topic selector; keep the learner's pick, else the last topic practised."""
        practised = sum(row.total.practised for row in grid)
        options = [(f"Every question you have practised ({practised})", PRACTISED)] + [
            (topic_option(row), row.topic) for row in grid
        ]
        ids = [value for _label, value in options]
        keep = self.topic.value if self._topic_chosen and self.topic.value in ids else None
        value = keep or last_practised_topic(grid) or (grid[0].topic if grid else PRACTISED)
        self._quiet = True
        try:
            if list(self.topic.options) != options:
                self.topic.options = options
            self.topic.value = value
        finally:
            self._quiet = False

    def show_cards(self) -> None:
        """Draw the per-question cards of the chosen topic (or the one question shown)."""
        summary = self.summary
        if summary is None:
            self.cards.value = ""
            return
        item = self.item.value or None
        dated = bool(self.since.value or self.until.value)
        untried = "No attempts in these dates" if dated else "Not tried yet"
        today = self.today or datetime.now(self.tz or local_tz()).date()
        self.topic.layout.display = "none" if item else None
        stats = summary.question_stats
        if not item and stats is not None and not stats.empty:
            if self.topic.value == PRACTISED:
                stats = stats[~stats["untried"]]
            else:
                stats = stats[stats["topic"] == self.topic.value]
        self.cards.value = question_cards_html(
            stats, today, untried, now=self.now, tz=self.tz or local_tz()
        )

    def _clear(self) -> None:
        self.charts.children = ()
        self._images.clear()
        for part in (
            self.table,
            self.spotlight,
            self.cards,
            self.filter_note,
            self.topic_grid,
            self.chart_note,
            self.exercise_table,
        ):
            part.value = ""


def chart_html(png: bytes, alt: str) -> str:
    """A chart as an `<img>` with its text alternative in `alt` (escaped).

    ipywidgets' Image has no alt attribute, so a chart is an HTML widget holding the PNG
    as a data URL: screen readers read the alt text, and axe's image-alt rule finds it.
    """
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<img class='prep-chart-image' src='data:image/png;base64,{data}' alt='{esc(alt)}' "
        "style='display:block;max-width:100%;height:auto'>"
    )


def chart_widget(png: bytes, alt: str, name: str) -> widgets.HTML:
    """`chart_html` in a widget with the classes `prep-chart` and `prep-chart-<name>`."""
    image = widgets.HTML(chart_html(png, alt))
    image.layout.max_width = "100%"
    image.add_class("prep-chart")
    image.add_class(f"prep-chart-{name}")
    return image


def chart_png(image: widgets.HTML) -> bytes:
    """The PNG a chart widget shows (for tests and screenshots)."""
    data = image.value.split("base64,", 1)[1].split("'", 1)[0]
    return base64.b64decode(data)


def chart_alt(image: widgets.HTML) -> str:
    """The text alternative a chart widget gives its image, unescaped."""
    return html.unescape(image.value.split(" alt='", 1)[1].split("'", 1)[0])


def exercise_table_html(
    stats: Sequence[ExerciseStat],
    due: DueDates | None,
    tz: tzinfo | None,
    *,
    now: datetime | None = None,
) -> str:
    """The coding and SQL exercises: passed or not, checks, time to first pass, next review.

    Status is written out in words with a mark (never colour alone); exercises never
    checked are counted in one line rather than listed, so the table stays short.
    """
    if not stats:
        return ""
    tried = [s for s in stats if s.checks or s.solution_shown]
    passed = sum(s.passed for s in stats)
    untried = len(stats) - len(tried)
    lead = (
        "<h4 style='margin:0.8em 0 0.2em 0'>Coding and SQL exercises</h4>"
        f"<p style='margin:0.2em 0'>{passed} of {len(stats)} passed"
        f"{f'; {untried} not tried yet' if untried else ''}"
        ". Open them in notebooks 25 (Python) and 26 (SQL).</p>"
    )
    if not tried:
        return lead
    moment = now or datetime.now(timezone.utc)
    head = "".join(
        f"<th scope='col' style='text-align:left;padding:2px 10px'>{h}</th>"
        for h in ("Exercise", "Status", "Checks", "Time to first pass", "Last check", "Next review")
    )
    rows = []
    for stat in tried:
        mark = "✓ passed" if stat.passed else ("✗ " + stat.status)
        to_pass = duration_words(stat.time_to_first_pass)
        if stat.checks_to_first_pass:
            n = stat.checks_to_first_pass
            to_pass += f" ({'first check' if n == 1 else f'check {n}'})"
        when = (due or {}).get(stat.exercise.id)
        review = measures.review_words(when, moment, tz or local_tz()) or "—"
        cells = (
            f"{stat.exercise.title} ({stat.exercise.kind_title})",
            mark,
            str(stat.checks),
            to_pass if stat.passed else "—",
            stat.last_result,
            review,
        )
        rows.append(
            "<tr>" + "".join(f"<td style='padding:2px 10px'>{esc(c)}</td>" for c in cells) + "</tr>"
        )
    return (
        f"{lead}<table class='prep-exercise-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def topic_option(row: TopicRow) -> str:
    """The topic selector's label: `Databases and SQL (6 questions, 2 due)`."""
    cell = row.total
    extra = f", {cell.due} due" if cell.due else ""
    return f"{row.title} ({cell.questions} question{plural_s(cell.questions)}{extra})"


def _cell_counts(cell: Cell) -> str:
    return f"{cell.untried} untried · {cell.due} due · {cell.strong} strong"


_PAD = "padding:0.3em 0.55em"


def grid_cell_html(cell: Cell, *, colspan: int = 1) -> str:
    """One square of the grid: the recent coverage, how many questions, the three counts."""
    span = f" colspan='{colspan}'" if colspan > 1 else ""
    if not cell.questions:
        return f"<td class='prep-grid-empty'{span} style='{_PAD};opacity:0.8'>no questions</td>"
    band = cell.band
    if cell.recent_coverage is not None:
        shown = measures.percent_text(cell.recent_coverage)
        lead = f"<strong style='font-size:1.15em'>{shown}</strong>"
    elif cell.practised:
        lead = "<strong>tried</strong>, no coverage saved"
    else:
        lead = "<strong>not tried yet</strong>"
    questions = f"· {cell.questions} question{plural_s(cell.questions)}"
    return (
        f"<td class='prep-grid-cell prep-band-{band}'{span} "
        f"style='background:{_TINTS[band]};{_PAD};vertical-align:top;line-height:1.35'>"
        f"<div>{lead} <span style='font-size:0.85em'>{questions}</span></div>"
        f"<div style='font-size:0.85em;white-space:nowrap'>{_cell_counts(cell)}</div></td>"
    )


def topic_grid_html(grid: Sequence[TopicRow], *, dated: bool = False) -> str:
    """The topic × level grid: a real table, a header on every row and column, text in
    every cell, and a key above it; colour only repeats what the words say."""
    if not grid:
        return ""
    head = "".join(
        f"<th scope='col' style='text-align:left;{_PAD}'>{h}</th>"
        for h in ("Topic", "All levels", *(level.capitalize() for level in LEVELS))
    )
    rows = []
    for row in grid:
        cells = [grid_cell_html(row.total)]
        if row.every_level == row.total.questions:
            cells.append(
                f"<td colspan='{len(LEVELS)}' style='{_PAD};opacity:0.8'>asked at every level</td>"
            )
        else:
            cells += [grid_cell_html(row.levels[level]) for level in LEVELS]
        note = ""
        if 0 < row.every_level < row.total.questions:
            note = (
                f"<div style='font-weight:normal;font-size:0.85em'>{row.every_level} at every "
                "level: under All levels only</div>"
            )
        rows.append(
            f"<tr><th scope='row' style='text-align:left;{_PAD};vertical-align:top;"
            f"font-weight:600'>{esc(row.title)}{note}</th>{''.join(cells)}</tr>"
        )
    when = "in the dates shown" if dated else "lately"
    legend = " ".join(
        f"<span style='background:{_TINTS[band]};padding:0 0.45em;border-radius:3px;"
        f"white-space:nowrap'>{_BAND_WORDS[band]}</span>"
        for band in ("weak", "fair", "strong", "untried")
    )
    return (
        "<h4 style='margin:0.8em 0 0.2em 0'>Your topics at a glance</h4>"
        "<table class='prep-topics' style='border-collapse:separate;border-spacing:3px;"
        "width:100%;table-layout:fixed;line-height:1.35'>"
        "<colgroup><col style='width:24%'>"
        + f"<col style='width:{76 / (len(LEVELS) + 1):.2f}%'>"
        * (len(LEVELS) + 1)
        + "</colgroup>"
        "<caption style='caption-side:top;text-align:left;padding:0 0 0.35em 0;"
        "line-height:1.5'>"
        f"Each square: the <strong>recent coverage</strong> (the share of talking points "
        f"your last tries covered, {when}, averaged over the questions tried), then how many "
        "questions are <strong>untried</strong>, <strong>due</strong> (the schedule says "
        f"review it now) and <strong>strong</strong> ({STRONG_COVERAGE:.0f}% or more lately, "
        f"not due and not under Needs work). {legend}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


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
        + f"<p style='margin:0.2em 0;font-size:0.9em;color:{_MUTED}'>Recent means your last "
        f"{measures.RECENT_TRIES} tries of a question (the later half when you have fewer than "
        "six), here and on every card. A question that rose but still needs work is listed "
        "under Needs work, with how far it has come, not under Most improved.</p>"
    )


def days_ago(moment: pd.Timestamp, today: date) -> str:
    days = (today - moment.date()).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def sparkline(
    values: tuple[float, ...], low: float, high: float, what: str = "score", unit: str = ""
) -> str:
    """A tiny inline SVG line of the last scores, drawn in the text colour of the theme.

    Its accessible name lists the scores it draws: `coverage of your last 3 tries, oldest
    first: 40%, 60%, 80%`.
    """
    if not values:
        return ""
    listed = ", ".join(f"{v:g}{unit}" for v in values)
    if len(values) > 1:
        listed = f"{what} of your last {len(values)} tries, oldest first: {listed}"
    else:
        listed = f"{what} of your one try: {listed}"
    width, height, pad = 96, 22, 3
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    points = [(pad + n * step, y(v)) for n, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in points)
    last_x, last_y = points[-1]
    return (
        f"<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' "
        f"aria-label='{esc(listed)}' "
        "style='vertical-align:middle;opacity:0.85'>"
        f"<polyline points='{line}' fill='none' stroke='currentColor' stroke-width='1.5'/>"
        f"<circle cx='{last_x:.1f}' cy='{last_y:.1f}' r='2.5' fill='currentColor'/></svg>"
    )


def _change(value: float, unit: str) -> str:
    """The rise or fall since the first tries, as `question_stats` counts it (shown units)."""
    if pd.isna(value) or value == 0:
        return ""
    # a tint behind the theme's own text colour: a green or red text colour of its own
    # falls below 4.5:1 contrast on JupyterLab's light theme or on its dark one
    arrow, tint = ("↑", _TINTS["strong"]) if value > 0 else ("↓", _TINTS["weak"])
    return (
        f" <span style='background:{tint};padding:0 0.3em;border-radius:3px'>"
        f"{arrow} {abs(value):.{0 if unit == '%' else 1}f}</span>"
    )


def _first(change: float, first: str) -> str:
    """` (first 40%)`: where the first tries stood, once there is a change to speak of."""
    return "" if pd.isna(change) else f" <span style='font-size:0.85em'>(first {first})</span>"


def card_status_html(row) -> str:
    """A card's line in the grid's own words: recent coverage, tinted as the grid is, and
    whether the question is due or strong (the same columns the grid counts)."""
    band = coverage_band(row.recent_coverage)
    if pd.isna(row.recent_coverage):
        recent = "No coverage saved yet"
    else:
        recent = f"Recent coverage <strong>{measures.percent_text(row.recent_coverage)}</strong>"
    marks = []
    if row.due:
        marks.append("<strong class='prep-due'>due</strong>")
    if row.strong:
        marks.append("<strong class='prep-strong'>strong</strong>")
    tail = f" · {' · '.join(marks)}" if marks else ""
    return (
        f"<div class='prep-card-status'><span style='background:{_TINTS[band]};"
        f"padding:0 0.35em;border-radius:3px'>{recent}</span>{tail}</div>"
    )


def question_cards_html(
    stats: pd.DataFrame | None,
    today: date,
    untried: str = "Not tried yet",
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> str:
    """A small card per question: its status, attempts, last practised, next review, trends.

    `stats` are rows of `Summary.question_stats` (with the columns `mark_status` adds).
    Coverage and confidence are the recent figures (`measures`), the ones the grid, the
    spotlight and next_up use, with the change since the first tries; the sparkline shows
    each try. The next review is counted from `now` in `tz`, as next_up counts it.
    """
    if stats is None or stats.empty:
        return "<p style='margin:0.3em 0'><em>No questions to show here yet.</em></p>"
    tz = tz or local_tz()
    moment = now or datetime.now(timezone.utc)
    cards = []
    for row in stats.itertuples(index=False):
        if row.attempts == 0:
            lines = [f"<div style='color:{_MUTED}'>{untried}</div>"]
        else:
            last = row.last_practised
            due_at = getattr(row, "due_at", None)
            review = ""
            if due_at is not None and not pd.isna(due_at):
                words = measures.review_words(due_at.to_pydatetime(), moment, tz)
                lead = "" if words.startswith(("due", "overdue")) else "next review "
                review = f" · {lead}{words}"
            lines = [
                card_status_html(row),
                f"<div style='color:{_MUTED}'>{row.attempts} attempt{plural_s(row.attempts)} "
                f"· last {days_ago(last, today)} ({last:%a %d %b}){review}</div>",
            ]
            if pd.notna(row.recent_coverage):
                lines.append(
                    f"<div>Coverage <strong>{measures.percent_text(row.recent_coverage)}</strong>"
                    f"{_change(row.coverage_change, '%')}"
                    f"{_first(row.coverage_change, measures.percent_text(row.first_coverage))} "
                    f"{sparkline(row.coverage_trend, 0, 100, 'coverage', '%')}</div>"
                )
            if pd.notna(row.recent_confidence):
                first = f"{measures.tenths(row.first_confidence):.1f}"
                lines.append(
                    f"<div>Confidence <strong>{measures.tenths(row.recent_confidence):.1f}/5"
                    f"</strong>{_change(row.confidence_change, '')}"
                    f"{_first(row.confidence_change, first)} "
                    f"{sparkline(row.confidence_trend, 1, 5, 'confidence', '/5')}</div>"
                )
        cards.append(
            f"<div class='prep-question-stat' data-item='{esc(row.item_id)}' style='border:1px "
            "solid var(--jp-border-color2,#ccc);border-radius:6px;padding:0.4em 0.7em'>"
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
