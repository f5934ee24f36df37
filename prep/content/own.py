"""The learner's own questions: one YAML file in the data folder, beside the history.

A learner adds a question the company they interview with is known to ask, edits it and
retires it; the workbook then treats it like a question from the bank (card, drafts, the
coach, scheduling, the mock interview, progress, the answer book). The file,
`my_questions.yaml`, is theirs to read and edit by hand, so:

- ids never change once made (`my-<words of the title>`), because saved answers refer to
  them; editing a title keeps the id, and a talking point keeps its id while its text (or
  its place in the list, when reworded) stays;
- a retired question stays in the file (`retired: true`): its answers still count in
  progress and the answer book, it is only left out of what to practise;
- every change is checked first (`OwnQuestionError` says what is wrong in plain words and
  nothing is stored), then written whole under a lock: dumped with `yaml.safe_dump`, read
  back and compared, and only then put in place with `atomic_write` (temp file, fsync,
  rename), so a crash leaves the old file or the new one;
- a file that no longer parses after a hand edit never breaks the bank: it reads as no own
  questions plus one message naming the file and the line, and every change is refused
  until it is fixed, so nothing the learner wrote is overwritten.

Talking points without signals get signals derived from their words
(`prep.coach.derived`); a learner may write `signals:` for a point by hand instead.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import yaml

from ..coach.analysis import signal_problem
from ..coach.derived import derive_signals
from ..errors import PrepError
from ..models import LEVELS, Question, TalkingPoint, Topic
from ..store.safe_io import atomic_write, explain_os_error
from .loader import ID_PATTERN, Content

SCHEMA = 1
OWN_PREFIX = "my-"
OWN_TOPIC = Topic(
    "my-questions",
    "My questions",
    "Questions you added yourself, for the interviews you are preparing for.",
)
MAX_TITLE = 200
MAX_PROMPT = 2000
MAX_POINT = 500
MAX_POINTS = 20
SLUG_WORDS = 6  # an id takes at most this many words of the title
# words an id leaves out: "How would you shard the orders table?" is my-shard-orders-table
_SKIPPED = (
    "a an the how what why when where which who whom would will you your do does did is are "
    "was were be can could should shall may might must of to in on at for and or with i we "
    "our my me it its this that"
)
SLUG_SKIP = frozenset(_SKIPPED.split())
SLUG_CHARS = 48
DEFAULT_TARGET = (60, 180)
LOCK_TIMEOUT_SECONDS = 5.0
EDITABLE = ("title", "prompt", "talking_points", "topic", "level")

DEFAULT_WHY = (
    "You added this question yourself, because an interviewer you expect to meet is known "
    "to ask it. An answer you can give without notes is worth a few practice rounds.",
)
DEFAULT_PITFALLS = (
    "Answering a neighbouring question you know better instead of the one asked.",
    "Listing facts with no example from work you have done yourself.",
    "Running long: give the main point first, then the detail.",
)
DEFAULT_OUTLINE = (
    "One sentence that answers the question directly.",
    "Each talking point in turn, with something you did or saw at work.",
    "A short close: what you learnt, or what you would do differently next time.",
)

HEADER = """\
# Your own interview questions, added with prep.add_question() or prep.add_question_card().
# You may edit this file by hand; the workbook reads it again as soon as it changes.
# - Keep every `id` as it is: your saved answers refer to it.
# - `level` is junior, mid, senior, or null (asked at every level).
# - `retired: true` puts a question away (its answers are kept); false brings it back.
# - Optional per question: why_asked, pitfalls, example_outline (lists of text) and
#   target_seconds ([min, max]); per talking point: signals (phrases the coach listens
#   for; without them it listens for the point's own words).
# Comments other than this header are not kept when the workbook writes the file.
"""

_QUESTION_FIELDS = (
    "id",
    "title",
    "prompt",
    "topic",
    "level",
    "retired",
    "talking_points",
    "why_asked",
    "pitfalls",
    "example_outline",
    "target_seconds",
)
_POINT_FIELDS = ("id", "text", "signals", "optional")


class OwnQuestionError(PrepError):
    """An own question was not added or changed; the message says why, nothing was stored."""


class OwnFileError(OwnQuestionError):
    """The own-questions file cannot be read; the message names the file and the line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        where = f"{path}, line {line}" if line else str(path)
        fix = "fix that line" if line else "fix that"
        super().__init__(
            f"Your own questions file cannot be read ({where}): {problem}. The questions "
            f"from the bank still work; {fix} (or move the file aside) to get yours back. "
            "Until then nothing is written to that file."
        )


