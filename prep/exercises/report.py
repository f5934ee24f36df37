"""A check's result: an object with counts (`.passed`, `.total`, `.failed`) that shows itself.

In a notebook the report displays as HTML: one line per case, passed or what was expected
and what came back, in plain words, with a SQL case's rows beside the expected ones. As
text (`str(report)`, a terminal, nbval) it reads the same, without the tables' styling.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from .sandbox import Outcome

SAME_AGAIN = "the same error as the test above"
STATUS_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "error": "your code raised an error",
    "check-error": "the check could not use what your code returned",
    "timeout": "stopped",
    "memory": "out of memory",
    "crashed": "stopped",
    "not-run": "not run",
}


@dataclass(frozen=True)
class CaseResult:
    """One case's result as the learner reads it."""

    name: str
    outcome: Outcome

    @property
    def ok(self) -> bool:
        return self.outcome.status == "passed"

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def message(self) -> str:
        """What happened, in plain words (empty for a pass)."""
        o = self.outcome
        if o.status == "passed":
            return ""
        if o.status == "not-run":
            return o.error or "not run: the check stopped at an earlier test"
        parts: list[str] = []
        if o.status == "failed":
            lead = o.what
            if o.expected is not None and o.got is not None:
                lead += f": expected {o.expected}, got {o.got}"
            elif o.expected is not None:
                lead += f": expected {o.expected}"
            elif o.got is not None:
                lead += f" (got {o.got})"
            parts.append(lead)
        else:
            error = o.error
            if o.status == "check-error":
                error = f"the check could not use what your code returned ({o.error})"
            elif o.status == "error" and o.line is not None:
                error = f"your code raised {o.error} at line {o.line}"
                error += f" (`{o.code}`)" if o.code else ""
            elif o.status == "error" and not o.error.startswith("SQL"):
                error = f"your code raised {o.error}"
            parts.append(error)
        if o.note:
            parts.append(o.note)
        text = ". ".join(p.rstrip(".") for p in parts if p)
        # a SQL error is quoted as SQLite wrote it: a full stop would read as part of it
        return text if text.startswith("SQL error:") else text + "."


@dataclass(frozen=True)
class CheckReport:
    """What `prep.check` found: every case's result, and what was saved."""

    exercise_id: str
    title: str
    kind: str
    results: tuple[CaseResult, ...]
    problem: str = ""  # the solution could not be run at all (one plain line)
    saved: str = ""  # "Saved as attempt 3." or why it was not
    extra: tuple[str, ...] = field(default=())  # further lines (hints used, next step)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def tests_passed(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def failed(self) -> int:
        return self.total - self.tests_passed

    @property
    def passed(self) -> bool:
        """Every test passed."""
        return self.total > 0 and self.failed == 0 and not self.problem

    def with_notes(self, saved: str = "", extra: tuple[str, ...] = ()) -> CheckReport:
        return CheckReport(
            self.exercise_id, self.title, self.kind, self.results, self.problem, saved, extra
        )

    @property
    def headline(self) -> str:
        if self.problem:
            return f"{self.title}: not checked. {self.problem}"
        if self.passed:
            return f"{self.title}: all {self.total} tests passed."
        return (
            f"{self.title}: {self.tests_passed} of {self.total} tests passed, {self.failed} failed."
        )

    def __str__(self) -> str:
        lines = [self.headline]
        for result, message in zip(self.results, _messages(self.results), strict=True):
            mark = "✓" if result.ok else "✗"
            lines.append(f"  {mark} {result.name}")
            if not result.ok:
                lines.append(f"      {message}")
            printed = result.outcome.output
            if printed:
                printed = printed if len(printed) <= 300 else printed[:300] + " …"
                lines.append("      printed: " + printed.replace("\n", "\n      "))
            table = result.outcome.table
            if table:
                lines.extend("      " + t for t in _text_table("your rows", table["got"]))
                lines.extend("      " + t for t in _text_table("expected", table["expected"]))
        lines.extend(x for x in (self.saved, *self.extra) if x)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        state = "pass" if self.passed else "fail"
        first_shown = next((i for i, r in enumerate(self.results) if r.outcome.shown), None)
        said = _messages(self.results)
        items = "".join(
            _html_case(r, fold=i != first_shown, kind=self.kind, message=said[i])
            for i, r in enumerate(self.results)
        )
        extra = "".join(f"<p>{html.escape(x)}</p>" for x in (self.saved, *self.extra) if x)
        return (
            f'<div class="prep-report prep-report-{state}" role="region" '
            f'aria-label="Check report: {html.escape(self.title)}">'
            f"<style>{_CSS}</style>"
            f'<p class="prep-report-headline"><strong>{html.escape(self.headline)}</strong></p>'
            f'<ul class="prep-report-cases">{items}</ul>{extra}</div>'
        )


def _code_spans(escaped: str) -> str:
    """`like this` in a message (already HTML-escaped) as code, when the backticks pair up."""
    parts = escaped.split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: leave the text as it is
        return escaped
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _word(result: CaseResult, kind: str) -> str:
    if result.ok:
        return "Passed"
    if result.status == "error" and kind == "sql":
        return "Your query raised an error"
    return STATUS_WORDS[result.status].capitalize()


