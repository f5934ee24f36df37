"""Practice across the whole bank: next_up by topic, the mock's mix, the topic grid, the book.

Every test runs on the small fixed bank of `tests/bank_fixture.py` (the article's four,
then databases, caching, testing and behavioural questions), so none depends on the real
bank's questions or their number.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser

import pytest
from bank_fixture import ARTICLE, BANK, BANK_IDS, LEVEL_OF, TOPIC_OF, write_article, write_bank

import prep
from prep import workbook
from prep.insight.answer_book import build_book, to_html, to_markdown
from prep.insight.progress import STRONG_COVERAGE, mark_status, question_stats, summarise
from prep.practice.schedule import MockPools, mock_pools, pick_for_mock, replay
from prep.store.history import HistoryReport, HistoryStore
from prep.widgets import MessageCard, ProgressView
from prep.widgets.mock_view import MockInterview
from prep.widgets.next_up_view import NextUpView

UTC = timezone.utc
NOW = datetime.now(UTC).replace(microsecond=0)
TOPICS = ["background", *BANK]
TECHNICAL = {"databases", "caching", "testing"}


@pytest.fixture
def bank(tmp_path, monkeypatch, data_dir):
    folder = write_bank(tmp_path / "content")
    monkeypatch.setenv("PREP_CONTENT_DIR", str(folder))
    return folder


def save(data_dir, answers):
    """answers: (days ago, question id, confidence, coverage 0-1 or None), saved in order."""
    store = HistoryStore(data_dir / "practice_history.csv")
    for days, item_id, confidence, coverage in answers:
        when = NOW - timedelta(days=days)
        store.clock = lambda when=when: when
        extra = {} if coverage is None else {"coverage": f"{coverage:.2f}"}
        store.record(item_id, f"answer to {item_id}", confidence=confidence, extra=extra)
    return store


# ---- next_up by topic ------------------------------------------------------------------------


def test_next_up_groups_by_topic_in_workbook_order(bank):
    view = prep.next_up()
    assert isinstance(view, NextUpView)
    assert [g.topic for g in view.groups] == TOPICS
    assert [i.question_id for g in view.groups for i in g.items] == ARTICLE + BANK_IDS
    headers = re.findall(r"<th scope='rowgroup'[^>]*>([^<]+) <span", view.table.value)
    assert headers == ["Your background and plans", *(title for title, _qs in BANK.values())]


def test_within_a_topic_due_comes_first_then_new_then_later(bank, data_dir):
    save(
        data_dir,
        [
            (30, "db-isolation", 3, 0.8),  # due after two days: overdue by four weeks
            (0, "db-index", 5, 1.0),  # Easy today: later
        ],
    )
    view = prep.next_up()
    databases = next(g for g in view.groups if g.topic == "databases")
    assert [(i.question_id, i.status) for i in databases.items] == [
        ("db-isolation", "overdue"),
        ("db-n-plus-one", "new"),
        ("db-index", "later"),
    ]
    # the lead names the most urgent question anywhere, not the first topic's first
    assert "Practise <strong>Isolation levels</strong> next." in view.table.value
    assert "Databases and SQL <span" in view.table.value
    assert "· 1 overdue, 1 new, 1 later</span>" in view.table.value
    # among many topics a topic lists what to practise now; what is due later is counted
    html = view.table.value
    block = html[html.index("Databases and SQL <span") : html.index("Caching <span")]
    assert block.count("<tr><td") == 2 and "…and 1 more (1 later)" in block


def test_a_long_topic_shows_its_first_few_and_how_to_see_the_rest(bank):
    html = prep.next_up().table.value
    background = html[html.index("Your background and plans") : html.index("Databases and SQL")]
    assert background.count("<tr><td") == 3
    assert "…and 1 more (1 new): <code>prep.next_up(topic=&#x27;background&#x27;)</code>" in (
        background
    )
    whole = prep.next_up(topic="background")
    assert whole.table.value.count("<tr><td") == 4 and "more (" not in whole.table.value
    assert "What to practise next: Your background and plans" in whole.heading.value


def test_with_only_one_topic_every_question_is_listed(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_CONTENT_DIR", str(write_article(tmp_path / "content")))
    view = prep.next_up()
    assert view.table.value.count("<tr><td") == 4 and "more (" not in view.table.value


def test_next_up_filters_by_topic_and_level(bank):
    databases = prep.next_up(topic="databases")
    assert [i.question_id for i in databases.items] == ["db-index", "db-n-plus-one", "db-isolation"]
    junior = prep.next_up(level="junior")
    assert {i.question_id for i in junior.items} == {
        *ARTICLE,
        "db-index",
        "test-pyramid",
        "beh-failure",
    }
    both = prep.next_up(topic="caching", level="senior")
    assert [i.question_id for i in both.items] == ["cache-stampede"]
    assert "Caching, senior level" in both.heading.value
    assert "3 questions in Databases and SQL: 3 new." in databases.table.value


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: prep.next_up(topic="kitchen"), "There is no topic 'kitchen'. Known topics:"),
        (lambda: prep.next_up(level="expert"), "There is no level 'expert'. Levels are junior"),
    ],
)
def test_an_unknown_topic_or_level_is_a_plain_message(bank, call, words):
    view = call()
    assert isinstance(view, MessageCard)
    assert view.message.startswith(words)
    assert "Traceback" not in view.message


def test_next_up_at_bank_size_stays_short(bank, data_dir):
    """Twelve questions over five topics: at most three rows a topic, and the counts."""
    html = prep.next_up().table.value
    assert html.count("<tr><td") == sum(min(3, len(qs)) for _t, qs in BANK.values()) + 3
    assert "12 questions: 12 new." in html


# ---- the mock interview's mix ------------------------------------------------------------------


def test_the_mock_opens_with_a_behavioural_question_then_technical_ones(bank):
    mock = prep.mock_interview(seed=7)
    assert isinstance(mock, MockInterview)
    ids = [q.id for q in mock.questions]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert TOPIC_OF[ids[0]] == "behavioural"
    assert {TOPIC_OF[i] for i in ids[1:]} <= TECHNICAL
    assert "prep.mock_interview(seed=7)" in mock.header.value


def test_chosen_topics_give_the_technical_questions(bank):
    mock = prep.mock_interview(questions=3, topics=["caching"], seed=2)
    ids = [q.id for q in mock.questions]
    assert TOPIC_OF[ids[0]] == "behavioural"
    assert sorted(ids[1:]) == ["cache-invalidation", "cache-stampede"]
    assert "prep.mock_interview(questions=3, topics=[&#x27;caching&#x27;], seed=2)" in (
        mock.header.value
    )
    one = prep.mock_interview(topics="testing", seed=2)  # one topic as a plain string
    assert [TOPIC_OF[q.id] for q in one.questions] == ["behavioural", "testing"]
    assert "This run has 2 questions rather than 5: no more fit Testing and quality." in (
        one.header.value
    )


def test_due_questions_come_first_in_each_part(bank, data_dir):
    save(data_dir, [(40, "cache-stampede", 3, 0.9), (30, "beh-failure", 3, 0.9)])
    for seed in range(5):
        ids = [q.id for q in prep.mock_interview(seed=seed).questions]
        assert ids[:2] == ["beh-failure", "cache-stampede"]


def test_the_level_is_honoured_and_background_opens_when_no_behavioural_fits(bank):
    junior = [q.id for q in prep.mock_interview(questions=4, level="junior", seed=1).questions]
    assert junior[0] == "beh-failure"
    assert set(junior[1:3]) == {"db-index", "test-pyramid"}  # every junior technical one
    assert TOPIC_OF[junior[3]] == "background"  # then topped up, as no topic was chosen
    assert all(LEVEL_OF[i] in (None, "junior") for i in junior)
    senior = [q.id for q in prep.mock_interview(questions=3, level="senior", seed=1).questions]
    assert TOPIC_OF[senior[0]] == "background"  # no behavioural question is senior
    assert set(senior[1:]) == {"db-isolation", "cache-stampede"}


def test_the_same_seed_asks_the_same_questions(bank):
    runs = {seed: [q.id for q in prep.mock_interview(seed=seed).questions] for seed in range(12)}
    assert runs[3] == [q.id for q in prep.mock_interview(seed=3).questions]
    assert len({tuple(run) for run in runs.values()}) > 1  # and other seeds vary


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"topics": ["caching", "kitchen"]}, "There is no topic 'kitchen'."),
        ({"level": "principal"}, "There is no level 'principal'."),
    ],
)
def test_a_bad_topic_or_level_does_not_start_a_mock(bank, kwargs, words):
    view = prep.mock_interview(**kwargs)
    assert isinstance(view, MessageCard)
    assert words in view.message and view.title == "The mock interview cannot start"


def test_pick_for_mock_tops_up_from_spare_when_the_rest_runs_out(bank):
    data = workbook.content()
    states = replay(HistoryStore(bank / "none.csv").load(), [q.id for q in data.questions])
    pools = MockPools(opening=("beh-conflict",), rest=("db-index",), spare=tuple(ARTICLE))
    picked = pick_for_mock(states, NOW, 4, 9, pools)
    assert picked[:2] == ["beh-conflict", "db-index"] and set(picked[2:]) <= set(ARTICLE)
    assert mock_pools(data).rest == tuple(BANK_IDS[:6])  # every technical topic, in order
    assert mock_pools(data).opening == ("beh-conflict", "beh-failure")


# ---- the topic grid and the cards --------------------------------------------------------------


class Table(HTMLParser):
    """The grid as rows of (tag, text) cells, and each cell's class."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str, str]]] = []
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = [tag, "", dict(attrs).get("class", "")]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append((self._cell[0], " ".join(self._cell[1].split()), self._cell[2]))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data + " "