@dataclass(frozen=True)
class OwnQuestions:
    """What the file holds: active and retired questions in file order, or why it can't be read."""

    questions: tuple[Question, ...] = ()
    retired: tuple[Question, ...] = ()
    problem: OwnFileError | None = None

    @property
    def every(self) -> tuple[Question, ...]:
        """Active and retired alike, active first."""
        return (*self.questions, *self.retired)

    def is_retired(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.retired)


def normalized(text: str) -> str:
    """Text as a duplicate check sees it: case and runs of whitespace do not count."""
    return " ".join(text.split()).casefold()


def slug(title: str) -> str:
    """The id words of a title: lowercase ASCII letters and digits joined by `-`."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    every = re.findall(r"[a-z0-9]+", ascii_text.lower())
    words = ([w for w in every if w not in SLUG_SKIP] or every)[:SLUG_WORDS]
    out = ""
    for word in words:
        longer = f"{out}-{word}" if out else word
        if len(longer) > SLUG_CHARS:
            break
        out = longer
    return out or (words[0][:SLUG_CHARS] if words else "question")


def new_id(title: str, taken: Iterable[str]) -> str:
    """`my-<slug>`, with `-2`, `-3`, ... when that id is already used anywhere."""
    used = set(taken)
    base = OWN_PREFIX + slug(title)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def merge(bank: Content, own: OwnQuestions) -> Content:
    """The bank with the learner's questions added after it.

    Retired questions stay findable by id (their cards open, their answers keep a title)
    but are not among `questions`. The "my-questions" topic is listed once any own question
    exists; before that it is still a valid topic, with no questions.
    """
    exists = bool(own.questions or own.retired)
    return dataclasses.replace(
        bank,
        questions=bank.questions + own.questions,
        topics=bank.topics + ((OWN_TOPIC,) if exists else ()),
        retired=own.retired,
        hidden_topics=() if exists else (OWN_TOPIC,),
    )


def with_answered(content: Content, answered: Iterable[str]) -> Content:
    """`content` with the retired questions that have answers back among its questions.

    Progress and the answer book show every answer given, to a retired question too; a
    retired question never answered stays out of them, as it is out of practice.
    """
    ids = set(answered)
    back = tuple(q for q in content.retired if q.id in ids)
    return dataclasses.replace(content, questions=content.questions + back) if back else content


# ---- reading the file -------------------------------------------------------------------


class _Where:
    """A node of the parsed YAML, to say which line a problem is on."""

    def __init__(self, node: yaml.Node | None, fallback: int | None = None) -> None:
        self.node = node
        self.line = node.start_mark.line + 1 if node is not None else fallback

    def field(self, name: str) -> _Where:
        if isinstance(self.node, yaml.MappingNode):
            for key, value in self.node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == name:
                    return _Where(value, self.line)
        return _Where(None, self.line)

    def key(self, name: str) -> _Where:
        if isinstance(self.node, yaml.MappingNode):
            for key, _ in self.node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == name:
                    return _Where(key, self.line)
        return _Where(None, self.line)

    def item(self, index: int) -> _Where:
        if isinstance(self.node, yaml.SequenceNode) and index < len(self.node.value):
            return _Where(self.node.value[index], self.line)
        return _Where(None, self.line)


class _Checker:
    """Read one mapping of the file, raising OwnFileError with the line and the field."""

    def __init__(self, path: Path, label: str, data: Any, where: _Where) -> None:
        self.path, self.label, self.where = path, label, where
        if not isinstance(data, dict):
            self.fail(None, f"expected a mapping of fields, found {_kind(data)}")
        self.data: dict[str, Any] = data

    def fail(self, name: str | None, problem: str, where: _Where | None = None) -> None:
        at = where or (self.where.field(name) if name else self.where)
        what = f"{self.label}, field {name!r}" if name else self.label
        raise OwnFileError(self.path, at.line, f"{what} {problem}")

    def only(self, allowed: Sequence[str]) -> None:
        for name in self.data:
            if name not in allowed:
                self.fail(
                    None,
                    f"has a field {name!r} the workbook does not know (a typo?); known "
                    f"fields are {', '.join(allowed)}",
                    self.where.key(str(name)),
                )

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            self.fail(name, "is missing" if name not in self.data else "is empty")
        if not isinstance(value, str):
            self.fail(name, f"must be text, found {_kind(value)} {value!r}")
        if not value.strip():
            self.fail(name, "is empty")
        return value

    def texts(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, list):
            self.fail(name, f"must be a list of text, found {_kind(value)}")
        for n, entry in enumerate(value):
            if not isinstance(entry, str) or not entry.strip():
                self.fail(name, f"entry {n + 1} must be text, found {entry!r}", self.at(name, n))
        return tuple(value) or default

    def at(self, name: str, index: int) -> _Where:
        return self.where.field(name).item(index)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise OwnFileError(
            path, line, "it is not UTF-8 text (an editor saved it in another encoding)"
        ) from None


def _parse_yaml(text: str, path: Path) -> tuple[Any, _Where]:
    """The file's data and its node tree, or OwnFileError naming the line YAML stopped at."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "something YAML cannot read"
        start = exc.context_mark
        if exc.context and start is not None and start.line + 1 != line:
            # an unclosed quote is only noticed at the end: say where it started too
            problem += f", {exc.context} that starts on line {start.line + 1}"
        raise OwnFileError(path, line, f"this is not valid YAML ({problem})") from None
    except yaml.YAMLError as exc:  # a character YAML does not allow (ReaderError)
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", "") or "a character YAML does not allow"
        raise OwnFileError(path, line, f"this is not valid YAML ({reason})") from None
    return data, _Where(node, 1)


