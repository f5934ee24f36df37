"""A timed mock interview: one question at a time, a countdown, hints only after answering.

Each answer is saved (mode "mock") the moment it is submitted, so a run abandoned halfway
keeps everything answered so far. A run may end with a coding or SQL exercise: the code
is typed into the same box, checked in the sandbox when submitted, and saved like any
other check (mode "exercise", with the time it took). The countdown reads an injectable
clock; a hidden `Play` widget only refreshes the display, so tests never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any

import ipywidgets as widgets

from ..coach.analysis import Feedback, Lexicon
from ..coach.textstats import format_duration
from ..models import Attempt, Exercise, Question
from ..practice.measures import review_words
from ..store.drafts import DraftStore
from ..store.history import HistoryStore
from ._common import (
    CONFIDENCE_DRAFT,
    Autosave,
    BugLog,
    Status,
    bullets,
    confidence_draft,
    confidence_from_draft,
    confidence_picker,
    esc,
    guarded,
    local_tz,
    plural_s,
    record_answer,
    shortcut_hint,
)
from ._layout import GrowingRows, full_width
from .feedback_view import feedback_html

ANSWER_ROWS = (6, 30)  # the answer box grows with the answer between these many rows
CODE_ROWS = (12, 40)  # and an exercise's code box between these


@dataclass(frozen=True)
class MockResult:
    question: Question
    attempt: Attempt
    feedback: Feedback


@dataclass(frozen=True)
class CodeResult:
    """A timed exercise in a mock run: what the check found and how long it took."""

    exercise: Exercise
    seconds: float
    tests_passed: int
    total: int
    saved: bool


# (exercise, code, seconds) -> (the report's HTML, tests passed, tests run, saved?, status line)
CodeChecker = Callable[[Exercise, str, float], tuple[str, int, int, bool, str]]


def task_html(exercise: Exercise) -> str:
    """An exercise's task for the mock view: paragraphs, `code` spans and the interface."""
    paragraphs = []
    for block in exercise.task.split("\n\n"):
        text = esc(block.strip())
        parts = text.split("`")
        text = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
        paragraphs.append(f"<p style='margin:0.3em 0'>{text}</p>")
    return (
        f"<p style='font-size:1.15em;margin:0.4em 0'><strong>{exercise.kind_title} exercise: "
        f"{esc(exercise.title)}</strong></p>{''.join(paragraphs)}"
        f"<pre style='white-space:pre-wrap'>{esc(exercise.interface)}</pre>"
        "<style>.prep-code textarea{font-family:var(--jp-code-font-family,monospace)}</style>"
    )


def countdown_text(target_seconds: int, elapsed: float) -> tuple[str, bool]:
    """('1:23 left', False) while in time; ('0:12 over', True) once past the target."""
    left = target_seconds - elapsed
    if left >= 0:
        return f"{format_duration(left)} left", False
    return f"{format_duration(-left)} over", True


