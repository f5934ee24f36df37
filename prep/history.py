"""`HistoryStore`: the practice history CSV, written safely and read tolerantly.

Writing (see shared/reliability-cases.md): the whole row is encoded first, then appended
with one `write` under a cross-process lock, checked for a short write and fsynced; on any
error the file is truncated back to its old length and `HistoryWriteError` says why in
plain words. Creating the file goes through a temp file, fsync and an atomic replace, and
the file is owner-only (0600). Saving costs the same at 100,000 rows as at 10: the store
checks the file once per process and afterwards only the bytes other writers appended.

Reading never mutates the file: every column is read as text and the few typed columns
are converted here, so an answer "NaN" or "0012" loads as written. Rows that cannot be
trusted (a record torn by a crash, a hand-edited line) are skipped and reported with
their line numbers while good rows load.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import io
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import filelock
import pandas as pd

from .errors import HistoryEncodingError, HistoryError, HistoryLockedError, HistoryWriteError
from .models import Attempt

SCHEMA_VERSION = "1"
COLUMNS = (
    "attempt_id",
    "recorded_at",
    "item_id",
    "mode",
    "answer",
    "seconds",
    "confidence",
    "schema_version",
)
# The answer is deliberately not the last column: a record torn inside the answer then
# always lacks fields, so it can never pass for a complete row.
REQUIRED = ("attempt_id", "recorded_at", "item_id", "answer")
TEXT_COLUMNS = ("attempt_id", "item_id", "mode", "answer", "schema_version")
INT_COLUMNS = ("seconds", "confidence")
DTYPES = {
    "attempt_id": "string",
    "recorded_at": "datetime64[ns, UTC]",
    "item_id": "string",
    "mode": "string",
    "answer": "string",
    "seconds": "Int64",
    "confidence": "Int64",
    "schema_version": "string",
}
CONFIDENCE_RANGE = (1, 5)
SPREADSHEET_CELL_LIMIT = 32_767
LOCK_TIMEOUT_SECONDS = 5.0
_LINE_END = "\r\n"
_TAIL_PROBE = 64

# csv's default limit (131,072 characters) is far below a long pasted answer.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Problem:
    """A part of the history file that was not loaded, and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class HistoryReport:
    """What `HistoryStore.read` found: the trusted rows and the problems with the rest."""

    frame: pd.DataFrame
    problems: tuple[Problem, ...] = ()
    error: str = ""  # set when the file could not be read at all


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[c]) for c in COLUMNS})


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def encode_row(values: dict[str, str], columns: tuple[str, ...]) -> bytes:
    """Encode one record in the file's column order: every field quoted, UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=_LINE_END)
    writer.writerow([values.get(c, "") for c in columns])
    return buffer.getvalue().encode("utf-8")


def attempt_fields(attempt: Attempt) -> dict[str, str]:
    fields = {
        "attempt_id": attempt.attempt_id,
        "recorded_at": attempt.recorded_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "item_id": attempt.item_id,
        "mode": attempt.mode,
        "answer": attempt.answer,
        "seconds": "" if attempt.seconds is None else str(int(attempt.seconds)),
        "confidence": "" if attempt.confidence is None else str(int(attempt.confidence)),
        "schema_version": SCHEMA_VERSION,
    }
    fields.update(attempt.extra)
    return fields


def explain_os_error(exc: OSError, path: Path) -> str:
    """Say in plain words why the history could not be written."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "your disk quota is used up",
        errno.EFBIG: "the file has reached the largest size this system allows",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: f"you do not have permission to write to {path}",
        errno.EPERM: f"you do not have permission to write to {path}",
        errno.EIO: "the disk reported an error while saving",
        errno.ENOENT: f"the folder {path.parent} does not exist",
        errno.ENOTDIR: f"{path.parent} is not a folder (PREP_DATA_DIR should name a folder)",
    }
    reason = reasons.get(exc.errno or -1) or (exc.strerror or str(exc)).rstrip(".").lower()
    return reason


@dataclass
class _FileState:
    """What the store last verified about the file's bytes, to check only new ones later."""

    dev: int
    ino: int
    size: int
    columns: tuple[str, ...]
    in_quotes: bool
    ends_with_newline: bool
    tail: bytes
    cut_char: int = 0


