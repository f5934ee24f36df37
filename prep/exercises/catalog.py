"""Load and validate the exercises under `data/exercises/` and the checks that go with them.

`python.yaml` and `sql.yaml` hold each exercise's text (task, interface, examples, starter,
hints, model solution, explanation) as data; the checks are code, one case per function,
in `python_checks.py` and `sql_checks.py`, registered by exercise id. Loading both sides
here lets a mistake in either fail early and by name: an exercise with no checks, checks
for an id no file has, a Python exercise whose starter does not define the name asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from ..errors import ContentError, UnknownItemError
from ..models import EXERCISE_KINDS, LEVELS, Exercise
from . import harness, python_checks, sql_checks  # noqa: F401  (registers the cases)

EXERCISE_DIR = "exercises"
FILES = {"python": "python.yaml", "sql": "sql.yaml"}
TEXT_FIELDS = (
    "title",
    "task",
    "interface",
    "examples",
    "starter",
    "solution",
    "explanation",
)
MIN_CASES = 5  # from the simplest call to the edge cases
MAX_HINTS = 6


@dataclass(frozen=True)
class Catalog:
    """Every exercise, Python first then SQL, in file order, with lookup by id."""

    exercises: tuple[Exercise, ...]

    def get(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise UnknownItemError(f"there is no exercise {exercise_id!r}. The exercises are: {known}.")

    def select(self, kind: str | None = None, topic: str | None = None) -> tuple[Exercise, ...]:
        return tuple(
            e
            for e in self.exercises
            if (kind is None or e.kind == kind) and (topic is None or e.topic == topic)
        )

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.exercises)

    def cases(self, exercise_id: str) -> tuple[harness.Case, ...]:
        return tuple(harness.CASES.get(exercise_id, ()))


def load(root: Path | None = None, topics: Iterable[str] | None = None) -> Catalog:
    """Read every exercise file under `root/exercises` (the content folder by default)."""
    folder = (root or paths.content_dir()) / EXERCISE_DIR
    return _load(folder, tuple(topics) if topics is not None else None)


@functools.lru_cache(maxsize=4)
def _load(folder: Path, topics: tuple[str, ...] | None) -> Catalog:
    exercises: list[Exercise] = []
    seen: dict[str, str] = {}
    for kind in EXERCISE_KINDS:
        path = folder / FILES[kind]
        if not path.exists():
            continue
        for exercise in _read(path, kind, topics):
            if exercise.id in seen:
                raise ContentError(
                    path.name, exercise.id, "id", f"the id is already used in {seen[exercise.id]}"
                )
            seen[exercise.id] = path.name
            exercises.append(exercise)
    for exercise_id in harness.CASES:
        if exercise_id not in seen and exercises:
            raise ContentError(
                "prep/exercises", exercise_id, None, "checks are registered for an unknown exercise"
            )
    return Catalog(tuple(exercises))


def _read(path: Path, kind: str, topics: tuple[str, ...] | None) -> list[Exercise]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(path.name, None, None, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list):
        raise ContentError(path.name, None, "exercises", "expected a list named 'exercises'")
    return [_exercise(path.name, raw, kind, topics) for raw in data["exercises"]]


def _exercise(file: str, raw: Any, kind: str, topics: tuple[str, ...] | None) -> Exercise:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise ContentError(file, None, "id", "every exercise needs an id")
    ident = raw["id"]

    def fail(field: str, problem: str) -> ContentError:
        return ContentError(file, ident, field, problem)

    for field in TEXT_FIELDS:
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise fail(field, "needs some text")
    if raw.get("level") not in LEVELS:
        raise fail("level", f"must be one of {', '.join(LEVELS)}")
    if not isinstance(raw.get("topic"), str) or (topics is not None and raw["topic"] not in topics):
        raise fail("topic", "must be the id of a question topic")
    minutes = raw.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 90:
        raise fail("minutes", "must be a whole number of minutes from 1 to 90")
    hints = raw.get("hints")
    if (
        not isinstance(hints, list)
        or not 1 <= len(hints) <= MAX_HINTS
        or not all(isinstance(h, str) and h.strip() for h in hints)
    ):
        raise fail("hints", f"needs 1 to {MAX_HINTS} hints, each some text")
    name = raw.get("name", "")
    if kind == "python":
        if not isinstance(name, str) or not name.isidentifier():
            raise fail("name", "a Python exercise names the class or function to write")
        for field in ("starter", "solution"):
            _defines(raw[field], name, fail, field)
    elif name:
        raise fail("name", "only Python exercises name a definition")
    ordered = raw.get("ordered", False)
    if not isinstance(ordered, bool):
        raise fail("ordered", "must be true or false")
    cases = harness.CASES.get(ident, [])
    if len(cases) < MIN_CASES:
        raise fail("checks", f"has {len(cases)} check cases; it needs at least {MIN_CASES}")
    return Exercise(
        id=ident,
        title=raw["title"].strip(),
        kind=kind,
        topic=raw["topic"],
        level=raw["level"],
        minutes=minutes,
        task=raw["task"].strip(),
        interface=raw["interface"].rstrip(),
        examples=raw["examples"].rstrip(),
        starter=raw["starter"].rstrip() + "\n",
        hints=tuple(h.strip() for h in hints),
        solution=raw["solution"].rstrip() + "\n",
        explanation=raw["explanation"].strip(),
        name=name,
        ordered=ordered,
        source=file,
    )


def _defines(code: str, name: str, fail, field: str) -> None:
    """Check that `code` compiles and defines `name` at the top level."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise fail(field, f"is not valid Python (line {exc.lineno}: {exc.msg})") from None
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    }
    if name not in defined:
        raise fail(field, f"does not define {name}")
