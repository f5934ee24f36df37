"""The answer book: your best and latest answer to every question, to reread before the day.

`build_book` is pure: it takes the typed history frame and the content and picks, for each
question in workbook order, the best attempt (most required talking points covered, by the
coach run again on the text, because old rows have no saved coverage) and the latest one.
`to_markdown` and `to_html` word the same book for a text editor and for a browser or
printer: a heading per topic in workbook order, only the topics with a saved answer (the
others are named in the summary), and the topic's questions in order under it.
`write_answer_book` reads the history and writes both files side by side.

Answers are the learner's own text and may hold anything that was pasted in, so neither
format lets it become markup: the HTML escapes every piece of text, and the Markdown puts
answers in block quotes with `<`, `>`, `&`, `[` and `]` written as character references
(CommonMark never reads those as markup, so no raw HTML, link or web image can appear).
"""

from __future__ import annotations

import functools
import html
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

import numpy as np
import pandas as pd

from ..coach.analysis import STAR_ELEMENTS, Feedback, analyse
from ..coach.textstats import format_duration
from ..content.loader import Content
from ..errors import AnswerBookError
from ..models import Attempt, Exercise, Question
from ..store.history import (
    HistoryStore,
    atomic_write,
    attempts_from_frame,
    explain_os_error,
    now_utc,
)
from .exercises import ExerciseStat, duration_words, exercise_stats

BEST = "best"
LATEST = "latest"
BOTH = "best and latest"
MOCK = "mock"

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MD_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "&#91;", "]": "&#93;"}
_MD_SPECIAL = re.compile(r"[&<>\[\]]")


# ---- the book ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownAnswer:
    """One attempt as the book shows it, with the coach's feedback on its text."""

    role: str  # BEST, LATEST or BOTH
    attempt: Attempt
    recorded_at: datetime  # in the book's time zone
    feedback: Feedback

    @property
    def mock(self) -> bool:
        return self.attempt.mode == MOCK


@dataclass(frozen=True)
class Entry:
    """A question with the answers to show: none, one (best and latest) or best then latest."""

    question: Question
    attempts: int  # attempts counted for this question
    mock_attempts: int
    shown: tuple[ShownAnswer, ...]

    @property
    def answered(self) -> bool:
        return bool(self.shown)

    @property
    def best(self) -> ShownAnswer | None:
        return self.shown[0] if self.shown else None


@dataclass(frozen=True)
class TopicSection:
    """A topic with at least one saved answer: its heading and its questions, in order."""

    topic: str
    title: str
    entries: tuple[Entry, ...]

    @property
    def answered(self) -> int:
        return sum(e.answered for e in self.entries)


@dataclass(frozen=True)
class AnswerBook:
    """Every question in workbook order, and the figures for the summary at the top.

    `topics` gives the topics' ids and titles in workbook order; the book shows, under a
    heading each, the topics with a saved answer (`sections`) and names the others.
    """

    generated: datetime  # in the book's time zone
    entries: tuple[Entry, ...]
    unreadable_lines: int = 0  # history lines that could not be read and are left out
    topics: tuple[tuple[str, str], ...] = ()
    solved: tuple[ExerciseStat, ...] = ()  # exercises passed, with the code that passed last
    exercises: int = 0  # exercises in the workbook

    def _by_topic(self) -> list[tuple[str, str, tuple[Entry, ...]]]:
        titles = dict(self.topics)
        order = list(titles) + [
            t for t in dict.fromkeys(e.question.topic for e in self.entries) if t not in titles
        ]
        return [
            (topic, titles.get(topic, topic), mine)
            for topic in order
            if (mine := tuple(e for e in self.entries if e.question.topic == topic))
        ]

    @property
    def sections(self) -> tuple[TopicSection, ...]:
        """The topics with at least one saved answer, in workbook order."""
        return tuple(
            TopicSection(topic, title, entries)
            for topic, title, entries in self._by_topic()
            if any(e.answered for e in entries)
        )

    @property
    def unpractised(self) -> tuple[tuple[str, int], ...]:
        """(title, number of questions) of each topic with no saved answer yet."""
        return tuple(
            (title, len(entries))
            for _topic, title, entries in self._by_topic()
            if not any(e.answered for e in entries)
        )

    def numbered(self) -> list[tuple[TopicSection, list[tuple[int, Entry]]]]:
        """The sections with their entries numbered 1, 2, … through the whole book."""
        out, number = [], 0
        for section in self.sections:
            listed = []
            for entry in section.entries:
                number += 1
                listed.append((number, entry))
            out.append((section, listed))
        return out

    @property
    def answered(self) -> int:
        return sum(e.answered for e in self.entries)

    @property
    def attempts(self) -> int:
        return sum(e.attempts for e in self.entries)

    @property
    def mock_attempts(self) -> int:
        return sum(e.mock_attempts for e in self.entries)


