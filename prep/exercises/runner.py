"""Check a learner's solution to an exercise: set it up, run its cases safely, report.

A Python solution is the class or function the learner wrote (or its source text, as the
mock interview's code box gives it); a SQL solution is the query text. `solution_source`
finds the code to save with the attempt: the whole notebook cell that defined the class
or function, comments and helpers included, exactly as typed.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import os
from collections.abc import Sequence
from typing import Any

from ..models import Exercise
from . import sandbox
from .harness import CASES, Case
from .report import CaseResult, CheckReport
from .sandbox import Outcome, _SolutionProblem

SOURCE_FILE = "<your solution>"


def check(exercise: Exercise, solution: Any, *, cases: Sequence[Case] | None = None) -> CheckReport:
    """Run every case of `exercise` against `solution` and report what happened."""
    cases = tuple(CASES.get(exercise.id, ()) if cases is None else cases)
    try:
        outcomes, problem = sandbox.run(cases, _preparer(exercise, solution))
    except _SolutionProblem as early:  # found before anything ran
        outcomes, problem = [], str(early)
    results = [CaseResult(c.name, o) for c, o in zip(cases, outcomes, strict=False)]
    why = "not run: your code could not be set up" if problem else ""
    results += [CaseResult(c.name, Outcome("not-run", error=why)) for c in cases[len(results) :]]
    return CheckReport(exercise.id, exercise.title, exercise.kind, tuple(results), problem)


def _preparer(exercise: Exercise, solution: Any):
    if exercise.kind == "sql":
        if not isinstance(solution, str):
            raise _SolutionProblem(
                f'pass your query as text, in quotes: prep.check("{exercise.id}", """SELECT ...""")'
            )
        if not solution.strip():
            raise _SolutionProblem("the query is empty: write it between the quotes")
        return lambda: solution
    wants_class = _defines_class(exercise)
    what = "class" if wants_class else "function"
    if isinstance(solution, str):
        if not solution.strip():
            raise _SolutionProblem(f"there is no code yet: write the {what} {exercise.name}")
        try:
            code = compile(solution, SOURCE_FILE, "exec")
        except SyntaxError as exc:
            raise _SolutionProblem(
                f"your code is not valid Python: line {exc.lineno}: {exc.msg}"
            ) from None
        lines = solution.splitlines(keepends=True)
        linecache.cache[SOURCE_FILE] = (len(solution), None, lines, SOURCE_FILE)

        def from_text() -> Any:
            namespace: dict[str, Any] = {"__name__": "__solution__"}
            exec(code, namespace)  # in the sandbox: a loop or a crash here is caught there
            if exercise.name not in namespace:
                raise _SolutionProblem(f"your code does not define {exercise.name}")
            return namespace[exercise.name]

        return from_text
    if solution is None:
        raise _SolutionProblem(f'pass your {what}: prep.check("{exercise.id}", {exercise.name})')
    if wants_class and not inspect.isclass(solution):
        raise _SolutionProblem(
            f"pass the class itself, {exercise.name}, not "
            f"{'an instance of it' if not callable(solution) else 'a function'}: "
            f'prep.check("{exercise.id}", {exercise.name})'
        )
    if not wants_class and (inspect.isclass(solution) or not callable(solution)):
        raise _SolutionProblem(
            f'pass the function itself, {exercise.name}: prep.check("{exercise.id}", '
            f"{exercise.name}) (no brackets after it)"
        )
    return lambda: solution


def _defines_class(exercise: Exercise) -> bool:
    for node in ast.parse(exercise.solution).body:
        if isinstance(node, ast.ClassDef) and node.name == exercise.name:
            return True
    return False


def solution_source(solution: Any) -> str:
    """The code to save with an attempt: query text, or the cell that defined the object."""
    if isinstance(solution, str):
        return solution
    filename = _code_file(solution)
    if filename:
        lines = linecache.getlines(filename)
        if lines and not os.path.exists(filename):  # a notebook cell: keep all of it
            return "".join(lines)
    try:
        return inspect.getsource(solution)
    except (OSError, TypeError):
        name = getattr(solution, "__name__", type(solution).__name__)
        return f"# the source of {name} could not be found; it was checked as an object\n"


def _code_file(solution: Any) -> str:
    target = solution
    if inspect.isclass(solution):
        for value in vars(solution).values():
            value = getattr(value, "__func__", value)  # staticmethod, classmethod
            value = getattr(value, "fget", value)  # property
            if inspect.isfunction(value) and value.__qualname__.startswith(solution.__qualname__):
                target = value
                break
        else:
            return ""
    code = getattr(inspect.unwrap(target), "__code__", None) if callable(target) else None
    return code.co_filename if code is not None else ""
