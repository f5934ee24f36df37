"""Every field a learner types into (or ticks, or picks) is kept: found by walking the cards.

The walk finds inputs by type, not by name, so a field added to a card later is tested
without touching this file; an input of a kind the walk cannot fill fails loudly.
Widgets marked `prep-control` (the timer's button, the hidden tickers) are controls, not
answers.
"""

from __future__ import annotations

import json

import ipywidgets as widgets
import pytest

import prep
from prep import workbook
from prep.errors import HistoryWriteError
from prep.store.drafts import DraftStore
from prep.store.history import HistoryStore
from prep.widgets import QuestionCard, TipCard
from prep.widgets.mock_view import MockInterview
from prep.widgets.tip_card import HAND_EDITED

DISPLAY_ONLY = (
    widgets.HTML,
    widgets.HTMLMath,
    widgets.Label,
    widgets.Valid,
    widgets.IntProgress,
    widgets.FloatProgress,
)
CONTENT = workbook.content()
ITEM_IDS = [item.id for item in CONTENT.items()]


def inputs(root: widgets.Widget) -> dict[tuple[int, ...], widgets.ValueWidget]:
    """Every widget in the tree that holds learner input, by its path of child positions."""
    found: dict[tuple[int, ...], widgets.ValueWidget] = {}

    def walk(widget: widgets.Widget, path: tuple[int, ...]) -> None:
        if (
            isinstance(widget, widgets.ValueWidget)
            and not isinstance(widget, DISPLAY_ONLY)
            and "prep-control" not in widget._dom_classes
        ):
            found[path] = widget
        for n, child in enumerate(getattr(widget, "children", ())):
            walk(child, (*path, n))

    walk(root, ())
    return found


def number_rule(card: widgets.Widget, field: widgets.Widget):
    """The content's number rule for a tip field, if it has one."""
    if isinstance(card, TipCard):
        for prompt in card.tip.prompts:
            if card.fields.get(prompt.id) is field and prompt.number is not None:
                return prompt.number
    return None


def learner_value(card: widgets.Widget, path: tuple[int, ...], field: widgets.Widget):
    """A value a learner could give this input, different from what it holds now."""
    if isinstance(field, (widgets.Textarea, widgets.Text)):
        rule = number_rule(card, field)
        if rule is not None:
            return str(rule.high)
        return f"typed at {'.'.join(map(str, path))}: naïve «café» line\nsecond line 😀"
    if isinstance(field, (widgets.Checkbox, widgets.ToggleButton)):
        return not field.value
    if isinstance(field, (widgets.ToggleButtons, widgets.Dropdown, widgets.RadioButtons)):
        values = [v for _label, v in field.options]
        return next(v for v in reversed(values) if v != field.value)
    pytest.fail(f"{type(field).__name__} at {path} holds learner input: teach this test to fill it")


def fill(card: widgets.Widget) -> dict[tuple[int, ...], object]:
    typed = {}
    for path, field in inputs(card).items():
        typed[path] = field.value = learner_value(card, path, field)
    return typed


def history(data_dir) -> list[dict[str, str]]:
    frame = workbook.store().load()
    return frame.astype(str).to_dict("records")


def drafts_on_disk(data_dir) -> dict[str, str]:
    path = data_dir / "drafts.json"
    if not path.exists():
        return {}
    return {k: v["text"] for k, v in json.loads(path.read_text())["drafts"].items()}


def stored(value: object, rows: list[dict[str, str]]) -> bool:
    """Whether a row of the history holds the value (a tick is a line of the checklist)."""
    if isinstance(value, str):
        return any(row["answer"] == value for row in rows)
    if isinstance(value, bool):
        return any("[x] " in row["answer"] for row in rows) if value else bool(rows)
    return any(row["confidence"] in {str(value), f"{value}.0"} for row in rows)


def assert_back(card: widgets.Widget, typed: dict[tuple[int, ...], object]) -> None:
    """Each value is back in the same field; a question card shows saved attempts instead.

    A question card starts blank on purpose (every save is a new attempt), so what was
    saved must be in its earlier attempts.
    """
    now = inputs(card)
    assert set(now) == set(typed), "the rebuilt card has other fields"
    for path, value in typed.items():
        if isinstance(card, QuestionCard) and card.attempts:
            shown = card.history_view.value
            if isinstance(value, str):
                assert card.attempts[-1].answer == value
                assert "naïve «café» line" in shown
            else:
                assert f"confidence {value}/5" in shown
        else:
            assert now[path].value == value, f"field at {path} lost what was typed"


def no_bugs(card: widgets.Widget) -> None:
    assert card.bug_log.entries == [], card.bug_log.entries[0]


