"""The topic page's deck: one card at a time, a level filter, a jump list, one history read."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from bank_fixture import write_topics

import prep
from prep import workbook
from prep.models import Question, TalkingPoint
from prep.store.history import HistoryStore
from prep.widgets import MessageCard, QuestionCard
from prep.widgets.deck import ALL, Deck, jump_label, level_options

LEVELS_IN_FIXTURE = ("junior", "junior", "mid", "mid", "senior", "senior")


def bank_question(n: int, level: str) -> dict:
    return {
        "id": f"queue-q{n}",
        "title": f"Queue question {n}",
        "prompt": f"Explain queue idea number {n}.",
        "why_asked": ["To see how you reason about queues."],
        "talking_points": [
            {"id": "delivery", "text": "Say what delivery guarantee you get.", "signals": ["ack"]}
        ],
        "pitfalls": ["Promising exactly-once delivery."],
        "example_outline": ["Name the guarantee, then the retry."],
        "target_seconds": [60, 120],
        "level": level,
    }


@pytest.fixture
def bank(content_copy, monkeypatch):
    """A content folder with one small bank topic, `queues`, of six questions at three levels."""
    questions = [bank_question(n, lv) for n, lv in enumerate(LEVELS_IN_FIXTURE, 1)]
    write_topics(content_copy, {"queues": ("Queues and messaging", questions)})
    monkeypatch.setenv("PREP_CONTENT_DIR", str(content_copy))
    return content_copy


@pytest.fixture
def reads(monkeypatch):
    """Count every read of the practice history, by any store."""
    calls = []
    real = HistoryStore.read

    def spy(self, *args, **kwargs):
        calls.append(self.path)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HistoryStore, "read", spy)
    return calls


def titles_in(deck: Deck) -> list[str]:
    return [q.title for q in deck.shown]


def question(n: int, level: str | None = "mid") -> Question:
    return Question(
        id=f"q{n}",
        title=f"Question {n}",
        prompt="?",
        why_asked=(),
        talking_points=(TalkingPoint("p", "point"),),
        pitfalls=(),
        example_outline=(),
        target_seconds=(30, 60),
        level=level,
    )


class Built(widgets.VBox):
    """A stand-in card that remembers which question it was built for."""

    def __init__(self, q: Question, total: int = 0) -> None:
        super().__init__([widgets.Textarea()])
        self.question, self.total = q, total


def plain_deck(levels=("junior", "mid", None, "senior"), **kwargs) -> tuple[Deck, list[str]]:
    built: list[str] = []

    def build(q: Question) -> Built:
        built.append(q.id)
        return Built(q)

    qs = [question(n, lv) for n, lv in enumerate(levels, 1)]
    return Deck(qs, build, **kwargs), built


# the widget on its own


def test_shows_one_card_and_moves_with_next_and_previous():
    deck, _ = plain_deck()
    assert deck.position.value.endswith("Question 1 of 4</span>")
    assert deck.slot.children == (deck.cards["q1"],)
    assert deck.previous_button.disabled and not deck.next_button.disabled
    deck._on_next()
    deck._on_next()
    assert deck.current.id == "q3" and "Question 3 of 4" in deck.position.value
    deck._on_next()
    assert deck.next_button.disabled  # the last one
    deck._on_next()
    assert deck.current.id == "q4"
    deck._on_previous()
    assert deck.current.id == "q3" and not deck.next_button.disabled
    assert deck.status.text == ""


def test_cards_are_built_only_when_first_shown_and_then_kept():
    deck, built = plain_deck()
    assert built == ["q1"]
    deck.go_next()
    first_q2 = deck.card
    deck.go_previous()
    deck.go_next()
    assert built == ["q1", "q2"] and deck.card is first_q2


def test_level_filter_keeps_that_level_and_the_every_level_questions():
    deck, _ = plain_deck()
    assert [label for label, _ in deck.level_picker.options] == [
        "All (4)",
        "Junior (2)",
        "Mid (2)",
        "Senior (2)",
    ]
    deck.level_picker.value = "senior"
    assert titles_in(deck) == ["Question 3", "Question 4"]  # q3 is asked at every level
    assert deck.current.id == "q3" and "Question 1 of 2" in deck.position.value
    deck.go_next()
    assert deck.current.id == "q4" and deck.next_button.disabled
    deck.level_picker.value = ALL  # the card on show stays on show
    assert deck.current.id == "q4" and "Question 4 of 4" in deck.position.value


def test_opening_at_a_level():
    deck, built = plain_deck(level="mid")
    assert deck.level_picker.value == "mid"
    assert titles_in(deck) == ["Question 2", "Question 3"] and built == ["q2"]


def test_a_level_with_no_questions_says_so_and_offers_all():
    deck, _ = plain_deck(levels=("junior", "mid"))
    deck.level_picker.value = "senior"
    assert deck.card is None and deck.next_button.disabled and deck.previous_button.disabled
    (note,) = deck.slot.children
    assert "No senior-level questions in this topic yet. Choose All to see all 2" in note.value
    assert deck.jump.options == () and deck.jump.disabled
    deck.level_picker.value = ALL
    assert deck.current.id == "q1" and not deck.jump.disabled


def test_jump_list_names_title_level_and_practised():
    deck, _ = plain_deck(practised={"q2"})
    labels = [label for label, _ in deck.jump.options]
    assert labels == [
        "1. Question 1 (junior)",
        "2. Question 2 (mid, practised)",
        "3. Question 3 (any level)",
        "4. Question 4 (senior)",
    ]
    deck.jump.value = "q3"
    assert deck.current.id == "q3" and "Question 3 of 4" in deck.position.value
    assert deck.jump.value == "q3"


def test_jump_to_a_question_the_filter_hides_shows_every_level_again():
    deck, _ = plain_deck()
    deck.level_picker.value = "junior"
    deck.jump_to("q4")
    assert deck.level_picker.value == ALL and deck.current.id == "q4"


def test_a_card_with_a_saved_attempt_counts_as_practised_at_the_next_move():
    deck, _ = plain_deck()
    deck.card.total = 1  # what a QuestionCard's Save does
    deck.go_next()
    assert deck.jump.options[0][0] == "1. Question 1 (junior, practised)"
    assert deck.summary() == "4 questions, 1 practised"


def test_a_bug_while_building_shows_in_the_deck_not_nowhere():
    calls = []

    def build(q):
        calls.append(q.id)
        if q.id == "q2":
            raise RuntimeError("boom")
        return Built(q)

    deck = Deck([question(1), question(2)], build)
    deck._on_next()
    assert "Something went wrong inside the workbook" in deck.status.text
    assert "RuntimeError: boom" in deck.bug_log.entries[0]


def test_helpers_for_labels():
    assert jump_label(5, question(1, None), False) == "5. Question 1 (any level)"
    assert level_options([question(1, None)])[1] == ("Junior (1)", "junior")


# through prep.deck, on a real content folder and history


def test_deck_of_a_bank_topic_shows_its_questions_as_question_cards(bank, data_dir):
    deck = prep.deck("queues")
    assert isinstance(deck, Deck) and len(deck.questions) == 6
    assert isinstance(deck.card, QuestionCard) and deck.card.question.id == "queue-q1"
    assert "Question 1 of 6" in deck.position.value
    deck.level_picker.value = "mid"
    assert [q.id for q in deck.shown] == ["queue-q3", "queue-q4"]
    assert deck.card.question.id == "queue-q3"


def test_opening_a_topic_page_reads_the_history_once(bank, data_dir, reads):
    store = HistoryStore(data_dir / "practice_history.csv")
    store.record("queue-q2", "an earlier answer")
    reads.clear()
    deck = prep.deck("queues", level="junior")
    assert len(reads) == 1
    assert deck.jump.options[1][0] == "2. Queue question 2 (junior, practised)"
    deck._on_next()  # a card first shown later may read again: new rows only
    assert deck.card.total == 1 and len(reads) == 2


def test_the_first_card_is_built_from_the_one_read(bank, data_dir, reads):
    """The opening read reaches the card: its earlier attempts are the ones on disk."""
    HistoryStore(data_dir / "practice_history.csv").record("queue-q1", "said it before")
    deck = prep.deck("queues")
    assert len(reads) == 1
    assert deck.card.total == 1 and "said it before" in deck.card.history_view.value


def test_a_card_shown_later_sees_an_answer_saved_after_the_page_opened(bank, data_dir):
    deck = prep.deck("queues")
    HistoryStore(data_dir / "practice_history.csv").record("queue-q2", "from another notebook")
    deck.go_next()
    assert deck.card.total == 1


def test_typed_text_survives_next_and_previous(bank, data_dir):
    deck = prep.deck("queues")
    deck.card.answer.value = "At-least-once: we ack after the write, so retries are safe."
    deck._on_next()
    deck.card.answer.value = "a second, unsaved answer"
    deck.level_picker.value = "senior"
    deck.jump.value = "queue-q6"
    deck.level_picker.value = ALL
    deck.jump.value = "queue-q1"
    assert deck.card.answer.value == "At-least-once: we ack after the write, so retries are safe."
    deck._on_next()
    assert deck.card.answer.value == "a second, unsaved answer"


def test_saving_in_the_deck_writes_the_history_and_marks_the_question(bank, data_dir):
    deck = prep.deck("queues")
    deck.go_next()
    deck.card.answer.value = "We ack after the write."
    deck.card._on_save()
    assert deck.card.status.text.startswith("Saved attempt 1")
    deck.go_previous()
    assert deck.jump.options[1][0] == "2. Queue question 2 (junior, practised)"
    frame = HistoryStore(data_dir / "practice_history.csv").read().frame
    assert list(frame["item_id"]) == ["queue-q2"]


def test_an_unknown_topic_is_a_message_card(bank, data_dir):
    view = prep.deck("no-such-topic")
    assert isinstance(view, MessageCard)
    assert "no-such-topic" in view.title
    assert "There is no topic 'no-such-topic'" in view.message and "queues" in view.message


def test_an_unknown_level_is_a_message_card(bank, data_dir):
    view = prep.deck("queues", level="expert")
    assert isinstance(view, MessageCard) and "There is no level 'expert'" in view.message


def own(title: str, prompt: str, **kwargs) -> str:
    """Add a question of the learner's own, as the form would; return its id."""
    return prep.add_question(title, prompt, ["Name the trade-off you chose."], **kwargs)