def build_book(
    history: pd.DataFrame,
    content: Content,
    tz: tzinfo | None,
    generated: datetime,
    *,
    unreadable_lines: int = 0,
    exercises: Iterable[Exercise] = (),
) -> AnswerBook:
    """Pick the best and the latest answer to every question; pure, history is not changed.

    Only rows for a question's own id with some text count (tip answers and empty saves do
    not). Best: the highest coverage; on a tie the higher confidence (unrated counts
    lowest), then the later one. Coverage is the figure saved with each attempt; only rows
    saved before the coach existed are analysed for it. The answers shown are analysed
    again for their notes, so the book costs the same however often a question was
    answered. Later means a later `recorded_at`, and for two saves with the same time, the
    one further down the file, as on the question card. `tz` None means this computer's
    local time with its daylight-saving rules on each date.
    """
    answers = history["answer"].fillna("")
    usable = history[answers.str.strip() != ""]
    by_item = {str(k): g for k, g in usable.groupby("item_id", sort=False)}
    lexicon = content.lexicon
    entries = []
    for question in content.questions:
        rows = by_item.get(question.id)
        if rows is None or rows.empty:
            entries.append(Entry(question, 0, 0, ()))
            continue
        analysed: dict[str, Feedback] = {}  # the same text twice is analysed once
        feedback_for = functools.partial(_feedback, analysed, question=question, lexicon=lexicon)
        texts = rows["answer"].astype(object).tolist()
        saved = rows["coverage"] if "coverage" in rows else pd.Series(pd.NA, index=rows.index)
        coverage = np.array(
            [
                feedback_for(text).coverage if pd.isna(value) else float(value)
                for text, value in zip(texts, saved.astype(object).tolist(), strict=True)
            ]
        )
        confidence = rows["confidence"].astype("Float64").fillna(0).to_numpy(dtype=float)
        times = rows["recorded_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
        order = np.arange(len(rows))
        latest = int(np.lexsort((order, times))[-1])
        best = int(np.lexsort((order, times, confidence, coverage))[-1])
        roles = [(best, BOTH)] if best == latest else [(best, BEST), (latest, LATEST)]
        picked = attempts_from_frame(rows.iloc[[i for i, _ in roles]])
        shown = tuple(
            ShownAnswer(
                role, attempt, _local(attempt.recorded_at, tz), feedback_for(attempt.answer)
            )
            for (_, role), attempt in zip(roles, picked, strict=True)
        )
        mocks = int((rows["mode"] == MOCK).sum())
        entries.append(Entry(question, len(rows), mocks, shown))
    listed = tuple(exercises)
    solved = tuple(s for s in exercise_stats(history, listed) if s.passed and s.passing_code)
    return AnswerBook(
        _local(generated, tz),
        tuple(entries),
        unreadable_lines,
        topics=tuple((t.id, t.title) for t in content.topics),
        solved=solved,
        exercises=len(listed),
    )


def _feedback(cache: dict[str, Feedback], text: str, *, question: Question, lexicon) -> Feedback:
    if text not in cache:
        cache[text] = analyse(text, question, lexicon)
    return cache[text]


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz)


# ---- wording shared by both formats (plain text; each format escapes it) ------------------


