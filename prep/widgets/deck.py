"""A topic page's deck: one question card at a time, previous/next, a level filter, a jump list.

A topic has five to seven questions; seven full cards in a row are a wall to scroll through.
The deck shows one, builds each card only when it is first shown and keeps it afterwards,
so an answer typed in one card is still there after moving on and coming back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import ipywidgets as widgets

from ..models import LEVELS, Question
from ._common import BugLog, CardStyle, Status, esc, guarded, plural_s

ALL = "all"  # the level filter's value for every level
EMPTY_TOPIC = "No questions here yet."


def at_level(questions: Sequence[Question], level: str) -> list[Question]:
    """The questions a learner at `level` practises: that level's, and those for every level."""
    if level == ALL:
        return list(questions)
    return [q for q in questions if q.level is None or q.level == level]


def level_word(question: Question) -> str:
    return question.level or "any level"


def jump_label(number: int, question: Question, practised: bool, mark_own: bool = True) -> str:
    """One line of the jump list: `2. Idempotency keys (mid, practised)`.

    A question the learner added says `yours`, unless `mark_own` is off (a deck of
    nothing but their own questions).
    """
    facts = [level_word(question)]
    facts += ["yours"] if question.own and mark_own else []
    facts += ["practised"] if practised else []
    return f"{number}. {question.title} ({', '.join(facts)})"


def level_options(questions: Sequence[Question]) -> list[tuple[str, str]]:
    """The filter's buttons, each with how many questions it keeps: `Junior (2)`."""
    return [(f"All ({len(questions)})", ALL)] + [
        (f"{level.capitalize()} ({len(at_level(questions, level))})", level) for level in LEVELS
    ]


def _bar(children: list[widgets.Widget], rule: str) -> widgets.HBox:
    """A row of navigation controls, set off from the card by a thin rule on one `rule` side."""
    space = "0 0 0.4em 0" if rule == "bottom" else "0.4em 0 0 0"
    return widgets.HBox(
        children,
        layout=widgets.Layout(
            flex_flow="row wrap",
            align_items="center",
            padding=space,
            margin=space.replace("0.4em", "0.6em"),
            **{f"border_{rule}": "1px solid var(--jp-border-color2, #ccc)"},
        ),
    )


