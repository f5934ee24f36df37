"""Load and validate the content files under `data/` (questions, tips, guides, the bank).

The article's four questions are in `questions.yaml`; the question bank is one file per
topic in `questions/` (`questions/http-apis.yaml`, ...), in the order `questions/index.yaml`
gives, then any other topic file by name, so a new topic file needs no other change.

The files are YAML read with `yaml.safe_load`, so they are data and never code. Every
problem raises `ContentError` naming the file, the item and the field, because a typo in
a hand-edited file should point straight at the line to fix.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from ..coach.analysis import STAR_ELEMENTS, Lexicon, signal_problem
from ..coach.compose import EMAIL_FIELDS
from ..errors import ContentError, UnknownItemError
from ..models import (
    COMPOSED_DRAFT_ID,
    LEVELS,
    ChecklistItem,
    Item,
    NumberRule,
    Prompt,
    Question,
    TalkingPoint,
    Tip,
    Topic,
)

SCHEMA_VERSION = 1
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIP_KINDS = ("tip", "habit", "credentials")
COMPOSERS = ("follow-up-email",)

# file name -> the list key inside it; the order here is the workbook's order within a kind
CONTENT_FILES = {"questions.yaml": "questions", "tips.yaml": "tips", "guides.yaml": "guides"}
LEXICON_FILE = "coach.yaml"
BANK_DIR = "questions"  # the question bank: one YAML file per topic
BANK_INDEX = "index.yaml"  # the order of the topic files, and nothing else
ARTICLE_TOPIC = Topic(
    "background",
    "Your background and plans",
    "The article's four questions: how you started, your role in past projects, the "
    "limits of a language you know, and where you see yourself in five years.",
)


@dataclass(frozen=True)
class Content:
    """Every question and tip, in workbook order, with lookup by id."""

    questions: tuple[Question, ...]
    tips: tuple[Tip, ...]
    guides: tuple[Tip, ...]
    lexicon: Lexicon = field(default_factory=Lexicon)
    topics: tuple[Topic, ...] = (ARTICLE_TOPIC,)
    # the learner's own questions they retired (`prep.content.own`): found by id, so their
    # cards open and their answers keep a title, but left out of `questions`
    retired: tuple[Question, ...] = ()
    hidden_topics: tuple[Topic, ...] = ()  # valid topic ids not listed (own, while empty)

    def items(self) -> tuple[Item, ...]:
        return (*self.questions, *self.tips, *self.guides)

    def topic(self, topic_id: str) -> Topic:
        for topic in (*self.topics, *self.hidden_topics):
            if topic.id == topic_id:
                return topic
        known = ", ".join(t.id for t in self.topics)
        raise UnknownItemError(f"There is no topic {topic_id!r}. Known topics: {known}.")

    def select(self, topic: str | None = None, level: str | None = None) -> tuple[Question, ...]:
        """The questions of one topic and/or level, in workbook order.

        `level` keeps the questions at that level and those asked at every level (the
        article's four, and own questions without one).
        """
        if topic is not None:
            self.topic(topic)  # an unknown topic is an error, not an empty list
        if level is not None and level not in LEVELS:
            raise UnknownItemError(f"There is no level {level!r}. Levels are {', '.join(LEVELS)}.")
        return tuple(
            q
            for q in self.questions
            if (topic is None or q.topic == topic) and (level is None or q.level in (None, level))
        )

    def get(self, item_id: str) -> Item:
        for item in (*self.items(), *self.retired):
            if item.id == item_id:
                return item
        known = ", ".join(i.id for i in self.items())
        raise UnknownItemError(
            f"There is no question or tip with the id {item_id!r}. Known ids: {known}."
        )

    def title_of(self, item_id: str) -> str:
        """Return a readable title for a history item id, including `tip/prompt` ids."""
        base, _, sub = item_id.partition("/")
        try:
            item = self.get(base)
        except UnknownItemError:
            return item_id
        if not sub:
            return item.title
        if isinstance(item, Tip):
            for prompt in item.prompts:
                if prompt.id == sub:
                    return f"{item.title}: {prompt.label}"
            if sub == "checklist":
                return f"{item.title}: checklist"
            if sub == COMPOSED_DRAFT_ID and item.composer:
                return f"{item.title}: email draft"
        return f"{item.title}: {sub}"


class _Reader:
    """Read fields from one item's mapping, raising errors that name where the problem is."""

    def __init__(self, file: str, item: str | None, data: Any) -> None:
        self.file, self.item = file, item
        if not isinstance(data, dict):
            self.fail(None, f"expected a mapping of fields, found {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def fail(self, field: str | None, problem: str) -> None:
        raise ContentError(self.file, self.item, field, problem)

    def text(self, field: str, *, required: bool = True, default: str = "") -> str:
        self.used.add(field)
        if field not in self.data or self.data[field] is None:
            if required:
                self.fail(field, "is missing")
            return default
        value = self.data[field]
        if not isinstance(value, str):
            self.fail(field, f"must be text, found {type(value).__name__} {value!r}")
        if required and not value.strip():
            self.fail(field, "is empty")
        return value.strip()

    def identifier(self, field: str = "id") -> str:
        value = self.text(field)
        if not ID_PATTERN.match(value):
            self.fail(field, f"{value!r} is not a lowercase-kebab-case id such as 'past-role'")
        return value

    def integer(
        self, field: str, *, default: int | None = None, low: int = 0, high: int = 10**6
    ) -> int:
        self.used.add(field)
        value = self.data.get(field, default)
        if value is None:
            self.fail(field, "is missing")
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"must be a whole number, found {value!r}")
        if not low <= value <= high:
            self.fail(field, f"must be between {low} and {high}, found {value}")
        return value

    def texts(self, field: str, *, required: bool = True) -> tuple[str, ...]:
        values = self.list(field, required=required)
        out = []
        for n, value in enumerate(values, 1):
            if not isinstance(value, str) or not value.strip():
                self.fail(field, f"entry {n} must be non-empty text, found {value!r}")
            out.append(value.strip())
        return tuple(out)

    def flag(self, field: str, *, default: bool = False) -> bool:
        self.used.add(field)
        value = self.data.get(field, default)
        if not isinstance(value, bool):
            self.fail(field, f"must be true or false, found {value!r}")
        return value

    def signals(self, field: str, *, required: bool = False) -> tuple[str, ...]:
        """Signal phrases for the answer coach (see `prep.coach`), checked one by one."""
        values = self.texts(field, required=required)
        for value in values:
            problem = signal_problem(value)
            if problem:
                self.fail(field, f"the signal {value!r} {problem}")
        return tuple(v.lower() for v in values)

    def list(self, field: str, *, required: bool = True) -> list[Any]:
        self.used.add(field)
        value = self.data.get(field)
        if value is None:
            if required:
                self.fail(field, "is missing")
            return []
        if not isinstance(value, list):
            self.fail(field, f"must be a list, found {type(value).__name__}")
        if required and not value:
            self.fail(field, "must have at least one entry")
        return value

    def records(self, field: str, build: Callable[[_Reader], Any], *, required: bool) -> tuple:
        """Read a list of sub-mappings, each with a unique `id`."""
        out, seen = [], set()
        for n, entry in enumerate(self.list(field, required=required), 1):
            label = entry.get("id") if isinstance(entry, dict) else None
            sub = _Reader(self.file, f"{self.item} > {field}[{label or n}]", entry)
            record = build(sub)
            sub.done()
            if record.id in seen:
                self.fail(field, f"the id {record.id!r} appears twice")
            seen.add(record.id)
            out.append(record)
        return tuple(out)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(unknown[0], "is not a known field (a typo?)")


def _talking_point(r: _Reader) -> TalkingPoint:
    return TalkingPoint(
        id=r.identifier(),
        text=r.text("text"),
        signals=r.signals("signals"),
        optional=r.flag("optional"),
    )


def _prompt(r: _Reader) -> Prompt:
    return Prompt(
        id=r.identifier(),
        label=r.text("label"),
        placeholder=r.text("placeholder", required=False),
        lines=r.integer("lines", default=3, low=1, high=20),
        number=_number_rule(r),
    )


def _number_rule(r: _Reader) -> NumberRule | None:
    """`number: {min: 1, max: 7, message: "...", saved: "... {number} ..."}`: only such a number.

    `message` is shown when the text is not one; `saved`, with the number put in, after
    a Save that kept it.
    """
    r.used.add("number")
    data = r.data.get("number")
    if data is None:
        return None
    sub = _Reader(r.file, f"{r.item} > number", data)
    low = sub.integer("min", low=0, high=10**6)
    high = sub.integer("max", low=0, high=10**6)
    if low > high:
        sub.fail("max", f"must not be below min ({low}), found {high}")
    saved = sub.text("saved", required=False)
    if saved and "{number}" not in saved:
        sub.fail("saved", f"must say where the number goes with {{number}}, found {saved!r}")
    rule = NumberRule(low=low, high=high, message=sub.text("message", required=False), saved=saved)
    sub.done()
    return rule


def _checklist_item(r: _Reader) -> ChecklistItem:
    return ChecklistItem(id=r.identifier(), label=r.text("label"))


def _level(r: _Reader) -> str | None:
    r.used.add("level")
    value = r.data.get("level")
    if value is None:
        return None
    if value not in LEVELS:
        r.fail("level", f"must be one of {', '.join(LEVELS)}; found {value!r}")
    return value


def _question(r: _Reader) -> Question:
    qid = r.identifier()
    r.item = qid
    target = r.list("target_seconds")
    if len(target) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in target):
        r.fail("target_seconds", f"must be two whole numbers [min, max], found {target!r}")
    if not 0 < target[0] < target[1]:
        r.fail("target_seconds", f"needs 0 < min < max, found {target!r}")
    return Question(
        id=qid,
        title=r.text("title"),
        prompt=r.text("prompt"),
        why_asked=r.texts("why_asked"),
        talking_points=r.records("talking_points", _talking_point, required=True),
        pitfalls=r.texts("pitfalls"),
        example_outline=r.texts("example_outline"),
        target_seconds=(target[0], target[1]),
        source=r.text("source", required=False),
        level=_level(r),
    )