def parse_own(text: str, path: Path, bank: Content) -> OwnQuestions:
    """Build the learner's questions from the file's text; raise OwnFileError on a problem."""
    data, where = _parse_yaml(text, path)
    if data is None:
        return OwnQuestions()
    top = _Checker(path, "the file", data, where)
    top.only(("schema", "questions"))
    schema = top.data.get("schema", SCHEMA)
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        top.fail("schema", f"must be a whole number such as {SCHEMA}, found {schema!r}")
    if schema > SCHEMA:
        top.fail("schema", f"is {schema}, newer than this workbook understands ({SCHEMA})")
    entries = top.data.get("questions") or []
    if not isinstance(entries, list):
        top.fail("questions", f"must be a list of questions, found {_kind(entries)}")
    topics = {t.id for t in bank.topics} | {OWN_TOPIC.id}
    bank_ids = {item.id for item in bank.items()}
    stop_words = bank.lexicon.stop_words
    active, retired, seen = [], [], set()
    for n, entry in enumerate(entries):
        spot = where.field("questions").item(n)
        label = f"question {n + 1}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            label = f"question {entry['id']!r}"
        question, is_retired = _question(
            _Checker(path, label, entry, spot), topics, bank_ids, seen, stop_words
        )
        seen.add(question.id)
        (retired if is_retired else active).append(question)
    return OwnQuestions(tuple(active), tuple(retired))


