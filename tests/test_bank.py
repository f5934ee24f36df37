"""The question bank: 60+ back-end questions in topic files, validated like the article's four."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

import prep
from prep.content.loader import load_content
from prep.errors import ContentError, UnknownItemError
from prep.models import LEVELS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TOPICS = [
    "http-apis",
    "databases",
    "nosql",
    "caching",
    "concurrency",
    "distributed",
    "architecture",
    "security",
    "testing",
    "design",
    "operations",
    "behavioural",
]
# subjects the bank must ask about, each as a pattern over a question's title and prompt
SUBJECTS = {
    "how an index works and when it hurts": r"\bindex",
    "the N+1 query problem": r"n\s?\+\s?1",
    "ACID and isolation levels": r"\bacid\b|isolation",
    "idempotency of HTTP methods and keys": r"idempoten",
    "cache invalidation and stampedes": r"invalidat|stampede",
    "race conditions and deadlocks": r"race condition|deadlock",
    "SQL injection": r"sql injection",
    "rate limiting": r"rate limit",
    "horizontal versus vertical scaling": r"horizontal|vertical",
    "message queues and at-least-once delivery": r"at.least.once|message queue|queue",
    "CAP and eventual consistency": r"\bcap\b|eventual",
    "zero-downtime schema migrations": r"migration|schema change",
    "sessions versus tokens (JWT)": r"\bjwt\b|session",
    "the testing pyramid": r"pyramid",
    "designing a URL shortener": r"url shortener|short(en)?\s?(url|link)",
}
STAR_STORIES = ["conflict", "fail", "deadline", "design", "mentor"]


@pytest.fixture(scope="module")
def content():
    return load_content(DATA)


@pytest.fixture(scope="module")
def bank(content):
    return [q for q in content.questions if q.topic != "background"]


def test_the_bank_has_at_least_60_questions_beside_the_article_four(content, bank):
    assert [q.id for q in content.questions[:4]] == [
        "first-involved",
        "past-role",
        "language-limits",
        "five-years",
    ]
    assert all(q.topic == "background" and q.level is None for q in content.questions[:4])
    assert len(bank) >= 60
    assert len(content.questions) >= 64


def test_every_topic_has_its_file_and_at_least_four_questions_over_the_levels(content, bank):
    assert [t.id for t in content.topics][: len(TOPICS) + 1] == ["background", *TOPICS]
    for topic in TOPICS:
        assert (DATA / "questions" / f"{topic}.yaml").exists()
        mine = [q for q in bank if q.topic == topic]
        assert len(mine) >= 4, topic
        assert {q.level for q in mine} == set(LEVELS), f"{topic} lacks a level"
        assert content.topic(topic).summary, f"{topic} has no summary for its page"


def test_every_bank_question_has_the_depth_of_the_article_four(bank):
    for q in bank:
        assert q.level in LEVELS, q.id
        assert q.title and q.prompt.endswith(("?", ".")), q.id
        assert len(q.why_asked) >= 2, q.id
        assert len(q.talking_points) >= 4, q.id
        assert all(len(p.signals) >= 8 for p in q.talking_points), q.id
        assert sum(not p.optional for p in q.talking_points) >= 4, q.id
        assert len(q.pitfalls) >= 3, q.id
        assert len(q.example_outline) >= 4, q.id
        low, high = q.target_seconds
        assert 30 <= low < high <= 300, q.id


def test_ids_are_unique_and_plain(content):
    ids = [item.id for item in content.items()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    for q in content.questions:
        points = [p.id for p in q.talking_points]
        assert len(points) == len(set(points)), q.id


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_bank_asks_about(bank, subject):
    pattern = re.compile(SUBJECTS[subject], re.I)
    assert any(pattern.search(f"{q.title} {q.prompt}") for q in bank), subject


@pytest.mark.parametrize("story", STAR_STORIES)
def test_the_behavioural_topic_has_a_star_story_about(bank, story):
    behavioural = [q for q in bank if q.topic == "behavioural"]
    assert any(story in f"{q.title} {q.prompt}".lower() for q in behavioural), story


def test_questions_filter_by_topic_and_level(data_dir):
    everything = prep.questions()
    assert len(everything) >= 64
    caching = prep.questions(topic="caching")
    assert caching and all(q.topic == "caching" for q in caching)
    senior = prep.questions(level="senior")
    assert senior and all(q.level in ("senior", None) for q in senior)
    both = prep.questions(topic="databases", level="junior")
    assert both and all(q.topic == "databases" and q.level == "junior" for q in both)
    assert "  junior  " in repr_pretty(both)


def test_topics_lists_each_topic_with_counts(data_dir):
    listed = prep.topics()
    assert [t.id for t in listed][: len(TOPICS) + 1] == ["background", *TOPICS]
    for t in listed:
        assert t.questions == len(prep.questions(topic=t.id))
        if t.id != "background":
            assert sum(t.levels.values()) == t.questions
    shown = repr_pretty(listed)
    assert "HTTP and REST API design" in shown.replace("\n", " ") or "http-apis" in shown


def test_an_unknown_topic_or_level_is_a_plain_error(data_dir):
    with pytest.raises(UnknownItemError, match=r"no topic 'cachng'.*Known topics: .*caching"):
        prep.questions(topic="cachng")
    with pytest.raises(UnknownItemError, match=r"no level 'expert'.*junior, mid, senior"):
        prep.questions(level="expert")


def repr_pretty(value) -> str:
    from IPython.lib.pretty import pretty

    return pretty(value)


# ---- a broken bank file says where ------------------------------------------------------


@pytest.fixture
def bank_copy(content_copy):
    """The content copy plus a bank of one small topic file, to break on purpose."""
    (content_copy / "questions").mkdir()
    shutil.copy(DATA / "questions" / "caching.yaml", content_copy / "questions" / "caching.yaml")
    return content_copy


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_small_bank_loads_in_its_own_folder(bank_copy):
    loaded = load_content(bank_copy)
    assert [t.id for t in loaded.topics] == ["background", "caching"]
    assert all(q.topic == "caching" for q in loaded.questions[4:])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"][0].update(level="expert"), r"level.*must be one of junior"),
        (lambda d: d["questions"][0].pop("level"), r"level.*is missing"),
        (lambda d: d.update(topic="cache"), r"must match the file name \('caching'\)"),
        (lambda d: d["questions"][0].update(levle="mid"), r"levle.*not a known field"),
        (lambda d: d["questions"][1].update(id=d["questions"][0]["id"]), r"already used"),
        (lambda d: d["questions"][0]["talking_points"][0].update(signals=["* #"]), "real word"),
    ],
)
def test_a_broken_bank_file_names_the_file_the_question_and_the_field(bank_copy, change, message):
    path = bank_copy / "questions" / "caching.yaml"
    edit(path, change)
    with pytest.raises(ContentError, match=message) as caught:
        load_content(bank_copy)
    assert "questions/caching.yaml" in str(caught.value)


def test_an_id_used_in_two_files_names_the_first(bank_copy):
    path = bank_copy / "questions" / "caching.yaml"
    edit(path, lambda d: d["questions"][0].update(id="past-role"))
    with pytest.raises(ContentError, match=r"past-role.*already used in questions.yaml"):
        load_content(bank_copy)


def test_the_index_orders_topics_and_must_name_real_files(bank_copy):
    folder = bank_copy / "questions"
    shutil.copy(DATA / "questions" / "databases.yaml", folder / "databases.yaml")
    assert [t.id for t in load_content(bank_copy).topics] == ["background", "caching", "databases"]
    (folder / "index.yaml").write_text("schema: 1\norder: [databases, caching]\n")
    assert [t.id for t in load_content(bank_copy).topics] == ["background", "databases", "caching"]
    (folder / "index.yaml").write_text("schema: 1\norder: [databases, cachng]\n")
    with pytest.raises(ContentError, match=r"no questions/cachng\.yaml"):
        load_content(bank_copy)


def test_an_edited_bank_file_shows_up_without_a_restart(data_dir, bank_copy, monkeypatch):
    monkeypatch.setenv("PREP_CONTENT_DIR", str(bank_copy))
    before = len(prep.questions(topic="caching"))
    path = bank_copy / "questions" / "caching.yaml"
    edit(path, lambda d: d["questions"].pop())
    assert len(prep.questions(topic="caching")) == before - 1
