"""Frozen records for content and attempts: no I/O, no widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TalkingPoint:
    """One thing a strong answer covers; its id is stable so later analysis can refer to it."""

    id: str
    text: str
    signals: tuple[str, ...] = ()  # phrases that show an answer covers it (see prep.coach)
    optional: bool = False  # a bonus: found or not, it does not lower the coverage score


@dataclass(frozen=True)
class Question:
    """An interview question with the guidance the card shows beside the answer field."""

    id: str
    title: str
    prompt: str
    why_asked: tuple[str, ...]
    talking_points: tuple[TalkingPoint, ...]
    pitfalls: tuple[str, ...]
    example_outline: tuple[str, ...]
    target_seconds: tuple[int, int]
    source: str = ""
    topic: str = "background"  # a Topic id: the article's four are "background"
    level: str | None = None  # "junior", "mid" or "senior"; None: asked at every level
    own: bool = False  # written by the learner (in their data folder), not shipped

    kind = "question"


LEVELS = ("junior", "mid", "senior")


@dataclass(frozen=True)
class Topic:
    """A group of questions with its own page: "HTTP and REST API design", say."""

    id: str
    title: str
    summary: str = ""


@dataclass(frozen=True)
class NumberRule:
    """A prompt that takes a whole number from `low` to `high` (the weekly goal's days)."""

    low: int
    high: int
    message: str = ""  # shown when the text is not such a number; a plain default otherwise
    saved: str = ""  # shown after a Save that kept the number; `{number}` stands for it

    def confirm(self, text: str) -> str:
        """What the card adds after saving `text` (a number this rule accepts)."""
        number = self.parse(text)
        return self.saved.replace("{number}", str(number)) if self.saved and number else ""

    def parse(self, text: str) -> int | None:
        """The number typed (spaces around it allowed), or None when it is not in range."""
        text = text.strip()
        if not text.isascii() or not text.isdigit():
            return None
        number = int(text)
        return number if self.low <= number <= self.high else None

    def problem(self, label: str) -> str:
        """What the card says when the text does not parse."""
        return self.message or (
            f"“{label.rstrip('?.: ')}” needs a whole number from {self.low} to {self.high}. "
            "It was not saved."
        )


@dataclass(frozen=True)
class Prompt:
    """A field the learner fills in on a tip card; saved as `<tip id>/<prompt id>`."""

    id: str
    label: str
    placeholder: str = ""
    lines: int = 3
    number: NumberRule | None = None  # set when only a whole number in a range is kept


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    label: str


COMPOSED_DRAFT_ID = "email-draft"  # reserved: no prompt may use it


@dataclass(frozen=True)
class Tip:
    """A general tip (or the habit and certificates sections): points, prompts, a checklist.

    `kind` is "tip" for the four general tips, "habit" for the expert-advice section and
    "credentials" for certifications. `composer` names a draft the card assembles from
    the prompts (only "follow-up-email" exists).
    """

    id: str
    kind: str
    title: str
    summary: str
    points: tuple[str, ...]
    prompts: tuple[Prompt, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    composer: str | None = None
    source: str = ""

    def prompt_item_id(self, prompt_id: str) -> str:
        return f"{self.id}/{prompt_id}"

    @property
    def composed_item_id(self) -> str:
        """Where the composed draft (e.g. the follow-up email) is saved, hand edits and all."""
        return f"{self.id}/{COMPOSED_DRAFT_ID}"

    @property
    def checklist_item_id(self) -> str:
        return f"{self.id}/checklist"


Item = Question | Tip


@dataclass(frozen=True)
class Attempt:
    """One saved answer: a row of the practice history."""

    attempt_id: str
    recorded_at: datetime
    item_id: str
    answer: str
    mode: str = "practice"
    seconds: int | None = None
    confidence: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


EXERCISE_KINDS = ("python", "sql")
KIND_TITLES = {"python": "Python", "sql": "SQL"}


@dataclass(frozen=True)
class Exercise:
    """A coding or SQL exercise the learner solves in a notebook cell and checks with prep."""

    id: str
    title: str
    kind: str  # "python" or "sql"
    topic: str  # a bank Topic id
    level: str  # one of LEVELS
    minutes: int  # a realistic interview time for it
    task: str  # markdown
    interface: str  # python: the signatures to implement; sql: the tables involved
    examples: str
    starter: str  # code (or a query) the learner starts from
    hints: tuple[str, ...]  # vaguest first
    solution: str  # a model solution
    explanation: str  # markdown: why it works, its trade-offs
    name: str = ""  # python: the class or function the learner defines
    ordered: bool = False  # sql: the row order is part of the answer
    source: str = ""  # the file it came from

    @property
    def kind_title(self) -> str:
        """`Python` or `SQL`, as the learner reads it."""
        return KIND_TITLES[self.kind]
