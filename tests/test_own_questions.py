"""The learner's own questions: added, edited, retired, restored, and treated like the bank.

Every test runs on a small content folder (two bank topics) and a throwaway data dir, so
the real bank being written beside this work and the learner's real files are never read.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from bank_fixture import write_topics
from hypothesis import given, settings
from hypothesis import strategies as st
from test_durability import SyscallSpy, assert_replaced_safely

import prep
from prep import paths, workbook
from prep.coach.analysis import WEAK, analyse, signal_problem
from prep.coach.derived import derive_signals
from prep.content import own
from prep.content.loader import Content, load_lexicon
from prep.content.own import (
    OWN_TOPIC,
    OwnFileError,
    OwnQuestionError,
    OwnQuestions,
    OwnQuestionStore,
    dump,
    new_id,
    parse_own,
    slug,
)
from prep.errors import PrepError
from prep.store.drafts import DraftStore
from prep.widgets import MessageCard, QuestionCard
from prep.widgets.add_question_card import SAVE_LABEL, AddQuestionCard

REPO = Path(__file__).resolve().parents[1]
LEXICON = load_lexicon(REPO / "data" / "coach.yaml")
STOP_WORDS = LEXICON.stop_words
LEXICON_ONLY = Content(questions=(), tips=(), guides=(), lexicon=LEXICON)  # no bank at all

TITLE = "Sharding the orders table"
PROMPT = "Our orders table has two billion rows. How would you shard it?"
POINTS = [
    "Pick a shard key that spreads writes evenly",
    "Cross-shard queries cost more",
    "Resharding with no downtime",
]


def bank_question(qid: str, title: str, prompt: str, level: str) -> dict:
    return {
        "id": qid,
        "title": title,
        "prompt": prompt,
        "why_asked": ["To see how you reason about caches."],
        "talking_points": [
            {"id": "ttl", "text": "Say how long entries live.", "signals": ["ttl"]},
        ],
        "pitfalls": ["Caching everything."],
        "example_outline": ["Name the data, then the expiry."],
        "target_seconds": [60, 120],
        "level": level,
    }


@pytest.fixture
def bank(content_copy, monkeypatch):
    """A content folder with two small bank topics, `caching` and `behavioural`."""
    topics = {
        "caching": [
            bank_question(
                "cache-invalidation",
                "Cache invalidation",
                "How do you keep a cache in step with the database?",
                "mid",
            ),
            bank_question(
                "my-bank-question",  # an id an own question's title could also make
                "Bank question",
                "Which question from the bank has an id like yours?",
                "junior",
            ),
        ],
        "behavioural": [
            bank_question(
                "beh-conflict",
                "A conflict in the team",
                "Tell me about a disagreement with a colleague and how it ended.",
                "mid",
            )
        ],
    }
    write_topics(content_copy, {topic: (topic.capitalize(), qs) for topic, qs in topics.items()})
    monkeypatch.setenv("PREP_CONTENT_DIR", str(content_copy))
    return content_copy


@pytest.fixture
def mine(bank, data_dir) -> OwnQuestionStore:
    """The own-questions file of the test's data dir, as the workbook builds it."""
    return workbook.own_store()


def own_file() -> Path:
    return paths.own_questions_path()


def add(**changes) -> str:
    fields = {"title": TITLE, "prompt": PROMPT, "talking_points": POINTS, **changes}
    return prep.add_question(**fields)


# ---- adding ------------------------------------------------------------------------------


def test_add_stores_a_question_in_the_data_folder_and_the_workbook_lists_it(mine, capsys):
    qid = add(level="senior")
    assert qid == "my-sharding-orders-table"
    out = capsys.readouterr().out
    assert qid in out and f'prep.card("{qid}")' in out

    path = own_file()
    assert path.parent == paths.data_dir() and path.name == "my_questions.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Your own interview questions")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # personal, like the history
    assert not (paths.content_dir() / "my_questions.yaml").exists()

    question = prep.questions(topic="my-questions")[0]
    assert (question.id, question.title, question.prompt) == (qid, TITLE, PROMPT)
    assert question.own and question.topic == "my-questions" and question.level == "senior"
    assert [p.text for p in question.talking_points] == POINTS
    assert [p.id for p in question.talking_points] == ["point-1", "point-2", "point-3"]
    assert question.target_seconds == (60, 180)
    assert question.why_asked and question.pitfalls and question.example_outline
    assert all(p.signals for p in question.talking_points)
    assert [t.id for t in prep.topics()][-1] == "my-questions"
    assert prep.topics()[-1].questions == 1


