"""The history file's format: its columns version by version, and parsing its bytes.

A row is one CSV record, every field quoted, UTF-8, CRLF (`encode_row`). Parsing never
mutates anything and never raises on a bad row: every column is read as text and the few
typed columns are converted here, so an answer "NaN" or "0012" loads as written. Rows
that cannot be trusted (a record torn by a crash, a hand-edited line) are skipped and
reported with their line numbers while good rows load, and rows whose check no longer
matches (see `prep.integrity`) load and are named in `HistoryReport.changes`.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import HistoryEncodingError, HistoryWriteError
from ..models import Attempt
from . import integrity
from .integrity import CHECK_COLUMN, Change


@dataclass(frozen=True)
class Schema:
    """The history's columns, version by version.

    A version only ever adds columns, after all earlier ones, so a row written by an
    older workbook is a prefix of today's: it still loads, and its bytes are never
    rewritten. Each row names the version that wrote it in `schema_version`, which is
    how a short old row is told apart from a row cut short by a crash.
    """

    versions: tuple[tuple[str, tuple[str, ...]], ...]  # (version, columns it added)

    @property
    def version(self) -> str:
        return self.versions[-1][0]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for _, added in self.versions for c in added)

    def added_after(self, version: str) -> frozenset[str] | None:
        """Columns that rows of `version` lack; None for a version this workbook never wrote."""
        names = [v for v, _ in self.versions]
        if version not in names:
            return None
        return frozenset(c for _, added in self.versions[names.index(version) + 1 :] for c in added)

    def file_version(self, header: tuple[str, ...]) -> str | None:
        """The newest version whose columns the header has, all of them; None if not even 1."""
        found = None
        have = set(header)
        for version, added in self.versions:
            if not have.issuperset(added):
                break
            found = version
        return found


SCHEMA = Schema(
    (
        (
            "1",
            (
                "attempt_id",
                "recorded_at",
                "item_id",
                "mode",
                "answer",
                "seconds",
                "confidence",
                "schema_version",
            ),
        ),
        # the answer coach's headline figures for question attempts (blank for tips)
        ("2", ("coverage", "word_count", "fillers_per_100", "star_elements")),
        # a check of the row's fields, so changes made outside the workbook are named
        ("3", (CHECK_COLUMN,)),
        # coding and SQL exercises: the tests a check passed and ran, and the help used first
        ("4", ("tests_passed", "tests_run", "hints_used", "solution_shown")),
    )
)
SCHEMA_VERSION = SCHEMA.version
COLUMNS = SCHEMA.columns
REQUIRED = ("attempt_id", "recorded_at", "item_id", "answer")
TEXT_COLUMNS = ("attempt_id", "item_id", "mode", "answer", "schema_version", CHECK_COLUMN)
INT_COLUMNS = ("seconds", "confidence")
# Figures the workbook computes from the answer: a damaged one loads as blank and never
# costs the learner the answer it belongs to.
DERIVED_NUMBERS = {
    "coverage": "Float64",
    "word_count": "Int64",
    "fillers_per_100": "Float64",
    "tests_passed": "Int64",
    "tests_run": "Int64",
    "hints_used": "Int64",
    "solution_shown": "Int64",
}
DTYPES = {
    "attempt_id": "string",
    "recorded_at": "datetime64[ns, UTC]",
    "item_id": "string",
    "mode": "string",
    "answer": "string",
    "seconds": "Int64",
    "confidence": "Int64",
    "schema_version": "string",
    "coverage": "Float64",
    "word_count": "Int64",
    "fillers_per_100": "Float64",
    "star_elements": "string",
    CHECK_COLUMN: "string",
    "tests_passed": "Int64",
    "tests_run": "Int64",
    "hints_used": "Int64",
    "solution_shown": "Int64",
}
CONFIDENCE_RANGE = (1, 5)
SPREADSHEET_CELL_LIMIT = 32_767
_LINE_END = "\r\n"

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
    """What `HistoryStore.read` found: the trusted rows and the problems with the rest.

    `problems` are lines left out; `changes` are rows that loaded but were changed outside
    the workbook since it saved them; `notes` are about the file as a whole (every row
    loaded, but something needs the learner's attention, like `;` between fields).
    """

    frame: pd.DataFrame
    problems: tuple[Problem, ...] = ()
    error: str = ""  # set when the file could not be read at all
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Everything the learner should hear about this read, in one plain line ("" if none)."""
        if self.error:
            return f"Your earlier answers could not be read: {self.error}"
        parts = list(self.notes)
        if self.changes:
            count = len(self.changes)
            parts.append(
                f"{count} saved row{'s were' if count != 1 else ' was'} changed outside the "
                f"workbook, probably by a spreadsheet (first: {self.changes[0]}). "
                "prep.history_problems() lists them; prep.repair_history() puts back what the "
                "workbook saved, from its automatic backups (paused meanwhile, so they keep "
                "your answers as you saved them)."
            )
        if self.problems:
            count = len(self.problems)
            parts.append(
                f"{count} line{'s' if count != 1 else ''} of your practice history could not be "
                f"read and {'are' if count != 1 else 'is'} left out (first: {self.problems[0]}). "
                "prep.history_problems() lists them; prep.repair_history() sets them aside "
                "after making a backup."
            )
        return " ".join(parts)


def empty_frame(schema: Schema = SCHEMA) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=DTYPES.get(c, "string")) for c in schema.columns})


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def encode_row(values: dict[str, str], columns: tuple[str, ...]) -> bytes:
    """Encode one record in the file's column order: every field quoted, UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=_LINE_END)
    writer.writerow([values.get(c, "") for c in columns])
    return buffer.getvalue().encode("utf-8")


def attempt_fields(attempt: Attempt, schema: Schema = SCHEMA) -> dict[str, str]:
    """The text of the row an attempt is saved as, with its check where the schema has one."""
    version = schema.version
    fields = {
        "attempt_id": attempt.attempt_id,
        "recorded_at": attempt.recorded_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "item_id": attempt.item_id,
        "mode": attempt.mode,
        "answer": attempt.answer,
        "seconds": "" if attempt.seconds is None else str(int(attempt.seconds)),
        "confidence": "" if attempt.confidence is None else str(int(attempt.confidence)),
        "schema_version": version,
    }
    fields.update(attempt.extra)
    if CHECK_COLUMN in schema.columns:
        fields[CHECK_COLUMN] = integrity.row_check(
            fields, integrity.covered_columns(version, schema.versions)
        )
    return fields


def encoding_message(path: Path) -> str:
    return (
        f"your practice history ({path}) is not UTF-8 text; a spreadsheet probably re-saved it "
        "in another encoding. Open it in the spreadsheet and save it again as "
        "'CSV UTF-8 (comma delimited)', or run prep.repair_history(encoding=\"cp1252\") to "
        "convert it (a backup is kept), then run this cell again. Nothing has been added to the "
        "file meanwhile."
    )


def _header_columns(head: bytes, path: Path) -> tuple[str, ...]:
    try:
        first = head.split(b"\n", 1)[0].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise HistoryEncodingError(encoding_message(path)) from None
    if _uses_semicolons(first):
        raise HistoryWriteError(
            SEMICOLON_NOTE[0].lower()
            + SEMICOLON_NOTE[1:]
            .replace("Every row loaded", "Every row still loads")
            .replace(", so saving waits until it is fixed", "")
        )
    columns = tuple(c.strip() for c in next(csv.reader([first]), []))
    if len(set(columns)) != len(columns) or "attempt_id" not in columns:
        raise HistoryWriteError(
            f"the first line of {path} is not the practice-history header "
            "(a spreadsheet may have changed it). "
            "Nothing was added to the file; restore the header or move the file aside."
        )
    return columns


# ---- parsing ---------------------------------------------------------------------------

# When a save resumes after a crash tore the last record, that record is closed off and
# ended with this extra field, so it can never pass for a complete row later.
SEALED = "(interrupted save)"
_TORN = "the last record is incomplete (saving was interrupted); skipped"
_SEALED_MESSAGE = "a save here was interrupted (a crash or a stopped kernel); skipped"


def parse_history(raw: bytes, path: Path, schema: Schema = SCHEMA) -> HistoryReport:
    """Turn the file's bytes into typed rows plus problems; never raises on bad rows."""
    return parse_text(_decode(raw, path), schema)


