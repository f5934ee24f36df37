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

Rewriting happens only in three places, each after a byte-exact timestamped backup and
through a temp file and an atomic rename: creating the file, adding the columns of a
newer `Schema` to the header (old rows keep their bytes), and `repair()`, which the
learner asks for.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import errno
import io
import numbers
import os
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import filelock
import numpy as np
import pandas as pd

from . import integrity
from .backups import Backups
from .errors import HistoryEncodingError, HistoryError, HistoryLockedError, HistoryWriteError
from .integrity import CHECK_COLUMN, Change
from .models import Attempt
from .safe_io import atomic_write, explain_os_error

__all__ = ["SCHEMA", "HistoryReport", "HistoryStore", "atomic_write", "explain_os_error"]


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
    )
)
SCHEMA_VERSION = SCHEMA.version
COLUMNS = SCHEMA.columns
REQUIRED = ("attempt_id", "recorded_at", "item_id", "answer")
TEXT_COLUMNS = ("attempt_id", "item_id", "mode", "answer", "schema_version", CHECK_COLUMN)
INT_COLUMNS = ("seconds", "confidence")
# Figures the workbook computes from the answer: a damaged one loads as blank and never
# costs the learner the answer it belongs to.
DERIVED_NUMBERS = {"coverage": "Float64", "word_count": "Int64", "fillers_per_100": "Float64"}
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
                "workbook saved, from its automatic backups."
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
        schema: Schema = SCHEMA,
        auto_backup: bool = False,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.clock = clock
        self.schema = schema
        self.notices: list[str] = []  # things the learner should hear about, e.g. an upgrade
        self._state: _FileState | None = None
        self.backups = Backups(self.path, clock)
        # keep backups/auto/ up to date on every clean read: only for the learner's own
        # history, never for files that are only read (a cohort's)
        self.auto_backup = auto_backup

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def backups_dir(self) -> Path:
        return self.backups.folder

    def _covered(self, version: str) -> tuple[str, ...]:
        """The columns the check of a row of `version` covers."""
        return integrity.covered_columns(version, self.schema.versions)

    def take_notices(self) -> list[str]:
        """Return and forget what the store has to tell the learner since last asked."""
        notices, self.notices = self.notices, []
        return notices

    @contextlib.contextmanager
    def _locked(self, doing: str = "saving to") -> Iterator[None]:
        """Hold the cross-process lock; turn lock and disk trouble into plain words."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with filelock.FileLock(self.lock_path, timeout=self.lock_timeout):
                yield
        except filelock.Timeout:
            raise HistoryLockedError(
                f"another notebook is {doing} your practice history right now and did not "
                f"finish within {self.lock_timeout:g} seconds. Try again in a moment."
            ) from None
        except HistoryError:
            raise
        except OSError as exc:
            raise HistoryWriteError(explain_os_error(exc, self.path)) from exc

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
        if confidence is not None and (
            isinstance(confidence, bool)
            or not isinstance(confidence, numbers.Integral)
            or not CONFIDENCE_RANGE[0] <= confidence <= CONFIDENCE_RANGE[1]
        ):
            raise ValueError(f"confidence must be a whole number from 1 to 5, got {confidence!r}")
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
        for value in (answer, item_id, mode, *(extra or {}).values()):
            _check_storable(value)
        fields = attempt_fields(attempt, self.schema)
        with self._locked():
            self._create_if_missing()
            self._upgrade_if_needed()
            self._append(fields)
        return attempt

    def _create_if_missing(self) -> None:
        try:
            if self.path.stat().st_size > 0:
                return
        except FileNotFoundError:
            pass
        columns = self.schema.columns
        atomic_write(self.path, encode_row({c: c for c in columns}, columns))
        self._state = None

    def _upgrade_if_needed(self) -> None:
        """Add columns a newer workbook writes to the header; earlier rows stay byte for byte.

        Older rows are a prefix of today's (see `Schema`), so only the header line is
        replaced: the whole file goes through a backup, a temp file and an atomic rename.
        """
        if self._state is not None and set(self.schema.columns) <= set(self._state.columns):
            return
        with open(self.path, "rb") as handle:
            columns = _header_columns(handle.read(65536), self.path)
        missing = [c for c in self.schema.columns if c not in columns]
        if not missing:
            return
        version = self.schema.file_version(columns)
        later = self.schema.added_after(version) if version else None
        if later is None or not set(missing) <= later:
            raise HistoryWriteError(
                f"the first line of {self.path} is not the practice-history header "
                f"(missing: {', '.join(missing)}; a spreadsheet may have changed it). "
                "Nothing was added to the file; restore the header or move the file aside."
            )
        raw = self.path.read_bytes()
        backup = self._backup(raw, f"before-format-{self.schema.version}")
        body = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        new_columns = (*columns, *missing)
        atomic_write(self.path, encode_row({c: c for c in new_columns}, new_columns) + body)
        self._state = None
        self.notices.append(
            f"Your practice history was upgraded to format {self.schema.version} "
            f"(new columns: {', '.join(missing)}); your earlier answers were not changed. "
            f"A copy of the file as it was is in {backup}."
        )

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
            if state.in_quotes or not state.ends_with_newline:
                row = self._seal(fd, start, state.in_quotes) + row
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

    # ---- backups and repair --------------------------------------------------------------

    def backup(self) -> Path:
        """Copy the history byte for byte into `backups/`, named with the time (UTC)."""
        with self._locked("saving to"):
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                raise HistoryError(
                    "there is no practice history yet, so there is nothing to back up"
                ) from None
            return self._backup(raw, "copy")

    def _backup(self, raw: bytes, reason: str) -> Path:
        return self.backups.snapshot(raw, reason)

    def repair(self, *, encoding: str | None = None) -> RepairReport:
        """Rewrite the history keeping every row that can be trusted, after a backup.

        Torn and malformed lines are left out (the backup keeps them), a spreadsheet's
        layout (BOM, reordered columns, ';' separators, unquoted fields) is put back to
        the workbook's, and with `encoding=` a legacy-encoded file is converted to UTF-8.
        A file that already reads cleanly is left alone.
        """
        with self._locked("saving to"):
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return RepairReport(self.path, None, 0, (), ("there is no practice history yet",))
            text, changes = _decode_for_repair(raw, self.path, encoding)
            found = _sort_records(text, self.schema)
            if not found.header_ok:
                raise HistoryError(
                    f"the first line of {self.path} is not the practice-history header, so a "
                    "repair cannot tell which column is which. Nothing was changed; put the "
                    "header back (see the README) or move the file aside."
                )
            _frame, problems, kept = _typed_rows(found, self.schema)
            columns = (
                *self.schema.columns,
                *(c for c in found.header if c not in self.schema.columns),
            )
            rows = [dict(zip(found.header, row, strict=True)) for row in found.rows]
            plan = self._restore_plan(rows, found.lines, kept)
            parts = [encode_row({c: c for c in columns}, columns)]
            for fields in plan.rows:
                parts.append(encode_row(fields, columns))
            new = b"".join(parts)
            restored_lines = {c.line for c in plan.restored}
            left_out = tuple(p for p in problems if p.line not in restored_lines)
            if new == raw:
                return RepairReport(self.path, None, len(plan.rows), (), ())
            if found.semicolons:
                changes.append("';' between fields was changed to ','")
            if tuple(found.header) != columns:
                changes.append("the columns were put back in the workbook's order")
            if plan.tidied:
                changes.append(
                    f"numbers a spreadsheet had re-spelled (0.50 as 0.5) in {plan.tidied} "
                    "row(s) were put back as saved"
                )
            backup = self._backup(raw, "before-repair")
            atomic_write(self.path, new)
            self._state = None
            return RepairReport(
                self.path,
                backup,
                len(plan.rows),
                left_out,
                tuple(changes),
                restored=tuple(plan.restored),
                not_restored=tuple(plan.not_restored),
                unchecked_marks=_question_marks(rows, found.lines) if encoding else (),
            )

    def _restore_plan(self, rows: list[dict[str, str]], lines: list[int], kept: list[bool]):
        """Decide each row's fields for a repair: as it is, or as a backup holds it."""
        # None: no check (an older row); (): intact; else the fields that changed
        verdicts: list[tuple[str, ...] | None] = []
        for fields in rows:
            covered = self._covered(fields.get("schema_version", ""))
            verdicts.append(integrity.changed_fields(fields, covered) if covered else None)
        needed = {
            fields.get("attempt_id", "")
            for fields, keep, names in zip(rows, kept, verdicts, strict=True)
            if names or (not keep and names is not None)
        }
        # where a spreadsheet changed some rows it re-spelled the numbers of the rest: put
        # those back too where a backup already read has them, so the file is as saved
        tidy = {f.get("attempt_id", "") for f, v in zip(rows, verdicts, strict=True) if v == ()}
        originals = self._originals(needed, also=tidy if needed else set())
        plan = _Plan()
        for line, fields, keep, names in zip(lines, rows, kept, verdicts, strict=True):
            original = originals.get(fields.get("attempt_id", ""))
            if names == () and keep:
                if original is not None and _same_values(original, fields, self._covered):
                    plan.tidied += original != fields
                    fields = original
                plan.rows.append(fields)
            elif names or (not keep and names is not None):
                changed = names or tuple(
                    c for c in self._covered(fields.get("schema_version", "")) if c in fields
                )
                now = tuple(fields.get(n, "") for n in changed)
                if original is not None:
                    was = tuple(original.get(n, "") for n in changed)
                    plan.restored.append(Change(line, original["attempt_id"], changed, now, was))
                    plan.rows.append(original)
                else:
                    attempt_id = fields.get("attempt_id", "")
                    plan.not_restored.append(Change(line, attempt_id, changed, now, None, False))
                    if keep:
                        plan.rows.append(fields)
            elif keep:
                plan.rows.append(fields)
        return plan

    def _originals(
        self, attempt_ids: set[str], also: set[str] = frozenset()
    ) -> dict[str, dict[str, str]]:
        """The rows as the workbook saved them, from the newest backup that holds each intact.

        Backups are read newest first until every one of `attempt_ids` is found; rows of
        `also` are taken from the backups read by then, but never cause another read.
        """
        found: dict[str, dict[str, str]] = {}
        needed = set(attempt_ids) - {""}
        wanted = needed | set(also)
        for path in self.backups.newest_first():
            if not needed - found.keys():
                break
            try:
                text = _decode(path.read_bytes(), path)
            except (OSError, HistoryEncodingError):
                continue
            backup = _sort_records(text, self.schema)
            for row in backup.rows:
                fields = dict(zip(backup.header, row, strict=True))
                attempt_id = fields.get("attempt_id", "")
                if attempt_id not in wanted or attempt_id in found:
                    continue
                covered = self._covered(fields.get("schema_version", ""))
                if covered and integrity.changed_fields(fields, covered) == ():
                    found[attempt_id] = fields
        return found

    def describe(self, report: HistoryReport) -> list[str]:
        """Every problem of a read, in words, with what the backups hold for changed rows."""
        originals = self._originals({c.attempt_id for c in report.changes})
        out: list[tuple[int, str]] = [(p.line, str(p)) for p in report.problems]
        for change in report.changes:
            original = originals.get(change.attempt_id)
            if original is None:
                change = dataclasses.replace(change, backed_up=False)
            elif change.fields != (CHECK_COLUMN,):
                was = tuple(original.get(n, "") for n in change.fields)
                change = dataclasses.replace(change, was=was, backed_up=True)
            out.append((change.line, str(change)))
        return [*report.notes, *(text for _, text in sorted(out))]

    def _seal(self, fd: int, size: int, in_quotes: bool) -> bytes:
        """End the file's last record so ours stands alone; mark it if a crash tore it.

        Rare (only after a crash or a hand edit without a final line break), so reading the
        whole file here is fine. A torn record gets `SEALED` as an extra last field, so no
        reader can take what is left of it for a complete row.
        """
        text = _decode(os.pread(fd, size, 0), self.path)
        torn = any(p.message == _TORN for p in _sort_records(text, self.schema).problems)
        if not torn:
            return _LINE_END.encode()
        return (b'"' if in_quotes else b"") + f',"{SEALED}"{_LINE_END}'.encode()

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
        """Load every trusted row, typed, with a list of what was skipped or changed and why."""
        try:
            size = self.path.stat().st_size
            fast = _parse_fast(self.path, self.schema)
            if fast is not None and not self._failing(fast, size).size:
                return self._backed_up(HistoryReport(fast), size)
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return HistoryReport(empty_frame(self.schema))
        except OSError as exc:
            raise HistoryError(
                f"could not read {self.path}: {explain_os_error(exc, self.path, 'read')}"
            ) from exc
        return self._backed_up(parse_history(raw, self.path, self.schema), len(raw))

    def _failing(self, frame: pd.DataFrame, size: int) -> np.ndarray:
        """Rows whose check fails, skipping those the automatic backup shows were verified."""
        known = self.backups.verified_rows(size) if self.auto_backup else 0
        if known > len(frame):
            known = 0
        rest = frame.iloc[known:] if known else frame
        return integrity.failing_rows(rest, self.schema.versions) + known

    def _backed_up(self, report: HistoryReport, size: int) -> HistoryReport:
        """Bring the automatic backup up to date after a read that found nothing changed."""
        if not self.auto_backup or report.changes or report.notes or size == 0:
            return report
        try:
            self.backups.keep_up(size, len(report.frame))
        except OSError as exc:
            note = (
                "The workbook's automatic backup of your history could not be updated "
                f"({explain_os_error(exc, self.backups.latest)}); your answers are safe, but a "
                "change a spreadsheet makes now could not be undone."
            )
            return dataclasses.replace(report, notes=(*report.notes, note))
        return report

    def load(self) -> pd.DataFrame:
        """Return the history as a typed DataFrame (see `DTYPES`), oldest first."""
        return self.read().frame