def test_the_own_topic_is_listed_only_once_a_question_exists_but_always_valid(mine):
    assert "my-questions" not in [t.id for t in prep.topics()]
    assert prep.questions(topic="my-questions") == []  # valid, and empty: no error
    add()
    assert [t.id for t in prep.topics()] == ["background", "caching", "behavioural", OWN_TOPIC.id]


def test_a_question_may_go_into_a_bank_topic_and_is_listed_after_the_bank(mine):
    qid = add(topic="caching", level="mid")
    assert [q.id for q in prep.questions(topic="caching")] == [
        "cache-invalidation",
        "my-bank-question",
        qid,
    ]
    assert qid in [q.id for q in prep.questions(level="mid")]


def test_a_text_of_points_with_a_blank_line_in_the_middle_is_refused(mine):
    with pytest.raises(OwnQuestionError, match="Talking point 2 is empty"):
        add(talking_points="Pick a shard key\n\nHot spots\n")
    assert not own_file().exists()


def test_a_text_of_points_one_per_line_becomes_several_points(mine):
    add(talking_points="Pick a shard key\nHot spots\n")
    points = prep.questions(topic="my-questions")[0].talking_points
    assert [p.text for p in points] == ["Pick a shard key", "Hot spots"]


def test_ids_are_unique_against_the_bank_and_each_other(mine):
    assert add(title="Sharding?", prompt="First prompt about shards") == "my-sharding"
    assert add(title="Sharding!", prompt="Second prompt about shards") == "my-sharding-2"
    # "Bank question" would be my-bank-question, which the bank already uses
    made = add(title="The bank question", prompt="A prompt of my own")
    assert made == "my-bank-question-2"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("How would you shard the orders table?", "shard-orders-table"),
        ("Café façade: naïve résumé", "cafe-facade-naive-resume"),
        ("🙂🚀", "question"),
        ("What is it?", "what-is-it"),  # only skipped words: they are kept after all
        ("a" * 300, "a" * 48),
    ],
)
def test_slugs_are_short_lowercase_ascii(title, expected):
    assert slug(title) == expected
    assert new_id(title, []) == f"my-{expected}"


# ---- editing, retiring, restoring ---------------------------------------------------------


def test_editing_the_title_keeps_the_id_and_other_fields(mine, capsys):
    qid = add(level="mid")
    assert prep.edit_question(qid, title="How to shard orders") == qid
    assert "Saved your changes" in capsys.readouterr().out
    question = prep.card(qid).question
    assert (question.id, question.title, question.level, question.prompt) == (
        qid,
        "How to shard orders",
        "mid",
        PROMPT,
    )
    prep.edit_question(qid, prompt="A new prompt for sharding", topic="caching", level=None)
    question = workbook.content().get(qid)
    assert (question.prompt, question.topic, question.level) == (
        "A new prompt for sharding",
        "caching",
        None,
    )


def test_talking_point_ids_stay_with_their_points_across_edits(mine):
    qid = add()
    ids = lambda: {p.text: p.id for p in workbook.content().get(qid).talking_points}  # noqa: E731
    first = ids()
    # reordered, one reworded in place of the last, one new at the end
    prep.edit_question(
        qid,
        talking_points=[POINTS[1], POINTS[0], "Resharding while live traffic flows", "Hot spots"],
    )
    after = ids()
    assert after[POINTS[0]] == first[POINTS[0]]
    assert after[POINTS[1]] == first[POINTS[1]]
    assert after["Resharding while live traffic flows"] == first[POINTS[2]]  # reworded
    assert after["Hot spots"] not in first.values()  # a new point, a new id
    prep.edit_question(qid, talking_points=[POINTS[1], "Hot spots"])  # two dropped
    again = ids()
    assert again == {POINTS[1]: first[POINTS[1]], "Hot spots": after["Hot spots"]}


def test_edit_refuses_unknown_fields_bank_questions_and_unknown_ids(mine):
    qid = add()
    before = own_file().read_bytes()
    with pytest.raises(OwnQuestionError, match="'id' is not one of them"):
        prep.edit_question(qid, id="my-other")
    with pytest.raises(OwnQuestionError, match="comes with the workbook"):
        prep.edit_question("cache-invalidation", title="Mine now")
    with pytest.raises(OwnQuestionError, match="no question with the id 'my-nope'.*" + qid):
        prep.edit_question("my-nope", title="x")
    with pytest.raises(OwnQuestionError, match="comes with the workbook"):
        prep.retire_question("past-role")
    assert own_file().read_bytes() == before