def parse_text(text: str, schema: Schema = SCHEMA) -> HistoryReport:
    if not text.strip():
        return HistoryReport(empty_frame(schema))
    fast = _parse_fast(text, schema)
    if fast is not None and not integrity.failing_rows(fast, schema.versions).size:
        return HistoryReport(fast)
    return _parse_slow(text, schema)


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


def _parse_fast(source: str | Path, schema: Schema) -> pd.DataFrame | None:
    """Read a clean file with pandas' C parser; None means "not clean, take the slow path".

    `source` is the file's text, or its path: pandas then reads and decodes the bytes
    itself, which is much faster, and any invalid UTF-8 sends the file down the slow path
    (where it gets its message). pandas pads a short row with empty strings instead of
    failing, so a file is only trusted here when it ends with a line break, every row
    carries its `schema_version` (padding would leave it empty) and no sealed tear shows
    in the columns from `schema_version` on (a narrower one would have an empty version).
    """
    if isinstance(source, str):
        if not source.endswith("\n"):
            return None
        buffer: io.StringIO | Path = io.StringIO(source)
        encoding = None
    else:
        size = source.stat().st_size
        if not _ends_with_newline(source):
            return None
        buffer, encoding = source, "utf-8-sig"
    try:
        frame = pd.read_csv(
            buffer,
            # numbers are parsed by the C parser: any value it cannot take (a word, 3.5
            # as a whole number) sends the file down the slow path, which words it
            dtype=_FAST_DTYPES,
            keep_default_na=False,
            na_values=_FAST_BLANKS,
            engine="c",
            on_bad_lines="error",
            skip_blank_lines=True,
            encoding=encoding,
        )
    except (pd.errors.ParserError, ValueError, TypeError, OverflowError, csv.Error):
        return None
    if isinstance(source, Path) and source.stat().st_size != size:
        return None  # another notebook appended meanwhile: read one snapshot the slow way
    columns = [str(c) for c in frame.columns]
    if any(c not in columns for c in (*REQUIRED, "schema_version")):
        return None
    if (frame["schema_version"] == "").any():
        return None
    for column in columns[columns.index("schema_version") :]:
        if (frame[column] == SEALED).any():
            return None
    frame, bad = _typed(frame, schema)
    return None if bad.any() else frame