def test_your_own_questions_start_as_a_friendly_empty_state(bank, data_dir):
    deck = prep.deck("my-questions")
    assert isinstance(deck, Deck) and deck.card is None
    (note,) = deck.slot.children
    assert "No questions here yet — add one with the form above" in note.value
    assert deck.children == (deck.css, deck.status, deck.bug_log, deck.slot, deck.refresh_button)


def test_refresh_brings_in_a_question_added_since_and_keeps_typed_text(bank, data_dir):
    first = own("Our queue at Acme", "How would you size Acme's order queue?")
    deck = prep.deck("my-questions")
    deck.card.answer.value = "typed before the second question was added"
    second = own("Their on-call", "How does on-call work on your team?")
    deck.refresh_button.click()
    assert deck.status.text == "1 new question in the deck."
    assert [q.id for q in deck.questions] == [first, second]
    assert deck.card.answer.value == "typed before the second question was added"
    assert [label for label, _ in deck.jump.options] == [
        "1. Our queue at Acme (any level)",  # all of them are yours: no need to say so
        "2. Their on-call (any level)",
    ]
    deck.go_next()
    assert deck.card.question.id == second
    deck._on_refresh()
    assert deck.status.text == "No new questions."


def test_a_retired_question_is_not_in_the_deck(bank, data_dir):
    kept = own("Kept", "A question I still practise?")
    retired = own("Retired", "A question I no longer need?")
    prep.retire_question(retired)
    deck = prep.deck("my-questions")
    assert [q.id for q in deck.questions] == [kept]


def test_an_own_question_in_a_bank_topic_joins_that_deck(bank, data_dir):
    mine = own("Acme's queue", "How would you size it?", topic="queues", level="mid")
    deck = prep.deck("queues", level="mid")
    assert [q.id for q in deck.shown] == ["queue-q3", "queue-q4", mine]
    assert deck.jump.options[2][0] == "3. Acme's queue (mid, yours)"


def test_a_broken_own_questions_file_is_named_not_shown_as_empty(bank, data_dir):
    own("Mine", "Something I was asked?")
    mine = workbook.paths.own_questions_path()
    mine.write_text("questions: [unclosed\n", encoding="utf-8")
    view = prep.deck("my-questions")
    assert isinstance(view, MessageCard)
    assert mine.name in view.message


def test_a_broken_history_still_opens_the_page_and_the_card_says_why(bank, data_dir):
    path = data_dir / "practice_history.csv"
    HistoryStore(path).record("queue-q1", "kept")
    with path.open("ab") as handle:
        handle.write(b'"hand","edited"\r\n')
    deck = prep.deck("queues")
    assert deck.card.status.kind == "warn" and "could not be read" in deck.card.status.text