@dataclass(frozen=True)
class RepairReport:
    """What `HistoryStore.repair` did, in words the learner can act on."""

    path: Path
    backup: Path | None  # None: nothing was changed
    rows_kept: int
    left_out: tuple[Problem, ...]
    changes: tuple[str, ...]
    restored: tuple[Change, ...] = ()  # rows put back as the workbook saved them
    not_restored: tuple[Change, ...] = ()  # changed rows no backup holds intact
    unchecked_marks: tuple[int, ...] = ()  # lines without a check holding '?' after a conversion

    def __str__(self) -> str:
        if self.backup is None:
            why = "; ".join(self.changes) or f"it reads cleanly ({self.rows_kept} rows)"
            return f"Nothing to repair in {self.path}: {why}. The file was not changed."
        lines = [f"Repaired {self.path}: {self.rows_kept} rows kept."]
        lines += [f"- {change}" for change in self.changes]
        if self.restored:
            lines.append(
                f"- {len(self.restored)} row(s) changed outside the workbook were put back as "
                "the workbook saved them:"
            )
            lines += [f"    {change}" for change in self.restored]
        if self.not_restored:
            lines.append(
                f"- {len(self.not_restored)} changed row(s) could not be put back, because no "
                "backup holds them as saved (they were changed before the workbook read them "
                "again); they are kept as they are now:"
            )
            lines += [f"    {change}" for change in self.not_restored]
        if self.unchecked_marks:
            shown = ", ".join(str(n) for n in self.unchecked_marks[:20])
            lines.append(
                f"- {len(self.unchecked_marks)} row(s) saved before the workbook checked rows "
                f"hold '?', which may stand for a character the old encoding could not store "
                f"(lines {shown}); check them by hand"
            )
        if self.left_out:
            lines.append(
                f"- {len(self.left_out)} line(s) that could not be read were left out "
                "(they are still in the backup):"
            )
            lines += [f"    {problem}" for problem in self.left_out]
        lines.append(
            f"The file as it was is kept in {self.backup}. To undo, close the other notebooks "
            f"and copy that file back over {self.path}."
        )
        return "\n".join(lines)