class HistoryStore:
    """The practice history: one CSV, appended to safely, read tolerantly."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.clock = clock
        self._state: _FileState | None = None

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    # ---- writing -------------------------------------------------------------------------

    def record(
        self,
        item_id: str,
        answer: str,
        *,
        mode: str = "practice",
        seconds: float | None = None,
        confidence: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> Attempt:
        """Append one attempt and return it; raise `HistoryWriteError` if it was not saved."""
        if not item_id:
            raise ValueError("item_id is empty")
        if confidence is not None and not CONFIDENCE_RANGE[0] <= confidence <= CONFIDENCE_RANGE[1]:
            raise ValueError(f"confidence must be 1-5, got {confidence}")
        attempt = Attempt(
            attempt_id=uuid.uuid4().hex,
            recorded_at=self.clock(),
            item_id=item_id,
            answer=answer,
            mode=mode,
            seconds=None if seconds is None else max(0, round(seconds)),
            confidence=confidence,
            extra=dict(extra or {}),
        )
        fields = attempt_fields(attempt)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with filelock.FileLock(self.lock_path, timeout=self.lock_timeout):
                self._create_if_missing()
                self._append(fields)
        except filelock.Timeout:
            raise HistoryLockedError(
                "another notebook is saving to your practice history right now and did not "
                f"finish within {self.lock_timeout:g} seconds. Press Save again in a moment."
            ) from None
        except HistoryWriteError:
            raise
        except OSError as exc:
            raise HistoryWriteError(explain_os_error(exc, self.path)) from exc
        return attempt

    def _create_if_missing(self) -> None:
        try:
            if self.path.stat().st_size > 0:
                return
        except FileNotFoundError:
            pass
        header = encode_row({c: c for c in COLUMNS}, COLUMNS)
        atomic_write(self.path, header)
        self._state = None

    def _append(self, fields: dict[str, str]) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            state = self._verify(fd)
            row = encode_row(fields, state.columns)
            start = state.size
            trimmed = b""
            if state.cut_char:  # a crash split a character: drop its bytes so the file stays UTF-8
                start -= state.cut_char
                trimmed = os.pread(fd, state.cut_char, start)
                os.ftruncate(fd, start)
            if state.in_quotes:  # a record torn by a crash: close it so ours stands alone
                row = b'"' + _LINE_END.encode() + row
            elif not state.ends_with_newline:
                row = _LINE_END.encode() + row
            try:
                written = os.write(fd, row)
                if written != len(row):
                    raise OSError(errno.ENOSPC, "short write")
                os.fsync(fd)
            except BaseException:
                self._state = None
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                    if trimmed:
                        os.write(fd, trimmed)
                    os.fsync(fd)
                raise
            state.size = start + len(row)
            state.in_quotes = False
            state.ends_with_newline = True
            state.cut_char = 0
            state.tail = (state.tail + row)[-_TAIL_PROBE:]
        finally:
            os.close(fd)

    def _verify(self, fd: int) -> _FileState:
        """Check the file can take an append: UTF-8, our header, where its last record ends.

        The whole file is read once per process; after that only what other writers
        appended since, so a save stays O(1) in the size of the history.
        """
        st = os.fstat(fd)
        state = self._state
        reusable = (
            state is not None
            and (state.dev, state.ino) == (st.st_dev, st.st_ino)
            and st.st_size >= state.size
            and os.pread(fd, len(state.tail), state.size - len(state.tail)) == state.tail
        )
        if not reusable:
            head = os.pread(fd, 65536, 0)
            columns = _header_columns(head, self.path)
            state = _FileState(st.st_dev, st.st_ino, 0, columns, False, True, b"")
        decoder = codecs.getincrementaldecoder("utf-8-sig" if state.size == 0 else "utf-8")()
        offset, in_quotes, last = state.size, state.in_quotes, b""
        while offset < st.st_size:
            chunk = os.pread(fd, min(1 << 20, st.st_size - offset), offset)
            if not chunk:
                break
            try:
                decoder.decode(chunk, final=offset + len(chunk) >= st.st_size)
            except UnicodeDecodeError as exc:
                cut = _incomplete_tail(chunk)
                if not (cut and exc.reason == "unexpected end of data"):
                    raise HistoryEncodingError(encoding_message(self.path)) from None
                state.cut_char = cut
            in_quotes ^= chunk.count(b'"') % 2 == 1
            offset += len(chunk)
            last = chunk
        if offset > state.size:
            state.tail = (state.tail + last)[-_TAIL_PROBE:]
            state.ends_with_newline = last.endswith(b"\n")
        state.size, state.in_quotes = offset, in_quotes
        self._state = state
        return state

    # ---- reading -------------------------------------------------------------------------

    def read(self) -> HistoryReport:
        """Load every trusted row, typed, with a list of what was skipped and why."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return HistoryReport(empty_frame())
        except OSError as exc:
            raise HistoryError(
                f"could not read {self.path}: {explain_os_error(exc, self.path)}"
            ) from exc
        return parse_history(raw, self.path)

    def load(self) -> pd.DataFrame:
        """Return the history as a typed DataFrame (see `DTYPES`), oldest first."""
        return self.read().frame