class MockInterview(widgets.VBox):
    """Answer N questions against the clock, then see how it went and when each is due."""

    def __init__(
        self,
        questions: Sequence[Question | Exercise],
        *,
        store: HistoryStore,
        lexicon: Lexicon,
        seed: int,
        next_reviews: Callable[[], dict[str, datetime | None]],
        drafts: DraftStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
        repeat: str | None = None,
        note: str = "",
        check_code: CodeChecker | None = None,
    ) -> None:
        self.questions = list(questions)
        self.check_code = check_code
        self.code_results: list[CodeResult] = []
        self.repeat = repeat or f"prep.mock_interview(seed={seed})"
        self.note = note
        self.store = store
        self.lexicon = lexicon
        self.seed = seed
        self.next_reviews = next_reviews
        self.clock = clock
        self.tz = tz
        self.index = -1  # -1: not started
        self.started_at = 0.0
        self.results: list[MockResult] = []

        self.header = widgets.HTML("")
        self.start_button = widgets.Button(
            description="Start the interview",
            button_style="primary",
            icon="play",
            layout=widgets.Layout(width="auto"),  # the default width cuts the words off
        )
        self.start_button.add_class("prep-start")
        self.prompt = widgets.HTML("")
        self.countdown = widgets.HTML("")
        self.countdown.add_class("prep-countdown")
        self.ticker = widgets.Play(value=0, min=0, max=10**7, step=1, interval=1000)
        self.ticker.layout.display = "none"
        self.ticker.add_class("prep-control")  # only refreshes the countdown
        self.answer = widgets.Textarea(
            placeholder="Answer as you would out loud…",
            layout=full_width(display="none"),
        )
        self.answer_rows = GrowingRows(self.answer, least=ANSWER_ROWS[0], most=ANSWER_ROWS[1])
        self.answer.add_class("prep-answer")
        self.answer.add_class("prep-sr-label")  # named after each question, for screen readers
        self.confidence = confidence_picker()
        self.confidence.layout.display = "none"
        self.submit_button = widgets.Button(
            description="Submit answer", button_style="primary", layout=widgets.Layout(width="auto")
        )
        self.submit_button.add_class("prep-submit")
        self.submit_button.layout.display = "none"
        self.shortcut = shortcut_hint("the answer box", button_css=".prep-submit")
        self.shortcut.layout.display = "none"
        self.status = Status()
        self.hints = widgets.HTML("")
        self.hints.add_class("prep-hints")
        self.next_button = widgets.Button(
            description="Next question", icon="arrow-right", layout=widgets.Layout(width="auto")
        )
        self.next_button.add_class("prep-next")
        self.next_button.layout.display = "none"
        self.summary = widgets.HTML("")
        self.summary.add_class("prep-mock-summary")
        self.bug_log = BugLog()
        self.autosave = Autosave(self, drafts, self._draft_changes) if drafts else None

        self.start_button.on_click(self._on_start)
        self.submit_button.on_click(self._on_submit)
        self.next_button.on_click(self._on_next)
        self.ticker.observe(self._on_tick, names="value")
        self.answer.observe(self._on_answer_change, names="value")
        self.confidence.observe(self._on_answer_change, names="value")
        super().__init__(
            [
                self.header,
                self.start_button,
                self.prompt,
                self.countdown,
                self.ticker,
                self.answer,
                self.confidence,
                self.submit_button,
                self.shortcut,
                self.status,
                self.hints,
                self.next_button,
                self.summary,
                self.bug_log,
            ]
        )
        self.add_class("prep-card")
        self.add_class("prep-mock")
        self._show_header()
        if not self.questions:
            self.start_button.layout.display = "none"
            self.status.show("info", "There are no questions to ask yet.")

    # ---- state ---------------------------------------------------------------------------

    @property
    def current(self) -> Question | Exercise | None:
        return self.questions[self.index] if 0 <= self.index < len(self.questions) else None

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started_at

    def _draft_key(self) -> str:
        return f"mock/{self.current.id}" if self.current else "mock/-"

    def _draft_changes(self) -> dict[str, str | None]:
        """The answer being typed and the confidence picked, until they are submitted."""
        key = self._draft_key()
        return {
            key: self.answer.value,
            key + CONFIDENCE_DRAFT: confidence_draft(self.confidence.value),
        }

    @property
    def done(self) -> bool:
        """True once the run is over: every question asked, the summary shown."""
        return bool(self.questions) and self.index >= len(self.questions)

    def _show_header(self) -> None:
        total = len(self.questions)
        if self.done:
            answered = len(self.results) + len(self.code_results)
            where = f"done: {answered} of {total} answered"
        elif self.current:
            where = f"question {self.index + 1} of {total}"
        else:
            where = f"{total} question{plural_s(total)}"
        note = f"<p style='margin:0.2em 0'>{esc(self.note)}</p>" if self.note else ""
        self.header.value = (
            f"<h3 style='margin:0.2em 0'>Mock interview · {where}</h3>"
            f"<p style='opacity:0.75;margin:0'>Run {self.seed}: "
            f"<code>{esc(self.repeat)}</code> asks the same questions "
            "again. Hints stay hidden until you submit; each answer is saved as you submit it."
            f"</p>{note}"
        )

    # ---- events --------------------------------------------------------------------------

    @guarded
    def _on_start(self, _button: widgets.Button | None = None) -> None:
        self.start()

    @guarded
    def _on_submit(self, _button: widgets.Button | None = None) -> None:
        self.submit()

    @guarded
    def _on_next(self, _button: widgets.Button | None = None) -> None:
        self.next()

    @guarded
    def _on_tick(self, _change: dict[str, Any]) -> None:
        self.tick()

    @guarded
    def _on_answer_change(self, _change: dict[str, Any]) -> None:
        if self.autosave is not None and self.current is not None:
            self.autosave.changed()

    # ---- the run -------------------------------------------------------------------------

    def start(self) -> None:
        self.start_button.layout.display = "none"
        self.index = -1
        self.next()

    def _set_exercise(self, exercise: Exercise) -> None:
        self._ask(exercise)
        self.prompt.value = task_html(exercise)
        self.answer.placeholder = (
            f"Write your {exercise.name or 'query'} here, as you would in the interview…"
        )
        self.answer.add_class("prep-code")
        self.answer_rows.set_bounds(least=CODE_ROWS[0], most=CODE_ROWS[1])
        self.confidence.layout.display = "none"
        self.submit_button.description = "Check and submit"
        self.answer.description = f"Your code for: {exercise.title}"

    def _ask(self, question: Question | Exercise) -> None:
        self._show_header()
        if isinstance(question, Question):
            self.prompt.value = (
                f"<p style='font-size:1.15em;margin:0.4em 0'><strong>{esc(question.prompt)}"
                "</strong></p>"
            )
            self.answer.placeholder = "Answer as you would out loud…"
            self.answer.remove_class("prep-code")
            self.answer_rows.set_bounds(least=ANSWER_ROWS[0], most=ANSWER_ROWS[1])
            self.submit_button.description = "Submit answer"
            self.answer.description = f"Your answer to: {question.prompt}"
        self.hints.value = ""
        self.status.clear()
        self.answer.disabled = False
        self.answer.value = ""
        self.confidence.value = None
        for widget in (self.answer, self.confidence, self.submit_button, self.shortcut):
            widget.layout.display = None
        self.next_button.layout.display = "none"
        if self.autosave is not None:
            drafts = self.autosave.restore()
            rating = drafts.get(self._draft_key() + CONFIDENCE_DRAFT)
            if rating is not None:
                self.confidence.value = confidence_from_draft(rating.text)
            draft = drafts.get(self._draft_key())
            if draft is not None:
                self.answer.value = draft.text
                self.status.show(
                    "info", "Draft restored: you typed this before but had not submitted it."
                )
        self.started_at = self.clock()
        self.ticker.playing = True
        self.tick()

    def tick(self) -> None:
        question = self.current
        if question is None or self.answer.disabled:
            return
        low, high = _target(question)
        text, over = countdown_text(high, self.elapsed)
        color = "var(--jp-error-color1,#c62828)" if over else "inherit"
        self.countdown.value = (
            f"<span style='font-size:1.3em;color:{color}'><strong>{esc(text)}</strong></span>"
            f" <span style='opacity:0.75'>(aim for {format_duration(low)}–"
            f"{format_duration(high)})</span>"
        )

    def submit(self) -> Attempt | None:
        question = self.current
        if question is None or self.answer.disabled:
            return None
        answer = self.answer.value
        if not answer.strip():
            self.status.show("error", "Nothing to submit yet: type your answer first.")
            return None
        seconds = self.elapsed
        if isinstance(question, Exercise):
            self._submit_code(question, answer, seconds)
            return None
        saved = record_answer(
            self,
            self.store,
            question,
            answer,
            self.lexicon,
            mode="mock",
            seconds=seconds,
            confidence=self.confidence.value,
        )
        if saved is None:
            return None
        attempt, feedback = saved
        if self.autosave is not None:
            self.autosave.clear(self._draft_key(), self._draft_key() + CONFIDENCE_DRAFT)
        self.ticker.playing = False
        self.results.append(MockResult(question, attempt, feedback))
        self.answer.disabled = True
        self.submit_button.layout.display = "none"
        self.shortcut.layout.display = "none"
        self.countdown.value = (
            f"<span style='opacity:0.75'>Answered in {format_duration(seconds)}.</span>"
        )
        self.status.show("ok", f"Saved ({len(self.results)} of {len(self.questions)} answered).")
        self.hints.value = (
            "<details open><summary><strong>What a strong answer covers</strong></summary>"
            f"{bullets(p.text for p in question.talking_points)}</details>"
            "<details><summary><strong>Example outline</strong></summary>"
            f"{bullets(question.example_outline)}</details>" + feedback_html(feedback, self.lexicon)
        )
        last = self.index == len(self.questions) - 1
        self.next_button.description = "See how it went" if last else "Next question"
        self.next_button.layout.display = None
        return attempt

    def _submit_code(self, exercise: Exercise, code: str, seconds: float) -> None:
        if self.check_code is None:
            self.status.show("error", "Exercises cannot be checked in this run.")
            return
        self.status.show("info", "Checking your code…")
        report_html, passed, total, saved, line = self.check_code(exercise, code, seconds)
        if not saved:
            self.status.show("error", line)  # the code stays in the box to try again
            self.hints.value = report_html
            return
        if self.autosave is not None:
            self.autosave.clear(self._draft_key(), self._draft_key() + CONFIDENCE_DRAFT)
        self.ticker.playing = False
        self.code_results.append(CodeResult(exercise, seconds, passed, total, saved))
        self.answer.disabled = True
        self.submit_button.layout.display = "none"
        self.shortcut.layout.display = "none"
        self.countdown.value = (
            f"<span style='opacity:0.75'>Checked after {format_duration(seconds)}.</span>"
        )
        self.status.show("ok", line)
        self.hints.value = report_html
        last = self.index == len(self.questions) - 1
        self.next_button.description = "See how it went" if last else "Next question"
        self.next_button.layout.display = None

    def next(self) -> None:
        self.index += 1
        question = self.current
        if isinstance(question, Exercise):
            self._set_exercise(question)
            return
        if question is not None:
            self._ask(question)
            return
        self.finish()

    def finish(self) -> None:
        self.ticker.playing = False
        for widget in (
            self.answer,
            self.confidence,
            self.submit_button,
            self.shortcut,
            self.next_button,
        ):
            widget.layout.display = "none"
        self.prompt.value = ""
        self.countdown.value = ""
        self.hints.value = ""
        self._show_header()
        answers, checks = len(self.results), len(self.code_results)
        parts = [f"{answers} answer{plural_s(answers)} saved"] if answers or not checks else []
        if checks:
            parts.append(f"{checks} exercise{plural_s(checks)} checked")
        self.status.show("ok", f"Done: {' and '.join(parts)}.")
        self.summary.value = summary_html(
            self.results, self.next_reviews(), self.tz, self.code_results
        )