# ---- every card prep.card() can build --------------------------------------------------


def test_every_card_has_fields():
    for item_id in ITEM_IDS:
        assert inputs(prep.card(item_id)), f"{item_id} has no field to type into"


def check_saved_and_back(build, data_dir) -> None:
    """Fill every input of a fresh card, Save (the handler itself), rebuild, compare."""
    card = build()
    typed = fill(card)
    card._on_save(None)  # the handler itself: Button.click() would hide its errors
    no_bugs(card)
    assert card.status.kind == "ok", card.status.text
    assert card.status.text.startswith("Saved")
    rows = history(data_dir)
    for path, value in typed.items():
        assert stored(value, rows), f"the field at {path} was not saved"
    assert_back(build(), typed)


@pytest.mark.parametrize("item_id", ITEM_IDS)
def test_every_field_is_saved_and_back_after_a_rebuild(data_dir, item_id):
    check_saved_and_back(lambda: prep.card(item_id), data_dir)


def test_a_field_added_later_is_caught_by_the_walk(data_dir):
    def build():
        card = prep.card("past-role")
        card.children = (*card.children, widgets.Text())  # a new field nobody saves
        return card

    with pytest.raises(AssertionError, match="was not saved"):
        check_saved_and_back(build, data_dir)


@pytest.mark.parametrize("item_id", ITEM_IDS)
def test_save_button_click_keeps_every_field(data_dir, item_id):
    card = prep.card(item_id)
    typed = fill(card)
    card.save_button.click()
    no_bugs(card)
    assert card.status.kind == "ok", card.status.text
    assert_back(prep.card(item_id), typed)


@pytest.mark.parametrize("item_id", ITEM_IDS)
def test_every_field_comes_back_from_its_draft(data_dir, item_id):
    card = prep.card(item_id)
    typed = fill(card)
    card.autosave.flush()
    assert not (data_dir / "practice_history.csv").exists()
    on_disk = drafts_on_disk(data_dir)
    for value in typed.values():
        if isinstance(value, str):
            assert value in on_disk.values()
    again = prep.card(item_id)
    no_bugs(again)
    assert {path: field.value for path, field in inputs(again).items()} == typed
    assert "Draft restored" in again.status.text


@pytest.mark.parametrize("item_id", ITEM_IDS)
def test_saving_then_editing_keeps_the_newest(data_dir, item_id):
    card = prep.card(item_id)
    fill(card)
    card._on_save(None)
    typed = {}
    for path, field in inputs(card).items():
        if isinstance(field.value, str) and number_rule(card, field) is None:
            typed[path] = field.value = field.value + " (edited)"
    card.autosave.flush()
    again = prep.card(item_id)
    for path, value in typed.items():
        assert inputs(again)[path].value == value


# ---- the mock interview ----------------------------------------------------------------


def mock(seed: int = 7) -> MockInterview:
    data = workbook.content()
    return MockInterview(
        [data.get("past-role"), data.get("five-years")],
        store=workbook.store(),
        lexicon=data.lexicon,
        seed=seed,
        next_reviews=dict,
        drafts=workbook.drafts(),
    )


def visible_inputs(card: widgets.Widget) -> dict[tuple[int, ...], widgets.ValueWidget]:
    return {p: w for p, w in inputs(card).items() if w.layout.display != "none"}


def test_mock_interview_fields_are_submitted(data_dir):
    run = mock()
    run.start()
    assert visible_inputs(run), "the mock interview shows no field"
    typed = {path: learner_value(run, path, w) for path, w in visible_inputs(run).items()}
    for path, value in typed.items():
        inputs(run)[path].value = value
    run._on_submit(None)
    no_bugs(run)
    assert run.status.kind == "ok" and run.status.text.startswith("Saved")
    rows = [r for r in history(data_dir) if r["mode"] == "mock"]
    for path, value in typed.items():
        assert stored(value, rows), f"the mock's field at {path} was not saved"
    assert drafts_on_disk(data_dir) == {}


def test_mock_interview_fields_come_back_from_their_draft(data_dir):
    run = mock()
    run.start()
    typed = {path: learner_value(run, path, w) for path, w in visible_inputs(run).items()}
    for path, value in typed.items():
        inputs(run)[path].value = value
    run.autosave.flush()
    again = mock()  # the same run after a kernel restart
    again.start()
    no_bugs(again)
    assert {p: inputs(again)[p].value for p in typed} == typed
    assert "Draft restored" in again.status.text


# ---- the hand-edited follow-up email ---------------------------------------------------

EMAIL_FIELDS = {
    "interviewers": "Ana Lee <ana@example.com>",
    "company": "Acme",
    "role": "Back-end engineer",
    "thanks": "the walk-through of how the team ships",
    "your-name": "Sam",
}


