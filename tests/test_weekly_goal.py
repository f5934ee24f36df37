"""The weekly goal: a whole number of practice days from 1 to 7, or it is not a goal."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

import prep
from prep import workbook
from prep.content.loader import load_content
from prep.errors import ContentError
from prep.insight.progress import (
    DEFAULT_WEEKLY_GOAL,
    WEEKLY_GOAL_DAYS,
    WEEKLY_GOAL_ITEM,
    weekly_goal,
)
from prep.models import NumberRule
from prep.store.history import HistoryStore

DATA = Path(__file__).resolve().parent.parent / "data"
MESSAGE = (
    "Your weekly goal should be a whole number of days from 1 to 7, like 3, so it was not saved."
)
SAVED = "Your weekly goal is now {number} practice days a week."
BAD = ["three", "0", "-2", "8", "2.5", "", "   ", "3 days", "٣", "1e1"]


def goal_prompt():
    tip = workbook.content().get("expert-advice")
    return next(p for p in tip.prompts if f"{tip.id}/{p.id}" == WEEKLY_GOAL_ITEM)


def goal_rows(data_dir) -> list[str]:
    path = data_dir / "practice_history.csv"
    if not path.exists():
        return []
    frame = workbook.store().load()
    return frame.loc[frame["item_id"] == WEEKLY_GOAL_ITEM, "answer"].tolist()


def test_the_prompt_says_what_it_counts_and_carries_the_rule():
    prompt = goal_prompt()
    assert prompt.label == "On how many days a week will you practise? (1 to 7)"
    assert prompt.number == NumberRule(1, 7, MESSAGE, SAVED)
    assert (prompt.number.low, prompt.number.high) == WEEKLY_GOAL_DAYS  # one rule, two readers


@pytest.mark.parametrize("typed", BAD)
def test_the_rule_refuses(typed):
    assert goal_prompt().number.parse(typed) is None


@pytest.mark.parametrize(("typed", "want"), [("3", 3), (" 4 ", 4), ("1", 1), ("7\n", 7)])
def test_the_rule_accepts(typed, want):
    assert goal_prompt().number.parse(typed) == want


@pytest.mark.parametrize("typed", [b for b in BAD if b.strip()])
def test_a_bad_goal_is_explained_and_not_saved(data_dir, typed):
    card = prep.card("expert-advice")
    card.fields["weekly-goal"].value = typed
    card._on_save(None)
    assert card.status.kind == "error"
    assert card.status.text == MESSAGE
    assert goal_rows(data_dir) == []
    assert card.fields["weekly-goal"].value == typed  # kept in the field to correct


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_goal_is_no_reason_to_complain(data_dir, typed):
    card = prep.card("expert-advice")
    card.fields["weekly-goal"].value = typed
    card.fields["stretch-problem"].value = "designing a rate limiter"
    card._on_save(None)
    assert card.status.kind == "ok" and "weekly goal" not in card.status.text
    assert goal_rows(data_dir) == []


@pytest.mark.parametrize("typed", ["three", "8", "0"])
def test_the_other_fields_still_save(data_dir, typed):
    card = prep.card("expert-advice")
    card.fields["weekly-goal"].value = typed
    card.fields["stretch-problem"].value = "designing a rate limiter"
    card._on_save(None)
    assert card.bug_log.entries == []
    assert card.status.kind == "warn"
    assert card.status.text.startswith("Saved 1 answer at ") and card.status.text.endswith(MESSAGE)
    assert goal_rows(data_dir) == []
    frame = workbook.store().load()
    assert frame["answer"].tolist() == ["designing a rate limiter"]


@pytest.mark.parametrize(("typed", "want"), [("3", 3), (" 4 ", 4)])
def test_a_good_goal_is_saved_and_counts(data_dir, typed, want):
    card = prep.card("expert-advice")
    card.fields["weekly-goal"].value = typed
    card._on_save(None)
    assert card.status.kind == "ok" and card.status.text.startswith("Saved 1 answer")
    assert card.status.text.endswith(f"Your weekly goal is now {want} practice days a week.")
    assert goal_rows(data_dir) == [typed]
    assert weekly_goal(workbook.store().load()) == (want, True)


def test_a_bad_goal_typed_over_a_saved_one_keeps_the_saved_goal(data_dir):
    card = prep.card("expert-advice")
    card.fields["weekly-goal"].value = "5"
    card._on_save(None)
    card.fields["weekly-goal"].value = "9"
    card._on_save(None)
    assert card.status.text == MESSAGE
    assert goal_rows(data_dir) == ["5"]
    card.autosave.flush()  # what was typed is still kept as a draft, to fix later
    again = prep.card("expert-advice")
    assert again.fields["weekly-goal"].value == "9"


def history_of(tmp_path, answers):
    store = HistoryStore(tmp_path / "h.csv")
    for n, answer in enumerate(answers):
        store.clock = lambda n=n: datetime(2026, 11, 20 + n, tzinfo=timezone.utc)
        store.record(WEEKLY_GOAL_ITEM, answer)
    return store.load()


@pytest.mark.parametrize(
    ("answers", "want"),
    [
        (["8"], (DEFAULT_WEEKLY_GOAL, False)),
        (["0"], (DEFAULT_WEEKLY_GOAL, False)),
        (["-2"], (DEFAULT_WEEKLY_GOAL, False)),
        (["2.5"], (DEFAULT_WEEKLY_GOAL, False)),
        (["three"], (DEFAULT_WEEKLY_GOAL, False)),
        (["12 sessions"], (DEFAULT_WEEKLY_GOAL, False)),
        (["4", "10"], (4, True)),  # an older, valid goal still stands
        (["5 days a week"], (5, True)),  # older free text: its first number
        (["7"], (7, True)),
        (["1"], (1, True)),
    ],
)
def test_progress_counts_only_goals_of_1_to_7_days(tmp_path, answers, want):
    assert weekly_goal(history_of(tmp_path, answers)) == want


@pytest.mark.parametrize(
    ("number", "field"),
    [
        ({"min": 1}, "max"),
        ({"min": "one", "max": 7}, "min"),
        ({"min": 5, "max": 2}, "max"),
        ({"min": 1, "max": 7, "maximum": 7}, "maximum"),
        ("1-7", None),
        ({"min": 1, "max": 7, "saved": "Goal set."}, "saved"),  # no {number} in it
    ],
)
def test_a_broken_number_rule_names_the_field(content_copy, number, field):
    path = content_copy / "guides.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["guides"][0]["prompts"][0]["number"] = number
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert caught.value.file == "guides.yaml"
    assert "expert-advice" in caught.value.item and "number" in caught.value.item
    assert caught.value.field == field


def test_a_rule_without_a_message_has_a_plain_default():
    rule = NumberRule(2, 4)
    assert (
        rule.problem("How many?")
        == "“How many” needs a whole number from 2 to 4. It was not saved."
    )
