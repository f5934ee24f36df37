"""How the learner is doing on the coding and SQL exercises: pure summaries of the history.

One row per exercise: how many checks, whether and when it first passed, how long that
took, the last result and the code that passed last. "Time to first pass" runs from when
the learner opened the exercise (the first check's time less the seconds it records
since the exercise was shown) to the first check that passed every test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ..models import Exercise
from ..practice.schedule import EXERCISE_MODE, SOLUTION_MODE


@dataclass(frozen=True)
class ExerciseStat:
    """One exercise's record in the history."""

    exercise: Exercise
    checks: int = 0
    passed: bool = False
    first_pass: datetime | None = None
    checks_to_first_pass: int | None = None
    time_to_first_pass: float | None = None  # seconds
    last_check: datetime | None = None
    last_passed: int | None = None
    last_run: int | None = None
    solution_shown: bool = False  # the model solution was opened before a pass
    passing_code: str = ""  # the latest code that passed every test
    hints_before_pass: int | None = None

    @property
    def status(self) -> str:
        if self.checks == 0:
            return "not tried" if not self.solution_shown else "solution seen"
        if self.passed:
            return "passed"
        return "not passed yet"

    @property
    def last_result(self) -> str:
        if self.last_run is None:
            return "—"
        return f"{self.last_passed or 0} of {self.last_run} tests"


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def exercise_stats(history: pd.DataFrame, exercises: Sequence[Exercise]) -> list[ExerciseStat]:
    """Every exercise's record, in the order given (a typed history frame, any order)."""
    ids = [e.id for e in exercises]
    if history.empty or "mode" not in history:
        return [ExerciseStat(e) for e in exercises]
    mine = history[history["item_id"].isin(ids) & history["mode"].isin(_MODES)]
    mine = mine.sort_values("recorded_at", kind="stable")
    grouped = {key: rows for key, rows in mine.groupby("item_id", sort=False)}
    return [_stat(e, grouped.get(e.id)) for e in exercises]


_MODES = (EXERCISE_MODE, SOLUTION_MODE)


def _column(rows: pd.DataFrame, name: str) -> list:
    return rows[name].tolist() if name in rows else [None] * len(rows)


def _stat(exercise: Exercise, rows: pd.DataFrame | None) -> ExerciseStat:
    if rows is None or rows.empty:
        return ExerciseStat(exercise)
    checks = rows[rows["mode"] == EXERCISE_MODE]
    shown_early = False
    first_pass = None
    count_to_pass = None
    hints_before = None
    passing_code = ""
    seen_checks = 0
    for mode, when, answer, passed, run, hints in zip(
        rows["mode"].tolist(),
        rows["recorded_at"].tolist(),
        rows["answer"].tolist(),
        _column(rows, "tests_passed"),
        _column(rows, "tests_run"),
        _column(rows, "hints_used"),
        strict=True,
    ):
        if mode == SOLUTION_MODE:
            if first_pass is None:
                shown_early = True
            continue
        seen_checks += 1
        ok = _int(run) and _int(passed) == _int(run)
        if ok:
            passing_code = str(answer)
            if first_pass is None:
                first_pass, count_to_pass, hints_before = when, seen_checks, _int(hints)
    if checks.empty:
        return ExerciseStat(exercise, solution_shown=shown_early)
    first = checks.iloc[0]
    last = checks.iloc[-1]
    took = None
    if first_pass is not None:
        start = first["recorded_at"]
        if not pd.isna(first.get("seconds", pd.NA)):
            start = start - pd.Timedelta(seconds=int(first["seconds"]))
        took = max(0.0, (first_pass - start).total_seconds())
    return ExerciseStat(
        exercise,
        checks=len(checks),
        passed=first_pass is not None,
        first_pass=None if first_pass is None else first_pass.to_pydatetime(),
        checks_to_first_pass=count_to_pass,
        time_to_first_pass=took,
        last_check=last["recorded_at"].to_pydatetime(),
        last_passed=_int(last.get("tests_passed")),
        last_run=_int(last.get("tests_run")),
        solution_shown=shown_early,
        passing_code=passing_code,
        hints_before_pass=hints_before,
    )


def duration_words(seconds: float | None) -> str:
    """`25 min`, `3 h 10 min`, `2 days`: a time to first pass for a table cell."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days = round(hours / 24)
    return f"{days} day{'s' if days != 1 else ''}"


def latest_is_pass(stat: ExerciseStat) -> bool:
    """The latest check passed every test (opening the solution then is not being stuck)."""
    return stat.last_run is not None and stat.last_run > 0 and stat.last_passed == stat.last_run
