"""The follow-up email reads as English whatever case and punctuation the fields are in."""

from __future__ import annotations

import pytest

from prep.coach.compose import (
    appreciation,
    company_name,
    compose_follow_up_email,
    end_sentence,
    greeting,
    parse_interviewers,
    person_name,
    role_name,
    sentences,
)

FULL = {
    "interviewers": "Ana Lee <ana@example.com>",
    "company": "Acme",
    "role": "Back-end engineer",
    "thanks": "the honest walk-through of how the team ships",
    "open-question": "You asked how I would cache search results. I would use Redis.",
    "your-name": "Sam Doe",
}
WANT = "I especially appreciated the honest walk-through of how the team ships."


@pytest.mark.parametrize(
    "typed",
    [
        "the honest walk-through of how the team ships",
        "The honest walk-through of how the team ships",
        "the honest walk-through of how the team ships.",
        "  the honest   walk-through of how\nthe team ships ;",
        "The honest walk-through of how the team ships,",
    ],
)
def test_a_fragment_gets_a_sentence_built_around_it(typed):
    assert appreciation(typed) == WANT


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("I appreciated the honest walk-through", "I appreciated the honest walk-through."),
        ("i appreciated the honest walk-through", "I appreciated the honest walk-through."),
        ("appreciated the honest walk-through.", "I appreciated the honest walk-through."),
        ("really enjoyed the demo!", "I really enjoyed the demo!"),
        ("especially the demo", "I especially appreciated the demo."),
        ("thanks for the architecture tour", "Thanks for the architecture tour."),
        ("It was great to meet the team", "It was great to meet the team."),
        ("I’m grateful for the demo", "I’m grateful for the demo."),
        ("your questions about on-call", "I especially appreciated your questions about on-call."),
        (
            "the demo. it was great to meet Ana\nand i learned a lot",
            "I especially appreciated the demo. It was great to meet Ana and I learned a lot.",
        ),
        ("the iOS roadmap", "I especially appreciated the iOS roadmap."),
        ("", ""),
        ("   \n ", ""),
    ],
)
def test_what_was_appreciated_in_any_shape(typed, want):
    assert appreciation(typed) == want


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        (
            "you asked about caching. i would use redis",
            "You asked about caching. I would use redis.",
        ),
        ("On caching: I would use Redis.", "On caching: I would use Redis."),
        ("would I shard it?", "Would I shard it?"),
        ("first line\nsecond line", "First line second line."),
        ("First point\nSecond point", "First point. Second point."),
        ("one.\n\ntwo", "One.\n\nTwo."),
        ("- use a queue\n- add retries", "Use a queue. Add retries."),
        ("e.g. a cache in front", "E.g. a cache in front."),
        ('She said "ship it"', 'She said "ship it."'),
    ],
)
def test_open_question_answer_becomes_sentences(typed, want):
    assert sentences(typed) == want


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("Acme", "Acme"),
        ("acme payments.", "Acme Payments"),
        (" Acme  Payments ", "Acme Payments"),
        ("Acme Inc.", "Acme Inc."),
        ("eBay", "eBay"),
        ("Initech,", "Initech"),
    ],
)
def test_company_names(typed, want):
    assert company_name(typed) == want


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("Back-end engineer", "Back-end engineer"),
        ("a back-end engineer.", "back-end engineer"),
        ("the  Platform Engineer role", "Platform Engineer"),
        ("SRE position", "SRE"),
    ],
)
def test_role_names(typed, want):
    assert role_name(typed) == want


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("alex morgan", "Alex Morgan"),
        ("Alex Morgan.", "Alex Morgan"),
        ("mary-jane o", "Mary-Jane O"),
        ("  Sam  ", "Sam"),
        ("DeShawn", "DeShawn"),
    ],
)
def test_person_names(typed, want):
    assert person_name(typed) == want


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("Sam\nAna\nLee", "Dear Sam, Ana and Lee,"),
        ("Sam, Ana and Lee", "Dear Sam, Ana and Lee,"),
        ("sam <sam@x.io>; ana <ana@x.io>", "Dear Sam and Ana,"),
        ("Sam Lee <sam@x.io>", "Dear Sam Lee,"),
        ("sam@x.io", "Hello,"),
        ("", "Hello,"),
    ],
)
def test_greeting_for_one_or_several_interviewers(typed, want):
    assert greeting(parse_interviewers(typed)) == want


def test_an_address_after_a_comma_belongs_to_the_name_before_it():
    people = parse_interviewers("Bo Chen, bo@example.com; Ana, ana@example.com")
    assert [(p.name, p.email) for p in people] == [
        ("Bo Chen", "bo@example.com"),
        ("Ana", "ana@example.com"),
    ]


@pytest.mark.parametrize(
    ("typed", "want"),
    [
        ("done", "done."),
        ("done.", "done."),
        ("done?", "done?"),
        ("done,", "done."),
        ("wait…", "wait…"),
        ("[company]", "[company]."),
        ("", ""),
    ],
)
def test_end_sentence(typed, want):
    assert end_sentence(typed) == want


def test_lowercase_fields_make_a_correct_email():
    draft = compose_follow_up_email(
        {
            "interviewers": "sam, ana and lee",
            "company": "acme payments.",
            "role": "a back-end engineer role.",
            "thanks": "the honest walk-through of how the team ships",
            "open-question": "you asked how i would cache it. i would use redis",
            "your-name": "alex morgan",
        }
    )
    body = draft.body
    assert body.startswith("Dear Sam, Ana and Lee,\n\n")
    assert "about the back-end engineer position at Acme Payments. I appreciated" in body
    assert f"\n\n{WANT}\n\n" in body
    assert "\n\nYou asked how I would cache it. I would use redis.\n\n" in body
    assert body.endswith("Best regards,\nAlex Morgan")
    assert draft.subject == "Thank you: Back-end engineer interview at Acme Payments"
    assert ".." not in body and " ." not in body


@pytest.mark.parametrize("left_out", ["thanks", "open-question"])
def test_missing_optional_fields_leave_no_dangling_text(left_out):
    draft = compose_follow_up_email({**FULL, left_out: "   "})
    assert draft.missing == (left_out,)
    assert "[" not in draft.as_text()
    if left_out == "open-question":
        assert "question we left open" not in draft.body
    else:
        assert "especially appreciated" not in draft.body
    assert "\n\n\n" not in draft.body


def test_missing_required_fields_show_placeholders_and_abbreviations_keep_one_stop():
    draft = compose_follow_up_email({"company": "Acme Inc."})
    assert "the [role] position at Acme Inc. I appreciated" in draft.body
    assert draft.body.endswith("Best regards,\n[your name]")
    assert draft.as_text().startswith("To: [interviewer email addresses]\n")
    assert draft.body.startswith("Hello,")


def test_several_interviewers_are_all_addressed_once():
    draft = compose_follow_up_email(
        {**FULL, "interviewers": "Sam <sam@x.io>\nAna <ana@x.io>\nLee <lee@x.io>\nSam <sam@x.io>"}
    )
    assert draft.to == ("sam@x.io", "ana@x.io", "lee@x.io")
    assert draft.body.startswith("Dear Sam, Ana and Lee,")
