"""What an exercise's checks are written with: cases, expectations, fakes. No I/O.

A check is a list of cases, each a plain function that receives the learner's solution
(their class or function for a Python exercise, their query text for SQL) and either
returns (passed) or raises `Mismatch` saying, in plain words, what was expected and
what came back. Anything else the learner's code raises is reported by the runner as
their own error, with their own line (see `prep.exercises.sandbox`).

    @case("lru-cache", "get returns None for a key never stored")
    def _(LRUCache):
        cache = LRUCache(2)
        expect("get('x') on an empty cache", cache.get("x"), None)

Cases are registered in the order they are defined; that is the order the report lists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

MISSING: Any = object()  # "not given": a Mismatch without an expected or a got value


@dataclass(frozen=True)
class Rows:
    """A query's result as shown in a report: column names and rows (capped by the runner)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool = False  # more rows came back than are kept here


@dataclass(frozen=True)
class Table:
    """The learner's rows beside the expected ones, for a SQL case's report."""

    got: Rows
    expected: Rows
    ordered: bool = False  # row order was part of the check


class Mismatch(Exception):
    """A case failed: `what` was checked, `expected` was wanted, `got` came back.

    `note` is one sentence of help aimed at the likely mistake ("the key read most
    recently must survive an eviction"). `table` carries SQL rows to show side by side.
    """

    def __init__(
        self,
        what: str,
        expected: Any = MISSING,
        got: Any = MISSING,
        *,
        note: str = "",
        table: Table | None = None,
    ) -> None:
        self.what, self.expected, self.got, self.note, self.table = (
            what,
            expected,
            got,
            note,
            table,
        )
        super().__init__(what)


@dataclass(frozen=True)
class Case:
    """One test of an exercise: its name in the report and the function that runs it."""

    exercise_id: str
    name: str
    run: Callable[[Any], Any]  # returns None or Rows (shown for a passing SQL case)


CASES: dict[str, list[Case]] = {}


def case(exercise_id: str, name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register the decorated function as the next case of `exercise_id`."""

    def register(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
        CASES.setdefault(exercise_id, []).append(Case(exercise_id, name, function))
        return function

    return register


def same(got: Any, expected: Any, *, tolerance: float = 1e-6) -> bool:
    """Equal, with floats compared to within `tolerance` (also inside lists, tuples, dicts)."""
    if isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, list | tuple) and isinstance(got, list | tuple):
        return (
            type(got) is type(expected)
            and len(got) == len(expected)
            and all(same(g, e, tolerance=tolerance) for g, e in zip(got, expected, strict=True))
        )
    if isinstance(expected, dict) and isinstance(got, dict):
        return got.keys() == expected.keys() and all(
            same(got[k], v, tolerance=tolerance) for k, v in expected.items()
        )
    try:
        return (bool(got == expected) and type(got) is type(expected)) or _loosely(got, expected)
    except Exception:  # a learner's object whose == raises or returns something odd
        return False


def _loosely(got: Any, expected: Any) -> bool:
    # True == 1 and 1 == 1.0 in Python; a check asking for True accepts only a bool
    if isinstance(expected, bool) or isinstance(got, bool):
        return False
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return got == expected
    return False


def expect(what: str, got: Any, expected: Any, *, note: str = "") -> None:
    """Raise `Mismatch` unless `got` is `expected` (see `same`)."""
    if not same(got, expected):
        raise Mismatch(what, expected, got, note=note)


def expect_true(what: str, condition: bool, *, note: str = "", got: Any = MISSING) -> None:
    """Raise `Mismatch(what)` unless `condition` holds; `what` says what should be true."""
    if not condition:
        raise Mismatch(what, got=got, note=note)


def expect_raises(
    what: str, call: Callable[[], Any], errors: type[BaseException] | tuple, *, note: str = ""
) -> BaseException:
    """Run `call`; raise `Mismatch` unless it raises one of `errors`. Return what it raised."""
    try:
        result = call()
    except errors as exc:
        return exc
    names = errors.__name__ if isinstance(errors, type) else " or ".join(e.__name__ for e in errors)
    raise Mismatch(what, expected=f"it raises {names}", got=result, note=note)


@dataclass
class FakeClock:
    """A clock a test moves by hand: call it for the time in seconds, `advance` to move on."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Recorder:
    """A stand-in for `time.sleep` (or any callback) that remembers what it was called with."""

    calls: list[Any] = field(default_factory=list)

    def __call__(self, *args: Any) -> None:
        self.calls.append(args[0] if len(args) == 1 else args)


def describe_call(name: str, args: Sequence[Any] = (), kwargs: dict | None = None) -> str:
    """`retry(func, 3, 0.1, sleep)` style text for a report line."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in (kwargs or {}).items()]
    return f"{name}({', '.join(parts)})"