def _when(moment: datetime) -> str:
    """`Tue 03 Mar 2026, 09:05`, the question card's format, in English whatever the locale."""
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day} {moment.day:02d} {month} {moment.year}, {moment.hour:02d}:{moment.minute:02d}"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _quoted(phrases: Iterable[str]) -> str:
    return ", ".join(f"“{p}”" for p in phrases)


def _summary_lines(book: AnswerBook) -> list[str]:
    total = len(book.entries)
    if book.answered == 0:
        answered = f"You have not answered any of the {total} questions yet."
    else:
        mocks = f", {book.mock_attempts} in a mock interview" if book.mock_attempts else ""
        answered = (
            f"You have answered {book.answered} of {total} questions, "
            f"from {_plural(book.attempts, 'saved attempt')}{mocks}."
        )
    lines = [
        f"Made on {_when(book.generated)} from your practice history.",
        answered,
        "The questions come by topic, only the topics you have answered something in. For "
        "each question: your best answer (the one that covers the most talking points), "
        "your latest if it is a different one, the coach's notes, and the pitfalls to avoid.",
    ]
    if book.exercises:
        lines.append(
            f"Coding and SQL exercises passed: {len(book.solved)} of {book.exercises}"
            + (
                ", each with the code that passed last, after the questions."
                if book.solved
                else "."
            )
        )
    if book.unpractised:
        named = ", ".join(f"{title} ({_plural(n, 'question')})" for title, n in book.unpractised)
        lines.append(f"Topics with no saved answer yet, so not in this book: {named}.")
    if book.unreadable_lines:
        count = book.unreadable_lines
        lines.append(
            f"{_plural(count, 'line')} of your practice history could not be read, so "
            f"{'they are' if count != 1 else 'it is'} left out of this book. "
            "prep.history_problems() lists them."
        )
    return lines


def _contents_note(entry: Entry) -> str:
    if entry.best is None:
        return "not answered yet"
    return f"best coverage {entry.best.feedback.coverage:.0%}"


def _entry_intro(entry: Entry) -> str:
    if not entry.answered:
        return "Not answered yet. Talking points to cover:"
    mocks = ""
    if entry.mock_attempts:
        mocks = (
            ", in a mock interview"
            if entry.mock_attempts == entry.attempts
            else f", {entry.mock_attempts} of them in a mock interview"
        )
    said = f"Answered {_times(entry.attempts)}{mocks}."
    if len(entry.shown) == 2:
        return f"{said} Your best answer comes first, then your latest."
    if entry.attempts == 1:
        return said
    return f"{said} Your latest answer is also your best."


def _answer_heading(shown: ShownAnswer) -> str:
    return {
        BEST: "Your best answer",
        LATEST: "Your latest answer",
        BOTH: "Your best and latest answer",
    }[shown.role]


def _answer_facts(shown: ShownAnswer) -> str:
    attempt = shown.attempt
    mode = {MOCK: "mock interview", "practice": "practice"}.get(attempt.mode, attempt.mode)
    confidence = "not rated" if attempt.confidence is None else f"{attempt.confidence}/5"
    facts = [f"Saved {_when(shown.recorded_at)}", mode, f"confidence {confidence}"]
    if attempt.seconds is not None:
        facts.append(f"took {format_duration(attempt.seconds)}")
    return " · ".join(facts)


def _notes(feedback: Feedback) -> list[str]:
    """The coach's headline notes: length, coverage, structure, result, fillers."""
    low, high = feedback.target
    notes = [
        f"Length: {_plural(feedback.words, 'word')}, about "
        f"{format_duration(feedback.spoken_seconds)} spoken, "
        f"{feedback.length_advice}; the aim is {format_duration(low)}–"
        f"{format_duration(high)}."
    ]
    required = [p for p in feedback.points if not p.optional]
    covered = sum(p.covered for p in required)
    notes.append(f"Coverage: {feedback.coverage:.0%}, {covered} of {len(required)} talking points.")
    found = feedback.star_found
    missing = [e for e in STAR_ELEMENTS if e not in found]
    if not missing:
        star = "all four parts heard (situation, task, action, result)."
    elif not found:
        star = f"none of the four parts heard yet ({', '.join(STAR_ELEMENTS)})."
    else:
        star = f"heard {', '.join(found)}; not heard yet: {', '.join(missing)}."
    notes.append(f"Structure (STAR): {star}")
    if feedback.star.get("result"):
        if feedback.result_figures:
            notes.append(f"Figures in your result: {_quoted(feedback.result_figures)}.")
        else:
            notes.append(
                "Your result has no figure: a number, a percentage or time saved makes it stick."
            )
    if feedback.fillers:
        counts = ", ".join(f"“{p}” ×{n}" for p, n in feedback.fillers.items())
        notes.append(f"Fillers and hedges: {feedback.filler_total} ({counts}).")
    else:
        notes.append("Fillers and hedges: none heard.")
    return notes