def email_card() -> TipCard:
    card = prep.card("follow-up-email")
    for key, value in EMAIL_FIELDS.items():
        card.fields[key].value = value
    return card


def hand_edit(card: TipCard) -> str:
    edited = card.draft.value.replace("Best regards", "Warm regards") + "\nP.S. Hand-written."
    card.draft.value = edited
    return edited


def test_the_draft_follows_the_fields_until_edited_by_hand(data_dir):
    card = email_card()
    assert "Dear Ana Lee," in card.draft.value and not card.hand_edited
    assert card.rebuild_button.layout.display == "none"
    card.fields["company"].value = "Initech"
    assert "at Initech." in card.draft.value
    edited = hand_edit(card)
    assert card.hand_edited
    assert HAND_EDITED in card.draft_note.value.replace("&#x27;", "'")
    assert card.rebuild_button.layout.display != "none"
    card.fields["company"].value = "Globex"  # no longer copied into the draft
    assert card.draft.value == edited
    no_bugs(card)


def test_hand_edited_draft_is_saved_and_restored_instead_of_recomposed(data_dir):
    card = email_card()
    edited = hand_edit(card)
    card._on_save(None)
    no_bugs(card)
    assert card.status.kind == "ok" and "email draft included" in card.status.text
    rows = {r["item_id"]: r["answer"] for r in history(data_dir)}
    assert rows["follow-up-email/email-draft"] == edited
    card._on_save(None)
    assert card.status.text.startswith("Nothing new to save")
    again = prep.card("follow-up-email")
    assert again.draft.value == edited and again.hand_edited
    assert again.rebuild_button.layout.display != "none"


def test_a_draft_that_follows_the_fields_needs_no_row(data_dir):
    card = email_card()
    card._on_save(None)
    items = {r["item_id"] for r in history(data_dir)}
    assert "follow-up-email/email-draft" not in items
    assert len(items) == len(EMAIL_FIELDS)
    again = prep.card("follow-up-email")
    assert not again.hand_edited
    again.fields["role"].value = "Platform engineer"
    assert "Platform engineer position" in again.draft.value


def test_hand_edited_draft_survives_a_kernel_restart(data_dir):
    card = email_card()
    edited = hand_edit(card)
    card.autosave.flush()
    assert drafts_on_disk(data_dir)["follow-up-email/email-draft"] == edited
    # a new kernel: nothing in memory, fresh stores over the same files
    tip = workbook.content().get("follow-up-email")
    history_store = HistoryStore(data_dir / "practice_history.csv")
    fresh = workbook._build_card(tip, history_store, DraftStore(data_dir / "drafts.json"))
    assert fresh.draft.value == edited
    assert fresh.fields["company"].value == "Acme"
    assert fresh.hand_edited and "Draft restored" in fresh.status.text
    assert "email draft" in fresh.status.text


def test_rebuild_from_the_fields_keeps_the_hand_edit_in_the_history(data_dir):
    card = email_card()
    edited = hand_edit(card)
    card.fields["company"].value = "Initech"
    assert card.draft.value == edited
    card._on_rebuild(None)
    no_bugs(card)
    assert "at Initech." in card.draft.value and "P.S." not in card.draft.value
    assert not card.hand_edited and card.rebuild_button.layout.display == "none"
    assert card.status.kind == "ok"
    assert "Rebuilt your email draft" in card.status.text and "saved first" in card.status.text
    kept = [r["answer"] for r in history(data_dir) if r["item_id"] == "follow-up-email/email-draft"]
    assert kept == [edited]
    card._on_save(None)  # the rebuilt draft replaces the edit as the latest one
    again = prep.card("follow-up-email")
    assert again.draft.value == card.draft.value and not again.hand_edited


def test_rebuild_that_cannot_save_the_edit_changes_nothing(data_dir, monkeypatch):
    card = email_card()
    edited = hand_edit(card)

    def full(*_args, **_kwargs):
        raise HistoryWriteError("the disk is full.")

    monkeypatch.setattr(card.store, "record", full)
    card._on_rebuild(None)
    no_bugs(card)
    assert card.draft.value == edited and card.hand_edited
    assert card.status.kind == "error" and card.status.text.startswith("Not rebuilt")
    assert "the disk is full" in card.status.text


def test_an_already_saved_edit_is_not_saved_twice_by_a_rebuild(data_dir):
    card = email_card()
    hand_edit(card)
    card._on_save(None)
    card.rebuild_button.click()
    no_bugs(card)
    assert "the one you saved before" in card.status.text
    kept = [r for r in history(data_dir) if r["item_id"] == "follow-up-email/email-draft"]
    assert len(kept) == 1
