"""The functions the exercise notebooks call: list, show, check, hint, reveal.

Each check is saved in the practice history like a spoken answer: mode `exercise`, the
code as the answer (the whole cell that defined the learner's class or function, exactly
as typed), and the tests passed and run. Hints seen and the model solution opened are
kept in the drafts file until the next passing check, so a restart does not forget them
and the schedule can tell a pass with help (Hard) from one without (Good or Easy).
"""

from __future__ import annotations

import contextlib
import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .errors import PrepError
from .exercises import runner, sample_db
from .exercises.harness import Rows
from .exercises.report import CheckReport
from .insight.exercises import ExerciseStat, exercise_stats, latest_is_pass
from .models import EXERCISE_KINDS, KIND_TITLES, Exercise
from .practice.schedule import SOLUTION_MODE
from .store.history import now_utc
from .workbook import (
    HINTS_KEY,
    OPENED_KEY,
    SOLUTION_KEY,
    _read_quietly,
    all_exercises,
    content,
    drafts,
    exercise_help,
    record_check,
    store,
)


def _get(exercise_id: str) -> Exercise:
    return all_exercises().get(exercise_id)


# ---- listing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseInfo:
    """One line of `prep.exercises()`."""

    id: str
    title: str
    kind: str
    topic: str
    level: str
    minutes: int


class ExerciseList(list):
    """A list of exercises that shows itself as a table."""

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th scope='col' style='text-align:left'>{h}</th>"
            for h in ("Id", "Exercise", "Kind", "Topic", "Level", "Minutes")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td style='padding:0.1em 0.8em 0.1em 0'>{html.escape(str(v))}</td>"
                for v in (e.id, e.title, KIND_TITLES[e.kind], e.topic, e.level, e.minutes)
            )
            + "</tr>"
            for e in self
        )
        return f"<table class='prep-exercise-list'><thead><tr>{head}</tr></thead>{rows}</table>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(
            "\n".join(f"{e.id:<24} {KIND_TITLES[e.kind]:<7} {e.level:<7} {e.title}" for e in self)
        )


def exercises(kind: str | None = None, topic: str | None = None) -> ExerciseList:
    """Every coding and SQL exercise: id, title, kind (`python` or `sql`), topic, level.

    `kind="sql"` keeps one kind; `topic="caching"` keeps one topic.
    """
    if kind is not None and kind not in EXERCISE_KINDS:
        raise PrepError(f"kind must be 'python' or 'sql', not {kind!r}")
    chosen = all_exercises().select(kind=kind, topic=topic)
    return ExerciseList(
        ExerciseInfo(e.id, e.title, e.kind, e.topic, e.level, e.minutes) for e in chosen
    )


# ---- one exercise ------------------------------------------------------------------------


def _stat(exercise: Exercise) -> ExerciseStat:
    frame = _read_quietly(store()).frame
    return exercise_stats(frame, [exercise])[0]


def _status_line(stat: ExerciseStat) -> str:
    if stat.checks == 0:
        return "You have not checked a solution yet."
    checks = f"{stat.checks} check{'s' if stat.checks != 1 else ''}"
    if stat.passed:
        return f"Passed ({checks} so far; last: {stat.last_result} passed)."
    return f"Not passed yet ({checks}; last: {stat.last_result} passed). Keep going."


def _topic_title(topic: str) -> str:
    try:
        return content().topic(topic).title
    except PrepError:
        return topic


def _fence(code: str, language: str) -> str:
    fence = "````" if "```" in code else "```"
    return f"{fence}{language}\n{code.rstrip()}\n{fence}"


# JupyterLab Dark draws code comments #408080 on #111: 4.15:1, under WCAG's 4.5:1. In the
# workbook's output (not the learner's own cells) they are drawn #6aa6a6: 6.9:1.
_DARK_COMMENTS = (
    '<style>body[data-jp-theme-light="false"] .jp-RenderedMarkdown.jp-OutputArea-output'
    "{--jp-mirror-editor-comment-color:#6aa6a6}</style>"
)