def _point_lists(feedback: Feedback) -> list[tuple[str, list[str]]]:
    """(label, items) for the talking points covered, still missing, and optional not heard."""
    covered = [
        f"{_optional(p.optional)}{p.text} Heard: {_quoted(_longest(p.matched))}."
        for p in feedback.points
        if p.covered
    ]
    missing = [p.text for p in feedback.points if not p.covered and not p.optional]
    bonus = [p.text for p in feedback.points if not p.covered and p.optional]
    lists = [
        ("Talking points covered", covered),
        ("Talking points still to cover", missing),
        ("Optional, not heard", bonus),
    ]
    return [(label, items) for label, items in lists if items]


def _longest(phrases: tuple[str, ...]) -> list[str]:
    """Leave out a phrase heard only as part of a longer one ("i owned" in "i owned the")."""
    return [p for p in phrases if not any(q != p and f" {p} " in f" {q} " for q in phrases)]


def _to_cover(question: Question) -> list[str]:
    return [f"{_optional(p.optional)}{p.text}" for p in question.talking_points]


def _optional(optional: bool) -> str:
    return "Optional: " if optional else ""


# ---- Markdown ---------------------------------------------------------------------------


def md_text(text: str) -> str:
    """Escape text for Markdown so it stays text: no raw HTML, links or images."""
    return _MD_SPECIAL.sub(lambda m: _MD_ESCAPES[m.group()], text)


def md_quote(text: str) -> str:
    """Quote an answer: `> ` before every line, `>` for a blank one, markup escaped."""
    lines = text.strip("\n").splitlines() or [""]
    return "\n".join(f"> {md_text(line)}".rstrip() for line in lines)


