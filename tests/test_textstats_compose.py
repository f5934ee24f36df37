"""Word counts, speaking time and the follow-up email draft."""

from __future__ import annotations

import pytest

from prep.coach.compose import compose_follow_up_email, parse_interviewers
from prep.coach.textstats import format_duration, length_summary, speaking_seconds, word_count


@pytest.mark.parametrize(
    ("text", "words"),
    [("", 0), ("  \n ", 0), ("I built it.", 3), ("don't use node.js or e-mail", 5), ("😀 ok", 1)],
)
def test_word_count(text, words):
    assert word_count(text) == words


def test_speaking_time_at_140_words_a_minute():
    assert speaking_seconds(140) == 60
    assert speaking_seconds(70) == 30
    assert format_duration(95) == "1:35"
    assert format_duration(3725) == "1:02:05"


def test_length_summary_compares_with_the_target():
    assert length_summary("word " * 35, (60, 120)) == (
        "35 words · about 0:15 spoken (aim for 1:00–2:00) · a little short"
    )
    assert "on the long side" in length_summary("word " * 400, (60, 120))


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