def _question(
    r: _Checker, topics: set[str], bank_ids: set[str], seen: set[str], stop_words: frozenset[str]
) -> tuple[Question, bool]:
    r.only(_QUESTION_FIELDS)
    qid = r.text("id")
    if not ID_PATTERN.match(qid) or not qid.startswith(OWN_PREFIX):
        r.fail("id", f"must look like 'my-some-words' (lowercase, joined by -), found {qid!r}")
    if qid in seen:
        r.fail("id", f"{qid!r} is used by an earlier question in this file; ids must differ")
    if qid in bank_ids:
        r.fail("id", f"{qid!r} is already a question in the bank; give yours another id")
    topic = r.data.get("topic") or OWN_TOPIC.id
    if topic not in topics:
        r.fail("topic", f"{topic!r} is not a topic; use one of {', '.join(sorted(topics))}")
    level = r.data.get("level")
    if level == "any":
        level = None
    if level is not None and level not in LEVELS:
        r.fail("level", f"must be one of {', '.join(LEVELS)} or null, found {level!r}")
    is_retired = r.data.get("retired", False)
    if not isinstance(is_retired, bool):
        r.fail("retired", f"must be true or false, found {is_retired!r}")
    target = r.data.get("target_seconds", list(DEFAULT_TARGET))
    if (
        not isinstance(target, list)
        or len(target) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in target)
        or not 0 < target[0] < target[1]
    ):
        r.fail("target_seconds", f"must be two whole numbers [min, max], found {target!r}")
    points = r.data.get("talking_points")
    if not isinstance(points, list) or not points:
        r.fail("talking_points", "must be a list with at least one talking point")
    built, point_ids = [], set()
    for n, entry in enumerate(points):
        sub = _Checker(
            r.path, f"{r.label}, talking point {n + 1}", entry, r.at("talking_points", n)
        )
        point = _point(sub, stop_words)
        if point.id in point_ids:
            sub.fail("id", f"{point.id!r} is used twice in this question")
        point_ids.add(point.id)
        built.append(point)
    question = Question(
        id=qid,
        title=r.text("title"),
        prompt=r.text("prompt"),
        why_asked=r.texts("why_asked", DEFAULT_WHY),
        talking_points=tuple(built),
        pitfalls=r.texts("pitfalls", DEFAULT_PITFALLS),
        example_outline=r.texts("example_outline", DEFAULT_OUTLINE),
        target_seconds=(target[0], target[1]),
        source="your own question",
        topic=topic,
        level=level,
        own=True,
    )
    return question, is_retired


def _point(r: _Checker, stop_words: frozenset[str]) -> TalkingPoint:
    r.only(_POINT_FIELDS)
    pid = r.text("id")
    if not ID_PATTERN.match(pid):
        r.fail("id", f"must be lowercase words joined by -, found {pid!r}")
    text = r.text("text")
    given = r.data.get("signals")
    if given is None:
        signals = derive_signals(text, stop_words)
    else:
        if not isinstance(given, list) or not given:
            r.fail("signals", "must be a list of phrases the coach listens for")
        for n, signal in enumerate(given):
            problem = "must be text" if not isinstance(signal, str) else signal_problem(signal)
            if problem:
                r.fail("signals", f"entry {n + 1} {problem}", r.at("signals", n))
        signals = tuple(s.lower() for s in given)
    optional = r.data.get("optional", False)
    if not isinstance(optional, bool):
        r.fail("optional", f"must be true or false, found {optional!r}")
    return TalkingPoint(id=pid, text=text, signals=signals, optional=optional)


