"""Run an exercise's cases against the learner's code where a mistake cannot hurt the notebook.

The cases run in a child process forked from the kernel, so the learner's class or function
is there as it is, with no need for its source. The child gets a memory cap (`MEMORY_MB`
above what the kernel already uses), its printed output is kept only up to a limit, and
each case gets `CASE_SECONDS`: past that the child is killed, the case is reported as
"stopped after N s", and the kernel is untouched and ready for the next check. The child
sends each case's outcome back as one line of JSON the moment it is known, so the cases
that finished before an endless loop still count.

Where `os.fork` does not exist (Windows), the cases run in a thread instead: an endless
loop in Python code is still interrupted, but memory is not capped.

An error raised by the learner's code is reported with the line of theirs it came from,
found by walking the traceback to the deepest frame outside this package and outside the
Python installation; an error inside a check itself (their code returned something the
check could not use) is reported as such.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import linecache
import os
import select
import signal
import sys
import sysconfig
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PrepError
from .harness import MISSING, Case, Mismatch, Rows, Table

CASE_SECONDS = 3.0
MEMORY_MB = 512
OUTPUT_CHARS = 2_000  # printed output kept per case
VALUE_CHARS = 300  # the longest repr shown for an expected or returned value
SHOWN_ROWS = 50  # rows of a SQL result kept for the report
SANDBOX_ENV = "PREP_SANDBOX"  # "thread" forces the thread runner (tests use it)

_PACKAGE = str(Path(__file__).resolve().parents[1])
_INSTALLED = tuple(
    {
        str(Path(p).resolve())
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_paths().get(key))
    }
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one case, in plain data (it crosses a process boundary as JSON)."""

    status: str  # passed | failed | error | check-error | timeout | memory | crashed | not-run
    what: str = ""
    expected: str | None = None
    got: str | None = None
    note: str = ""
    error: str = ""  # "KeyError: 'x'"
    line: int | None = None  # the learner's line the error came from
    code: str = ""  # that line's text
    output: str = ""  # what the case printed (capped)
    table: dict | None = None  # Table as plain data
    shown: dict | None = None  # Rows as plain data, for a passing SQL case
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(self.__dict__, default=repr)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        return cls(**json.loads(text))


class _Capped(io.TextIOBase):
    """A stdout stand-in that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit: int = OUTPUT_CHARS) -> None:
        self.limit, self.parts, self.kept, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n… and {self.dropped:,} more characters of printed output, not shown"
        self.parts, self.kept, self.dropped = [], 0, 0
        return text


def short(value: Any, limit: int = VALUE_CHARS) -> str:
    """A value's repr, cut to `limit` characters, never raising."""
    try:
        text = repr(value)
    except Exception as exc:  # a learner's __repr__ that raises
        text = f"<{type(value).__name__} whose repr() raised {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows_data(rows: Rows | None) -> dict | None:
    if rows is None:
        return None
    kept = rows.rows[:SHOWN_ROWS]
    return {
        "columns": list(rows.columns),
        "rows": [[_cell(v) for v in row] for row in kept],
        "truncated": rows.truncated or len(rows.rows) > SHOWN_ROWS,
        "count": len(rows.rows),
    }


def _cell(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str) else short(value)


def _table_data(table: Table | None) -> dict | None:
    if table is None:
        return None
    return {
        "got": _rows_data(table.got),
        "expected": _rows_data(table.expected),
        "ordered": table.ordered,
    }


def learner_frame(tb) -> tuple[int | None, str, str]:
    """The deepest traceback frame in the learner's code: (line, its text, file name)."""
    found = (None, "", "")
    for frame in traceback.extract_tb(tb):
        name = frame.filename
        if _is_learners(name):
            text = frame.line or linecache.getline(name, frame.lineno or 0).strip()
            found = (frame.lineno, text.strip(), name)
    return found


def _is_learners(filename: str) -> bool:
    if filename.startswith("<frozen") or filename.startswith("<string>"):
        return False
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        resolved = filename
    if resolved.startswith(_PACKAGE + os.sep):
        return False
    return not any(resolved.startswith(root + os.sep) for root in _INSTALLED)


def run_one(case: Case, solution: Any, capture: _Capped) -> Outcome:
    """Run one case in this process and describe what happened (never raises, bar BaseException)."""
    start = time.perf_counter()

    def done(status: str, **fields: Any) -> Outcome:
        return Outcome(status, output=capture.take(), seconds=time.perf_counter() - start, **fields)

    try:
        with contextlib.redirect_stdout(capture), contextlib.redirect_stderr(capture):
            shown = case.run(solution)
    except Mismatch as miss:
        return done(
            "failed",
            what=miss.what,
            expected=None if miss.expected is MISSING else short(miss.expected),
            got=None if miss.got is MISSING else short(miss.got),
            note=miss.note,
            table=_table_data(miss.table),
        )
    except MemoryError:
        return done("memory", error=f"MemoryError: used more than {MEMORY_MB} MB of memory")
    except RecursionError as exc:
        line, code, _ = learner_frame(exc.__traceback__)
        return done("error", error=f"RecursionError: {exc}", line=line, code=code)
    except _Stop:
        raise
    except BaseException as exc:  # the learner's code may raise anything, SystemExit too
        line, code, _ = learner_frame(exc.__traceback__)
        error = _error_text(exc)
        if isinstance(exc, PrepError):  # SqlError and the like: already one plain line
            return done("error", error=str(exc))
        return done(
            "error" if line is not None else "check-error", error=error, line=line, code=code
        )
    return done("passed", shown=_rows_data(shown) if isinstance(shown, Rows) else None)


