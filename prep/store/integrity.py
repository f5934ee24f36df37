"""Row checks: a digest of every saved row's fields, so a change made outside the workbook is named.

Each row the workbook writes carries `row_check`: a digest of the whole row, then a short
digest of each field, so that a later read can tell not only that a row changed (a
spreadsheet re-save, a hand edit) but which field. Like git's object hashes or the page
checksums of SQLite and PostgreSQL, it trusts no byte to have stayed as written.

A spreadsheet also rewrites numbers in rows it did not otherwise touch (`0.50` becomes
`0.5`, `2026-11-01T09:00:00+00:00` may lose its offset): digests are taken of each
number's value and each time's instant, never of how it was spelled, so those are not
changes. Text (the answer, the item id) is taken exactly as written.

Rows written before format 3 have no check; they load as before, unchecked.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

CHECK_COLUMN = "row_check"
_PREFIX = "c1"  # the digest scheme; a letter first so no spreadsheet takes it for a number
_ROW_HEX = 16
_FIELD_HEX = 4
NUMBER_COLUMNS = frozenset(
    {
        "seconds",
        "confidence",
        "coverage",
        "word_count",
        "fillers_per_100",
        "tests_passed",
        "tests_run",
        "hints_used",
        "solution_shown",
    }
)
TIME_COLUMNS = frozenset({"recorded_at"})
# the learner-facing name of a column in "the answer was changed" messages
FIELD_NAMES = {
    "attempt_id": "attempt id",
    "recorded_at": "time saved",
    "item_id": "question or tip id",
    "mode": "mode",
    "answer": "answer",
    "seconds": "timed seconds",
    "confidence": "confidence",
    "schema_version": "format version",
    "coverage": "coverage",
    "word_count": "word count",
    "fillers_per_100": "fillers per 100 words",
    "star_elements": "STAR elements",
    "tests_passed": "tests passed",
    "tests_run": "tests run",
    "hints_used": "hints used",
    "solution_shown": "solution shown",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def canonical_number(text: str) -> str:
    """The value a number's text stands for: `0.50`, `0.5` and `5e-1` are the same."""
    text = text.strip()
    if not text:
        return ""
    try:
        value = float(text)
    except ValueError:
        return "text:" + text
    return _number(value) if math.isfinite(value) else "text:" + text


def _number(value: float) -> str:
    # 12 significant digits: the same value read by two float parsers never differs there
    return f"{value:.12g}"