def grid_rows(html):
    table = Table()
    table.feed(html[: html.index("<caption")] + html[html.index("</caption>") :])
    return table.rows


class Reads:
    def __init__(self, store):
        self.store, self.calls = store, 0

    def __call__(self):
        self.calls += 1
        return self.store.read()


@pytest.fixture
def page(bank, data_dir):
    """A practised history: strong, weak, due and untried questions across the topics."""
    store = save(
        data_dir,
        [
            (30, "db-isolation", 3, 0.25),  # overdue, weak
            (9, "db-index", 4, 0.50),
            (8, "db-index", 5, 1.00),  # recent coverage of the last of two: 100%
            (3, "cache-invalidation", 5, 0.75),  # Easy: strong, not due
            (2, "beh-conflict", 5, 1.00),
            (1, "past-role", 3, 0.60),
        ],
    )
    reads = Reads(store)
    due = lambda frame: workbook._due_dates(frame, store)  # noqa: E731
    return ProgressView(reads, workbook.content(), due=due, tz=UTC), reads


def test_the_grid_is_a_real_table_with_words_in_every_cell(page):
    view, _reads = page
    html = view.topic_grid.value
    rows = grid_rows(html)
    assert [c[1] for c in rows[0]] == ["Topic", "All levels", "Junior", "Mid", "Senior"]
    assert all(c[0] == "th" for c in rows[0])
    body = rows[1:]
    assert [r[0][1] for r in body] == [
        "Your background and plans",
        *(title for title, _qs in BANK.values()),
    ]
    assert all(r[0][0] == "th" for r in body) and "scope='row'" in html
    assert all(cell[1] for r in body for cell in r)  # text in every cell, never colour alone
    assert "<caption" in html and "recent coverage" in html and "strong</strong> (75%" in html
    assert body[0][2][1] == "asked at every level"