def load_own(path: Path, bank: Content) -> OwnQuestions:
    """Read the file: no file is no questions; a problem is kept in `.problem`, never raised."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return OwnQuestions()
    except OSError as exc:
        reason = explain_os_error(exc, path, "read")
        return OwnQuestions(problem=OwnFileError(path, None, reason))
    try:
        return parse_own(_decode(raw, path), path, bank)
    except OwnFileError as exc:
        return OwnQuestions(problem=exc)


# ---- checking what the learner typed -----------------------------------------------------


def _clean(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise OwnQuestionError(f"The {what} must be text, not {_kind(value)}.")
    text = value.strip()
    if not text:
        raise OwnQuestionError(f"The {what} is empty: type the {what} first.")
    if len(text) > limit:
        raise OwnQuestionError(
            f"The {what} is {len(text):,} characters long; keep it to {limit:,} or fewer."
        )
    return text


def clean_points(points: Any, stop_words: frozenset[str]) -> list[str]:
    """The talking points as a list of texts: a str is one point per line."""
    if isinstance(points, str):
        texts = points.splitlines()
        while texts and not texts[-1].strip():
            texts.pop()  # blank lines left at the end of the form's field are no points
    elif isinstance(points, Iterable):
        texts = list(points)
    else:
        raise OwnQuestionError("The talking points must be a list of texts, one per point.")
    if not texts:
        raise OwnQuestionError(
            "Add at least one talking point: what a strong answer should cover, one per line."
        )
    if len(texts) > MAX_POINTS:
        raise OwnQuestionError(
            f"That is {len(texts)} talking points; keep to {MAX_POINTS} or fewer."
        )
    out: list[str] = []
    for n, value in enumerate(texts, 1):
        if isinstance(value, str) and not value.strip():
            raise OwnQuestionError(
                f"Talking point {n} is empty: write what it should cover, or remove the line."
            )
        text = _clean(value, f"talking point {n}", MAX_POINT)
        if normalized(text) in {normalized(t) for t in out}:
            raise OwnQuestionError(f"Talking point {n} repeats an earlier one: {text!r}.")
        if not derive_signals(text, stop_words):
            raise OwnQuestionError(
                f"Talking point {n} ({text!r}) has no word the coach can listen for; name "
                "the idea itself, e.g. “indexes speed up reads”."
            )
        out.append(text)
    return out


def _topic(value: Any, bank: Content) -> str:
    choices = [OWN_TOPIC.id, *(t.id for t in bank.topics)]
    if value not in choices:
        raise OwnQuestionError(f"There is no topic {value!r}. Pick one of: {', '.join(choices)}.")
    return value


def _level(value: Any) -> str | None:
    if value in (None, "", "any"):
        return None
    if value not in LEVELS:
        raise OwnQuestionError(
            f"There is no level {value!r}. Use one of {', '.join(LEVELS)}, or None for any level."
        )
    return value


def _no_duplicate(
    title: str, prompt: str, others: Iterable[Question], hint: Callable[[Question], str]
) -> None:
    for other in others:
        if normalized(other.title) == normalized(title):
            raise OwnQuestionError(
                f"There is already a question with this title: {other.id} ({other.title!r})."
                f"{hint(other)} Give yours a different title."
            )
        if normalized(other.prompt) == normalized(prompt):
            raise OwnQuestionError(
                f"That question is already in the workbook as {other.id} ({other.title!r})."
                f"{hint(other)}"
            )


def _points_after_edit(old: list[dict[str, Any]], texts: list[str]) -> list[dict[str, Any]]:
    """New point entries that keep the ids (and hand-written fields) of the points they were.

    A point whose text is unchanged (case and spacing aside) keeps its id; a reworded point
    keeps the id of the point that stood in its place; anything else gets a fresh id.
    """
    result: list[dict[str, Any] | None] = [None] * len(texts)
    used: set[str] = set()
    for n, text in enumerate(texts):
        for entry in old:
            if entry["id"] not in used and normalized(str(entry.get("text", ""))) == normalized(
                text
            ):
                result[n] = {**entry, "text": text}
                used.add(entry["id"])
                break
    for n, text in enumerate(texts):
        if result[n] is None and n < len(old) and old[n]["id"] not in used:
            result[n] = {**old[n], "text": text}
            used.add(old[n]["id"])
    taken = {str(e["id"]) for e in old}
    counter = 1
    for n, text in enumerate(texts):
        if result[n] is None:
            while f"point-{counter}" in taken:
                counter += 1
            result[n] = {"id": f"point-{counter}", "text": text}
            taken.add(f"point-{counter}")
    return [r for r in result if r is not None]


# ---- the store ---------------------------------------------------------------------------


class OwnQuestionStore:
    """The learner's questions file: `read` it, `add`, `edit` and `retire` questions.

    `bank` returns the shipped content, for topics, ids and duplicates. Every change reads
    the file again under the lock, so two notebooks never undo each other's additions.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        bank: Callable[[], Content],
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.bank = bank
        self.lock_timeout = lock_timeout
        self._cache: tuple[tuple, Content, OwnQuestions] | None = None

    def __repr__(self) -> str:
        return f"OwnQuestionStore({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def stamp(self) -> tuple:
        """What changes whenever the file does: each replace is a new file (a new inode)."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return (None,)
        except OSError as exc:
            return ("unreadable", exc.errno)
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def read(self, bank: Content | None = None) -> OwnQuestions:
        """The questions in the file now (read again only when it changed)."""
        bank = bank if bank is not None else self.bank()
        stamp = self.stamp()
        cached = self._cache
        if cached is not None and cached[0] == stamp and cached[1] is bank:
            return cached[2]
        own = load_own(self.path, bank)
        self._cache = (stamp, bank, own)
        return own

    def topic_choices(self) -> list[Topic]:
        """The topics an own question may have: "My questions" first, then the bank's."""
        return [OWN_TOPIC, *self.bank().topics]

    def get(self, question_id: str) -> Question:
        """An own question, active or retired, by id."""
        own = self.read()
        if own.problem is not None:
            raise own.problem
        for question in own.every:
            if question.id == question_id:
                return question
        raise self._unknown(question_id, own)

    # -- changes ----------------------------------------------------------------------

    def add(
        self,
        title: str,
        prompt: str,
        talking_points: Any,
        *,
        topic: str = OWN_TOPIC.id,
        level: str | None = None,
    ) -> Question:
        """Add a question; return it. Raise OwnQuestionError (nothing stored) on bad input."""

        def change(entries: list[dict[str, Any]], bank: Content, own: OwnQuestions) -> str:
            clean_title = _clean(title, "title", MAX_TITLE)
            clean_prompt = _clean(prompt, "prompt", MAX_PROMPT)
            texts = clean_points(talking_points, bank.lexicon.stop_words)
            entry = {
                "id": "",
                "title": clean_title,
                "prompt": clean_prompt,
                "topic": _topic(topic, bank),
                "level": _level(level),
                "retired": False,
                "talking_points": [
                    {"id": f"point-{n}", "text": text} for n, text in enumerate(texts, 1)
                ],
            }
            _no_duplicate(clean_title, clean_prompt, bank.questions, _no_hint)
            _no_duplicate(clean_title, clean_prompt, own.every, _own_hint(own))
            entry["id"] = new_id(
                clean_title, [*(i.id for i in bank.items()), *(q.id for q in own.every)]
            )
            entries.append(entry)
            return entry["id"]

        return self._change(change)

    def edit(self, question_id: str, **changes: Any) -> Question:
        """Change an own question's title, prompt, talking points, topic or level; id kept."""
        unknown = [k for k in changes if k not in EDITABLE]
        if unknown:
            raise OwnQuestionError(
                f"edit_question() can change {', '.join(EDITABLE)}; {unknown[0]!r} is not "
                "one of them."
            )

        def change(entries: list[dict[str, Any]], bank: Content, own: OwnQuestions) -> str:
            entry = self._entry(entries, question_id, own)
            if "title" in changes:
                entry["title"] = _clean(changes["title"], "title", MAX_TITLE)
            if "prompt" in changes:
                entry["prompt"] = _clean(changes["prompt"], "prompt", MAX_PROMPT)
            if "topic" in changes:
                entry["topic"] = _topic(changes["topic"], bank)
            if "level" in changes:
                entry["level"] = _level(changes["level"])
            if "talking_points" in changes:
                texts = clean_points(changes["talking_points"], bank.lexicon.stop_words)
                entry["talking_points"] = _points_after_edit(entry["talking_points"], texts)
            others = [q for q in own.every if q.id != question_id]
            _no_duplicate(entry["title"], entry["prompt"], bank.questions, _no_hint)
            _no_duplicate(entry["title"], entry["prompt"], others, _own_hint(own))
            return question_id

        return self._change(change)

    def retire(self, question_id: str, retired: bool = True) -> Question:
        """Put a question away (`retired=False` brings it back); its answers are kept."""
        if not isinstance(retired, bool):
            raise OwnQuestionError(f"retired must be True or False, not {retired!r}.")

        def change(entries: list[dict[str, Any]], bank: Content, own: OwnQuestions) -> str:
            entry = self._entry(entries, question_id, own)
            entry["retired"] = retired
            return question_id

        return self._change(change)

    def _entry(
        self, entries: list[dict[str, Any]], question_id: str, own: OwnQuestions
    ) -> dict[str, Any]:
        for entry in entries:
            if entry.get("id") == question_id:
                return entry
        raise self._unknown(question_id, own)

    def _unknown(self, question_id: str, own: OwnQuestions) -> OwnQuestionError:
        if any(item.id == question_id for item in self.bank().items()):
            return OwnQuestionError(
                f"{question_id!r} comes with the workbook; only your own questions (ids "
                f"starting {OWN_PREFIX}) can be changed or retired."
            )
        mine = ", ".join(q.id for q in own.every) or "none yet"
        return OwnQuestionError(
            f"You have no question with the id {question_id!r}. Your questions: {mine}."
        )

    def _change(
        self, change: Callable[[list[dict[str, Any]], Content, OwnQuestions], str]
    ) -> Question:
        """Read the file under the lock, apply `change`, write it back whole; return the question.

        `change` edits the file's entries in place (raising OwnQuestionError to refuse)
        and returns the id it touched. Nothing is written when the file cannot be read,
        when the change is refused, or when the file would read back differently.
        """
        bank = self.bank()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with filelock.FileLock(self.lock_path, timeout=self.lock_timeout):
                try:
                    raw = self.path.read_bytes()
                except FileNotFoundError:
                    raw = b""
                text = _decode(raw, self.path)
                own = parse_own(text, self.path, bank)  # raises OwnFileError: nothing written
                entries = _entries(text)
                before = yaml.safe_dump(entries)
                question_id = change(entries, bank, own)
                if raw and yaml.safe_dump(entries) == before:
                    return self._find(own, question_id)
                data = dump(entries)
                written = parse_own(data.decode("utf-8"), self.path, bank)
                atomic_write(self.path, data)
        except filelock.Timeout:
            raise OwnQuestionError(
                "Another notebook is changing your questions at this moment; nothing was "
                "saved. Try again in a moment."
            ) from None
        except OSError as exc:
            raise OwnQuestionError(
                f"Your question was not saved: {explain_os_error(exc, self.path)}."
            ) from exc
        self._cache = None
        return self._find(written, question_id)

    @staticmethod
    def _find(own: OwnQuestions, question_id: str) -> Question:
        return next(q for q in own.every if q.id == question_id)


