"""The tip card: the tip's points, a field per prompt, a checklist, and composed drafts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

import ipywidgets as widgets

from ..coach.compose import compose_follow_up_email
from ..errors import HistoryError
from ..models import Attempt, ChecklistItem, Prompt, Tip
from ..store.drafts import DraftStore
from ..store.history import HistoryStore
from ._common import (
    SAVE_KEYS,
    Autosave,
    BugLog,
    CardStyle,
    Status,
    bullets,
    clause,
    draft_time,
    esc,
    guarded,
    local_time,
    shortcut_hint,
)
from ._layout import GrowingRows, full_width

NOT_SAVED = "Not saved yet:"
HAND_EDITED = (
    "Your draft was edited by hand, so changes to the fields above are not copied into it. "
    "Press 'Rebuild from the fields' to start again from them."
)
FIELD_MOST_ROWS = 20  # a prompt's field grows with its text up to this many rows
# The email draft shows its To and Subject lines and the body below them, growing with it.
DRAFT_ROWS = (14, 40)
_CHECK_LINE = re.compile(r"^\[(?P<mark>[xX ])\]\s+(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*):")


def encode_checklist(items: Iterable[ChecklistItem], ticked: set[str]) -> str:
    """Write the checklist as readable lines: `[x] laptop: Laptop charged`."""
    return "\n".join(f"[{'x' if i.id in ticked else ' '}] {i.id}: {i.label}" for i in items)


def decode_checklist(text: str) -> set[str]:
    """Return the ids ticked in a saved checklist (unknown lines are ignored)."""
    ticked = set()
    for line in text.splitlines():
        match = _CHECK_LINE.match(line.strip())
        if match and match["mark"].lower() == "x":
            ticked.add(match["id"])
    return ticked


def _saved_note(attempt: Attempt | None, tz: tzinfo | None) -> str:
    if attempt is None:
        return ""
    saved_on = local_time(attempt.recorded_at, tz).strftime("%d %b %Y")
    return f" <span style='opacity:0.7'>(last saved {esc(saved_on)})</span>"


def number_problems(prompts: Iterable[Prompt], values: Mapping[str, str]) -> dict[str, str]:
    """Prompt id -> the message for each number field whose text is not a number in range.

    A field left empty is no problem: like any empty field, it is simply not saved.
    """
    return {
        p.id: p.number.problem(p.label)
        for p in prompts
        if p.number is not None
        and values.get(p.id, "").strip()
        and p.number.parse(values.get(p.id, "")) is None
    }


class TipCard(widgets.VBox):
    """Work through one tip: read its points, fill in its prompts, tick its checklist."""

    def __init__(
        self,
        tip: Tip,
        *,
        store: HistoryStore,
        latest: Mapping[str, Attempt] | None = None,
        tz: tzinfo | None = None,
        drafts: DraftStore | None = None,
    ) -> None:
        self.tip = tip
        self.store = store
        self.tz = tz
        latest = dict(latest or {})
        # what is on disk for each item id, so Save only writes what changed
        self.saved: dict[str, str] = {item_id: a.answer for item_id, a in latest.items()}

        self.heading = widgets.HTML(
            f"<h3 style='margin:0.2em 0'>{esc(tip.title)}</h3>"
            f"<p>{esc(tip.summary)}</p>{bullets(tip.points)}"
        )
        self.fields: dict[str, widgets.Textarea] = {}
        rows: list[widgets.Widget] = []
        for prompt in tip.prompts:
            item_id = tip.prompt_item_id(prompt.id)
            field = widgets.Textarea(
                value=self.saved.get(item_id, ""),
                placeholder=prompt.placeholder,
                description=prompt.label,  # its name for screen readers; shown just above
                rows=prompt.lines,
                layout=full_width(),
            )
            GrowingRows(field, least=prompt.lines, most=max(prompt.lines, FIELD_MOST_ROWS))
            field.add_class("prep-answer")
            field.add_class("prep-sr-label")
            field.observe(self._on_field_change, names="value")
            self.fields[prompt.id] = field
            note = _saved_note(latest.get(item_id), tz)
            rows.append(widgets.HTML(f"<strong>{esc(prompt.label)}</strong>{note}"))
            rows.append(field)

        self.checks: dict[str, widgets.Checkbox] = {}
        if tip.checklist:
            ticked = decode_checklist(self.saved.get(tip.checklist_item_id, ""))
            rows.append(widgets.HTML("<strong>Checklist</strong>"))
            for item in tip.checklist:
                box = widgets.Checkbox(
                    value=item.id in ticked,
                    description=item.label,
                    indent=False,
                    layout=widgets.Layout(width="auto"),
                )
                box.add_class("prep-check")
                box.observe(self._on_check_change, names="value")
                self.checks[item.id] = box
                rows.append(box)

        # The composed draft (the follow-up email) is a field of its own: it follows the
        # fields until the learner edits it by hand, then only the rebuild button rewrites it.
        self.draft: widgets.Textarea | None = None
        self.draft_note = widgets.HTML("")
        self.draft_note.add_class("prep-draft-note")
        self.rebuild_button = widgets.Button(
            description="Rebuild from the fields",
            icon="refresh",
            tooltip="Replace the email draft with one built from the fields above",
            layout=widgets.Layout(width="auto", align_self="flex-start", display="none"),
        )
        self.rebuild_button.add_class("prep-rebuild")
        self.rebuild_button.on_click(self._on_rebuild)
        self._composed = ""  # the draft the fields give, as last applied
        if tip.composer == "follow-up-email":
            self._composed = self.compose()
            self.draft = widgets.Textarea(
                value=self.saved.get(tip.composed_item_id, self._composed),
                description="Your email draft",
                layout=full_width(),
            )
            self.draft_rows = GrowingRows(self.draft, least=DRAFT_ROWS[0], most=DRAFT_ROWS[1])
            self.draft.add_class("prep-draft")
            self.draft.add_class("prep-sr-label")
            self.draft.observe(self._on_draft_change, names="value")
            note = _saved_note(latest.get(tip.composed_item_id), tz)
            rows.append(
                widgets.HTML(
                    f"<strong>Your email draft</strong>{note}<br>"
                    "<span style='opacity:0.7'>Built from the fields above until you edit it. "
                    "Save keeps your edits; copy it into your mail program when ready.</span>"
                )
            )
            rows.extend([self.draft, self.draft_note, self.rebuild_button])
            self._show_draft_state()

        self.save_button = widgets.Button(
            description="Save",
            button_style="primary",
            icon="save",
            tooltip=f"Save what you wrote ({SAVE_KEYS} in a field)",
        )
        self.save_button.add_class("prep-save")
        self.save_button.on_click(self._on_save)
        self.shortcut = shortcut_hint("a field")
        self.status = Status()
        self._saved_line: tuple[str, str] | None = None  # the status saying all is saved
        self.bug_log = BugLog()
        self.autosave = Autosave(self, drafts, self._draft_changes) if drafts else None
        save_row = widgets.HBox(
            [self.save_button, self.shortcut],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        super().__init__([CardStyle(), self.heading, *rows, save_row, self.status, self.bug_log])
        self.add_class("prep-card")
        self.add_class("prep-tip-card")
        self._restore_drafts()

    def _draft_changes(self) -> dict[str, str | None]:
        """Every field's draft key: its unsaved text, or None where it matches what is saved."""
        changes: dict[str, str | None] = dict.fromkeys(self._draft_keys())
        changes.update(self.pending())
        return changes

    def _draft_keys(self) -> list[str]:
        keys = [self.tip.prompt_item_id(p.id) for p in self.tip.prompts]
        if self.checks:
            keys.append(self.tip.checklist_item_id)
        if self.draft is not None:
            keys.append(self.tip.composed_item_id)
        return keys

    def _restore_drafts(self) -> None:
        """Put back what was typed or ticked before a restart, reload or crash, and say so."""
        if self.autosave is None:
            return
        drafts = self.autosave.restore()
        restored = []
        for prompt in self.tip.prompts:
            draft = drafts.get(self.tip.prompt_item_id(prompt.id))
            if draft is not None and draft.text != self.fields[prompt.id].value:
                self.fields[prompt.id].value = draft.text
                restored.append((prompt.label, draft))
        draft = drafts.get(self.tip.checklist_item_id) if self.checks else None
        if draft is not None:
            ticked = decode_checklist(draft.text)
            for item_id, box in self.checks.items():
                box.value = item_id in ticked
            restored.append(("Checklist", draft))
        draft = drafts.get(self.tip.composed_item_id) if self.draft is not None else None
        if draft is not None and self.draft is not None and draft.text != self.draft.value:
            self.draft.value = draft.text
            restored.append(("Your email draft", draft))
        if restored:
            names = ", ".join(f"“{label.rstrip('?.:')}”" for label, _ in restored)
            newest = max(d.updated_at for _, d in restored)
            self.status.show(
                "info",
                f"Draft restored from {draft_time(newest, self.tz)} for {names}: it was not "
                "saved yet. Press Save to keep it.",
            )

    def values(self) -> dict[str, str]:
        return {prompt_id: field.value for prompt_id, field in self.fields.items()}

    def pending(self) -> dict[str, str]:
        """Return item id -> text for every field that differs from what is saved."""
        out = {}
        for prompt_id, text in self.values().items():
            item_id = self.tip.prompt_item_id(prompt_id)
            if text.strip() and text != self.saved.get(item_id, ""):
                out[item_id] = text
        if self.checks:
            ticked = {item_id for item_id, box in self.checks.items() if box.value}
            encoded = encode_checklist(self.tip.checklist, ticked)
            before = self.saved.get(self.tip.checklist_item_id)
            if (before is not None and decode_checklist(before) != ticked) or (
                before is None and ticked
            ):
                out[self.tip.checklist_item_id] = encoded
        if self.draft is not None:
            # Kept when it differs from what is saved; never saved yet, only when it differs
            # from what the fields give (a draft that follows them needs no row of its own).
            item_id = self.tip.composed_item_id
            text = self.draft.value
            if text.strip() and text != self.saved.get(item_id, self._composed):
                out[item_id] = text
        return out

    @property
    def hand_edited(self) -> bool:
        """True when the email draft no longer matches what the fields give."""
        return self.draft is not None and self.draft.value != self._composed

    @guarded
    def _on_field_change(self, _change: dict[str, Any]) -> None:
        if self.draft is not None:
            self._follow_fields()
        self._keep_status_true()
        if self.autosave is not None:
            self.autosave.changed()

    @guarded
    def _on_check_change(self, _change: dict[str, Any]) -> None:
        self._keep_status_true()
        if self.autosave is not None:
            self.autosave.changed()

    @guarded
    def _on_draft_change(self, _change: dict[str, Any]) -> None:
        self._show_draft_state()
        self._keep_status_true()
        if self.autosave is not None:
            self.autosave.changed()

    def _label(self, item_id: str) -> str:
        for prompt in self.tip.prompts:
            if self.tip.prompt_item_id(prompt.id) == item_id:
                return prompt.label
        return "Checklist" if item_id == self.tip.checklist_item_id else "Your email draft"

    def _keep_status_true(self) -> None:
        """Never say "Saved" while a field holds text typed (or a box ticked) after the save.

        A change after a save swaps the saved line for a "Not saved yet" one naming what
        changed; undoing the change puts the saved line back.
        """
        if self._saved_line is None:
            return
        shown = (self.status.kind, self.status.text)
        changed = self.pending()
        if changed and (shown == self._saved_line or self.status.text.startswith(NOT_SAVED)):
            names = ", ".join(f"“{self._label(i).rstrip('?.:')}”" for i in changed)
            self.status.show(
                "info",
                f"{NOT_SAVED} you changed {names} after saving. Press Save to keep the changes.",
            )
        elif not changed and self.status.text.startswith(NOT_SAVED):
            self.status.show(*self._saved_line)

    @guarded
    def _on_rebuild(self, _button: widgets.Button | None = None) -> None:
        self.rebuild_from_fields()

    def compose(self) -> str:
        """The email the fields give right now."""
        return compose_follow_up_email(self.values()).as_text()

    def _follow_fields(self) -> None:
        """Recompose the draft from the fields, unless it was edited by hand."""
        assert self.draft is not None
        following = not self.hand_edited
        self._composed = self.compose()
        if following:
            self.draft.value = self._composed  # its observer updates the note
        else:
            self._show_draft_state()

    def _show_draft_state(self) -> None:
        if self.draft is None:
            return
        if self.hand_edited:
            self.draft_note.value = f"<em>{esc(HAND_EDITED)}</em>"
            self.rebuild_button.layout.display = None
            return
        self.rebuild_button.layout.display = "none"
        missing = compose_follow_up_email(self.values()).missing
        if missing:
            names = ", ".join(m.replace("-", " ") for m in missing)
            self.draft_note.value = f"<em>Still to fill in: {esc(names)}.</em>"
        else:
            self.draft_note.value = "<em>Ready to send.</em>"

    def rebuild_from_fields(self) -> bool:
        """Replace a hand-edited draft with one built from the fields, keeping the edit.

        An edit that is not saved yet is saved first (its own history row), so it can be
        found again; if that fails, nothing is replaced and the status says why.
        """
        if self.draft is None:
            return False
        item_id = self.tip.composed_item_id
        edited = self.draft.value
        self._composed = self.compose()
        if edited == self._composed:
            self._show_draft_state()
            self.status.show("info", "Your draft already matches the fields: nothing to rebuild.")
            return False
        kept = ""
        if edited.strip() and edited != self.saved.get(item_id):
            try:
                attempt = self.store.record(item_id, edited)
            except HistoryError as exc:
                self.status.show(
                    "error",
                    "Not rebuilt: your hand-edited draft could not be saved first "
                    f"({clause(exc)}). It is still in the field; copy it somewhere safe, then "
                    "try again.",
                )
                return False
            self.saved[item_id] = edited
            when = local_time(attempt.recorded_at, self.tz).strftime("%H:%M")
            kept = f" Your hand-edited version was saved first (at {when}); prep.history() has it."
        elif edited.strip():
            kept = " Your hand-edited version is the one you saved before; prep.history() has it."
        self.draft.value = self._composed
        if self.autosave is not None:
            self.autosave.changed()
        self.status.show(
            "ok",
            "Rebuilt your email draft from the fields."
            + kept
            + " Press Save to keep the rebuilt one.",
        )
        return True

    @guarded
    def _on_save(self, _button: widgets.Button | None = None) -> None:
        self.save()

    def save(self) -> list[Attempt]:
        """Save each changed field as its own row; say exactly what was and was not saved.

        A number field (the weekly goal) whose text is not a number in its range is not
        saved; its message joins the status and its text stays in the field.
        """
        problems = number_problems(self.tip.prompts, self.values())
        refused = {self.tip.prompt_item_id(prompt_id) for prompt_id in problems}
        pending = {k: v for k, v in self.pending().items() if k not in refused}
        if not pending:
            has_text = any(v.strip() for v in self.values().values())
            if problems:
                self.status.show("error", " ".join(problems.values()))
            elif has_text or any(box.value for box in self.checks.values()):
                self.status.show("info", "Nothing new to save: everything matches what you saved.")
                self._saved_line = (self.status.kind, self.status.text)
            else:
                self.status.show("error", "Nothing to save yet: fill in at least one field.")
            return []
        saved: list[Attempt] = []
        try:
            self._record_all(pending, saved)
        finally:
            if self.autosave is not None and saved:
                self.autosave.clear(*(a.item_id for a in saved))
                if self.pending():
                    self.autosave.changed()  # keep autosaving what is still unsaved
        if len(saved) < len(pending):
            return saved
        when = local_time(saved[-1].recorded_at, self.tz).strftime("%H:%M")
        count = len(saved)
        message = f"Saved {count} answer{'s' if count != 1 else ''} at {when}."
        if any(a.item_id == self.tip.composed_item_id for a in saved):
            message = message[:-1] + ", your email draft included."
        confirmed = [
            p.number.confirm(pending[item_id])
            for p in self.tip.prompts
            if p.number is not None and (item_id := self.tip.prompt_item_id(p.id)) in pending
        ]
        notices = self.store.take_notices()
        self.status.show(
            "warn" if problems else "ok",
            " ".join([message, *filter(None, confirmed), *problems.values(), *notices]),
        )
        self._saved_line = (self.status.kind, self.status.text)
        return saved

    def _record_all(self, pending: dict[str, str], saved: list[Attempt]) -> None:
        for item_id, text in pending.items():
            try:
                attempt = self.store.record(item_id, text)
            except HistoryError as exc:
                done = f"Saved {len(saved)} of {len(pending)}; " if saved else ""
                self.status.show(
                    "error", f"{done}Not saved: {clause(exc)}. Your text is still in the fields."
                )
                return
            self.saved[item_id] = text
            saved.append(attempt)