class Deck(widgets.VBox):
    """Show one of a topic's question cards at a time; `build(question)` makes a card.

    `practised` holds the ids answered before the page opened; a card built since counts
    once it holds a saved attempt (its `total`), so the jump list stays true after a Save.
    With `reload` (the topic's questions as they are now), a Refresh button brings in
    questions added since, say from the form above; cards already built are kept as they
    are, typed text and all.
    """

    def __init__(
        self,
        questions: Sequence[Question],
        build: Callable[[Question], widgets.Widget],
        *,
        practised: Collection[str] = (),
        level: str | None = None,
        empty: str = EMPTY_TOPIC,
        reload: Callable[[], Sequence[Question]] | None = None,
    ) -> None:
        self.questions = list(questions)
        self.build = build
        self.reload = reload
        self.practised = set(practised)
        self.empty = empty
        self.cards: dict[str, widgets.Widget] = {}  # built so far, by question id
        self.shown: list[Question] = []  # the questions the level filter keeps, in order
        self.index: int | None = None  # the card on show, as a position in `shown`
        self._syncing = False  # set while the deck itself changes the jump list

        # radio buttons: a screen reader hears which level is chosen (ipywidgets' toggle
        # buttons mark it only with a CSS class)
        self.level_picker = widgets.RadioButtons(
            options=level_options(self.questions),
            value=level or ALL,
            description="Level:",
            orientation="horizontal",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.level_picker.add_class("prep-deck-level")
        self.previous_button, self.next_button = self._arrows("prep-deck")
        # the same two again under the card, where a learner is after pressing Save
        self.previous_below, self.next_below = self._arrows("prep-deck-below")
        self.position = widgets.HTML("")
        self.position.add_class("prep-deck-position")
        self.position_below = widgets.HTML("")
        self.position_below.add_class("prep-deck-position")
        self.jump = widgets.Dropdown(
            description="Jump to:",
            style={"description_width": "initial"},
            # never wider than the deck, less its left margin: a long title would scroll it
            layout=widgets.Layout(
                width="auto", max_width="min(36em, calc(100% - 1.5em))", margin="2px 0 2px 1.5em"
            ),
        )
        self.jump.add_class("prep-deck-jump")
        self.slot = widgets.VBox([])
        self.slot.add_class("prep-deck-slot")
        self.status = Status()
        self.bug_log = BugLog()
        self.css = CardStyle()

        self.refresh_button = widgets.Button(
            description="Refresh",
            icon="refresh",
            tooltip="Show the questions added since this page opened",
            layout=widgets.Layout(width="auto", align_self="flex-start"),
        )
        self.refresh_button.add_class("prep-deck-refresh")
        self.refresh_button.on_click(self._on_refresh)
        self.level_picker.observe(self._on_level, names="value")
        self.jump.observe(self._on_jump, names="value")

        self.choose = widgets.HBox(
            [self.level_picker, self.jump],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        if reload is not None:
            self.choose.children = [*self.choose.children, self.refresh_button]
        self.choose.add_class("prep-deck-choose")
        self.nav = _bar([self.previous_button, self.position, self.next_button], "bottom")
        self.nav.add_class("prep-deck-nav")
        self.nav_below = _bar([self.previous_below, self.position_below, self.next_below], "top")
        self.nav_below.add_class("prep-deck-nav-below")
        super().__init__([])
        self.add_class("prep-deck")
        self._compose()
        self._apply_level()

    def _compose(self) -> None:
        """The controls around the card; a deck with no questions shows only its note."""
        # beside the jump list, or on its own under the empty deck's note
        self.refresh_button.layout.margin = "2px 0 2px 1.5em" if self.questions else "0.4em 0"
        if self.questions:
            self.children = [
                self.css,
                self.choose,
                self.nav,
                self.status,
                self.bug_log,
                self.slot,
                self.nav_below,
            ]
            if self.reload is not None:
                self.choose.children = [self.level_picker, self.jump, self.refresh_button]
        else:
            refresh = [self.refresh_button] if self.reload is not None else []
            self.children = [self.css, self.status, self.bug_log, self.slot, *refresh]

    def _arrows(self, css: str) -> tuple[widgets.Button, widgets.Button]:
        previous = widgets.Button(
            description="Previous", icon="arrow-left", tooltip="Show the previous question"
        )
        previous.add_class(f"{css}-previous")
        previous.on_click(self._on_previous)
        following = widgets.Button(
            description="Next", icon="arrow-right", tooltip="Show the next question"
        )
        following.add_class(f"{css}-next")
        following.on_click(self._on_next)
        return previous, following

    # what is on show

    @property
    def current(self) -> Question | None:
        return None if self.index is None else self.shown[self.index]

    @property
    def card(self) -> widgets.Widget | None:
        """The card on show (None when the deck or the level is empty)."""
        current = self.current
        return None if current is None else self.cards[current.id]

    def card_for(self, question: Question) -> widgets.Widget:
        """The question's card, built the first time it is asked for and kept afterwards."""
        if question.id not in self.cards:
            self.cards[question.id] = self.build(question)
        return self.cards[question.id]

    def is_practised(self, question: Question) -> bool:
        card = self.cards.get(question.id)
        return question.id in self.practised or bool(getattr(card, "total", 0))

    def show(self, index: int) -> None:
        """Show the card at `index` among the questions the level filter keeps."""
        if not 0 <= index < len(self.shown):
            raise IndexError(f"no question at position {index}; {len(self.shown)} shown")
        self.index = index
        self.slot.children = [self.card_for(self.shown[index])]
        self._sync_controls()

    def go_next(self) -> None:
        if self.index is not None and self.index + 1 < len(self.shown):
            self.show(self.index + 1)

    def go_previous(self) -> None:
        if self.index is not None and self.index > 0:
            self.show(self.index - 1)

    def jump_to(self, question_id: str) -> None:
        """Show one question by id; one the level filter hides brings back every level."""
        ids = [q.id for q in self.shown]
        if question_id not in ids:
            if question_id not in {q.id for q in self.questions}:
                raise KeyError(f"no question {question_id!r} in this deck")
            self.level_picker.value = ALL  # observed: the filter shows every level again
            ids = [q.id for q in self.shown]
        self.show(ids.index(question_id))

    def set_level(self, level: str | None) -> None:
        self.level_picker.value = level or ALL

    def refresh(self) -> None:
        """Take the topic's questions again from `reload`; the card on show stays if it can."""
        if self.reload is None:
            return
        before = {q.id for q in self.questions}
        self.questions = list(self.reload())
        added = len({q.id for q in self.questions} - before)
        level = self.level_picker.value
        self._syncing = True  # new counts on the level buttons, the same level chosen
        try:
            self.level_picker.options = level_options(self.questions)
            self.level_picker.value = level
        finally:
            self._syncing = False
        self._compose()
        self._apply_level()
        self.status.show(
            "info",
            f"{added} new question{plural_s(added)} in the deck." if added else "No new questions.",
        )

    def _apply_level(self) -> None:
        """Keep the questions at the chosen level; stay on the same card if it is one of them."""
        current = self.current
        self.shown = at_level(self.questions, self.level_picker.value)
        if not self.shown:
            self.index = None
            self.slot.children = [self._empty_note()]
            self._sync_controls()
            return
        ids = [q.id for q in self.shown]
        self.show(ids.index(current.id) if current is not None and current.id in ids else 0)

    def _empty_note(self) -> widgets.HTML:
        if not self.questions:
            text = self.empty
        else:
            level = self.level_picker.value
            total = len(self.questions)
            text = (
                f"No {level}-level questions in this topic yet. Choose All to see "
                f"{'the one question' if total == 1 else f'all {total} questions'}."
            )
        note = widgets.HTML(f"<p><em>{esc(text)}</em></p>")
        note.add_class("prep-deck-empty")
        return note

    def _sync_controls(self) -> None:
        """Bring the position, the buttons and the jump list in line with the card on show."""
        count = len(self.shown)
        if self.index is None:
            where = "No questions at this level" if self.questions else ""
        else:
            where = f"Question {self.index + 1} of {count}"
        self.position.value = self.position_below.value = (
            f"<span style='padding:0 0.8em'>{esc(where)}</span>"
        )
        first = self.index is None or self.index == 0
        last = self.index is None or self.index + 1 >= count
        self.previous_button.disabled = self.previous_below.disabled = first
        self.next_button.disabled = self.next_below.disabled = last
        self.nav_below.layout.display = "none" if self.index is None else None
        self._syncing = True
        try:
            mark_own = not all(q.own for q in self.questions)
            self.jump.options = [
                (jump_label(n, q, self.is_practised(q), mark_own), q.id)
                for n, q in enumerate(self.shown, 1)
            ]
            self.jump.value = None if self.current is None else self.current.id
            self.jump.disabled = not self.shown
        finally:
            self._syncing = False

    def summary(self) -> str:
        """A line for the learner: `6 questions, 2 practised`."""
        done = sum(self.is_practised(q) for q in self.questions)
        count = len(self.questions)
        return f"{count} question{plural_s(count)}, {done} practised"

    # events

    @guarded
    def _on_previous(self, _button: widgets.Button | None = None) -> None:
        self.go_previous()

    @guarded
    def _on_next(self, _button: widgets.Button | None = None) -> None:
        self.go_next()

    @guarded
    def _on_level(self, _change: dict[str, Any]) -> None:
        if not self._syncing:
            self._apply_level()

    @guarded
    def _on_refresh(self, _button: widgets.Button | None = None) -> None:
        self.refresh()

    @guarded
    def _on_jump(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] is None:
            return
        self.jump_to(change["new"])