def encoding_message(path: Path) -> str:
    return (
        f"your practice history ({path}) is not UTF-8 text; a spreadsheet probably re-saved it "
        "in another encoding. Open it in the spreadsheet and save it again as "
        "'CSV UTF-8 (comma delimited)', then run this cell again. Nothing has been added to the "
        "file meanwhile."
    )


def _header_columns(head: bytes, path: Path) -> tuple[str, ...]:
    try:
        first = head.split(b"\n", 1)[0].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise HistoryEncodingError(encoding_message(path)) from None
    columns = tuple(next(csv.reader([first]), []))
    missing = [c for c in COLUMNS if c not in columns]
    if missing or len(set(columns)) != len(columns):
        raise HistoryWriteError(
            f"the first line of {path} is not the practice-history header "
            f"(missing: {', '.join(missing) or 'none'}; a spreadsheet may have changed it). "
            "Nothing was added to the file; restore the header or move the file aside."
        )
    return columns


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: temp file, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, "short write")
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# ---- parsing ---------------------------------------------------------------------------


def parse_history(raw: bytes, path: Path) -> HistoryReport:
    """Turn the file's bytes into typed rows plus problems; never raises on bad rows."""
    text = _decode(raw, path)
    if not text.strip():
        return HistoryReport(empty_frame())
    fast = _parse_fast(text)
    if fast is not None:
        return HistoryReport(fast)
    return _parse_slow(text)


def _decode(raw: bytes, path: Path) -> str:
    """Decode UTF-8 (with or without a BOM); a character cut off at the very end is a tear."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.end == len(raw) and exc.reason == "unexpected end of data":
            return raw[: exc.start].decode("utf-8-sig")
        raise HistoryEncodingError(encoding_message(path)) from None


def _incomplete_tail(data: bytes) -> int:
    """Count the bytes of a UTF-8 character cut off at the end of `data` (0 to 3)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the character starts here
            needed = (
                2
                if byte >> 5 == 0b110
                else 3
                if byte >> 4 == 0b1110
                else 4
                if byte >> 3 == 0b11110
                else 1
            )
            return back if needed > back else 0
    return 0


def _parse_fast(text: str) -> pd.DataFrame | None:
    """Read a clean file with pandas' C parser; None means "not clean, take the slow path".

    pandas pads a short row with empty strings instead of failing, so a file is only
    trusted here when it ends with a line break and every row carries its
    `schema_version` (always the last field we write, so padding would leave it empty).
    """
    if not text.endswith("\n"):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            engine="c",
            on_bad_lines="error",
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    columns = [str(c) for c in frame.columns]
    if any(c not in columns for c in COLUMNS) or len(set(columns)) != len(columns):
        return None
    if frame.isna().to_numpy().any() or (frame["schema_version"] == "").any():
        return None
    frame, bad = _typed(frame)
    return None if bad.any() else frame


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Split the text into (first physical line, fields) records."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out = []
    start = 1
    for row in reader:
        out.append((start, row))
        start = reader.line_num + 1
    return out


_TORN = "the last record is incomplete (saving was interrupted); skipped"