def test_the_grid_counts_untried_due_and_strong(page):
    view, _reads = page
    rows = {r[0][1]: r for r in grid_rows(view.topic_grid.value)[1:]}
    databases = rows["Databases and SQL"]
    assert databases[1][1] == "62% · 3 questions 1 untried · 1 due · 1 strong"
    assert databases[2][1] == "100% · 1 question 0 untried · 0 due · 1 strong"
    assert databases[3][1] == "not tried yet · 1 question 1 untried · 0 due · 0 strong"
    assert databases[4][1] == "25% · 1 question 0 untried · 1 due · 0 strong"
    assert "prep-band-weak" in databases[4][2] and "prep-band-strong" in databases[2][2]
    assert rows["Testing and quality"][3][1] == "no questions"


def card_facts(html):
    """Per card: (title, recent coverage or None, due, strong, untried), from its words."""
    facts = []
    for card in html.split("class='prep-question-stat'")[1:]:
        title = unescape(re.search(r"font-weight:600'>([^<]+)<", card).group(1))
        recent = re.search(r"Recent coverage <strong>(\d+)%", card)
        facts.append(
            (
                title,
                int(recent.group(1)) if recent else None,
                "class='prep-due'" in card,
                "class='prep-strong'" in card,
                "Not tried yet" in card,
            )
        )
    return facts


