"""The question card: the question, hideable guidance, an answer field, and earlier attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

import ipywidgets as widgets

from ..coach.analysis import Feedback, Lexicon, analyse, compare
from ..coach.textstats import format_duration, length_summary, word_count
from ..models import Attempt, Question
from ..store.drafts import DraftStore
from ..store.history import SPREADSHEET_CELL_LIMIT, HistoryStore
from ._common import (
    CONFIDENCE_DRAFT,
    SAVE_KEYS,
    Autosave,
    BugLog,
    CardStyle,
    Status,
    TimerControl,
    bullets,
    confidence_draft,
    confidence_from_draft,
    confidence_picker,
    draft_time,
    esc,
    guarded,
    local_time,
    paragraphs,
    plural_s,
    record_answer,
    shortcut_hint,
)
from ._layout import GrowingRows, full_width
from .feedback_view import feedback_html

GUIDANCE_TITLES = ("Why they ask", "Talking points", "Pitfalls to avoid", "Example outline")


def guidance_html(question: Question) -> str:
    """The four guidance sections as native <details>, all closed: practise blind first.

    Each opens on its own (several at once), is reached with Tab and opens with Enter or
    Space, with no script: the browser does it.
    """
    bodies = (
        paragraphs(question.why_asked),
        bullets(p.text for p in question.talking_points),
        bullets(question.pitfalls),
        bullets(question.example_outline),
    )
    return "".join(
        f"<details class='prep-guide'><summary>{esc(title)}</summary><div>{body}</div></details>"
        for title, body in zip(GUIDANCE_TITLES, bodies, strict=True)
    )


SHOWN_ATTEMPTS = 10  # earlier attempts listed at first; "Show more" adds as many again
ANSWER_ROWS = (8, 30)  # the answer field grows with the answer between these many rows
KEPT_ATTEMPTS = 50  # the newest attempts a card holds: its work never grows with the history


def attempts_html(
    attempts: Sequence[Attempt],
    tz: tzinfo | None = None,
    *,
    total: int | None = None,
    shown: int = SHOWN_ATTEMPTS,
) -> str:
    """Render the newest `shown` of `attempts`, newest first, every piece of text escaped.

    `attempts` may be only the newest of `total` attempts (a card holds a bounded number);
    they are numbered from `total` down.
    """
    total = len(attempts) if total is None else total
    if not attempts:
        return "<p><em>No earlier attempts yet: your saved answers will appear here.</em></p>"
    # file order breaks ties: two saves within one second keep the order they were made in
    order = sorted(range(len(attempts)), key=lambda i: (attempts[i].recorded_at, i), reverse=True)
    newest = [attempts[i] for i in order[:shown]]
    parts = [f"<p><strong>Your earlier attempts ({total})</strong></p>"]
    for position, attempt in enumerate(newest):
        number = total - position
        when = local_time(attempt.recorded_at, tz).strftime("%a %d %b %Y, %H:%M")
        words = word_count(attempt.answer)
        facts = [f"{words} word{plural_s(words)}"]
        if attempt.seconds is not None:
            facts.append(f"timed {format_duration(attempt.seconds)}")
        if attempt.confidence is not None:
            facts.append(f"confidence {attempt.confidence}/5")
        if attempt.mode != "practice":
            facts.append(attempt.mode)
        parts.append(
            "<div class='prep-attempt' style='margin:0 0 0.8em 0'>"
            f"<div style='opacity:0.75'>#{number} · {esc(when)} · {esc(' · '.join(facts))}</div>"
            "<div style='white-space:pre-wrap;line-height:1.45;"
            "border-left:3px solid var(--jp-border-color2,#ccc);"
            f"padding-left:0.6em'>{esc(attempt.answer)}</div></div>"
        )
    beyond = total - len(newest)
    if beyond > 0 and len(newest) >= len(attempts):
        parts.append(
            f"<p><em>{beyond} older attempt{plural_s(beyond)} "
            f"{'is' if beyond == 1 else 'are'} in prep.history().</em></p>"
        )
    return "".join(parts)


class QuestionCard(widgets.VBox):
    """Practise one question: answer blind, open the guidance, time it, rate it, save it."""

    def __init__(
        self,
        question: Question,
        *,
        store: HistoryStore,
        attempts: Sequence[Attempt] = (),
        total: int | None = None,
        timer: TimerControl | None = None,
        tz: tzinfo | None = None,
        drafts: DraftStore | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.question = question
        self.lexicon = lexicon or Lexicon()
        self._earlier_feedback: dict[str, Feedback] = {}
        self.store = store
        self.tz = tz
        # the newest attempts, oldest first (at most KEPT_ATTEMPTS), of `total` in all
        self.attempts: list[Attempt] = list(attempts)[-KEPT_ATTEMPTS:]
        self.total = len(attempts) if total is None else total
        self.shown = SHOWN_ATTEMPTS

        self.heading = widgets.HTML(
            f"<h3 style='margin:0.2em 0'>{esc(question.title)}</h3>"
            f"<p style='font-size:1.15em;margin:0.2em 0 0.6em 0'><strong>"
            f"{esc(question.prompt)}</strong></p>"
        )
        self.guidance = widgets.HTML(guidance_html(question))
        self.guidance.add_class("prep-guidance")
        # named after its question for screen readers (the label is visually hidden: the
        # question is right above it)
        self.answer = widgets.Textarea(
            placeholder="Type your answer the way you would say it in the interview…",
            description=f"Your answer to: {question.prompt}",
            layout=full_width(),
        )
        self.answer_rows = GrowingRows(self.answer, least=ANSWER_ROWS[0], most=ANSWER_ROWS[1])
        self.answer.add_class("prep-answer")
        self.answer.add_class("prep-sr-label")
        self.length = widgets.HTML(esc(length_summary("", question.target_seconds)))
        self.length.add_class("prep-length")
        self.timer = timer or TimerControl()
        self.confidence = confidence_picker()
        self.save_button = widgets.Button(
            description="Save",
            button_style="primary",
            icon="save",
            tooltip=f"Save this attempt ({SAVE_KEYS} in the answer field)",
        )
        self.save_button.add_class("prep-save")
        self.shortcut = shortcut_hint()
        self.status = Status()
        self.feedback = widgets.HTML("")
        self.feedback.add_class("prep-feedback")
        self.history_view = widgets.HTML("")
        self.history_view.add_class("prep-attempts")
        self.more_button = widgets.Button(
            description="Show more attempts",
            tooltip="List older attempts too",
            layout=widgets.Layout(width="auto", align_self="flex-start"),
        )
        self.more_button.add_class("prep-more")
        self.more_button.on_click(self._on_more)
        self._show_attempts()
        self.bug_log = BugLog()

        self.confidence_key = question.id + CONFIDENCE_DRAFT
        self._saved_line: tuple[str, str] | None = None  # the status saying the text is saved
        self.autosave = Autosave(self, drafts, self._draft_changes) if drafts else None
        self.answer.observe(self._on_answer_change, names="value")
        self.confidence.observe(self._on_confidence_change, names="value")
        self.save_button.on_click(self._on_save)

        controls = widgets.HBox(
            [self.timer, self.confidence, self.save_button, self.shortcut],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        super().__init__(
            [
                CardStyle(),
                self.heading,
                self.guidance,
                self.answer,
                self.length,
                controls,
                self.status,
                self.bug_log,
                self.feedback,
                self.history_view,
                self.more_button,
            ]
        )
        self.add_class("prep-card")
        self.add_class("prep-question-card")
        self._restore_draft()

    def _draft_changes(self) -> dict[str, str | None]:
        """The answer and the confidence picked, both unsaved until Save.

        Text that is the attempt just saved is no draft (None discards it): resetting the
        confidence after a Save triggers the autosave while the saved text is still in the
        field, and that text must not come back later as "typed but not saved".
        """
        text = self.answer.value
        saved = bool(self.attempts) and self.attempts[-1].answer == text
        return {
            self.question.id: None if saved else text,
            self.confidence_key: confidence_draft(self.confidence.value),
        }

    def _restore_draft(self) -> None:
        """Put back text typed (and a rating picked) before a restart, reload or crash."""
        if self.autosave is None:
            return
        drafts = self.autosave.restore()
        draft = drafts.get(self.question.id)
        rating = drafts.get(self.confidence_key)
        if draft is not None and self.attempts and self.attempts[-1].answer == draft.text:
            self.autosave.clear(self.question.id, self.confidence_key)  # it was saved after all
            return
        if rating is not None:
            self.confidence.value = confidence_from_draft(rating.text)
        if draft is None:
            return
        self.answer.value = draft.text
        self.status.show(
            "info",
            f"Draft restored from {draft_time(draft.updated_at, self.tz)}: you typed this but "
            "had not saved it. Press Save to keep it, or clear the field to discard it.",
        )

    @guarded
    def _on_confidence_change(self, _change: dict[str, Any]) -> None:
        if self.autosave is not None:
            self.autosave.changed()

    @guarded
    def _on_answer_change(self, change: dict[str, Any]) -> None:
        self.length.value = esc(length_summary(change["new"], self.question.target_seconds))
        self.show_feedback(change["new"])
        self._keep_status_true(change["new"])
        if self.autosave is not None:
            self.autosave.changed()

    def _keep_status_true(self, text: str) -> None:
        """Never say "Saved" while the field holds text typed after the save.

        Typing after a save swaps the saved line for a "Not saved yet" one; typing back to
        the saved text (or clearing the field, which holds nothing new) puts it back.
        """
        if self._saved_line is None or not self.attempts:
            return
        unsaved = (
            "info",
            f"Not saved yet: you changed your answer after attempt {self.total} was saved. "
            "Press Save to keep the changes.",
        )
        shown = (self.status.kind, self.status.text)
        changed = bool(text.strip()) and text != self.attempts[-1].answer
        if changed and shown == self._saved_line:
            self.status.show(*unsaved)
        elif not changed and shown == unsaved:
            self.status.show(*self._saved_line)

    def _show_attempts(self) -> None:
        self.history_view.value = attempts_html(
            self.attempts, self.tz, total=self.total, shown=self.shown
        )
        more = self.shown < len(self.attempts)
        self.more_button.layout.display = None if more else "none"

    @guarded
    def _on_more(self, _button: widgets.Button | None = None) -> None:
        self.shown += SHOWN_ATTEMPTS
        self._show_attempts()

    def _number(self, position: int) -> int:
        """The attempt number of `self.attempts[position]`, counting every attempt saved."""
        return self.total - len(self.attempts) + position + 1

    def analyse(self, text: str) -> Feedback:
        return analyse(text, self.question, self.lexicon)

    def show_feedback(self, text: str, feedback: Feedback | None = None) -> None:
        """Show the coach's view of `text`, against the latest saved attempt that differs."""
        if not text.strip():
            self.feedback.value = ""
            return
        feedback = feedback or self.analyse(text)
        position = next(
            (i for i in range(len(self.attempts) - 1, -1, -1) if self.attempts[i].answer != text),
            None,
        )
        earlier = None if position is None else self.attempts[position]
        comparison, when = None, ""
        if earlier is not None and position is not None:
            if earlier.attempt_id not in self._earlier_feedback:  # not again on every keystroke
                self._earlier_feedback[earlier.attempt_id] = self.analyse(earlier.answer)
            before = self._earlier_feedback[earlier.attempt_id]
            comparison = compare(feedback, before, text, earlier.answer)
            number = self._number(position)
            when = f"attempt {number}, {local_time(earlier.recorded_at, self.tz):%d %b %H:%M}"
        self.feedback.value = feedback_html(feedback, self.lexicon, comparison, when)

    @guarded
    def _on_save(self, _button: widgets.Button | None = None) -> None:
        self.save()

    def save(self) -> Attempt | None:
        """Save the answer as a new attempt; on any problem say so and keep the text."""
        answer = self.answer.value
        if not answer.strip():
            self.status.show("error", "Nothing to save yet: type your answer first.")
            return None
        if self.attempts and self.attempts[-1].answer == answer:
            if self.autosave is not None:
                self.autosave.clear(self.question.id, self.confidence_key)
            self.status.show(
                "info",
                f"Already saved: this is the same text as attempt {self.total}. "
                "Change it to save a new attempt.",
            )
            self._saved_line = (self.status.kind, self.status.text)
            return None
        self.timer.stop()
        saved = record_answer(
            self,
            self.store,
            self.question,
            answer,
            self.lexicon,
            seconds=self.timer.seconds,
            confidence=self.confidence.value,
        )
        if saved is None:
            return None
        attempt, feedback = saved
        if self.autosave is not None:
            self.autosave.clear(self.question.id, self.confidence_key)
        self.attempts.append(attempt)
        del self.attempts[:-KEPT_ATTEMPTS]
        self.total += 1
        self._show_attempts()
        self.show_feedback(answer, feedback)
        when = local_time(attempt.recorded_at, self.tz).strftime("%H:%M")
        message = f"Saved attempt {self.total} at {when}."
        notices = self.store.take_notices()
        if len(answer) > SPREADSHEET_CELL_LIMIT:
            message += (
                f" It is longer than a spreadsheet cell holds ({SPREADSHEET_CELL_LIMIT:,}"
                " characters), so a spreadsheet would cut it; the workbook keeps all of it."
            )
            self.status.show("warn", " ".join([message, *notices]))
        else:
            self.status.show("ok", " ".join([message, *notices]))
        self._saved_line = (self.status.kind, self.status.text)
        self.timer.reset()
        self.confidence.value = None
        return attempt