def github_slug(heading: str) -> str:
    """The anchor GitHub and most editors give a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _md_list(items: Iterable[str], mark: str = "-") -> list[str]:
    return [f"{mark} {md_text(item)}" for item in items]


def _question_heading(number: int, question: Question) -> str:
    return f"{number}. {question.title}"


def _topic_note(section: TopicSection) -> str:
    return f"{section.answered} of {_plural(len(section.entries), 'question')} answered"


def to_markdown(book: AnswerBook) -> str:
    """The answer book as Markdown; every piece of text is escaped, answers are quoted.

    A `##` heading per topic with a saved answer, in workbook order; its questions under
    `###` headings, numbered through the whole book.
    """
    out = ["# Your answer book", ""]
    for line in _summary_lines(book):
        out += [md_text(line), ""]
    numbered = book.numbered()
    if numbered:
        out += ["## Contents", ""]
    for section, entries in numbered:
        out += [
            f"**[{md_text(section.title)}](#{github_slug(section.title)})**: "
            f"{md_text(_topic_note(section))}",
            "",
        ]
        for number, entry in entries:
            heading = _question_heading(number, entry.question)
            out.append(
                f"{number}. [{md_text(entry.question.title)}](#{github_slug(heading)}): "
                f"{md_text(_contents_note(entry))}"
            )
        out.append("")
    for section, entries in numbered:
        out += [f"## {md_text(section.title)}", ""]
        for number, entry in entries:
            out += _md_entry(number, entry)
    if book.solved:
        out += [f"## {CODE_HEADING}", ""]
        for stat in book.solved:
            out += [f"### {md_text(_exercise_heading(stat.exercise))}", ""]
            out += [md_text(_exercise_facts(stat)), ""]
            fence = "````" if "```" in stat.passing_code else "```"
            language = "python" if stat.exercise.kind == "python" else "sql"
            out += [f"{fence}{language}", stat.passing_code.rstrip("\n"), fence, ""]
    return "\n".join(out).rstrip("\n") + "\n"


CODE_HEADING = "Coding and SQL exercises"


def _exercise_heading(exercise: Exercise) -> str:
    return f"{exercise.title} ({exercise.kind_title}, {exercise.level})"


def _exercise_facts(stat: ExerciseStat) -> str:
    first = stat.checks_to_first_pass or 0
    took = duration_words(stat.time_to_first_pass)
    facts = (
        f"Passed first on {_when(_local(stat.first_pass, None))} at check {first} "
        f"({took} after opening it); {_plural(stat.checks, 'check')} in all."
        if stat.first_pass is not None
        else f"{_plural(stat.checks, 'check')}."
    )
    if stat.hints_before_pass:
        facts += f" {_plural(stat.hints_before_pass, 'hint')} used before the first pass."
    if stat.solution_shown:
        facts += " The model solution was opened before the first pass."
    return facts + " The code that passed last:"


def _md_entry(number: int, entry: Entry) -> list[str]:
    question = entry.question
    out = [f"### {md_text(_question_heading(number, question))}", ""]
    out += [f"**Question:** {md_text(question.prompt)}", ""]
    out += [md_text(_entry_intro(entry)), ""]
    if not entry.answered:
        out += [*_md_list(_to_cover(question)), ""]
    for shown in entry.shown:
        out += [f"#### {md_text(_answer_heading(shown))}", ""]
        out += [md_text(_answer_facts(shown)), ""]
        out += [md_quote(shown.attempt.answer), ""]
        out += ["**Coach's notes**", "", *_md_list(_notes(shown.feedback)), ""]
        for label, items in _point_lists(shown.feedback):
            out += [f"**{md_text(label)}**", "", *_md_list(items), ""]
    if question.pitfalls:
        out += ["#### Pitfalls to avoid", "", *_md_list(question.pitfalls), ""]
    return out


# ---- HTML -------------------------------------------------------------------------------

_STYLE = """
:root {
  --fg: #1d1d1f; --bg: #ffffff; --muted: #5b5b60; --line: #d9d9de;
  --quote-bg: #f4f5f7; --accent: #1f5fa8; --ok: #2e7d32; --todo: #a35a00;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e8e8ea; --bg: #17181a; --muted: #a4a4ab; --line: #3a3b40;
    --quote-bg: #222327; --accent: #8ab4f8; --ok: #81c995; --todo: #f0b060;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 17px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
}
main { max-width: 46em; margin: 0 auto; padding: 2em 1.2em 4em; }
h1 { font-size: 1.9em; margin: 0 0 0.4em; }
h2 {
  font-size: 1.5em; margin: 2.4em 0 0.2em; padding-top: 0.6em; border-top: 3px solid var(--line);
}
h3 {
  font-size: 1.3em; margin: 1.8em 0 0.4em; padding-top: 0.5em; border-top: 1px solid var(--line);
}
h4 { font-size: 1.1em; margin: 1.6em 0 0.3em; }
h5 { font-size: 1em; margin: 1em 0 0.2em; }
.topic > h2 + .question > h3 { border-top: none; margin-top: 0.8em; padding-top: 0; }
nav ol { margin: 0.2em 0 0.8em; }
ul.toc { list-style: none; padding-left: 0; }
ul.toc > li { margin-top: 0.6em; }
ul.toc > li > a { font-weight: 600; }
a { color: var(--accent); }
.summary p { margin: 0.3em 0; }
.muted, .facts { color: var(--muted); }
.facts { margin: 0.2em 0 0.6em; font-size: 0.95em; }
.answer-text {
  white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.4em 0 1em; padding: 0.8em 1em;
  background: var(--quote-bg); border-left: 4px solid var(--accent); border-radius: 4px;
}
ul { padding-left: 1.6em; }
li { margin: 0.2em 0; }
ul.covered li::marker { content: "✓  "; color: var(--ok); }
ul.missing li::marker { content: "○  "; color: var(--todo); }
.heard { color: var(--muted); }
.pitfalls h4 { margin-top: 0.8em; }
.pitfalls {
  margin-top: 1.4em; padding: 0.2em 1em 0.6em; border: 1px solid var(--line); border-radius: 6px;
}
@media print {
  :root {
    --fg: #000000; --bg: #ffffff; --muted: #444444; --line: #bbbbbb;
    --quote-bg: #ffffff; --accent: #000000; --ok: #000000; --todo: #000000;
  }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav a { text-decoration: none; }
  .topic, .question + .question { break-before: page; }
  h2, h3, h4, h5 { break-after: avoid; }
  .answer-text { border: 1px solid var(--line); border-left-width: 4px; }
  li, .facts { break-inside: avoid; }
}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def question_anchor(question: Question) -> str:
    """The HTML id of a question's heading: its stable content id."""
    return f"q-{question.id}"