def test_the_grid_agrees_with_the_cards_of_every_topic(page):
    view, reads = page
    rows = {r[0][1]: r for r in grid_rows(view.topic_grid.value)[1:]}
    for row in view.summary.topics:
        view.topic.value = row.topic
        facts = card_facts(view.cards.value)
        assert [f[0] for f in facts] == [
            workbook.content().title_of(i) for i in row.total.question_ids
        ]
        untried = sum(f[4] for f in facts)
        due = sum(f[2] for f in facts)
        strong = sum(f[3] for f in facts)
        covers = [f[1] for f in facts if f[1] is not None]
        cell = rows[row.title][1][1]
        assert f"{untried} untried · {due} due · {strong} strong" in cell
        if covers:
            assert cell.startswith(f"{sum(covers) / len(covers):.0f}% · ")
        assert all(
            f[3] is (f[1] is not None and f[1] >= STRONG_COVERAGE and not f[2]) for f in facts
        )
    assert reads.calls == 1  # the topic selector never reads the history again


def test_the_topic_selector_starts_at_the_topic_practised_last(page, data_dir):
    view, _reads = page
    assert view.topic.value == "background"  # past-role, a day ago
    assert view.cards.value.count("class='prep-question-stat'") == 4
    view.topic.value = "__practised__"
    practised = [f[0] for f in card_facts(view.cards.value)]
    assert practised == [
        "Your role in past projects",
        "How an index works",
        "Isolation levels",
        "Cache invalidation",
        "A conflict in your team",
    ]
    view.topic.value = "caching"
    save(data_dir, [(0, "test-pyramid", 3, 0.5)])
    view.refresh()
    assert view.topic.value == "caching"  # the learner's pick stays across Refresh
    labels = [label for label, _v in view.topic.options]
    assert labels[0] == "Every question you have practised (6)"
    assert "Databases and SQL (3 questions, 1 due)" in labels


def test_one_question_shown_hides_the_topic_selector(page):
    view, _reads = page
    view.item.value = "db-index"
    assert view.topic.layout.display == "none"
    assert [f[0] for f in card_facts(view.cards.value)] == ["How an index works"]
    assert "Databases and SQL" in view.topic_grid.value  # the grid still shows every topic
    view.item.value = ""
    assert view.topic.layout.display is None


def test_the_progress_page_reads_the_history_once(bank, data_dir, monkeypatch):
    save(data_dir, [(30, "db-isolation", 3, 0.25)])
    reads = []
    real = HistoryStore.read
    monkeypatch.setattr(HistoryStore, "read", lambda self: reads.append(self) or real(self))
    view = prep.progress()
    assert len(reads) == 1
    assert "1 due" in view.topic_grid.value  # the FSRS replay was fed the same read
    view.topic.value = "databases"
    assert len(reads) == 1


def test_status_marks_follow_one_definition(bank):
    data = workbook.content()
    frame = save(
        bank.parent / "data", [(30, "db-isolation", 1, 0.9), (1, "db-index", 4, 0.9)]
    ).load()
    asked = summarise(frame, data, UTC, date.today()).questions
    due = {"db-isolation": NOW - timedelta(days=1), "db-index": NOW + timedelta(days=3)}
    marked = mark_status(question_stats(asked, data), data, due, NOW).set_index("item_id")
    assert marked.loc["db-isolation", "due"] and not marked.loc["db-isolation", "strong"]
    assert marked.loc["db-index", "strong"] and not marked.loc["db-index", "due"]
    assert marked.loc["db-n-plus-one", "untried"] and not marked.loc["db-n-plus-one", "due"]
    assert (
        marked.loc["db-index", "topic"] == "databases"
        and marked.loc["db-index", "level"] == "junior"
    )


def test_a_page_without_a_schedule_counts_nothing_due(bank, data_dir):
    store = save(data_dir, [(30, "db-isolation", 3, 0.25)])
    view = ProgressView(lambda: HistoryReport(store.load()), workbook.content(), tz=UTC)
    assert "0 due" in view.topic_grid.value and view.bug_log.entries == []


# ---- the answer book by topic ----------------------------------------------------------------