_FAST_DTYPES = defaultdict(  # text, unless the workbook knows the column holds numbers
    lambda: str, {**{column: "Int64" for column in INT_COLUMNS}, **DERIVED_NUMBERS}
)
_FAST_BLANKS = {column: [""] for column in (*INT_COLUMNS, *DERIVED_NUMBERS)}


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        try:
            handle.seek(-1, os.SEEK_END)
        except OSError:  # an empty file
            return False
        return handle.read(1) == b"\n"


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Split the text into (first physical line, fields) records.

    Lines are counted at "\n" only, as the store counts them when it reads just the rows
    appended since: a lone "\r" in an answer is text, not a line break.
    """
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter, strict=False)
    out = []
    start = 1
    for row in reader:
        out.append((start, row))
        start = reader.line_num + 1
    return out


@dataclass
class _Sorted:
    """The file's records as text: the header, the rows that can be trusted, the problems."""

    header: list[str]
    rows: list[list[str]]  # padded to the header's width
    lines: list[int]
    problems: list[Problem]
    header_ok: bool = True  # False: the first line is not our header, so nothing loads
    semicolons: bool = False  # a spreadsheet saved the file with ';' between fields


def _sort_records(text: str, schema: Schema) -> _Sorted:
    """Sort records into trusted rows and problems."""
    problems: list[Problem] = []
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if _uses_semicolons(first_line):
        delimiter = ";"
    records = _records(text, delimiter)
    torn_line = None
    if records and text.count('"') % 2 == 1:  # a crash left the last record inside quotes
        torn_line = records.pop()[0]
    records = [(line, row) for line, row in records if any(f.strip() for f in row)]
    if torn_line:
        problems.append(Problem(torn_line, _TORN))
    if not records:
        return _Sorted([], [], [], problems)
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
        return _Sorted([], [], [], problems, header_ok=False)

    out = _Sorted(header, [], [], problems, semicolons=delimiter == ";")
    last = len(records) - 1
    # every row we write ends its own version's columns with a non-empty schema_version
    version_at = header.index("schema_version") if "schema_version" in header else None
    width = len(header)
    # a file cut just after a comma ends in an empty field that was never written
    cut_at_comma = text.endswith(",") or text.endswith(";")
    for index, (line, row) in enumerate(records[1:], 1):
        if [f.strip() for f in row] == header:
            problems.append(Problem(line, "a repeated header line; skipped"))
        elif row[-1] == SEALED:
            problems.append(Problem(line, _SEALED_MESSAGE))
        elif index == last and cut_at_comma and torn_line is None:
            problems.append(Problem(line, _TORN))
        elif len(row) == width and (version_at is None or row[version_at]):
            out.rows.append(row)
            out.lines.append(line)
        elif len(row) < width and _older_row(row, header, version_at, schema):
            out.rows.append(row + [""] * (width - len(row)))
            out.lines.append(line)
        elif index == last and len(row) <= width and not text.endswith("\n"):
            problems.append(Problem(line, _TORN))
        else:
            problems.append(Problem(line, _field_count_message(row, header)))
    return out


def _older_row(row: list[str], header: list[str], version_at: int | None, schema: Schema) -> bool:
    """Is this short row complete for the (older) version that wrote it?"""
    if version_at is None or len(row) <= version_at or not row[version_at]:
        return False
    later = schema.added_after(row[version_at])
    return later is not None and set(header[len(row) :]) <= later