class Page:
    """Markdown that displays itself (JupyterLab, Voilà and nbconvert all render it)."""

    def __init__(self, markdown: str, text: str | None = None) -> None:
        self.markdown, self.text = markdown, text if text is not None else markdown

    def _repr_markdown_(self) -> str:
        return f"{self.markdown}\n\n{_DARK_COMMENTS}"

    def __repr__(self) -> str:
        return self.text


def exercise(exercise_id: str) -> Page:
    """Show an exercise: the task, the interface, examples and a starter to copy below."""
    ex = _get(exercise_id)
    key = OPENED_KEY.format(id=ex.id)
    try:
        if drafts().get(key) is None:
            drafts().update({key: now_utc().isoformat()})
    except (PrepError, OSError):
        pass  # timing is a nicety; the page still shows
    language = "python" if ex.kind == "python" else "sql"
    hints = len(ex.hints)
    if ex.kind == "python":
        check_call = f'prep.check("{ex.id}", {ex.name})'
        how = (
            f'Copy the starter into a new cell below (or run `prep.starter("{ex.id}")`), '
            f"write your `{ex.name}`, run the cell, then check it with `{check_call}`."
        )
    else:
        check_call = f'prep.check("{ex.id}", """SELECT ...""")'
        how = (
            f"Write your query in a new cell below, inside triple quotes: `{check_call}`. "
            'Try queries out first with `prep.sql("""SELECT ...""")`; every run uses a '
            "fresh copy of the sample database, so nothing you do can break it."
        )
    examples = _fence(ex.examples, "python") if ex.kind == "python" else ex.examples
    parts = [
        f"### {ex.title}",
        f"*{ex.kind_title} exercise · {_topic_title(ex.topic)} · {ex.level} level · about "
        f"{ex.minutes} minutes · id `{ex.id}`*",
        ex.task,
        "**Interface**",
        _fence(ex.interface, language),
        "**Examples**",
        examples,
        "**Start from this**",
        _fence(ex.starter, language),
        f"**How to work:** {how}",
        f'**Stuck?** `prep.hint("{ex.id}")` gives one of {hints} hint'
        f'{"s" if hints != 1 else ""} at a time; `prep.solution("{ex.id}")` shows a model '
        "solution and its trade-offs (try the hints first: a pass without them schedules the "
        "next review further away).",
        f"**Your record:** {_status_line(_stat(ex))}",
    ]
    return Page("\n\n".join(parts), text=f"{ex.title} ({ex.id})\n\n{ex.task}")


def starter(exercise_id: str) -> Page:
    """Put the exercise's starter code into a new cell below this one (or show it)."""
    ex = _get(exercise_id)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and hasattr(shell, "set_next_input"):
        shell.set_next_input(ex.starter.rstrip("\n"), replace=False)
        return Page(f"The starter for **{ex.title}** is in a new cell below: fill it in.")
    return Page(_fence(ex.starter, "python" if ex.kind == "python" else "sql"), ex.starter)


# ---- checking ----------------------------------------------------------------------------


def _can_save(solution: Any) -> bool:
    return isinstance(solution, str) or callable(solution)


def check(exercise_id: str, solution: Any) -> CheckReport:
    """Check your solution: the class or function you wrote, or for SQL the query text.

    The report lists every test: passed, or what was expected and what came back. The
    code you checked is saved in your practice history with the result.
    """
    ex = _get(exercise_id)
    report = runner.check(ex, solution)
    if not _can_save(solution) or (ex.kind == "sql" and not isinstance(solution, str)):
        return report.with_notes(saved="Nothing was saved: there was no code to save.")
    help_used = exercise_help(ex)
    hints, shown, _ = help_used
    _saved, saved = record_check(ex, solution, report, None, help_used)
    if report.passed:
        helped = " with help" if hints or shown else ""
        nxt = (
            f"Passed{helped}. It comes back in prep.next_up() when it is due again; "
            "solving it again from memory then is what makes it stick."
        )
    elif report.problem:
        nxt = ""
    else:
        left = len(ex.hints) - hints
        nxt = (
            f'Stuck? prep.hint("{ex.id}") gives hint {hints + 1} of {len(ex.hints)}.'
            if left > 0
            else f'You have seen every hint; prep.solution("{ex.id}") shows a model solution.'
        )
    return report.with_notes(saved=saved, extra=(nxt,) if nxt else ())


