"""Content files: the real ones load in workbook order; broken ones name file, item, field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import prep
from prep.content.loader import load_content
from prep.errors import ContentError

DATA = Path(__file__).resolve().parent.parent / "data"


def edit(folder: Path, name: str, change) -> None:
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_real_content_is_in_the_articles_order():
    content = load_content(DATA)
    assert [q.id for q in content.questions if q.topic == "background"] == [
        "first-involved",
        "past-role",
        "language-limits",
        "five-years",
    ]
    assert [t.id for t in content.tips] == [
        "research-company",
        "come-prepared",
        "ask-questions",
        "follow-up-email",
    ]
    assert [g.id for g in content.guides] == ["expert-advice", "certifications"]


def test_every_question_has_what_the_card_shows():
    for question in load_content(DATA).questions:
        assert question.prompt.endswith(("?", "."))  # a question or "Walk me through ..."
        assert question.why_asked and question.pitfalls and question.example_outline
        assert len(question.talking_points) >= 4
        low, high = question.target_seconds
        assert 0 < low < high


def test_research_tip_has_the_prompts_the_issue_names():
    research = load_content(DATA).get("research-company")
    ids = {p.id for p in research.prompts}
    assert {"company", "stack", "goals", "recent-news", "question-to-ask"} <= ids


def test_come_prepared_is_a_checklist():
    tip = load_content(DATA).get("come-prepared")
    assert {"laptop", "usb-drive", "portfolio", "references", "outfit"} <= {
        c.id for c in tip.checklist
    }


def test_public_api_lists_items_in_order():
    assert next(q.id for q in prep.questions()) == "first-involved"
    assert [t.id for t in prep.tips()][-1] == "follow-up-email"
    assert all(q.title and q.prompt for q in prep.questions())
    assert set(prep.__all__) >= {"card", "questions", "tips", "history", "progress"}


@pytest.mark.parametrize(
    ("name", "change", "item", "field"),
    [
        ("questions.yaml", lambda d: d["questions"][1].pop("prompt"), "past-role", "prompt"),
        (
            "questions.yaml",
            lambda d: d["questions"][0].update(target_seconds="90"),
            "first-involved",
            "target_seconds",
        ),
        (
            "questions.yaml",
            lambda d: d["questions"][2].update(pitfals=["typo"]),
            "language-limits",
            "pitfals",
        ),
        ("tips.yaml", lambda d: d["tips"][0].update(title=42), "research-company", "title"),
        ("tips.yaml", lambda d: d["tips"][3]["prompts"].pop(0), "follow-up-email", "prompts"),
        ("tips.yaml", lambda d: d["tips"][1].update(id="Come Prepared"), "Come Prepared", "id"),
        (
            "questions.yaml",
            lambda d: d["questions"][3]["talking_points"][0].pop("text"),
            "five-years",
            "text",
        ),
    ],
)
def test_broken_file_names_file_item_and_field(content_copy, name, change, item, field):
    edit(content_copy, name, change)
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    error = caught.value
    assert error.file == name
    assert item in (error.item or "")
    assert error.field == field
    assert name in str(error) and field in str(error)


def test_duplicate_id_across_files_is_named(content_copy):
    edit(content_copy, "guides.yaml", lambda d: d["guides"][0].update(id="past-role"))
    with pytest.raises(ContentError, match=r"already used in questions\.yaml") as caught:
        load_content(content_copy)
    assert caught.value.file == "guides.yaml" and caught.value.field == "id"


def test_invalid_yaml_names_the_file(content_copy):
    (content_copy / "tips.yaml").write_text("tips: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match=r"tips\.yaml.*not valid YAML"):
        load_content(content_copy)


def test_yaml_tags_are_not_executed(content_copy):
    (content_copy / "tips.yaml").write_text(
        "schema: 1\ntips: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8"
    )
    with pytest.raises(ContentError, match="not valid YAML"):
        load_content(content_copy)


def test_broken_content_shows_as_a_message_card(content_copy, monkeypatch, data_dir):
    edit(content_copy, "questions.yaml", lambda d: d["questions"][1].pop("prompt"))
    monkeypatch.setenv("PREP_CONTENT_DIR", str(content_copy))
    shown = prep.card("past-role")
    assert "prep-message" in shown._dom_classes
    assert "questions.yaml" in shown.message and "prompt" in shown.message