def _parse_slow(text: str) -> HistoryReport:
    """Read record by record, keeping good rows and reporting the rest by line number."""
    problems: list[Problem] = []
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "attempt_id" in first_line and first_line.count(";") > first_line.count(","):
        delimiter = ";"
        problems.append(Problem(1, "the file uses ';' between fields; re-save it with commas"))
    records = _records(text, delimiter)
    torn_line = None
    if records and text.count('"') % 2 == 1:  # a crash left the last record inside quotes
        torn_line = records.pop()[0]
    records = [(line, row) for line, row in records if any(f.strip() for f in row)]
    if not records:
        if torn_line:
            problems.append(Problem(torn_line, _TORN))
        return HistoryReport(empty_frame(), tuple(problems))
    header_line, header = records[0]
    header = [c.strip() for c in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing or len(set(header)) != len(header):
        problems.append(
            Problem(
                header_line,
                "the first line is not the practice-history header "
                f"(missing: {', '.join(missing) or 'none'}; duplicated names?); nothing loaded",
            )
        )
        return HistoryReport(empty_frame(), tuple(problems))

    rows: list[list[str]] = []
    lines: list[int] = []
    last = len(records) - 1
    # every row we write ends in a non-empty schema_version; empty means the row was cut short
    versioned = header.index("schema_version") + 1 if "schema_version" in header else 0
    for index, (line, row) in enumerate(records[1:], 1):
        if [f.strip() for f in row] == header:
            problems.append(Problem(line, "a repeated header line; skipped"))
        elif len(row) != len(header) or (versioned and not row[versioned - 1]):
            if index == last and len(row) <= len(header) and not text.endswith("\n"):
                problems.append(Problem(line, _TORN))
            else:
                problems.append(Problem(line, _field_count_message(row, header)))
        else:
            rows.append(row)
            lines.append(line)
    if torn_line:
        problems.append(Problem(torn_line, _TORN))
    if not rows:
        return HistoryReport(empty_frame(), tuple(problems))
    frame, bad = _typed(pd.DataFrame(rows, columns=header, dtype=object))
    if bad.any():
        for position in bad.to_numpy().nonzero()[0]:
            problems.append(Problem(lines[position], _describe_bad(rows[position], header)))
        frame = frame[~bad.to_numpy()].reset_index(drop=True)
    problems.sort(key=lambda p: p.line)
    return HistoryReport(frame, tuple(problems))


def _field_count_message(row: list[str], header: list[str]) -> str:
    if len(row) == len(header):
        return "schema_version is empty, so the row may be cut short; skipped"
    return f"has {len(row)} fields where the header has {len(header)}; skipped"


def _describe_bad(row: list[str], header: list[str]) -> str:
    values = dict(zip(header, row, strict=True))
    for column in ("attempt_id", "item_id"):
        if not values.get(column, "").strip():
            return f"{column} is empty; skipped"
    stamp = values.get("recorded_at", "")
    if _to_times(pd.Series([stamp])).isna().iloc[0]:
        return f"recorded_at {stamp!r} is not an ISO 8601 time; skipped"
    for column in INT_COLUMNS:
        value = values.get(column, "")
        if value and _to_ints(pd.Series([value]), column).isna().iloc[0]:
            return f"{column} {value!r} is not a valid number; skipped"
    return "has a value that could not be read; skipped"


def _to_times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")


def _to_ints(values: pd.Series, column: str) -> pd.Series:
    numbers = pd.to_numeric(values.where(values != "", None), errors="coerce")
    whole = numbers.where(numbers.isna() | (numbers == numbers.round()))
    if column == "confidence":
        low, high = CONFIDENCE_RANGE
        whole = whole.where(whole.isna() | whole.between(low, high))
    else:
        whole = whole.where(whole.isna() | (whole >= 0))
    return whole.astype("Int64")


def _typed(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Convert the text frame to `DTYPES`; return it with a mask of rows that failed."""
    frame = frame.copy()
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    bad = pd.Series(False, index=frame.index)
    for column in ("attempt_id", "item_id"):
        bad |= frame[column].str.strip() == ""
    bad |= frame["attempt_id"] == "attempt_id"  # a repeated header
    times = _to_times(frame["recorded_at"]).dt.as_unit("ns")
    bad |= times.isna()
    out = {}
    for column in frame.columns:
        if column == "recorded_at":
            out[column] = times
        elif column in INT_COLUMNS:
            numbers = _to_ints(frame[column], column)
            bad |= numbers.isna() & (frame[column] != "")
            out[column] = numbers
        else:
            out[column] = frame[column].astype("string")
    ordered = [*COLUMNS, *(c for c in frame.columns if c not in COLUMNS)]
    typed = pd.DataFrame(out)[ordered]
    typed.loc[typed["mode"] == "", "mode"] = "practice"
    return typed, bad


def attempts_from_frame(frame: pd.DataFrame) -> list[Attempt]:
    """Turn typed history rows into `Attempt` records, in file order."""
    known = set(COLUMNS)
    extras = [c for c in frame.columns if c not in known]
    out = []
    for row in frame.itertuples(index=False):
        values = row._asdict()
        out.append(
            Attempt(
                attempt_id=values["attempt_id"],
                recorded_at=values["recorded_at"].to_pydatetime(),
                item_id=values["item_id"],
                answer=values["answer"],
                mode=values["mode"],
                seconds=None if pd.isna(values["seconds"]) else int(values["seconds"]),
                confidence=None if pd.isna(values["confidence"]) else int(values["confidence"]),
                extra={c: values[c] for c in extras if isinstance(values[c], str)},
            )
        )
    return out