def _target(step: Question | Exercise) -> tuple[int, int]:
    if isinstance(step, Exercise):
        return (step.minutes * 45, step.minutes * 60)
    return step.target_seconds


def summary_html(
    results: Sequence[MockResult],
    due: dict[str, datetime | None],
    tz: tzinfo | None,
    code_results: Sequence[CodeResult] = (),
    now: datetime | None = None,
) -> str:
    """The end-of-run table: time used, words, coverage, confidence, next review.

    The next review is worded as next_up and the progress cards word it, from `now`.
    """
    moment = now or datetime.now(timezone.utc)
    rows = []
    for result in results:
        question, attempt, feedback = result.question, result.attempt, result.feedback
        low, high = question.target_seconds
        used = format_duration(attempt.seconds or 0)
        when = due.get(question.id)
        review = review_words(when, moment, tz or local_tz())
        confidence = f"{attempt.confidence}/5" if attempt.confidence else "—"
        rows.append(
            "<tr>"
            f"<td>{esc(question.title)}</td>"
            f"<td>{esc(used)} <span style='opacity:0.7'>(aim {format_duration(low)}–"
            f"{format_duration(high)})</span></td>"
            f"<td>{feedback.words}</td>"
            f"<td>{feedback.coverage:.0%}</td>"
            f"<td>{esc(confidence)}</td>"
            f"<td>{esc(review)}</td>"
            "</tr>"
        )
    for result in code_results:
        exercise = result.exercise
        low, high = _target(exercise)
        when = due.get(exercise.id)
        review = review_words(when, moment, tz or local_tz())
        rows.append(
            "<tr>"
            f"<td>{esc(exercise.title)} (exercise)</td>"
            f"<td>{esc(format_duration(result.seconds))} <span style='opacity:0.7'>(aim "
            f"{format_duration(low)}–{format_duration(high)})</span></td>"
            "<td>—</td>"
            f"<td>{result.tests_passed} of {result.total} tests</td>"
            "<td>—</td>"
            f"<td>{esc(review)}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th style='text-align:left;padding-right:1em'>{h}</th>"
        for h in ("Question", "Time used", "Words", "Coverage", "Confidence", "Next review")
    )
    return (
        "<h4 style='margin:0.6em 0 0.2em 0'>How it went</h4>"
        # a long word may break in a narrow window rather than push the card sideways
        f"<table class='prep-mock-table' style='overflow-wrap:anywhere'><tr>{head}</tr>"
        f"{''.join(rows)}</table>"
    )