@dataclass
class _Plan:
    """The rows a repair writes, and what it restored from the backups or could not."""

    rows: list[dict[str, str]] = dataclasses.field(default_factory=list)
    restored: list[Change] = dataclasses.field(default_factory=list)
    not_restored: list[Change] = dataclasses.field(default_factory=list)
    tidied: int = 0


def _same_values(original: dict[str, str], now: dict[str, str], covered) -> bool:
    """Do two spellings of a row hold the same values (numbers compared as numbers)?"""
    columns = covered(now.get("schema_version", ""))
    if original.get(CHECK_COLUMN) != now.get(CHECK_COLUMN):
        return False
    return all(
        integrity.canonical(c, original.get(c, "")) == integrity.canonical(c, now.get(c, ""))
        for c in columns
    )


def _question_marks(rows: list[dict[str, str]], lines: list[int]) -> tuple[int, ...]:
    """Lines of rows without a check whose text holds '?' (a legacy encoding's stand-in)."""
    return tuple(
        line
        for line, fields in zip(lines, rows, strict=True)
        if not fields.get(CHECK_COLUMN) and "?" in fields.get("answer", "")
    )


def _decode_for_repair(raw: bytes, path: Path, encoding: str | None) -> tuple[str, list[str]]:
    try:
        return _decode(raw, path), []
    except HistoryEncodingError:
        if encoding is None:
            raise
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise HistoryError(
            f"{path} could not be read as {encoding} either; nothing was changed. Open it in "
            "the spreadsheet that saved it and save it as 'CSV UTF-8'."
        ) from None
    return text.removeprefix("\ufeff"), [f"converted from {encoding} to UTF-8"]


def encoding_message(path: Path) -> str:
    return (
        f"your practice history ({path}) is not UTF-8 text; a spreadsheet probably re-saved it "
        "in another encoding. Open it in the spreadsheet and save it again as "
        "'CSV UTF-8 (comma delimited)', or run prep.repair_history(encoding=\"cp1252\") to "
        "convert it (a backup is kept), then run this cell again. Nothing has been added to the "
        "file meanwhile."
    )


def _check_storable(text: str) -> None:
    """Refuse text UTF-8 cannot hold (a lone surrogate) before the file is touched."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise HistoryWriteError(
            f"the text holds a broken character (U+{ord(text[exc.start]):04X}, half of an emoji "
            "or symbol that lost its other half) that cannot be stored; delete it and save again"
        ) from None


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
    """Split the text into (first physical line, fields) records."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
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
