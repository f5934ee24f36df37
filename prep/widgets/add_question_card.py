"""The form for the learner's own questions: add one, and below it edit, retire or restore."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..content.own import OWN_TOPIC, OwnQuestionError, OwnQuestions, OwnQuestionStore
from ..models import LEVELS, Question
from ..store.drafts import DraftStore
from ._common import Autosave, BugLog, CardStyle, Status, esc, guarded
from ._layout import full_width

DRAFT_PREFIX = "add-question/"  # draft keys of the form's fields: no question id has a `/`
ANY_LEVEL = ""
ADD_LABEL = "Add"
SAVE_LABEL = "Save changes"


def level_options() -> list[tuple[str, str]]:
    return [("Any level", ANY_LEVEL)] + [(level.capitalize(), level) for level in LEVELS]


def question_line(question: Question, topic_title: str, retired: bool) -> str:
    """One row of the list: the title, then id, topic, level and whether it is retired."""
    facts = [question.id, topic_title, question.level or "any level"]
    if retired:
        facts.append("retired")
    return (
        f"<span><strong>{esc(question.title)}</strong> "
        f"<span style='opacity:0.75'>· {esc(' · '.join(facts))}</span></span>"
    )


class AddQuestionCard(widgets.VBox):
    """Add a question of your own; edit, retire or restore the ones you added.

    `questions` is the learner's questions file. Every refusal (an empty title, a
    duplicate, a file that no longer parses) shows in the status line and leaves the
    fields as typed. What is typed for a new question is kept in `drafts` until it is added.
    """

    def __init__(
        self,
        questions: OwnQuestionStore,
        *,
        drafts: DraftStore | None = None,
        start_timer: Callable[[float, Callable[[], None]], Callable[[], None]] | None = None,
    ) -> None:
        self.questions = questions
        self.editing: str | None = None  # the id loaded into the form, or None: a new question
        self.heading = widgets.HTML(
            "<h3 style='margin:0.2em 0'>Add a question of your own</h3>"
            "<p style='margin:0.2em 0 0.6em 0'>One a company you are preparing for is known to "
            "ask. It gets a card, the coach, scheduling and the mock interview, like the "
            "questions from the bank.</p>"
        )
        wide = full_width()  # `width="100%"` plus the 2 px margins would scroll the form
        style = {"description_width": "8em"}
        self.title = widgets.Text(
            description="Title",
            placeholder="A short name, e.g. “Sharding the orders table”",
            layout=wide,
            style=style,
        )
        self.title.add_class("prep-own-title")
        self.prompt = widgets.Textarea(
            description="Question",
            placeholder="The question as the interviewer would ask it",
            layout=full_width(height="5em"),
            style=style,
        )
        self.prompt.add_class("prep-own-prompt")
        self.points = widgets.Textarea(
            description="Talking points",
            placeholder="What a strong answer covers, one point per line",
            layout=full_width(height="7em"),
            style=style,
        )
        self.points.add_class("prep-own-points")
        self.topic = widgets.Dropdown(description="Topic", style=style)
        self.topic.add_class("prep-own-topic")
        self.level = widgets.Dropdown(
            description="Level", options=level_options(), value=ANY_LEVEL, style=style
        )
        self.level.add_class("prep-own-level")
        self.add_button = widgets.Button(
            description=ADD_LABEL, button_style="primary", icon="plus", tooltip="Add this question"
        )
        self.add_button.add_class("prep-own-add")
        self.cancel_button = widgets.Button(
            description="Cancel editing", tooltip="Leave this question as it was"
        )
        self.cancel_button.add_class("prep-own-cancel")
        self.cancel_button.layout.display = "none"
        self.status = Status()
        self.bug_log = BugLog()
        self.list_heading = widgets.HTML("")
        self.listing = widgets.VBox([])
        self.listing.add_class("prep-own-list")
        self.rows: dict[str, tuple[widgets.Button, widgets.Button]] = {}

        self.add_button.on_click(self._on_add)
        self.cancel_button.on_click(self._on_cancel)
        self.autosave = (
            Autosave(self, drafts, self._draft_changes, start_timer=start_timer) if drafts else None
        )
        for field in (self.title, self.prompt, self.points):
            field.observe(self._on_typing, names="value")

        super().__init__(
            [
                CardStyle(),
                self.heading,
                self.title,
                self.prompt,
                self.points,
                widgets.HBox([self.topic, self.level], layout=widgets.Layout(flex_flow="row wrap")),
                widgets.HBox([self.add_button, self.cancel_button]),
                self.status,
                self.bug_log,
                self.list_heading,
                self.listing,
            ]
        )
        self.add_class("prep-card")
        self.add_class("prep-add-question")
        self.refresh()
        self._restore_drafts()

    # -- what the form shows ----------------------------------------------------------

    def refresh(self) -> OwnQuestions:
        """Read the file again: topics, the list of questions, and any problem with the file."""
        choices = self.questions.topic_choices()
        options = [(t.title, t.id) for t in choices]
        if list(self.topic.options) != options:
            current = self.topic.value
            self.topic.options = options
            self.topic.value = current if current in {i for _, i in options} else OWN_TOPIC.id
        own = self.questions.read()
        if own.problem is not None:
            self.status.show("error", str(own.problem))
        titles = {t.id: t.title for t in choices}
        self.rows = {}
        rows = []
        for question in own.every:
            retired = own.is_retired(question.id)
            edit = widgets.Button(description="Edit", tooltip=f"Edit {question.id}")
            edit.add_class("prep-own-edit")
            toggle = widgets.Button(
                description="Restore" if retired else "Retire",
                tooltip=(
                    "Bring it back into practice"
                    if retired
                    else "Leave it out of practice (its answers are kept)"
                ),
            )
            toggle.add_class("prep-own-restore" if retired else "prep-own-retire")
            edit.on_click(lambda _b, qid=question.id: self._on_edit(qid))
            toggle.on_click(lambda _b, qid=question.id, r=retired: self._on_retire(qid, not r))
            self.rows[question.id] = (edit, toggle)
            line = widgets.HTML(question_line(question, titles.get(question.topic, ""), retired))
            row = widgets.HBox(
                [line, edit, toggle],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            )
            row.add_class("prep-own-row")
            rows.append(row)
        count = len(own.every)
        self.list_heading.value = (
            f"<p style='margin:0.8em 0 0.2em 0'><strong>Your questions ({count})</strong></p>"
            if count
            else "<p style='margin:0.8em 0 0.2em 0'><em>Your questions appear here once you "
            "add one.</em></p>"
        )
        self.listing.children = tuple(rows)
        return own

    def _fields(self) -> dict[str, Any]:
        return {
            "title": self.title.value,
            "prompt": self.prompt.value,
            "talking_points": self.points.value,
            "topic": self.topic.value,
            "level": self.level.value or None,
        }

    def _clear_fields(self) -> None:
        self.title.value = self.prompt.value = self.points.value = ""
        self.level.value = ANY_LEVEL
        self.topic.value = OWN_TOPIC.id

    def _set_mode(self, question_id: str | None) -> None:
        self.editing = question_id
        self.add_button.description = SAVE_LABEL if question_id else ADD_LABEL
        self.add_button.icon = "save" if question_id else "plus"
        self.cancel_button.layout.display = None if question_id else "none"

    # -- drafts -----------------------------------------------------------------------

    def _draft_changes(self) -> dict[str, str | None]:
        """A new question's fields as drafts; while editing, the drafts are left alone."""
        if self.editing is not None:
            return {}
        return {
            DRAFT_PREFIX + "title": self.title.value,
            DRAFT_PREFIX + "prompt": self.prompt.value,
            DRAFT_PREFIX + "points": self.points.value,
        }

    def _restore_drafts(self) -> None:
        if self.autosave is None:
            return
        found = self.autosave.restore()
        for name, field in (
            ("title", self.title),
            ("prompt", self.prompt),
            ("points", self.points),
        ):
            draft = found.get(DRAFT_PREFIX + name)
            if draft is not None:
                field.value = draft.text
        if found and not self.status.text:
            self.status.show(
                "info",
                "Draft restored: you typed this question but had not added it. Press Add to "
                "keep it, or clear the fields.",
            )

    @guarded
    def _on_typing(self, _change: dict[str, Any]) -> None:
        if self.autosave is not None and self.editing is None:
            self.autosave.changed()

    # -- actions ----------------------------------------------------------------------

    @guarded
    def _on_add(self, _button: widgets.Button | None = None) -> None:
        self.submit()

    def submit(self) -> Question | None:
        """Add the question in the form (or save the one being edited); None if refused."""
        editing = self.editing
        try:
            if editing is None:
                question = self.questions.add(**self._fields())
            else:
                question = self.questions.edit(editing, **self._fields())
        except OwnQuestionError as exc:
            verb = "Not added" if editing is None else "Not saved"
            self.status.show("error", f"{verb}. {exc}")
            return None
        if self.autosave is not None and editing is None:
            self.autosave.clear(*self._draft_changes())
        self._set_mode(None)
        self._clear_fields()
        self.refresh()
        if editing is None:
            self.status.show(
                "ok",
                f"Added “{question.title}” as {question.id}. Open its card with "
                f'prep.card("{question.id}").',
            )
        else:
            self.status.show(
                "ok", f'Saved your changes to {question.id}. Its card: prep.card("{question.id}").'
            )
            self._restore_drafts_quietly()
        return question

    def _restore_drafts_quietly(self) -> None:
        """Back from editing: put back what was typed for a new question before Edit."""
        if self.autosave is None:
            return
        kept = self.status.kind, self.status.text
        self._restore_drafts()
        self.status.show(*kept)

    def _on_edit(self, question_id: str) -> None:
        try:
            self.edit(question_id)
        except Exception as exc:  # a bug: show it rather than lose it
            self.status.show("error", "Something went wrong inside the workbook.")
            self.bug_log.add(exc)

    def edit(self, question_id: str) -> None:
        """Load one of the learner's questions into the form; the button becomes Save changes."""
        try:
            question = self.questions.get(question_id)
        except OwnQuestionError as exc:
            self.status.show("error", str(exc))
            return
        if self.autosave is not None and self.editing is None:
            self.autosave.flush()  # a new question typed so far stays in the drafts
        self._set_mode(question_id)
        self.title.value = question.title
        self.prompt.value = question.prompt
        self.points.value = "\n".join(p.text for p in question.talking_points)
        self.topic.value = question.topic
        self.level.value = question.level or ANY_LEVEL
        self.status.show(
            "info",
            f"Editing {question_id}: change the fields, then press {SAVE_LABEL}. Its id stays "
            "the same, so your saved answers stay with it.",
        )

    @guarded
    def _on_cancel(self, _button: widgets.Button | None = None) -> None:
        self._set_mode(None)
        self._clear_fields()
        self.status.clear()
        self._restore_drafts_quietly()

    def _on_retire(self, question_id: str, retired: bool) -> None:
        try:
            self.retire(question_id, retired)
        except Exception as exc:  # a bug: show it rather than lose it
            self.status.show("error", "Something went wrong inside the workbook.")
            self.bug_log.add(exc)

    def retire(self, question_id: str, retired: bool = True) -> Question | None:
        """Retire one of the learner's questions, or bring it back (`retired=False`)."""
        try:
            question = self.questions.retire(question_id, retired)
        except OwnQuestionError as exc:
            self.status.show("error", f"Not changed. {exc}")
            return None
        self.refresh()
        if retired:
            self.status.show(
                "ok",
                f"Retired {question_id}: it is left out of practice, and its answers are "
                "kept. Restore brings it back.",
            )
        else:
            self.status.show("ok", f"Restored {question_id}: it is back in practice.")
        return question