def _tip(r: _Reader) -> Tip:
    tid = r.identifier()
    r.item = tid
    kind = r.text("kind")
    if kind not in TIP_KINDS:
        r.fail("kind", f"must be one of {', '.join(TIP_KINDS)}; found {kind!r}")
    composer = r.text("composer", required=False) or None
    if composer is not None and composer not in COMPOSERS:
        r.fail("composer", f"must be one of {', '.join(COMPOSERS)} or empty; found {composer!r}")
    tip = Tip(
        id=tid,
        kind=kind,
        title=r.text("title"),
        summary=r.text("summary"),
        points=r.texts("points"),
        prompts=r.records("prompts", _prompt, required=False),
        checklist=r.records("checklist", _checklist_item, required=False),
        composer=composer,
        source=r.text("source", required=False),
    )
    if "checklist" in {p.id for p in tip.prompts}:
        r.fail("prompts", "'checklist' is reserved for the checklist; rename that prompt")
    if composer is not None and COMPOSED_DRAFT_ID in {p.id for p in tip.prompts}:
        r.fail("prompts", f"{COMPOSED_DRAFT_ID!r} is reserved for the composed draft; rename it")
    if composer == "follow-up-email":
        missing = [f for f in EMAIL_FIELDS if f not in {p.id for p in tip.prompts}]
        if missing:
            r.fail("prompts", f"the follow-up-email composer needs prompts {', '.join(missing)}")
    return tip