def _error_text(exc: BaseException) -> str:
    message = str(exc)
    name = type(exc).__name__
    if len(message) > 500:
        message = message[:499] + "…"
    return f"{name}: {message}" if message else name


class _Stop(BaseException):
    """Raised into a thread-runner case that ran out of time."""


# ---- the forked child --------------------------------------------------------------------


def _vm_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _child(cases: Sequence[Case], prepare: Callable[[], Any], write_fd: int) -> None:
    """In the forked child: cap memory and output, run the cases, report each as a line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    capture = _Capped()
    sys.stdout = sys.stderr = capture
    sys.stdin = io.StringIO()
    with contextlib.suppress(Exception):
        import resource

        used = _vm_bytes()
        if used is not None:
            limit = used + MEMORY_MB * 1024 * 1024
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard == resource.RLIM_INFINITY or hard > limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    out = os.fdopen(write_fd, "w", encoding="utf-8", buffering=1)
    try:
        solution = prepare()
    except _SolutionProblem as problem:
        out.write(json.dumps({"problem": str(problem)}) + "\n")
        out.flush()
        return
    for case in cases:
        outcome = run_one(case, solution, capture)
        out.write(outcome.to_json() + "\n")
        out.flush()
    out.write(json.dumps({"done": True}) + "\n")
    out.flush()


class _SolutionProblem(Exception):
    """The solution could not even be set up (its text does not compile, say): one line."""


def _forked(
    cases: Sequence[Case], prepare: Callable[[], Any], seconds: float
) -> tuple[list[Outcome], str]:
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded process" (3.12+)
        pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_fd)
            _child(cases, prepare, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    outcomes: list[Outcome] = []
    problem = ""
    buffer = b""
    finished = False
    deadline = time.monotonic() + seconds
    try:
        while not finished:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(read_fd, 65536)
            if not chunk:  # the child exited
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = json.loads(line.decode("utf-8"))
                if "problem" in message:
                    problem, finished = message["problem"], True
                elif message.get("done"):
                    finished = True
                else:
                    outcomes.append(Outcome(**message))
                    deadline = time.monotonic() + seconds
    finally:
        os.close(read_fd)
        status = _reap(pid, finished)
    if not finished and not problem and len(outcomes) < len(cases):
        outcomes.append(_ended(status, seconds))
    return outcomes, problem


def _reap(pid: int, finished: bool) -> int | None:
    """Wait for the child (killing it unless it finished); its wait status, None if killed by us."""
    if finished:
        for _ in range(100):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.01)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return None if not os.WIFEXITED(status) and os.WTERMSIG(status) == signal.SIGKILL else status


def _ended(status: int | None, seconds: float) -> Outcome:
    if status is None:
        return Outcome(
            "timeout",
            error=f"stopped after {seconds:g} s: your code was still running (an endless loop, "
            "or far too slow for this input)",
        )
    if os.WIFSIGNALED(status):
        return Outcome(
            "crashed",
            error=f"the check stopped unexpectedly (signal {os.WTERMSIG(status)}); "
            f"your code may have used more than {MEMORY_MB} MB of memory",
        )
    return Outcome("crashed", error="your code ended the check early (did it call os._exit?)")


# ---- the thread runner (no fork) ---------------------------------------------------------


def _threaded(
    cases: Sequence[Case], prepare: Callable[[], Any], seconds: float
) -> tuple[list[Outcome], str]:
    outcomes: list[Outcome] = []
    capture = _Capped()
    try:
        with contextlib.redirect_stdout(capture):
            solution = prepare()
    except _SolutionProblem as problem:
        return outcomes, str(problem)
    for case in cases:
        box: list[Outcome] = []
        worker = threading.Thread(
            target=lambda c=case, b=box: b.append(_guarded(c, solution, capture))
        )
        worker.daemon = True
        worker.start()
        worker.join(seconds)
        if worker.is_alive():
            _interrupt(worker)
            worker.join(0.5)
            outcomes.append(_ended(None, seconds))
            capture.take()
            break
        outcomes.append(box[0])
    return outcomes, ""


def _guarded(case: Case, solution: Any, capture: _Capped) -> Outcome:
    try:
        return run_one(case, solution, capture)
    except _Stop:
        return _ended(None, CASE_SECONDS)


def _interrupt(thread: threading.Thread) -> None:
    """Raise `_Stop` inside `thread` at its next Python instruction."""
    ident = thread.ident
    if ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(_Stop))


# ---- the entry point ---------------------------------------------------------------------


def mode() -> str:
    """ "fork" where the platform has it (Linux, macOS), else "thread"; PREP_SANDBOX overrides."""
    wanted = os.environ.get(SANDBOX_ENV, "")
    if wanted in ("fork", "thread"):
        return wanted if wanted == "thread" or hasattr(os, "fork") else "thread"
    return "fork" if hasattr(os, "fork") and sys.platform != "win32" else "thread"


def run(
    cases: Sequence[Case],
    prepare: Callable[[], Any],
    *,
    seconds: float = CASE_SECONDS,
) -> tuple[list[Outcome], str]:
    """Run `cases` on what `prepare()` returns; outcomes in order, and a setup problem or ''.

    Fewer outcomes than cases means the run stopped early (the last outcome says why); the
    caller reports the rest as not run.
    """
    runner = _forked if mode() == "fork" else _threaded
    return runner(cases, prepare, seconds)