def _html_list(items: Iterable[str], css: str = "") -> str:
    rows = "".join(f"<li>{_esc(item)}</li>" for item in items)
    return f"<ul class='{css}'>{rows}</ul>" if css else f"<ul>{rows}</ul>"


def topic_anchor(topic: str) -> str:
    """The HTML id of a topic's heading: its stable topic id."""
    return f"topic-{topic}"


def to_html(book: AnswerBook) -> str:
    """The answer book as one self-contained HTML page: inline style, no scripts, escaped."""
    summary = "".join(f"<p>{_esc(line)}</p>" for line in _summary_lines(book))
    numbered = book.numbered()
    contents = "".join(
        f"<li><a href='#{_esc(topic_anchor(section.topic))}'>{_esc(section.title)}</a>"
        f" <span class='muted'>({_esc(_topic_note(section))})</span>"
        f"<ol start='{entries[0][0]}'>"
        + "".join(
            f"<li><a href='#{_esc(question_anchor(e.question))}'>{_esc(e.question.title)}</a>"
            f" <span class='muted'>({_esc(_contents_note(e))})</span></li>"
            for _n, e in entries
        )
        + "</ol></li>"
        for section, entries in numbered
    )
    nav = (
        f"<nav aria-label='Contents'><h2>Contents</h2><ul class='toc'>{contents}</ul></nav>\n"
        if numbered
        else ""
    )
    code = ""
    if book.solved:
        code = (
            "<section class='topic' aria-labelledby='exercises'>"
            f"<h2 id='exercises'>{_esc(CODE_HEADING)}</h2>\n"
            + "".join(
                f"<section class='question'><h3>{_esc(_exercise_heading(st.exercise))}</h3>"
                f"<p>{_esc(_exercise_facts(st))}</p>"
                f"<pre><code>{_esc(st.passing_code)}</code></pre></section>\n"
                for st in book.solved
            )
            + "</section>\n"
        )
    sections = "".join(
        f"<section class='topic' aria-labelledby='{_esc(topic_anchor(section.topic))}'>"
        f"<h2 id='{_esc(topic_anchor(section.topic))}'>{_esc(section.title)}</h2>\n"
        + "".join(_html_entry(n, e) for n, e in entries)
        + "</section>\n"
        for section, entries in numbered
    )
    return (
        "<!DOCTYPE html>\n"
        "<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<title>Your answer book</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        "<h1>Your answer book</h1>\n"
        f"<div class='summary'>{summary}</div>\n"
        f"{nav}"
        f"{sections}"
        f"{code}"
        "</main>\n</body>\n</html>\n"
    )