def test_retire_and_restore(mine, capsys):
    qid = add()
    prep.retire_question(qid)
    assert "restore_question" in capsys.readouterr().out
    assert qid not in [q.id for q in prep.questions()]
    assert "retired: true" in own_file().read_text()  # still in the file
    card = prep.card(qid)
    assert isinstance(card, QuestionCard)
    assert "You retired this question" in card.status.text
    assert f'prep.restore_question("{qid}")' in card.status.text
    assert prep.restore_question(qid) == qid
    assert qid in [q.id for q in prep.questions()]
    assert "retired" not in prep.card(qid).status.text
    prep.retire_question(qid)
    prep.retire_question(qid, retired=False)  # the other way back
    assert qid in [q.id for q in prep.questions()]


def test_a_retired_question_is_left_out_of_next_up_the_mock_and_the_deck(mine):
    qid = add()

    def seen() -> dict[str, bool]:
        mock = prep.mock_interview(questions=10, topics=["my-questions"], seed=1)
        return {
            "questions": qid in [q.id for q in prep.questions()],
            "next_up": qid in [i.question_id for i in prep.next_up().items],
            "mock": qid in [q.id for q in mock.questions],
            "deck": qid in [q.id for q in prep.deck("my-questions").questions],
        }

    assert seen() == dict.fromkeys(["questions", "next_up", "mock", "deck"], True)
    prep.retire_question(qid)
    assert seen() == dict.fromkeys(["questions", "next_up", "mock", "deck"], False)
    prep.restore_question(qid)
    assert all(seen().values())


# ---- bad input ---------------------------------------------------------------------------