def _parse_slow(text: str, schema: Schema) -> HistoryReport:
    """Read record by record, keeping good rows and reporting the rest by line number.

    Rows whose check no longer matches their fields load too, and are named in `changes`.
    """
    found = _sort_records(text, schema)
    frame, problems, kept = _typed_rows(found, schema)
    notes = (SEMICOLON_NOTE,) if found.semicolons else ()
    changes: list[Change] = []
    bad = integrity.failing_rows(frame, schema.versions)
    if bad.size:
        rows = [
            (line, row) for line, row, k in zip(found.lines, found.rows, kept, strict=True) if k
        ]
        for position in bad.tolist():
            line, row = rows[position]
            change = _change(line, dict(zip(found.header, row, strict=True)), schema)
            if change is not None:
                changes.append(change)
    return HistoryReport(frame, tuple(problems), changes=tuple(changes), notes=notes)


def _change(line: int, fields: dict[str, str], schema: Schema) -> Change | None:
    """Name what changed in a row whose check fails; None if nothing did after all."""
    covered = integrity.covered_columns(fields.get("schema_version", ""), schema.versions)
    names = integrity.changed_fields(fields, covered)
    if not names:
        return None
    return Change(
        line, fields.get("attempt_id", ""), names, tuple(fields.get(n, "") for n in names)
    )


SEMICOLON_NOTE = (
    "Your practice history uses ';' between fields (a spreadsheet saved it that way). Every row "
    "loaded, but the workbook only adds answers to a file with ',' between fields, so saving "
    "waits until it is fixed: run prep.repair_history() to put the commas back (a backup is "
    "kept first), or save it again from the spreadsheet as CSV with ',' as the separator."
)


def _uses_semicolons(first_line: str) -> bool:
    return "attempt_id" in first_line and first_line.count(";") > first_line.count(",")


def _typed_rows(found: _Sorted, schema: Schema) -> tuple[pd.DataFrame, list[Problem], list[bool]]:
    """Type the trusted text rows; rows with unreadable values join the problems.

    Returns the typed frame, every problem by line, and which of `found.rows` were kept.
    """
    problems = list(found.problems)
    if not found.rows:
        return empty_frame(schema), sorted(problems, key=lambda p: p.line), []
    frame, bad = _typed(pd.DataFrame(found.rows, columns=found.header, dtype=object), schema)
    mask = bad.to_numpy()
    if mask.any():
        for position in mask.nonzero()[0]:
            problems.append(
                Problem(found.lines[position], _describe_bad(found.rows[position], found.header))
            )
        frame = frame[~mask].reset_index(drop=True)
    return frame, sorted(problems, key=lambda p: p.line), [not b for b in mask]


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
    """Whole numbers in range (confidence 1-5, seconds from 0); anything else is NA."""
    if values.dtype == "Int64":
        numbers = values.astype("Float64")
    else:
        numbers = pd.to_numeric(values.where(values != "", None), errors="coerce")
    whole = numbers.where(numbers.isna() | (numbers == numbers.round()))
    if column == "confidence":
        low, high = CONFIDENCE_RANGE
        whole = whole.where(whole.isna() | whole.between(low, high))
    else:
        whole = whole.where(whole.isna() | (whole >= 0))
    return whole.astype("Int64")


def _typed(frame: pd.DataFrame, schema: Schema = SCHEMA) -> tuple[pd.DataFrame, pd.Series]:
    """Convert the text frame to `DTYPES`; return it with a mask of rows that failed.

    Number columns the fast path's parser already typed are only range-checked.
    """
    columns = schema.columns
    bad = np.zeros(len(frame), dtype=bool)
    for column in ("attempt_id", "item_id"):
        values = frame[column].to_numpy() if column in frame.columns else ()
        bad |= np.fromiter((not v or v.isspace() for v in values), bool, len(frame))
    if "attempt_id" in frame.columns:
        bad |= (frame["attempt_id"] == "attempt_id").to_numpy()  # a repeated header
    times = _to_times(frame["recorded_at"]).dt.as_unit("ns")
    bad |= times.isna().to_numpy()
    out = {}
    for column in [*columns, *(c for c in frame.columns if c not in columns)]:
        if column not in frame.columns:
            out[column] = pd.Series("", index=frame.index, dtype="string")
        elif column == "recorded_at":
            out[column] = times
        elif column in INT_COLUMNS:
            numbers = _to_ints(frame[column], column)
            if frame[column].dtype == "Int64":
                bad |= (numbers.isna() & frame[column].notna()).to_numpy()
            else:
                bad |= (numbers.isna() & (frame[column] != "")).to_numpy()
            out[column] = numbers
        elif column in DERIVED_NUMBERS:
            values = frame[column]
            if not pd.api.types.is_numeric_dtype(values):
                values = pd.to_numeric(values.where(values != "", None), errors="coerce")
            out[column] = values.astype("float64").astype(DERIVED_NUMBERS[column])
        else:
            out[column] = frame[column].astype("string")
    typed = pd.DataFrame(out, index=frame.index)
    typed.loc[typed["mode"] == "", "mode"] = "practice"
    return typed, pd.Series(bad, index=frame.index)


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