def canonical_time(text: str) -> str:
    """The instant a time's text stands for, in whole nanoseconds since 1970 (UTC)."""
    try:  # the common case, fast
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is not None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        delta = moment - _EPOCH
        return str((delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000)
    stamp = pd.to_datetime(text.strip(), format="ISO8601", utc=True, errors="coerce")
    return "text:" + text if pd.isna(stamp) else str(stamp.value)


def canonical(column: str, text: str) -> str:
    if column in NUMBER_COLUMNS:
        return canonical_number(text)
    if column in TIME_COLUMNS:
        return canonical_time(text)
    return text


def _digest(data: str, size: int) -> str:
    # surrogateescape: a file decoded with a legacy encoding may hold anything
    raw = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=size // 2).hexdigest()


def _row_text(columns: Sequence[str], values: Sequence[str]) -> str:
    return "\x1f".join(f"{c}\x1e{v}" for c, v in zip(columns, values, strict=True))


def row_check(fields: Mapping[str, str], covered: Sequence[str]) -> str:
    """The check for a row about to be written: its `covered` fields, as text."""
    values = [canonical(c, fields.get(c, "")) for c in covered]
    per_field = "".join(
        _digest(f"{c}\x1e{v}", _FIELD_HEX) for c, v in zip(covered, values, strict=True)
    )
    return f"{_PREFIX}:{_digest(_row_text(covered, values), _ROW_HEX)}:{per_field}"


def changed_fields(fields: Mapping[str, str], covered: Sequence[str]) -> tuple[str, ...] | None:
    """Which covered fields no longer match the row's check; None when the row has no check.

    A check that is itself damaged (not one the workbook writes) counts as a change to
    `row_check`, since nothing else can be told.
    """
    check = fields.get(CHECK_COLUMN, "")
    if not check:
        return None
    parts = check.split(":")
    expected_len = _FIELD_HEX * len(covered)
    if len(parts) != 3 or parts[0] != _PREFIX or len(parts[2]) != expected_len:
        return (CHECK_COLUMN,)
    values = [canonical(c, fields.get(c, "")) for c in covered]
    if _digest(_row_text(covered, values), _ROW_HEX) == parts[1]:
        return ()
    changed = []
    for index, (column, value) in enumerate(zip(covered, values, strict=True)):
        stored = parts[2][index * _FIELD_HEX : (index + 1) * _FIELD_HEX]
        if _digest(f"{column}\x1e{value}", _FIELD_HEX) != stored:
            changed.append(column)
    # the row digest differs but no short digest does: a rare collision of a short one
    return tuple(changed) or (CHECK_COLUMN,)


@dataclass(frozen=True)
class Change:
    """A saved row whose fields no longer match its check: changed outside the workbook."""

    line: int
    attempt_id: str
    fields: tuple[str, ...]  # the changed columns, or (row_check,) when the check is damaged
    now: tuple[str, ...]  # their values as the file holds them now
    was: tuple[str, ...] | None = None  # as the workbook saved them, where a backup holds it
    backed_up: bool | None = None  # None: the backups were not looked at

    def describe(self) -> str:
        """`line 14 (attempt 3f2a…): the answer was changed outside the workbook: …`."""
        who = f"line {self.line} (attempt {self.attempt_id[:4]}…)"
        if self.fields == (CHECK_COLUMN,):
            return (
                f"{who}: the row was changed outside the workbook (its check no longer "
                "matches, so which field changed cannot be told)"
            )
        names = [FIELD_NAMES.get(f, f) for f in self.fields]
        what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        verb = "was" if len(names) == 1 else "were"
        if self.was is None:
            values = "; ".join(f"now {_quote(v)}" for v in self.now)
            unknown = "; no backup holds the original" if self.backed_up is False else ""
            return f"{who}: the {what} {verb} changed outside the workbook ({values}){unknown}"
        pairs = [
            f"{_quote(now)} was {_quote(was)}" for now, was in zip(self.now, self.was, strict=True)
        ]
        if len(pairs) > 1:
            pairs = [f"{n}: {p}" for n, p in zip(names, pairs, strict=True)]
        return f"{who}: the {what} {verb} changed outside the workbook: {'; '.join(pairs)}"

    def __str__(self) -> str:
        return self.describe()


def _quote(text: str, limit: int = 60) -> str:
    flat = text.replace("\r", "").replace("\n", " ⏎ ")
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return repr(flat)


def covered_columns(version: str, schema_columns: Iterable[tuple[str, tuple[str, ...]]]) -> tuple:
    """The columns a row of `version` carries, less the check itself."""
    out: list[str] = []
    for name, added in schema_columns:
        out.extend(c for c in added if c != CHECK_COLUMN)
        if name == version:
            return tuple(out)
    return ()


def frame_texts(frame: pd.DataFrame, column: str) -> list[str]:
    """A typed history column as the canonical text the checks digest (as `canonical` would)."""
    values = frame[column]
    if column in TIME_COLUMNS:
        return values.to_numpy(dtype="datetime64[ns]").astype("int64").astype(str).tolist()
    if pd.api.types.is_integer_dtype(values):
        missing = values.isna().to_numpy()
        digits = values.to_numpy(dtype="int64", na_value=0)
        if np.abs(digits).max(initial=0) < 10**12:  # where `.12g` writes every digit
            return np.where(missing, "", digits.astype(str)).tolist()
    if column in NUMBER_COLUMNS or pd.api.types.is_numeric_dtype(values):
        floats = values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        return ["" if v != v else f"{v:.12g}" for v in floats.tolist()]
    return values.astype(object).where(values.notna(), "").tolist()


def failing_rows(frame: pd.DataFrame, versions) -> np.ndarray:
    """Positions of typed rows whose check no longer matches their fields (fast, whole rows).

    `versions` is the schema's (version, columns added) list. Only the row digest is
    computed here, column by column rather than row by row; which field changed is found
    later, for the few rows that fail.
    """
    if CHECK_COLUMN not in frame.columns or frame.empty:
        return np.zeros(0, dtype=np.int64)
    checks = frame[CHECK_COLUMN].astype(object).where(frame[CHECK_COLUMN].notna(), "")
    has = (checks != "").to_numpy()
    if not has.any():
        return np.zeros(0, dtype=np.int64)
    bad: list[np.ndarray] = []
    row_versions = frame["schema_version"].astype(object).to_numpy()
    positions = np.flatnonzero(has)
    blake = hashlib.blake2b
    size = _ROW_HEX // 2
    start, end = len(_PREFIX) + 1, len(_PREFIX) + 1 + _ROW_HEX
    for version in pd.unique(row_versions[positions]):
        covered = covered_columns(str(version), versions)
        group = positions[row_versions[positions] == version]
        if not covered:
            bad.append(group)
            continue
        sub = frame if len(group) == len(frame) else frame.iloc[group]
        blank = [""] * len(sub)
        texts = [frame_texts(sub, c) if c in sub.columns else blank for c in covered]
        template = "\x1f".join(f"{c}\x1e%s" for c in covered)  # as `_row_text` joins them
        digests = np.array(
            [
                blake(
                    (template % values).encode("utf-8", "surrogatepass"), digest_size=size
                ).hexdigest()
                for values in zip(*texts, strict=True)
            ],
            dtype=object,
        )
        stored = np.array(
            [c[start:end] if c.startswith(_PREFIX + ":") else "" for c in checks.iloc[group]],
            dtype=object,
        )
        bad.append(group[digests != stored])
    return np.sort(np.concatenate(bad)) if bad else np.zeros(0, dtype=np.int64)