def hint(exercise_id: str) -> Page:
    """Show the next hint for an exercise (and the ones before it), one more each call."""
    ex = _get(exercise_id)
    hints, _shown, _ = exercise_help(ex)
    shown_now = min(hints + 1, len(ex.hints))
    with contextlib.suppress(PrepError, OSError):
        drafts().update({HINTS_KEY.format(id=ex.id): str(shown_now)})
    lines = [f"**Hint {n} of {len(ex.hints)}:** {text}" for n, text in enumerate(ex.hints, 1)]
    lines = lines[:shown_now]
    if hints >= len(ex.hints):
        lines.append(f'That was the last hint. `prep.solution("{ex.id}")` shows a model solution.')
    elif shown_now < len(ex.hints):
        lines.append(f'Run `prep.hint("{ex.id}")` again for the next one.')
    text = "\n".join(
        f"Hint {n} of {len(ex.hints)}: {t}" for n, t in enumerate(ex.hints[:shown_now], 1)
    )
    return Page("\n\n".join([f"#### Hints: {ex.title}", *lines]), text)


def solution(exercise_id: str) -> Page:
    """Show a model solution with its trade-offs (the history notes it if you had not passed)."""
    ex = _get(exercise_id)
    stat = _stat(ex)
    note = ""
    if not latest_is_pass(stat):
        try:
            store().record(ex.id, "", mode=SOLUTION_MODE, extra={"solution_shown": "1"})
            drafts().update({SOLUTION_KEY.format(id=ex.id): now_utc().isoformat()})
            note = (
                "*Your history notes that you opened this before your latest check passed; "
                "your next pass counts as one with help. Close this, wait a while, and write "
                "it again from memory.*"
            )
        except (PrepError, OSError) as exc:
            note = f"*(Not noted in your history: {exc})*"
    language = "python" if ex.kind == "python" else "sql"
    parts = [f"#### A model solution: {ex.title}", _fence(ex.solution, language), ex.explanation]
    if note:
        parts.append(note)
    return Page("\n\n".join(parts), ex.solution)


# ---- the sample database -----------------------------------------------------------------


class QueryResult:
    """A query's rows (or its one-line error) as a table."""

    def __init__(self, rows: Rows | None, error: str = "") -> None:
        self.rows, self.error = rows, error

    def _repr_html_(self) -> str:
        if self.error:
            return f"<p class='prep-sql-error'>{html.escape(self.error)}</p>"
        assert self.rows is not None
        head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in self.rows.columns)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{'NULL' if v is None else html.escape(str(v))}</td>" for v in row)
            + "</tr>"
            for row in self.rows.rows[:SHOWN]
        )
        count = len(self.rows.rows)
        more = "+" if self.rows.truncated else ""
        caption = f"{count}{more} row{'s' if count != 1 else ''}"
        if count > SHOWN:
            caption += f" (first {SHOWN} shown)"
        return (
            "<table class='prep-sql-result'>"
            f"<caption style='text-align:left'>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def to_frame(self) -> pd.DataFrame:
        if self.rows is None:
            return pd.DataFrame()
        return pd.DataFrame(list(self.rows.rows), columns=list(self.rows.columns))

    def __repr__(self) -> str:
        if self.error:
            return self.error
        assert self.rows is not None
        lines = [" | ".join(self.rows.columns)]
        lines += [
            " | ".join("NULL" if v is None else str(v) for v in r) for r in self.rows.rows[:20]
        ]
        return "\n".join(lines)


SHOWN = 50


def sql(query: str) -> QueryResult:
    """Run a query on a fresh copy of the sample shop database and show its rows."""
    if not isinstance(query, str) or not query.strip():
        return QueryResult(
            None, 'Write a query between the quotes, e.g. prep.sql("SELECT * FROM products").'
        )
    try:
        return QueryResult(sample_db.explore(query))
    except PrepError as exc:
        return QueryResult(None, str(exc))


def sample_database() -> Page:
    """Describe the sample shop database: its tables, columns and how many rows each has."""
    text = sample_db.schema_text()
    return Page(_fence(text, "text"), text)