BAD_INPUT = [
    ({"title": ""}, "title is empty"),
    ({"title": "   \n\t "}, "title is empty"),
    ({"prompt": ""}, "prompt is empty"),
    ({"title": "x" * 10_000}, "title is 10,000 characters long; keep it to 200"),
    ({"title": "x" * 201}, "keep it to 200"),
    ({"prompt": "y" * 2_001}, "keep it to 2,000"),
    ({"topic": "cooking"}, "There is no topic 'cooking'"),
    ({"level": "expert"}, "There is no level 'expert'"),
    ({"talking_points": []}, "at least one talking point"),
    ({"talking_points": ""}, "at least one talking point"),
    ({"talking_points": ["Pick a shard key", ""]}, "Talking point 2 is empty"),
    ({"talking_points": ["Pick a shard key", "  "]}, "Talking point 2 is empty"),
    ({"talking_points": ["it is what it is"]}, "no word the coach can listen for"),
    ({"talking_points": ["Shard keys", "shard  KEYS"]}, "repeats an earlier one"),
    ({"talking_points": ["p" * 501]}, "keep it to 500"),
    ({"talking_points": [f"point {n}" for n in range(21)]}, "21 talking points"),
    ({"talking_points": [42]}, "must be text"),
    ({"title": None}, "title must be text"),
    ({"title": "  cache   INVALIDATION "}, "already a question with this title: cache-inval"),
    ({"prompt": "how do you keep a CACHE in step with the database?"}, "already in the work"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message_and_not_stored(mine, changes, message):
    with pytest.raises(OwnQuestionError, match=message):
        add(**changes)
    assert not own_file().exists()
    assert add()  # something good still goes in afterwards


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_edits_are_refused_and_the_file_is_unchanged(mine, changes, message):
    qid = add(title="Mine", prompt="My own prompt")
    before = own_file().read_bytes()
    with pytest.raises(OwnQuestionError, match=message):
        prep.edit_question(qid, **changes)
    assert own_file().read_bytes() == before
    assert workbook.content().get(qid).title == "Mine"


def test_refusals_are_prep_errors_shown_plainly_in_a_notebook(mine):
    assert issubclass(OwnQuestionError, PrepError)
    assert issubclass(OwnFileError, OwnQuestionError)
    assert prep.OwnQuestionError is OwnQuestionError


def test_duplicates_of_own_questions_are_refused_with_a_way_to_the_original(mine):
    qid = add()
    with pytest.raises(OwnQuestionError, match=rf'edit_question\("{qid}"'):
        add(title=TITLE.upper(), prompt="Another prompt entirely")
    with pytest.raises(OwnQuestionError, match=f"already in the workbook as {qid}"):
        add(title="Another title", prompt="  " + PROMPT.lower().replace(" ", "   ") + " ")
    prep.retire_question(qid)
    with pytest.raises(OwnQuestionError, match=rf'You retired it; prep.restore_question\("{qid}"'):
        add(title=f" {TITLE} ", prompt="A third prompt")
    other = add(title="Another title", prompt="Another prompt")
    with pytest.raises(OwnQuestionError, match="already a question with this title"):
        prep.edit_question(other, title=TITLE)
    prep.edit_question(other, title="Another title")  # its own title is no duplicate


# ---- text that looks like YAML -----------------------------------------------------------

TRICKY = [
    "key: value",
    "- a leading dash",
    "{{ braces }}",
    '"',
    "'",
    "# not a comment",
    "tab\there",
    "emoji 🙂🚀 and ünïcödé",
    "line one\nline two",
    "line one\r\nline two",
    "NEL \x85 between",
    "null",
    "true",
    "0012",
    "1e5",
    "~",
    "*anchor",
    "&anchor x",
    "!!python/object:os.system",
    "%YAML 1.1",
    "@at the start",
    "`backticks`",
    "| a pipe",
    "> a fold",
    "? a question mark",
    "trailing colon:",
    "a: b: c",
    "[a, list]",
    "--- document",
    "...",
    '<img src=x onerror="alert(1)">',
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_that_looks_like_yaml_round_trips_exactly(mine, text):
    point = f"{text} caching"
    qid = add(title=f"T {text}", prompt=f"P {text}", talking_points=[point, "Hot spots"])
    again = OwnQuestionStore(own_file(), bank=workbook.bank).get(qid)  # a fresh read
    assert again.title == f"T {text}"
    assert again.prompt == f"P {text}"
    assert again.talking_points[0].text == point
    loaded = yaml.safe_load(own_file().read_text(encoding="utf-8"))
    assert loaded["questions"][0]["title"] == f"T {text}"
    prep.edit_question(qid, title=f"U {text}")
    assert workbook.content().get(qid).title == f"U {text}"


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(min_size=1, max_size=60),
    points=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=3),
)
def test_any_text_survives_the_dump_and_the_reading_back(title, points):
    entries = [
        {
            "id": "my-anything",
            "title": title + " x",
            "prompt": "p " + title,
            "talking_points": [
                {"id": f"point-{n}", "text": f"{p} word"} for n, p in enumerate(points)
            ],
        }
    ]
    data = dump(entries)
    got = parse_own(data.decode("utf-8"), Path("my_questions.yaml"), LEXICON_ONLY)
    question = got.questions[0]
    assert question.title == title + " x"
    assert [p.text for p in question.talking_points] == [f"{p} word" for p in points]


def test_a_dump_that_would_read_back_differently_is_never_written(mine, monkeypatch):
    qid = add()
    before = own_file().read_bytes()
    real = yaml.safe_dump

    def lossy(data, *args, **kwargs):
        text = real(data, *args, **kwargs)
        return text.replace("Another title", "Another titl") if kwargs else text

    monkeypatch.setattr(own.yaml, "safe_dump", lossy)
    with pytest.raises(OwnQuestionError, match="could not be stored safely"):
        prep.edit_question(qid, title="Another title")
    assert own_file().read_bytes() == before


# ---- the file is written safely ----------------------------------------------------------


def test_the_file_is_replaced_through_a_synced_temp_file(mine, monkeypatch):
    add()
    path = own_file()  # before undo(), which also forgets the test's data dir
    spy = SyscallSpy(monkeypatch)
    add(title="Second question", prompt="A second prompt")
    monkeypatch.undo()
    assert_replaced_safely(spy, path)


def test_a_locked_file_is_a_clear_message_and_nothing_is_written(mine):
    add()
    before = own_file().read_bytes()
    store = OwnQuestionStore(own_file(), bank=workbook.bank, lock_timeout=0.1)
    code = textwrap.dedent(
        f"""
        import sys, time, filelock
        with filelock.FileLock({str(store.lock_path)!r}):
            print("held", flush=True)
            time.sleep(30)
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OwnQuestionError, match="Another notebook is changing"):
            store.add("Locked out", "A prompt while locked", ["Hot spots"])
    finally:
        holder.kill()
        holder.wait()
    assert own_file().read_bytes() == before
    store.add("Not locked out", "A prompt after the lock", ["Hot spots"])  # a dead holder frees it


def test_two_notebooks_adding_at_once_keep_every_question(mine):
    code = textwrap.dedent(
        """
        import sys
        import prep
        for n in range(8):
            prep.add_question(f"{sys.argv[1]} question {n}", f"{sys.argv[1]} prompt {n}",
                              ["Hot spots"])
        """
    )
    env = dict(os.environ)
    procs = [
        subprocess.Popen([sys.executable, "-c", code, name], env=env, stdout=subprocess.DEVNULL)
        for name in ("ana", "ben")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    titles = {q.title for q in prep.questions(topic="my-questions")}
    assert titles == {f"{who} question {n}" for who in ("ana", "ben") for n in range(8)}


KILL_CHILD = """
import os, sys, time
import prep
from prep.store import safe_io

marker = sys.argv[1]
when = sys.argv[2]

def stop_here():
    with open(marker, "w") as handle:
        handle.write("ready")
    time.sleep(60)

if when == "before-replace":
    real_replace = os.replace
    def replace(src, dst):
        stop_here()
        real_replace(src, dst)
    os.replace = replace
else:  # after the rename, before the folder is synced
    real_sync = safe_io.fsync_folder
    def sync(folder):
        stop_here()
        real_sync(folder)
    safe_io.fsync_folder = sync

prep.add_question("Killed mid-write", "What happens when the writer is killed?", ["Hot spots"])
"""


@pytest.mark.parametrize(("when", "survives"), [("before-replace", False), ("after-replace", True)])
def test_a_writer_killed_mid_write_leaves_the_old_file_or_the_new(mine, tmp_path, when, survives):
    add()
    before = own_file().read_bytes()
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, str(marker), when], env=dict(os.environ)
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline, "the writer never reached the write"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    after = own_file().read_bytes()
    titles = {q.title for q in prep.questions(topic="my-questions")}
    if survives:
        assert titles == {TITLE, "Killed mid-write"}
    else:
        assert after == before
        assert titles == {TITLE}
    assert prep.add_question("After the kill", "Still works after a kill?", ["Hot spots"])


# ---- a file broken by hand ---------------------------------------------------------------

BROKEN = """\
schema: 1
questions:
- id: my-broken
  title: "An unclosed quote
  prompt: Who closes quotes?
  talking_points:
  - id: point-1
    text: Hot spots
"""


def test_a_broken_file_keeps_the_bank_and_names_the_file_and_the_line(mine):
    add()
    own_file().write_text(BROKEN, encoding="utf-8")
    before = own_file().read_bytes()

    assert "cache-invalidation" in [q.id for q in prep.questions()]  # the bank still loads
    assert not [q for q in prep.questions() if q.own]

    card = prep.card("my-broken")
    assert isinstance(card, MessageCard)
    problem = workbook._own()[1].problem
    assert problem is not None and card.message == str(problem)
    assert f"({own_file()}, line {problem.line})" in card.message
    assert problem.line == 9  # YAML notices an unclosed quote at the end of the file...
    assert "starts on line 4" in card.message  # ...so it says where the quote opened too
    assert "not valid YAML" in card.message and "questions from the bank still work" in card.message
    assert isinstance(prep.card(add.__name__ and "my-sharding-orders-table"), MessageCard)

    for attempt in (
        lambda: add(title="Another", prompt="Another prompt"),
        lambda: prep.edit_question("my-broken", title="x"),
        lambda: prep.retire_question("my-broken"),
        lambda: prep.restore_question("my-broken"),
    ):
        with pytest.raises(OwnFileError, match=f"line {problem.line}"):
            attempt()
        assert own_file().read_bytes() == before  # nothing the learner wrote is overwritten


def test_mending_the_file_by_hand_shows_at_once(mine):
    qid = add()
    text = own_file().read_text(encoding="utf-8")
    own_file().write_text(text.replace(TITLE, "Renamed by hand, a longer title"), encoding="utf-8")
    assert workbook.content().get(qid).title == "Renamed by hand, a longer title"
    own_file().write_text(BROKEN, encoding="utf-8")
    assert workbook._own()[1].problem is not None
    own_file().write_text(BROKEN.replace('"An unclosed quote', "Closed"), encoding="utf-8")
    assert workbook.content().get("my-broken").title == "Closed"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("level: null", "level: expert", "field 'level' must be one of junior, mid, senior"),
        ("topic: my-questions", "topic: cooking", "'cooking' is not a topic"),
        ("retired: false", "retired: maybe", "field 'retired' must be true or false"),
        ("  prompt:", "  promt:", "a field 'promt' the workbook does not know"),
        ("id: my-hot", "id: Hot", "must look like 'my-some-words'"),
        ("id: my-hot", "id: past-role", "must look like 'my-some-words'"),
        ("id: my-hot", "id: my-bank-question", "already a question in the bank"),
        ("text: Hot spots", "text: ''", "field 'text' is empty"),
        ("id: point-1", "id: Point 1", "lowercase words joined by -"),
        ("text: Hot spots", "text: Hot spots\n  - {id: point-1, text: x}", "used twice"),
        ("text: Hot spots", "text: Hot spots\n    signals: ['a b ?']", "'signals' entry 1"),
        ("talking_points:", "target_seconds: [90, 30]\n  talking_points:", "[min, max]"),
        ("title: Hot", "title: [Hot]", "field 'title' must be text"),
    ],
)
def test_a_hand_edit_that_breaks_a_rule_names_its_line(mine, old, new, message):
    add(title="Hot", prompt="Hot prompt", talking_points=["Hot spots"])
    text = own_file().read_text(encoding="utf-8")
    assert old in text
    edited = text.replace(old, new, 1)
    own_file().write_text(edited, encoding="utf-8")
    problem = workbook._own()[1].problem
    assert problem is not None, edited
    assert message in str(problem)
    # the line the problem is on: the last line the edit wrote
    changed = new.split("\n")[-1] if "\n" in new and "talking_points" not in new else new
    changed = changed.split("\n")[0]
    expected = next(n for n, ln in enumerate(edited.splitlines(), 1) if changed.strip() in ln)
    assert problem.line == expected, (str(problem), edited)
    assert f"line {expected}" in str(problem)
    assert "cache-invalidation" in [q.id for q in prep.questions()]  # the bank still loads


def test_unknown_top_level_fields_and_wrong_shapes_are_named(mine):
    own_file().write_text("schema: 1\nquestions: 3\n", encoding="utf-8")
    assert "must be a list of questions" in str(workbook._own()[1].problem)
    own_file().write_text("schema: 1\nquestions: []\nextra: 1\n", encoding="utf-8")
    problem = workbook._own()[1].problem
    assert "'extra'" in str(problem) and problem.line == 3
    own_file().write_text("schema: 9\nquestions: []\n", encoding="utf-8")
    assert "newer than this workbook" in str(workbook._own()[1].problem)
    own_file().write_text("- just a list\n", encoding="utf-8")
    assert "expected a mapping" in str(workbook._own()[1].problem)


def test_a_file_that_cannot_be_read_is_named_and_the_bank_still_loads(mine, monkeypatch):
    qid = add()
    real = Path.read_bytes

    def refuse(self):
        if self.name == "my_questions.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    problem = workbook._own()[1].problem
    assert problem is not None and problem.line is None
    assert f"you do not have permission to read {own_file()}" in str(problem)
    assert "cache-invalidation" in [q.id for q in prep.questions()]
    with pytest.raises(OwnQuestionError, match="permission"):
        prep.edit_question(qid, title="Not now")


def test_a_full_disk_is_a_clear_message_and_leaves_the_file_and_no_temp(mine, monkeypatch):
    qid = add()
    before = own_file().read_bytes()
    real_write = os.write

    def full(fd, data):
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OwnQuestionError, match="not saved: the disk is full"):
        prep.edit_question(qid, title="Too big for the disk")
    monkeypatch.setattr(os, "write", real_write)
    assert own_file().read_bytes() == before
    assert [p.name for p in own_file().parent.iterdir() if p.suffix == ".tmp"] == []


def test_an_edit_that_changes_nothing_does_not_rewrite_the_file(mine):
    qid = add(level="mid")
    stamp = own_file().stat().st_ino, own_file().stat().st_mtime_ns
    prep.edit_question(qid, title=TITLE, level="mid", talking_points=POINTS)
    assert (own_file().stat().st_ino, own_file().stat().st_mtime_ns) == stamp


def test_a_file_in_another_encoding_names_the_line(mine):
    own_file().write_bytes(BROKEN.replace('"An unclosed quote', "Caf\xe9").encode("cp1252"))
    problem = workbook._own()[1].problem
    assert problem is not None and problem.line == 4 and "not UTF-8" in str(problem)


def test_an_empty_or_comment_only_file_is_no_questions(mine):
    own_file().write_text("# nothing yet\n", encoding="utf-8")
    assert workbook._own()[1] == OwnQuestions()
    assert add()


def test_signals_written_by_hand_are_used_instead_of_derived_ones(mine):
    qid = add(talking_points=["Hot spots"])
    text = own_file().read_text(encoding="utf-8")
    own_file().write_text(
        text.replace("    text: Hot spots", "    text: Hot spots\n    signals: [hot key*, ~skew]"),
        encoding="utf-8",
    )
    point = workbook.content().get(qid).talking_points[0]
    assert point.signals == ("hot key*", "~skew")
    prep.edit_question(qid, title="Kept signals")  # a change through the workbook keeps them
    assert workbook.content().get(qid).talking_points[0].signals == ("hot key*", "~skew")


# ---- derived signals ---------------------------------------------------------------------


def test_derived_signals_are_content_words_weak_and_neighbours_strong():
    signals = derive_signals("Explain how an index speeds up reads", STOP_WORDS)
    assert signals == ("index speeds", "~index", "~speeds", "~reads")
    assert derive_signals("Idempotency", STOP_WORDS) == ("idempotency",)  # one word: strong
    assert derive_signals("it is what it is", STOP_WORDS) == ()
    assert derive_signals("Mention C++ and node.js, 3 times", STOP_WORDS) == (
        "~c++",
        "~node.js",
        "~times",
    )
    # two forms of one word are one clue, and one word is strong on its own
    assert derive_signals("Caching: when to cache", STOP_WORDS) == ("caching",)
    assert derive_signals("Indexes and an index", STOP_WORDS) == ("indexes",)
    # words either side of punctuation are not neighbours
    assert "caching layer" in derive_signals("Caching layer: key: value", STOP_WORDS)
    assert "layer key" not in derive_signals("Caching layer: key: value", STOP_WORDS)


@given(st.text(max_size=80))
def test_derived_signals_are_always_valid_and_deterministic(text):
    signals = derive_signals(text, STOP_WORDS)
    assert signals == derive_signals(text, STOP_WORDS)
    assert all(signal_problem(s) is None for s in signals)
    assert len(set(signals)) == len(signals)
    for s in signals:
        assert s.removeprefix(WEAK) == s.removeprefix(WEAK).lower()


def test_the_coach_covers_a_derived_point_by_its_words(mine):
    qid = add(talking_points=["Pick a shard key that spreads writes", "Hot spots"])
    question = workbook.content().get(qid)
    lexicon = workbook.content().lexicon

    def covered(answer: str) -> list[bool]:
        return [p.covered for p in analyse(answer, question, lexicon).points]

    assert covered("I would choose the shard key by customer.") == [True, False]  # a phrase
    assert covered("Choose a key whose writes land evenly.") == [True, False]  # two words
    assert covered("Writes are fast.") == [False, False]  # one weak word is not enough
    assert covered("Watch for hot spots.") == [False, True]


# ---- the form card -----------------------------------------------------------------------


class ManualTimers:
    """Autosave timers that fire only when the test says so."""

    def __init__(self) -> None:
        self.pending: list = []

    def start(self, delay, fn):
        self.pending.append(fn)
        return lambda: self.pending.remove(fn) if fn in self.pending else None

    def fire(self) -> None:
        while self.pending:
            self.pending.pop(0)()


def form(drafts: DraftStore | None = None, timers: ManualTimers | None = None) -> AddQuestionCard:
    return AddQuestionCard(
        workbook.own_store(), drafts=drafts, start_timer=(timers or ManualTimers()).start
    )


def fill(card: AddQuestionCard, **values) -> None:
    card.title.value = values.get("title", TITLE)
    card.prompt.value = values.get("prompt", PROMPT)
    card.points.value = values.get("points", "\n".join(POINTS))
    card.topic.value = values.get("topic", OWN_TOPIC.id)
    card.level.value = values.get("level", "")


def test_the_form_adds_a_question_says_how_to_open_it_and_clears(mine):
    card = form()
    assert "prep-card" in card._dom_classes
    assert [value for _, value in card.topic.options][:2] == [OWN_TOPIC.id, "background"]
    fill(card, level="mid", topic="caching")
    card.add_button.click()
    qid = "my-sharding-orders-table"
    assert card.status.kind == "ok", card.status.text
    assert qid in card.status.text and f'prep.card("{qid}")' in card.status.text
    assert (card.title.value, card.prompt.value, card.points.value) == ("", "", "")
    question = workbook.content().get(qid)
    assert (question.topic, question.level) == ("caching", "mid")
    assert list(card.rows) == [qid]
    assert TITLE in card.listing.children[0].children[0].value


def test_the_form_shows_refusals_and_keeps_what_was_typed(mine):
    card = form()
    fill(card, title="x" * 10_000)
    card.add_button.click()
    assert card.status.kind == "error"
    assert card.status.text.startswith("Not added.") and "keep it to 200" in card.status.text
    assert card.title.value == "x" * 10_000 and card.prompt.value == PROMPT
    assert not own_file().exists()
    fill(card, points="")
    card.submit()
    assert "at least one talking point" in card.status.text
    assert card.title.value == TITLE


def test_the_form_edits_retires_and_restores(mine):
    qid = add(level="junior")
    card = form()
    card.rows[qid][0].click()  # Edit
    assert card.add_button.description == SAVE_LABEL
    assert card.title.value == TITLE and card.level.value == "junior"
    assert card.points.value == "\n".join(POINTS)
    card.title.value = "Sharding, edited in the form"
    card.add_button.click()
    assert card.status.kind == "ok" and qid in card.status.text, card.status.text
    assert card.add_button.description == "Add" and card.title.value == ""
    assert workbook.content().get(qid).title == "Sharding, edited in the form"

    card.rows[qid][1].click()  # Retire
    assert "Retired" in card.status.text
    assert card.rows[qid][1].description == "Restore"
    assert "retired" in card.listing.children[0].children[0].value
    assert qid not in [q.id for q in prep.questions()]
    card.rows[qid][1].click()  # Restore
    assert card.rows[qid][1].description == "Retire"
    assert qid in [q.id for q in prep.questions()]


def test_cancelling_an_edit_changes_nothing(mine):
    qid = add()
    before = own_file().read_bytes()
    card = form()
    card.rows[qid][0].click()
    card.title.value = "Not kept"
    card.cancel_button.click()
    assert card.add_button.description == "Add" and card.title.value == ""
    assert own_file().read_bytes() == before


def test_the_form_over_a_broken_file_says_so_and_refuses_to_add(mine):
    own_file().write_text(BROKEN, encoding="utf-8")
    before = own_file().read_bytes()
    card = form()
    assert card.status.kind == "error"
    assert f"{own_file()}, line 9" in card.status.text and "line 4" in card.status.text
    fill(card)
    card.add_button.click()
    assert card.status.text.startswith("Not added.") and "line 9" in card.status.text
    assert card.title.value == TITLE  # still there
    assert own_file().read_bytes() == before
    assert "cache-invalidation" in [q.id for q in prep.questions()]


def test_the_public_form_and_a_bug_inside_it(mine, monkeypatch):
    card = prep.add_question_card()
    assert isinstance(card, AddQuestionCard)
    monkeypatch.setattr(OwnQuestionStore, "add", lambda *a, **k: 1 / 0)
    fill(card)
    card.add_button.click()
    assert "not something you did" in card.status.text
    assert "ZeroDivisionError" in card.bug_log.value
    assert card.title.value == TITLE


def test_the_form_keeps_a_new_question_in_drafts_until_it_is_added(mine, tmp_path):
    drafts = DraftStore(paths.drafts_path())
    timers = ManualTimers()
    card = form(drafts, timers)
    fill(card)
    timers.fire()
    again = form(drafts)
    assert (again.title.value, again.prompt.value) == (TITLE, PROMPT)
    assert "Draft restored" in again.status.text

    qid = add(title="Another", prompt="Another prompt")
    again.refresh()
    again.rows[qid][0].click()  # editing keeps the new question's draft aside
    assert again.title.value == "Another"
    again.cancel_button.click()
    assert again.title.value == TITLE  # the new question comes back

    again.add_button.click()
    assert again.status.kind == "ok", again.status.text
    assert not [k for k in drafts.load() if k.startswith("add-question/")]


# ---- everything else treats them like the bank -------------------------------------------


def attempts_in_progress(qid: str) -> int | None:
    """How many attempts the progress page counts for a question; None: it is not listed."""
    stats = prep.progress().summary.question_stats
    ids = stats["item_id"] if "item_id" in stats.columns else stats.index.to_series()
    rows = stats[(ids == qid).to_numpy()]
    return None if rows.empty else int(rows["attempts"].iloc[0])


def test_round_trip_card_history_next_up_mock_progress_answer_book(mine, tmp_path):
    qid = add(level="mid")
    card = prep.card(qid)
    assert isinstance(card, QuestionCard) and card.question.own
    answer = "I would pick the shard key by customer so writes spread; hot spots need care."
    card.answer.value = answer
    assert card.save() is not None
    assert card.status.kind == "ok", card.status.text
    history = prep.history()
    assert list(history.loc[history["item_id"] == qid, "answer"]) == [answer]

    assert qid in [i.question_id for i in prep.next_up().items]
    assert qid in [i.question_id for i in prep.next_up(topic="my-questions").items]
    mock = prep.mock_interview(questions=2, topics=["my-questions"], seed=3)
    assert qid in [q.id for q in mock.questions]

    assert attempts_in_progress(qid) == 1
    markdown, _page = prep.export_answer_book(str(tmp_path / "book"))
    book = markdown.read_text(encoding="utf-8")
    assert TITLE in book and answer in book

    prep.retire_question(qid)
    assert qid not in [i.question_id for i in prep.next_up().items]
    assert attempts_in_progress(qid) == 1  # its answers are kept
    markdown, _page = prep.export_answer_book(str(tmp_path / "book-after"))
    assert answer in markdown.read_text(encoding="utf-8")
    assert prep.card(qid).attempts[-1].answer == answer  # the card still shows it


def test_a_retired_question_never_answered_is_not_in_progress_or_the_book(mine, tmp_path):
    qid = add()
    prep.retire_question(qid)
    workbook.store().record("cache-invalidation", "A TTL, then events on change.")
    assert attempts_in_progress(qid) is None
    markdown, _page = prep.export_answer_book(str(tmp_path / "book"))
    assert TITLE not in markdown.read_text(encoding="utf-8")


def test_the_cards_draft_works_for_an_own_question(mine):
    qid = add()
    card = prep.card(qid)
    card.answer.value = "typed, not saved"
    card.autosave.flush()
    assert prep.card(qid).answer.value == "typed, not saved"


def test_the_learner_file_is_ignored_by_git_in_the_default_data_dir():
    result = subprocess.run(
        ["git", "check-ignore", "-q", "data/my_questions.yaml"], cwd=REPO, check=False
    )
    assert result.returncode == 0
