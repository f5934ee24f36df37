"""Word counts, speaking time and the follow-up email draft."""

from __future__ import annotations

import pytest

from prep.coach.compose import compose_follow_up_email, parse_interviewers
from prep.coach.textstats import (
    format_duration,
    length_advice,
    length_summary,
    speaking_seconds,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("  \n ", 0),
        ("I built it.", 3),
        ("don't use node.js or e-mail", 5),
        ("😀 ok", 1),
        ("=1+1", 1),  # a formula is one word, not "1" and "1"
        ("the n+1 problem", 3),
        ("x = 2", 2),
    ],
)
def test_word_count(text, words):
    assert word_count(text) == words


def test_speaking_time_at_140_words_a_minute():
    assert speaking_seconds(140) == 60
    assert speaking_seconds(70) == 30
    assert format_duration(95) == "1:35"
    assert format_duration(3725) == "1:02:05"


def test_length_summary_compares_with_the_target():
    assert length_summary("word " * 130, (60, 120)) == (
        "130 words · about 0:56 spoken (aim for 1:00–2:00) · a little short: add about 5 s "
        "(some 10 words)"
    )
    assert length_summary("word " * 200, (60, 120)) == (
        "200 words · about 1:26 spoken (aim for 1:00–2:00)"
    )
    assert length_summary("word " * 300, (60, 120)).endswith(
        " · on the long side: cut about 10 s (some 20 words)"
    )
    assert length_summary("", (60, 120)) == "0 words · about 0:00 spoken (aim for 1:00–2:00)"


@pytest.mark.parametrize(
    ("words", "advice"),
    [
        (23, "far too short: add about 80 s (some 190 words)"),  # seen by a new user
        (120, "short: add about 40 s (some 90 words)"),
        (200, "a little short: add about 5 s (some 10 words)"),
        (300, "on target"),
        (500, "on the long side: cut about 35 s (some 80 words)"),
        (1000, "far too long: cut about 4:10 (some 580 words)"),
    ],
)
def test_length_advice_gives_the_gap_plainly(words, advice):
    """Against a 1:30–3:00 target, the further off, the plainer the words."""
    assert length_advice(speaking_seconds(words), (90, 180)) == advice


def test_interviewers_in_several_shapes():
    people = parse_interviewers("Ana Lee <ana@example.com>\n- Bo Chen, bo@example.com\nCara\n")
    assert [(p.name, p.email) for p in people] == [
        ("Ana Lee", "ana@example.com"),
        ("Bo Chen", "bo@example.com"),
        ("Cara", ""),
    ]


def test_full_email_draft():
    draft = compose_follow_up_email(
        {
            "interviewers": "Ana Lee <ana@example.com>\nBo Chen <bo@example.com>",
            "company": "Acme",
            "role": "Back-End Developer",
            "thanks": "I enjoyed hearing how the team moved its queue to Kafka.",
            "open-question": "You asked how I would cache the search results: ...",
            "your-name": "Sam Doe",
        }
    )
    text = draft.as_text()
    assert draft.missing == ()
    assert text.startswith("To: ana@example.com, bo@example.com\nSubject: Thank you:")
    assert "Dear Ana Lee and Bo Chen," in text
    assert "Back-End Developer position at Acme" in text
    assert "moved its queue to Kafka" in text and "cache the search results" in text
    assert text.rstrip().endswith("Best regards,\nSam Doe")


def test_blank_fields_become_visible_placeholders():
    draft = compose_follow_up_email({})
    assert set(draft.missing) == {
        "interviewers",
        "company",
        "role",
        "thanks",
        "open-question",
        "your-name",
    }
    assert "[company]" in draft.body and "[your name]" in draft.body
    assert "Hello," in draft.body