def _messages(results: tuple[CaseResult, ...]) -> list[str]:
    """Each result's message, with an error repeated from the test before said only once."""
    out, before = [], None
    for result in results:
        message = result.message
        if result.status == "error" and message == before:
            out.append(SAME_AGAIN)
        else:
            out.append(message)
        before = message if result.status == "error" else None
    return out


def _html_case(
    result: CaseResult, *, fold: bool = False, kind: str = "python", message: str = ""
) -> str:
    mark, word = ("✓" if result.ok else "✗"), _word(result, kind)
    body = f"<span class='prep-report-mark' aria-hidden='true'>{mark}</span> "
    body += f"<span class='prep-report-word'>{html.escape(word)}:</span> {html.escape(result.name)}"
    if not result.ok:
        text = message or result.message
        body += f"<div class='prep-report-message'>{_code_spans(html.escape(text))}</div>"
    o = result.outcome
    if o.output:
        body += (
            "<details><summary>What your code printed</summary>"
            f"<pre>{html.escape(o.output)}</pre></details>"
        )
    if o.table:
        body += (
            "<div class='prep-report-tables'>"
            + _html_rows("Your rows", o.table["got"])
            + _html_rows("Expected rows", o.table["expected"])
            + "</div>"
        )
        if not o.table.get("ordered"):
            body += "<div class='prep-report-aside'>Row order does not matter here.</div>"
    elif o.shown:
        rows = "<div class='prep-report-tables'>" + _html_rows("Your rows", o.shown) + "</div>"
        if fold:  # one passing table is enough to read; the rest stay one click away
            rows = f"<details><summary>Your rows for this test</summary>{rows}</details>"
        body += rows
    css = "ok" if result.ok else "bad"
    return f"<li class='prep-report-case prep-report-{css}'>{body}</li>"


def _html_rows(caption: str, rows: dict | None) -> str:
    if rows is None:
        return f"<p>{html.escape(caption)}: none (the query returned no result set)</p>"
    count = rows.get("count", len(rows["rows"]))
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in rows["columns"])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell_text(v))}</td>" for v in row) + "</tr>"
        for row in rows["rows"]
    )
    more = len(rows["rows"]) < count or rows.get("truncated")
    note = (
        f" (first {len(rows['rows'])} of {count}{'+' if rows.get('truncated') else ''})"
        if more
        else ""
    )
    label = f"{caption}: {count} row{'s' if count != 1 else ''}{note}"
    return (
        f"<table class='prep-report-table'><caption>{html.escape(label)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _cell_text(value: object) -> str:
    return "NULL" if value is None else str(value)


def _text_table(caption: str, rows: dict | None) -> list[str]:
    if rows is None:
        return [f"{caption}: no result set"]
    count = rows.get("count", len(rows["rows"]))
    out = [f"{caption} ({count} rows): " + " | ".join(map(str, rows["columns"]))]
    out.extend("  " + " | ".join(_cell_text(v) for v in row) for row in rows["rows"][:10])
    if count > 10:
        out.append(f"  … {count - 10} more")
    return out


_CSS = """
.prep-report { border: 1px solid var(--jp-border-color1, #767676); border-radius: 4px;
  padding: 0.5em 0.9em; margin: 0.3em 0; color: var(--jp-ui-font-color0, inherit);
  max-width: 100%; box-sizing: border-box; overflow-x: auto; }
.prep-report-pass { border-left: 6px solid #1b5e20; }
.prep-report-fail { border-left: 6px solid #b71c1c; }
body[data-jp-theme-light="false"] .prep-report-pass { border-left-color: #66bb6a; }
body[data-jp-theme-light="false"] .prep-report-fail { border-left-color: #ef5350; }
.prep-report summary { cursor: pointer; }
.prep-report summary:focus-visible { outline: 2px solid #1a5fb4; outline-offset: 2px; }
body[data-jp-theme-light="false"] .prep-report summary:focus-visible { outline-color: #8ab4f8; }
.prep-report ul.prep-report-cases { list-style: none; padding-left: 0; margin: 0.3em 0; }
.prep-report-case { margin: 0.25em 0; }
.prep-report-word { font-weight: 600; }
.prep-report-message { margin: 0.15em 0 0.2em 1.6em; }
.prep-report-aside { margin: 0 0 0.3em 1.6em; font-style: italic; }
.prep-report-tables { display: flex; flex-wrap: wrap; gap: 1em; margin: 0.3em 0 0.3em 1.6em; }
.prep-report-table { border-collapse: collapse; font-size: 0.95em; }
.prep-report-table caption { text-align: left; font-weight: 600; padding-bottom: 0.2em; }
.prep-report table.prep-report-table th, .prep-report table.prep-report-table td {
  border: 1px solid var(--jp-border-color2, #bbb); padding: 0.1em 0.5em; text-align: left; }
.prep-report .prep-report-tables table { margin: 0; }
.prep-report details { margin: 0.1em 0 0.1em 1.6em; }
.prep-report pre { white-space: pre-wrap; margin: 0.2em 0 0.2em 1.6em; }
"""