def _no_hint(_question: Question) -> str:
    return ""


def _own_hint(own: OwnQuestions) -> Callable[[Question], str]:
    def hint(question: Question) -> str:
        if own.is_retired(question.id):
            return f' You retired it; prep.restore_question("{question.id}") brings it back.'
        return f' Change it with prep.edit_question("{question.id}", ...).'

    return hint


def _entries(text: str) -> list[dict[str, Any]]:
    """The file's question entries as plain data (already checked by `parse_own`)."""
    data = yaml.safe_load(text) if text.strip() else None
    return list((data or {}).get("questions") or [])


def dump(entries: list[dict[str, Any]]) -> bytes:
    """The whole file: the header, then the entries, checked to read back exactly.

    `allow_unicode` keeps accents and emoji readable; the rare text PyYAML cannot write
    that way (a lone NEL, U+0085) is written with escapes instead. Text that would not
    survive either way is refused, never written.
    """
    body = {"schema": SCHEMA, "questions": entries}
    for readable in (True, False):
        dumped = yaml.safe_dump(
            body, allow_unicode=readable, sort_keys=False, default_flow_style=False, width=88
        )
        try:
            data = (HEADER + dumped).encode("utf-8")
            if yaml.safe_load(data.decode("utf-8")) == body:
                return data
        except (yaml.YAMLError, UnicodeError):
            continue
    raise OwnQuestionError(
        "That text could not be stored safely in your questions file, so nothing was saved. "
        "Remove unusual control characters and try again."
    )