def _html_entry(number: int, entry: Entry) -> str:
    question = entry.question
    parts = [
        f"<section class='question'>"
        f"<h3 id='{_esc(question_anchor(question))}'>"
        f"{_esc(_question_heading(number, question))}</h3>",
        f"<p><strong>Question:</strong> {_esc(question.prompt)}</p>",
        f"<p>{_esc(_entry_intro(entry))}</p>",
    ]
    if not entry.answered:
        parts.append(_html_list(_to_cover(question), "missing"))
    for shown in entry.shown:
        parts.append(_html_answer(shown))
    if question.pitfalls:
        parts.append(
            "<aside class='pitfalls'><h4>Pitfalls to avoid</h4>"
            f"{_html_list(question.pitfalls)}</aside>"
        )
    parts.append("</section>\n")
    return "\n".join(parts)


def _html_answer(shown: ShownAnswer) -> str:
    feedback = shown.feedback
    parts = [
        "<article class='answer'>",
        f"<h4>{_esc(_answer_heading(shown))}</h4>",
        f"<p class='facts'>{_esc(_answer_facts(shown))}</p>",
        f"<blockquote class='answer-text'>{_esc(shown.attempt.answer.strip())}</blockquote>",
        "<h5>Coach's notes</h5>",
        _html_list(_notes(feedback)),
    ]
    css = {
        "Talking points covered": "covered",
        "Talking points still to cover": "missing",
        "Optional, not heard": "missing",
    }
    for label, items in _point_lists(feedback):
        parts.append(f"<h5>{_esc(label)}</h5>{_html_list(items, css[label])}")
    parts.append("</article>")
    return "\n".join(parts)


# ---- writing ----------------------------------------------------------------------------


def book_paths(target: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Where the Markdown and the HTML go for a target the learner named.

    `book` and `book.txt` become `book.md` / `book.txt.md` (a `.md` is added), `book.html`
    means `book.md` beside it; the HTML always sits next to the Markdown with `.html`.
    """
    path = Path(target).expanduser()
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        md = path.with_suffix(".md")
    elif suffix in MARKDOWN_SUFFIXES:
        md = path
    else:
        md = path.with_name(path.name + ".md")
    return md, md.with_suffix(".html")


def write_answer_book(
    store: HistoryStore,
    content: Content,
    target: str | os.PathLike[str],
    *,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    exercises: Iterable[Exercise] = (),
) -> tuple[Path, Path]:
    """Write the answer book as Markdown at `target` and as HTML beside it; return both paths.

    Lines of the history that cannot be read are left out and counted in the book's
    summary. Raises `AnswerBookError` (plain words) for a target that would overwrite the
    history or land in its backups, a folder that does not exist, or a failed write, and
    `HistoryError` when the history cannot be read at all.
    """
    md_path, html_path = book_paths(target)
    _check_target(store, Path(target).expanduser(), md_path, html_path)
    report = store.read()
    book = build_book(
        report.frame,
        content,
        tz,
        now or now_utc(),
        unreadable_lines=len(report.problems),
        exercises=exercises,
    )
    written: list[Path] = []
    for path, text in ((md_path, to_markdown(book)), (html_path, to_html(book))):
        try:
            atomic_write(path, text.encode("utf-8"))
        except OSError as exc:
            done = f" ({written[0]} was written)" if written else ""
            raise AnswerBookError(
                f"the answer book could not be saved as {path}: {explain_os_error(exc, path)}{done}"
            ) from exc
        written.append(path)
    return md_path, html_path


def _check_target(store: HistoryStore, target: Path, *paths: Path) -> None:
    history = store.path.resolve()
    backups = store.backups_dir.resolve()
    for path in (target, *paths):
        resolved = path.resolve()
        if resolved == history:
            raise AnswerBookError(
                f"the answer book must go to another file than your practice history ({history})"
            )
        if resolved.is_relative_to(backups):
            raise AnswerBookError(
                f"the folder {backups} keeps copies of your history; save the answer book "
                "somewhere else"
            )
    for path in paths:
        folder = path.parent
        if not folder.exists():
            raise AnswerBookError(
                f"the folder {folder} does not exist; create it first or choose another place"
            )
        if not folder.is_dir():
            raise AnswerBookError(f"{folder} is a file, not a folder; choose another place")
        if path.is_dir():
            raise AnswerBookError(
                f"{path} is a folder; give a file name instead, such as {path / 'answer-book.md'}"
            )