def _read_yaml(path: Path) -> _Reader:
    """Read one YAML file into a reader for its top level, schema version checked."""
    name = path.name
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(name, None, None, f"file not found at {path}") from None
    except UnicodeDecodeError as exc:
        raise ContentError(name, None, None, f"is not UTF-8 text ({exc.reason})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ContentError(name, None, None, f"is not valid YAML: {exc}") from None
    top = _Reader(name, None, data)
    version = top.integer("schema", low=1, high=10**6)
    if version > SCHEMA_VERSION:
        top.fail(
            "schema",
            f"version {version} is newer than this workbook understands ({SCHEMA_VERSION})",
        )
    return top


def parse_file(path: Path, list_key: str, build: Callable[[_Reader], Any]) -> tuple:
    """Parse one content file into records; raise ContentError naming what is wrong."""
    top = _read_yaml(path)
    entries = top.list(list_key)
    top.done()
    return _records(path.name, entries, build)


def _records(name: str, entries: list, build: Callable[[_Reader], Any]) -> tuple:
    out = []
    for n, entry in enumerate(entries, 1):
        label = entry.get("id") if isinstance(entry, dict) else None
        reader = _Reader(name, str(label or f"entry {n}"), entry)
        out.append(build(reader))
        reader.done()
    return tuple(out)


def bank_files(folder: Path) -> list[Path]:
    """The bank's topic files in workbook order: the index's order, then the rest by name."""
    bank = folder / BANK_DIR
    if not bank.is_dir():
        return []
    files = {p.stem: p for p in bank.glob("*.yaml") if p.name != BANK_INDEX}
    order: list[str] = []
    if (bank / BANK_INDEX).exists():
        top = _read_yaml(bank / BANK_INDEX)
        order = list(top.texts("order"))
        top.done()
        for name in order:
            if name not in files:
                top.fail("order", f"names {name!r}, but there is no {BANK_DIR}/{name}.yaml")
    return [files[n] for n in order] + [files[n] for n in sorted(files) if n not in order]


def parse_topic_file(path: Path) -> tuple[Topic, tuple[Question, ...]]:
    """One bank file: the topic it describes and its questions, each tagged with the topic."""
    name = f"{BANK_DIR}/{path.name}"
    top = _read_yaml(path)
    top.file = name
    topic_id = top.identifier("topic")
    if topic_id != path.stem:
        top.fail("topic", f"must match the file name ({path.stem!r}), found {topic_id!r}")
    topic = Topic(topic_id, top.text("title"), top.text("summary", required=False))
    entries = top.list("questions")
    top.done()
    questions = []
    for question in _records(name, entries, _question):
        if question.level is None:
            raise ContentError(
                name, question.id, "level", f"is missing (one of {', '.join(LEVELS)})"
            )
        questions.append(dataclasses.replace(question, topic=topic_id))
    return topic, tuple(questions)


def lexicon_path(folder: Path) -> Path:
    """The coach's word lists: the content folder's own, else the workbook's."""
    own = folder / LEXICON_FILE
    return own if own.exists() else paths.REPO_ROOT / "data" / LEXICON_FILE


def load_lexicon(path: Path) -> Lexicon:
    """Read the answer coach's word lists (`coach.yaml`)."""
    top = _read_yaml(path)
    star_data = top.data.get("star")
    top.used.add("star")
    star_reader = _Reader(path.name, "star", star_data)
    star = {element: star_reader.signals(element, required=True) for element in STAR_ELEMENTS}
    star_reader.done()
    lexicon = Lexicon(
        fillers=top.signals("fillers", required=True),
        hedges=top.signals("hedges", required=True),
        stop_words=frozenset(w.lower() for w in top.texts("stop_words")),
        star=star,
        technologies=_technologies(top),
    )
    top.done()
    return lexicon


def _technologies(top: _Reader) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Entries are a signal (shown as written) or `Name: [signals]`."""
    out = []
    for n, entry in enumerate(top.list("technologies"), 1):
        if isinstance(entry, dict) and len(entry) == 1:
            name, signals = next(iter(entry.items()))
            sub = _Reader(top.file, f"technologies[{name}]", {"signals": signals})
            out.append((str(name), sub.signals("signals", required=True)))
        elif isinstance(entry, str) and entry.strip():
            sub = _Reader(top.file, f"technologies[{n}]", {"signals": [entry]})
            out.append((entry.strip(), sub.signals("signals", required=True)))
        else:
            top.fail("technologies", f"entry {n} must be a signal or 'Name: [signals]'")
    return tuple(out)


def _check_unique(files: Iterable[tuple[str, tuple]]) -> None:
    seen: dict[str, str] = {}
    for name, items in files:
        for item in items:
            if item.id in seen:
                raise ContentError(name, item.id, "id", f"is already used in {seen[item.id]}")
            seen[item.id] = name


def load_content(folder: Path) -> Content:
    """Load every content file in `folder`, validated."""
    builders = {"questions": _question, "tips": _tip, "guides": _tip}
    parsed = {
        key: parse_file(folder / name, key, builders[key]) for name, key in CONTENT_FILES.items()
    }
    for question in parsed["questions"]:
        if question.level is not None:
            raise ContentError(
                "questions.yaml",
                question.id,
                "level",
                "belongs in the bank: the article's questions are asked at every level",
            )
    topics, bank = [ARTICLE_TOPIC], []
    for path in bank_files(folder):
        topic, questions = parse_topic_file(path)
        topics.append(topic)
        bank.append((f"{BANK_DIR}/{path.name}", questions))
    _check_unique([*((name, parsed[key]) for name, key in CONTENT_FILES.items()), *bank])
    for tip in parsed["tips"]:
        if tip.kind != "tip":
            raise ContentError("tips.yaml", tip.id, "kind", "must be 'tip' in tips.yaml")
    return Content(
        questions=parsed["questions"] + tuple(q for _, qs in bank for q in qs),
        tips=parsed["tips"],
        guides=parsed["guides"],
        lexicon=load_lexicon(lexicon_path(folder)),
        topics=tuple(topics),
    )


def content_stamp(folder: Path) -> tuple:
    """What changes when any content file does: its names and modification times."""
    files = [folder / name for name in (*CONTENT_FILES, LEXICON_FILE)]
    bank = folder / BANK_DIR
    if bank.is_dir():
        files += sorted(bank.glob("*.yaml"))
    return tuple((str(p), p.stat().st_mtime_ns if p.exists() else None) for p in files)
