"""The answer book: best and latest answer per question, escaped, written safely.

The Markdown for a small fixed history is compared with `tests/fixtures/answer_book.md`;
the content is the article's four and the small bank in `tests/bank_fixture.py`, so the
fixture does not follow the real bank as it grows.
After a deliberate change to the wording (or to the content files), regenerate it with
`UPDATE_FIXTURES=1 pytest tests/test_answer_book.py` and read the diff before committing.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bank_fixture import write_bank

from prep.content.loader import load_content
from prep.insight import answer_book
from prep.insight.answer_book import (
    BEST,
    BOTH,
    LATEST,
    AnswerBookError,
    book_paths,
    build_book,
    md_quote,
    to_html,
    to_markdown,
    write_answer_book,
)
from prep.store.history import HistoryStore, empty_frame

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
FIXTURE = Path(__file__).parent / "fixtures" / "answer_book.md"
GENERATED = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

WEAK = (
    "Um, I worked on a lot of projects, basically. We used Python and Django and we kind of "
    "built an API. It went fine, I guess."
)
STRONG = (
    "At my last job I led the rebuild of our order-tracking service, which is in my portfolio. "
    "The situation was that the old service timed out at peak hours. My task was to own the "
    "new design: I chose Go and PostgreSQL and wrote most of the event pipeline myself. I met "
    "our designer and the product manager every week to agree on what customers needed to see. "
    "When two engineers disagreed about the queue, I gave ground on my first choice so the team "
    "could ship.\n\nAs a result, page load times dropped by 40% and we shipped two weeks early."
)
MEDIUM = (
    "I built an order-tracking service in Go. I owned the design and the database schema. "
    "It was fast and the team liked it."
)
FIRST = (
    "When I was twelve my dad brought home an old computer and I took it apart to see how it "
    "worked.\n\nI taught myself Python from online tutorials, then studied computer science at "
    "university.\nWhat drew me to the back end is what happens behind the scenes."
)
TIP_TEXT = "TIP ANSWER: they run Kotlin on Kubernetes"
RETIRED_TEXT = "an answer to a question that was removed"


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return load_content(write_bank(tmp_path_factory.mktemp("content")))


def record(store, when, item_id, answer, **fields):
    store.clock = lambda: when
    return store.record(item_id, answer, **fields)


def fixed_store(tmp_path):
    """The history behind the fixture: every case the book has to handle, in five days."""
    store = HistoryStore(tmp_path / "practice_history.csv")
    day = timedelta(days=1)
    record(store, MARCH, "past-role", WEAK, confidence=2, seconds=75)
    record(store, MARCH + day, "first-involved", FIRST)
    record(store, MARCH + day, "research-company/stack", TIP_TEXT)
    record(store, MARCH + 2 * day + timedelta(hours=9, minutes=30), "past-role", STRONG,
           mode="mock", confidence=4, seconds=150)  # fmt: skip
    record(store, MARCH + 3 * day, "five-years", "   \n  ")
    record(store, MARCH + 3 * day, "retired-question", RETIRED_TEXT)
    record(store, MARCH + 4 * day + timedelta(hours=11, minutes=15), "past-role", MEDIUM,
           confidence=5)  # fmt: skip
    return store


def fixed_book(tmp_path, content):
    return build_book(fixed_store(tmp_path).load(), content, BERLIN, GENERATED)


def section(markdown, title):
    """The Markdown of one question's section, from its heading to the next question's."""
    start = markdown.index(f". {title}\n")
    ends = [i for i in (markdown.find("\n### ", start), markdown.find("\n## ", start)) if i > 0]
    return markdown[start : min(ends) if ends else None]


# ---- the fixture ------------------------------------------------------------------------


def test_markdown_matches_the_committed_fixture(tmp_path, content):
    markdown = to_markdown(fixed_book(tmp_path, content))
    if os.environ.get("UPDATE_FIXTURES") == "1":
        FIXTURE.parent.mkdir(exist_ok=True)
        FIXTURE.write_text(markdown, encoding="utf-8")
    assert FIXTURE.exists(), "run once with UPDATE_FIXTURES=1 to create the fixture"
    assert markdown == FIXTURE.read_text(encoding="utf-8")


def test_every_question_of_an_answered_topic_appears_once_in_workbook_order(tmp_path, content):
    markdown = to_markdown(fixed_book(tmp_path, content))
    headings = [line for line in markdown.splitlines() if line.startswith(("## ", "### "))]
    background = [q for q in content.questions if q.topic == "background"]
    titles = [f"### {n}. {q.title}" for n, q in enumerate(background, 1)]
    assert headings == ["## Contents", "## Your background and plans", *titles]


def test_summary_counts_questions_and_attempts(tmp_path, content):
    markdown = to_markdown(fixed_book(tmp_path, content))
    # past-role three times and first-involved once; tips, blanks and unknown ids not counted
    assert "You have answered 2 of 12 questions, from 4 saved attempts, 1 in a mock" in markdown
    assert "Made on Sun 08 Mar 2026, 21:00" in markdown  # Berlin is UTC+1 in March
    assert (
        "Topics with no saved answer yet, so not in this book: Databases and SQL (3 questions), "
        "Caching (2 questions), Testing and quality (1 question), Behavioural and situational "
        "(2 questions)."
    ) in markdown


def test_tips_blank_answers_and_unknown_ids_stay_out(tmp_path, content):
    markdown = to_markdown(fixed_book(tmp_path, content))
    assert "Kotlin" not in markdown
    assert RETIRED_TEXT not in markdown
    assert "Not answered yet" in section(markdown, "Where you'll be in five years")


def test_best_is_shown_first_then_latest_when_they_differ(tmp_path, content):
    book = fixed_book(tmp_path, content)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert [(s.role, s.attempt.answer) for s in entry.shown] == [
        (BEST, STRONG),
        (LATEST, MEDIUM),
    ]
    assert (entry.attempts, entry.mock_attempts) == (3, 1)
    text = section(to_markdown(book), "Your role in past projects")
    assert text.index("#### Your best answer") < text.index("#### Your latest answer")
    assert "Saved Wed 04 Mar 2026, 19:30 · mock interview · confidence 4/5 · took 2:30" in text
    assert "Saved Fri 06 Mar 2026, 21:15 · practice · confidence 5/5" in text
    assert "1 of them in a mock interview" in text
    assert WEAK.split(".")[0] not in text  # the first, weakest attempt is neither


def test_a_single_answer_is_shown_once_as_both(tmp_path, content):
    book = fixed_book(tmp_path, content)
    entry = next(e for e in book.entries if e.question.id == "first-involved")
    assert [s.role for s in entry.shown] == [BOTH]
    text = section(to_markdown(book), "How you got into computer science")
    assert text.count("#### ") == 2  # the answer, then the pitfalls
    assert "#### Your best and latest answer" in text
    assert "confidence not rated" in text
    assert "Saved Tue 03 Mar 2026, 10:00 · practice · confidence not rated\n" in text  # untimed


def test_an_answer_keeps_its_paragraphs_in_the_quote(tmp_path, content):
    text = section(to_markdown(fixed_book(tmp_path, content)), "How you got into computer science")
    assert (
        "> When I was twelve my dad brought home an old computer and I took it apart to see how "
        "it worked.\n>\n> I taught myself Python from online tutorials, then studied computer "
        "science at university.\n> What drew me to the back end is what happens behind the scenes."
    ) in text


def test_unanswered_question_lists_talking_points_and_pitfalls(tmp_path, content):
    text = section(to_markdown(fixed_book(tmp_path, content)), "Limits of the languages you prefer")
    question = next(q for q in content.questions if q.id == "language-limits")
    assert "Not answered yet. Talking points to cover:" in text
    for point in question.talking_points:
        assert point.text in text
    assert "- Optional: If a follow-up goes past what you know" in text
    pitfalls = text[text.index("#### Pitfalls to avoid") :]
    assert all(f"- {p}" in pitfalls for p in question.pitfalls)


def test_coach_notes_name_what_was_heard_and_what_is_missing(tmp_path, content):
    text = section(to_markdown(fixed_book(tmp_path, content)), "Your role in past projects")
    best = text[text.index("#### Your best answer") : text.index("#### Your latest answer")]
    assert "Coverage: 86%, 6 of 7 talking points." in best
    assert "Structure (STAR): all four parts heard" in best
    assert "Figures in your result: “40”, “two”." in best
    assert "**Talking points still to cover**\n\n- Say what you would do differently" in best
    latest = text[text.index("#### Your latest answer") : text.index("#### Pitfalls to avoid")]
    assert "Structure (STAR): heard action; not heard yet: situation, task, result." in latest


def test_contents_link_to_the_headings(tmp_path, content):
    markdown = to_markdown(fixed_book(tmp_path, content))
    assert "1. [How you got into computer science](#1-how-you-got-into-computer-science)" in (
        markdown
    )
    assert "(#4-where-youll-be-in-five-years): not answered yet" in markdown


# ---- choosing the best ------------------------------------------------------------------


def test_ties_go_to_higher_confidence_then_the_later_attempt(tmp_path, content):
    store = HistoryStore(tmp_path / "h.csv")
    same = MEDIUM  # the same text: the same coverage
    first = record(store, MARCH, "past-role", same, confidence=4)
    record(store, MARCH + timedelta(hours=1), "past-role", same, confidence=3)
    record(store, MARCH + timedelta(hours=2), "past-role", same)  # unrated counts lowest
    book = build_book(store.load(), content, UTC, GENERATED)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert entry.shown[0].attempt.attempt_id == first.attempt_id
    assert [s.role for s in entry.shown] == [BEST, LATEST]

    again = record(store, MARCH + timedelta(hours=3), "past-role", same, confidence=4)
    book = build_book(store.load(), content, UTC, GENERATED)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert [(s.role, s.attempt.attempt_id) for s in entry.shown] == [(BOTH, again.attempt_id)]


def test_higher_coverage_beats_higher_confidence(tmp_path, content):
    store = HistoryStore(tmp_path / "h.csv")
    record(store, MARCH, "past-role", STRONG, confidence=1)
    record(store, MARCH + timedelta(hours=1), "past-role", WEAK, confidence=5)
    book = build_book(store.load(), content, UTC, GENERATED)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert [(s.role, s.attempt.answer) for s in entry.shown] == [(BEST, STRONG), (LATEST, WEAK)]


def test_the_coverage_saved_with_each_attempt_decides_the_best(tmp_path, content, monkeypatch):
    """The book reads the figure saved with each attempt, and analyses only what it shows."""
    store = HistoryStore(tmp_path / "h.csv")
    record(store, MARCH, "past-role", WEAK, extra={"coverage": "0.90"})
    record(store, MARCH + timedelta(hours=1), "past-role", STRONG, extra={"coverage": "0.10"})
    for hour in range(2, 40):
        record(
            store,
            MARCH + timedelta(hours=hour),
            "past-role",
            f"{MEDIUM} ({hour})",
            extra={"coverage": "0.50"},
        )
    analysed = []
    real = answer_book.analyse
    monkeypatch.setattr(
        answer_book, "analyse", lambda text, *a: analysed.append(text) or real(text, *a)
    )
    book = build_book(store.load(), content, UTC, GENERATED)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert entry.shown[0].attempt.answer == WEAK and entry.attempts == 40
    assert sorted(analysed) == sorted([WEAK, f"{MEDIUM} (39)"])  # the best and the latest


def test_rows_saved_before_the_coach_existed_are_analysed_for_their_coverage(tmp_path, content):
    store = HistoryStore(tmp_path / "h.csv")
    record(store, MARCH, "past-role", WEAK, extra={"coverage": "0.40"})
    record(store, MARCH + timedelta(hours=1), "past-role", STRONG)  # no coverage saved
    record(store, MARCH + timedelta(hours=2), "past-role", MEDIUM, extra={"coverage": "0.45"})
    book = build_book(store.load(), content, UTC, GENERATED)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert entry.shown[0].attempt.answer == STRONG


def test_same_second_saves_go_by_file_order(tmp_path, content):
    store = HistoryStore(tmp_path / "h.csv")
    record(store, MARCH, "past-role", MEDIUM, confidence=3)
    last = record(store, MARCH, "past-role", MEDIUM, confidence=3)
    book = build_book(store.load(), content, UTC, GENERATED)
    entry = next(e for e in book.entries if e.question.id == "past-role")
    assert [(s.role, s.attempt.attempt_id) for s in entry.shown] == [(BOTH, last.attempt_id)]


def test_an_empty_history_names_every_topic_still_to_answer(content):
    book = build_book(empty_frame(), content, UTC, GENERATED)
    markdown = to_markdown(book)
    assert f"You have not answered any of the {len(content.questions)} questions yet." in markdown
    assert "so not in this book: Your background and plans (4 questions), Databases" in markdown
    assert "## " not in markdown and "Not answered yet" not in markdown
    assert "<h3" not in to_html(book) and "Your background and plans (4 questions)" in to_html(book)


# ---- learner text never becomes markup --------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>\n"
    '"><img src=x onerror=alert(2)>\n'
    "\n"
    "![tracker](https://example.com/pixel.png) [click](javascript:alert(3))\n"
    "&lt;b&gt; stays as typed & so does <b>this</b>"
)


def hostile_book(tmp_path, content):
    store = HistoryStore(tmp_path / "h.csv")
    record(store, MARCH, "past-role", HOSTILE, mode="<i>mock</i>")
    return build_book(store.load(), content, UTC, GENERATED)


def test_html_escapes_the_answer_and_runs_nothing(tmp_path, content):
    page = to_html(hostile_book(tmp_path, content))
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "<i>mock</i>" not in page and "&lt;i&gt;mock&lt;/i&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp;lt;b&amp;gt; stays as typed &amp; so does &lt;b&gt;this&lt;/b&gt;" in page
    tags = TagCollector.of(page)
    assert not {"script", "img", "iframe", "link", "object"} & tags.names
    assert all(href.startswith("#") for href in tags.hrefs)  # no way off the page


def test_markdown_quotes_and_escapes_the_answer(tmp_path, content):
    text = section(to_markdown(hostile_book(tmp_path, content)), "Your role in past projects")
    assert (
        "> &lt;script&gt;alert(1)&lt;/script&gt;\n"
        '> "&gt;&lt;img src=x onerror=alert(2)&gt;\n'
        ">\n"
        "> !&#91;tracker&#93;(https://example.com/pixel.png) &#91;click&#93;(javascript:alert(3))\n"
        "> &amp;lt;b&amp;gt; stays as typed &amp; so does &lt;b&gt;this&lt;/b&gt;\n"
    ) in text
    assert "· &lt;i&gt;mock&lt;/i&gt; ·" in text


def test_markdown_renders_to_inert_html(tmp_path, content):
    mistune = pytest.importorskip("mistune")
    rendered = mistune.html(to_markdown(hostile_book(tmp_path, content)))  # keeps raw HTML
    tags = TagCollector.of(rendered)
    assert not {"script", "img"} & tags.names
    assert all(href.startswith("#") for href in tags.hrefs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    # every line of the answer stays inside the quote
    quote = rendered[rendered.index("<blockquote>") : rendered.index("</blockquote>")]
    assert "alert(1)" in quote and "so does" in quote


def test_markdown_quote_marks_every_line():
    assert md_quote("one\n\ntwo\n  indented\n") == "> one\n>\n> two\n>   indented"
    assert md_quote("# not a heading") == "> # not a heading"


def test_content_text_is_escaped_too(tmp_path, content):
    question = dataclasses.replace(content.questions[0], title="<b>Bold</b> & [linked](x)")
    changed = dataclasses.replace(content, questions=(question, *content.questions[1:]))
    frame = HistoryStore(tmp_path / "h.csv")
    record(frame, MARCH, question.id, "an answer")
    book = build_book(frame.load(), changed, UTC, GENERATED)
    assert "<b>" not in to_html(book) and "&lt;b&gt;Bold&lt;/b&gt; &amp;" in to_html(book)
    assert "### 1. &lt;b&gt;Bold&lt;/b&gt; &amp; &#91;linked&#93;(x)" in to_markdown(book)


# ---- the HTML page ----------------------------------------------------------------------


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    @classmethod
    def of(cls, page: str) -> TagCollector:
        collector = cls()
        collector.feed(page)
        return collector

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        values = dict(attrs)
        if "id" in values:
            self.ids.append(values["id"])
        if "href" in values:
            self.hrefs.append(values["href"])
        if "src" in values:
            self.srcs.append(values["src"])


def test_html_is_one_self_contained_page(tmp_path, content):
    page = to_html(fixed_book(tmp_path, content))
    assert page.startswith("<!DOCTYPE html>")
    assert "<meta charset='utf-8'>" in page
    assert "@media (prefers-color-scheme: dark)" in page and "@media print" in page
    tags = TagCollector.of(page)
    assert "style" in tags.names and not tags.srcs
    assert not {"script", "link", "img"} & tags.names
    assert "http" not in page  # nothing to fetch


def test_html_contents_link_to_each_topic_and_question(tmp_path, content):
    tags = TagCollector.of(to_html(fixed_book(tmp_path, content)))
    expected = ["topic-background"] + [f"q-{q.id}" for q in content.questions[:4]]
    assert tags.ids == expected
    assert tags.hrefs == [f"#{i}" for i in expected]


def test_html_keeps_the_answer_line_breaks(tmp_path, content):
    page = to_html(fixed_book(tmp_path, content))
    assert "white-space: pre-wrap" in page
    assert "took it apart to see how it worked.\n\nI taught myself Python" in page


def test_html_says_what_the_markdown_says(tmp_path, content):
    book = fixed_book(tmp_path, content)
    page = to_html(book)
    for phrase in (
        "You have answered 2 of 12 questions",
        "Saved Wed 04 Mar 2026, 19:30 · mock interview · confidence 4/5 · took 2:30",
        "Your best answer",
        "Your latest answer",
        "Your best and latest answer",
        "Not answered yet. Talking points to cover:",
        "Pitfalls to avoid",
        "Coverage: 86%, 6 of 7 talking points.",
    ):
        assert phrase in page, phrase


# ---- writing the files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "md", "html"),
    [
        ("book", "book.md", "book.html"),
        ("book.md", "book.md", "book.html"),
        ("book.html", "book.md", "book.html"),
        ("Book.HTML", "Book.md", "Book.html"),
        ("book.2026", "book.2026.md", "book.2026.html"),
    ],
)
def test_book_paths(tmp_path, target, md, html):
    assert book_paths(tmp_path / target) == (tmp_path / md, tmp_path / html)


def test_write_answer_book_writes_both_files(tmp_path, content):
    store = fixed_store(tmp_path)
    before = store.path.read_bytes()
    md, html = write_answer_book(
        store, content, tmp_path / "night-before", tz=BERLIN, now=GENERATED
    )
    assert (md, html) == (tmp_path / "night-before.md", tmp_path / "night-before.html")
    (tmp_path / "again").mkdir()
    assert md.read_text(encoding="utf-8") == to_markdown(fixed_book(tmp_path / "again", content))
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert store.path.read_bytes() == before
    again = write_answer_book(store, content, str(tmp_path / "night-before.html"), now=GENERATED)
    assert again == (md, html)  # an existing book is replaced


def test_refuses_to_overwrite_the_history(tmp_path, content):
    store = fixed_store(tmp_path)
    before = store.path.read_bytes()
    with pytest.raises(AnswerBookError, match="another file than your practice history"):
        write_answer_book(store, content, store.path)
    assert store.path.read_bytes() == before


def test_refuses_the_backups_folder(tmp_path, content):
    store = fixed_store(tmp_path)
    store.backup()
    with pytest.raises(AnswerBookError, match="keeps copies of your history"):
        write_answer_book(store, content, store.backups_dir / "book.md")
    assert not list(store.backups_dir.glob("book*"))


def test_names_a_missing_folder(tmp_path, content):
    store = fixed_store(tmp_path)
    missing = tmp_path / "no-such-folder"
    with pytest.raises(AnswerBookError) as caught:
        write_answer_book(store, content, missing / "book.md")
    assert str(caught.value) == (
        f"the folder {missing} does not exist; create it first or choose another place"
    )
    assert not missing.exists()


def test_refuses_a_folder_as_the_file(tmp_path, content):
    store = fixed_store(tmp_path)
    (tmp_path / "book.md").mkdir()
    with pytest.raises(AnswerBookError, match=r"book\.md is a folder; give a file name"):
        write_answer_book(store, content, tmp_path / "book.md")


def test_a_failed_write_is_worded_and_says_what_was_written(tmp_path, content, monkeypatch):
    store = fixed_store(tmp_path)
    real = answer_book.atomic_write

    def full_disk_for_html(path, data):
        if path.suffix == ".html":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(answer_book, "atomic_write", full_disk_for_html)
    with pytest.raises(AnswerBookError) as caught:
        write_answer_book(store, content, tmp_path / "book")
    assert str(caught.value) == (
        f"the answer book could not be saved as {tmp_path / 'book.html'}: the disk is full "
        f"({tmp_path / 'book.md'} was written)"
    )


def test_a_refused_permission_is_worded(tmp_path, content, monkeypatch):
    """Simulated: the tests run as root in CI, and root may write anywhere."""
    store = fixed_store(tmp_path)

    def refused(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(answer_book, "atomic_write", refused)
    with pytest.raises(AnswerBookError) as caught:
        write_answer_book(store, content, tmp_path / "book")
    book = tmp_path / "book.md"
    assert str(caught.value) == (
        f"the answer book could not be saved as {book}: "
        f"you do not have permission to write to {book}"
    )


def test_unreadable_history_lines_are_counted_not_fatal(tmp_path, content):
    store = fixed_store(tmp_path)
    with store.path.open("ab") as handle:
        handle.write(b'"only","three","fields"\r\n')
        handle.write(b'"x","not a time","past-role","practice","lost","","","2"\r\n')
    md, _html = write_answer_book(store, content, tmp_path / "book", tz=BERLIN, now=GENERATED)
    text = md.read_text(encoding="utf-8")
    assert (
        "2 lines of your practice history could not be read, so they are left out of this "
        "book. prep.history_problems() lists them."
    ) in text
    assert "You have answered 2 of 12 questions, from 4 saved attempts" in text