def test_the_answer_book_has_a_heading_per_answered_topic_in_workbook_order(bank, data_dir):
    store = save(
        data_dir,
        [
            (3, "beh-conflict", 4, None),
            (2, "cache-stampede", 3, None),
            (1, "db-isolation", 3, None),
            (1, "db-index", 3, None),
        ],
    )
    book = build_book(store.load(), workbook.content(), UTC, NOW)
    markdown = to_markdown(book)
    headings = [line for line in markdown.splitlines() if line.startswith(("## ", "### "))]
    assert headings == [
        "## Contents",
        "## Databases and SQL",
        "### 1. How an index works",
        "### 2. The N+1 query problem",
        "### 3. Isolation levels",
        "## Caching",
        "### 4. Cache invalidation",
        "### 5. Cache stampedes",
        "## Behavioural and situational",
        "### 6. A conflict in your team",
        "### 7. A project that failed",
    ]
    assert (
        "so not in this book: Your background and plans (4 questions), Testing and quality "
        "(1 question)."
    ) in markdown
    assert "**[Caching](#caching)**: 1 of 2 questions answered" in markdown
    assert "4. [Cache invalidation](#4-cache-invalidation): not answered yet" in markdown
    page = to_html(book)
    topics = re.findall(r"<h2 id='topic-([a-z-]+)'>", page)
    assert topics == ["databases", "caching", "behavioural"]
    assert "<ol start='4'>" in page and page.index("q-db-isolation") < page.index("q-cache-")


# ---- the rest of the page at bank size -------------------------------------------------------


@pytest.fixture
def wide(bank, data_dir):
    """Every bank question tried over a few weeks, plus some tip fields: 17 items in all."""
    rows = [(20 - n, qid, 3, (n % 4) / 4) for n, qid in enumerate(ARTICLE + BANK_IDS)]
    rows += [(1, "past-role", 4, 1.0)]  # the one practised last
    store = save(data_dir, rows)
    for field in ("company", "stack", "goals", "question-to-ask", "why"):
        store.record(f"research-company/{field}", "a note")
    return store


def test_trend_charts_draw_at_most_eight_questions_the_latest(wide):
    from prep.insight.progress import MAX_LINES, chart_coverage

    summary = summarise(wide.load(), workbook.content(), UTC, date.today())
    fig = chart_coverage(summary)
    drawn = {line.get_label() for line in fig.axes[0].lines}
    assert len(drawn) == MAX_LINES == 8
    assert "Your role in past projects" in drawn  # practised last of all
    assert "How you got into computer science" not in drawn  # practised first
    assert "8 practised last" in fig.axes[0].get_title()


def test_attempts_are_counted_per_topic_once_there_are_too_many_items(wide):
    from prep.insight.progress import chart_attempts_per_item

    summary = summarise(wide.load(), workbook.content(), UTC, date.today())
    assert len(summary.per_item) == 13  # twelve questions and one tip
    few = chart_attempts_per_item(summary).axes[0]
    assert len(few.patches) == 13
    # five more tips and guides: eighteen items, past the sixteen the chart names
    for tip in ("come-prepared", "ask-questions", "follow-up-email", "expert-advice"):
        wide.record(f"{tip}/note", "a note")
    wide.record("certifications/note", "a note")
    summary = summarise(wide.load(), workbook.content(), UTC, date.today())
    ax = chart_attempts_per_item(summary).axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()][::-1]
    widths = [bar.get_width() for bar in ax.patches][::-1]
    assert ax.get_title() == "Attempts per topic"
    assert dict(zip(labels, widths, strict=True)) == {
        "Your background and plans": 5,
        "Databases and SQL": 3,
        "Caching": 2,
        "Testing and quality": 1,
        "Behavioural and situational": 2,
        "Tips and guides": 10,
    }


def test_the_question_charts_follow_the_topic_selector(wide):
    reads = Reads(wide)
    view = ProgressView(reads, workbook.content(), tz=UTC)
    assert view.topic.value == "background"
    calendar = view._images["calendar"]
    coverage = view._images["coverage"]
    assert "questions in <strong>Your background and plans</strong>" in view.chart_note.value
    view.topic.value = "caching"
    assert "questions in <strong>Caching</strong>" in view.chart_note.value
    assert view._images["calendar"] is calendar  # only the question charts are redrawn
    assert view._images["coverage"] is not coverage
    assert [c._dom_classes[-1] for c in view.charts.children][:3] == [
        "prep-chart-calendar",
        "prep-chart-practice-per-week",
        "prep-chart-coverage",
    ]
    view.topic.value = "__practised__"
    assert view.chart_note.value == "" and reads.calls == 1


def test_needs_work_names_the_weak_before_the_untried(bank, data_dir):
    store = save(data_dir, [(2, "db-index", 2, 0.25)])
    summary = summarise(store.load(), workbook.content(), UTC, date.today())
    spots = [(s.item_id, s.reason) for s in summary.needs_work]
    assert spots[0] == (
        "db-index",
        "covers 25% of the talking points lately; recent confidence 2.0/5",
    )
    assert [s for s, _r in spots[1:]] == ARTICLE  # then the untried, in workbook order
