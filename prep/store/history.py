"""`HistoryStore`: the practice history CSV, written safely and read tolerantly.

Writing (see shared/reliability-cases.md): the whole row is encoded first, then appended
with one `write` under a cross-process lock, checked for a short write and fsynced; on any
error the file is truncated back to its old length and `HistoryWriteError` says why in
plain words. Creating the file goes through a temp file, fsync and an atomic replace, and
the file is owner-only (0600). Saving costs the same at 100,000 rows as at 10: the store
checks the file once per process and afterwards only the bytes other writers appended.

Reading never mutates the file (the format and the parser are in `history_format`); for
the learner's own history it then brings the automatic backup up to date (`backups`).

Rewriting happens only in three places, each after a byte-exact timestamped backup and
through a temp file and an atomic rename: creating the file, adding the columns of a
newer `Schema` to the header (old rows keep their bytes), and `repair()`, which the
learner asks for and which puts rows changed outside the workbook back from the backups.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import errno
import itertools
import numbers
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filelock
import numpy as np
import pandas as pd

from ..errors import HistoryEncodingError, HistoryError, HistoryLockedError, HistoryWriteError
from ..models import Attempt
from . import integrity
from .backups import Backups
from .history_format import (
    _LINE_END,
    _TORN,
    COLUMNS,
    CONFIDENCE_RANGE,
    DTYPES,
    SCHEMA,
    SCHEMA_VERSION,
    SEALED,
    SPREADSHEET_CELL_LIMIT,
    HistoryReport,
    Problem,
    Schema,
    _decode,
    _header_columns,
    _incomplete_tail,
    _parse_fast,
    _sort_records,
    _typed_rows,
    attempt_fields,
    attempts_from_frame,
    empty_frame,
    encode_row,
    encoding_message,
    now_utc,
    parse_history,
    parse_text,
)
from .integrity import CHECK_COLUMN, Change
from .safe_io import atomic_write, explain_os_error

# the format's names, for the modules and tests that know the history by this module
__all__ = [
    "COLUMNS",
    "DTYPES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SPREADSHEET_CELL_LIMIT",
    "HistoryReport",
    "HistoryStore",
    "Problem",
    "RepairReport",
    "Schema",
    "atomic_write",
    "attempt_fields",
    "attempts_from_frame",
    "empty_frame",
    "encode_row",
    "explain_os_error",
    "now_utc",
    "parse_history",
]

LOCK_TIMEOUT_SECONDS = 5.0
_TAIL_PROBE = 64
_GENERATIONS = itertools.count(1)  # unique across stores, so no two views share a number


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
        self._parsed: _Parsed | None = None  # what `read` parsed, to read only what is new
        # +1 on every whole read: views built on earlier frames may only extend them while
        # this stays the same (the rows they saw are then still the first rows, unchanged)
        self.generation = 0
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
                    f"numbers a spreadsheet had written another way (such as 0.50 as 0.5) in "
                    f"{plan.tidied} row(s) were put back as saved"
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
                    if keep:  # the learner asked: keep it as it is now, checked from here on
                        plan.rows.append(self._resealed(fields))
            elif keep:
                plan.rows.append(fields)
        return plan

    def _resealed(self, fields: dict[str, str]) -> dict[str, str]:
        """The row as it is now, with a check of its current fields."""
        covered = self._covered(fields.get("schema_version", ""))
        return {**fields, CHECK_COLUMN: integrity.row_check(fields, covered)}

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
        """Load every trusted row, typed, with a list of what was skipped or changed and why.

        The history only grows, so the store remembers what it parsed and, the next time,
        parses only the bytes appended since (by any process), the way a log reader keeps
        its place. It checks cheaply that the file is still the one it read (device and
        inode, a size no smaller, the same modification time when the size is the same,
        and the same bytes at the old end) and reads it all again when it is not.
        """
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._parsed = None
            return HistoryReport(empty_frame(self.schema))
        except OSError as exc:
            raise HistoryError(
                f"could not read {self.path}: {explain_os_error(exc, self.path, 'read')}"
            ) from exc
        try:
            report = self._read_appended(st)
            if report is None:
                report = self._read_whole(st)
        except FileNotFoundError:
            self._parsed = None
            return HistoryReport(empty_frame(self.schema))
        except OSError as exc:
            self._parsed = None
            raise HistoryError(
                f"could not read {self.path}: {explain_os_error(exc, self.path, 'read')}"
            ) from exc
        return report

    def _read_whole(self, st: os.stat_result) -> HistoryReport:
        """Parse the whole file, and remember where it ended if it ended cleanly."""
        self._parsed = None
        self.generation = next(_GENERATIONS)
        size = st.st_size
        fast = _parse_fast(self.path, self.schema)
        if fast is not None and not self._failing(fast, size).size:
            report = self._backed_up(HistoryReport(fast), size)
            self._remember(st, size, report, None)
            return report
        raw = self.path.read_bytes()
        report = self._backed_up(parse_history(raw, self.path, self.schema), len(raw))
        if raw.endswith(b"\n") and raw.count(b'"') % 2 == 0:
            self._remember(st, len(raw), report, raw.count(b"\n"))
        return report

    def _remember(
        self, st: os.stat_result, size: int, report: HistoryReport, lines: int | None
    ) -> None:
        """Keep what a read parsed, so the next read can start where this one stopped."""
        if report.notes or report.error or size == 0:
            return
        with open(self.path, "rb") as handle:
            header = handle.readline()
            handle.seek(max(0, size - _TAIL_PROBE))
            tail = handle.read(min(size, _TAIL_PROBE))
        if not header.endswith(b"\n") or len(tail) != min(size, _TAIL_PROBE):
            return
        self._parsed = _Parsed(st.st_dev, st.st_ino, size, st.st_mtime_ns, header, tail, lines)
        self._parsed.report = report

    def _read_appended(self, st: os.stat_result) -> HistoryReport | None:
        """The remembered rows plus those appended since; None when a whole read is needed."""
        done = self._parsed
        if done is None or (st.st_dev, st.st_ino) != (done.dev, done.ino):
            return None
        if st.st_size < done.size or (st.st_size == done.size and st.st_mtime_ns != done.mtime):
            return None
        with open(self.path, "rb") as handle:
            handle.seek(done.size - len(done.tail))
            if handle.read(len(done.tail)) != done.tail:
                return None
            if st.st_size == done.size:
                return done.report
            chunk = handle.read(st.st_size - done.size)
        size = done.size + len(chunk)
        if not chunk.endswith(b"\n") or chunk.count(b'"') % 2:
            return None  # a save is under way, or was cut off: read it all, the careful way
        try:
            added = parse_text((done.header + chunk).decode("utf-8"), self.schema)
        except UnicodeDecodeError:
            return None
        if added.notes or added.error:
            return None
        if added.problems or added.changes:
            shift = self._lines(done) - 1  # the chunk's first line is line 2 of `added`
            problems = tuple(dataclasses.replace(p, line=p.line + shift) for p in added.problems)
            changes = tuple(dataclasses.replace(c, line=c.line + shift) for c in added.changes)
        else:
            problems, changes = (), ()
        before = done.report
        frame = (
            pd.concat([before.frame, added.frame], ignore_index=True)
            if len(added.frame)
            else before.frame
        )
        report = HistoryReport(
            frame, before.problems + problems, changes=before.changes + changes, notes=()
        )
        report = self._backed_up(report, size)
        lines = None if done.lines is None else done.lines + chunk.count(b"\n")
        self._remember(st, size, report, lines)
        return report

    def _lines(self, done: _Parsed) -> int:
        """How many lines the remembered part of the file has (counted once, when needed)."""
        if done.lines is None:
            with open(self.path, "rb") as handle:
                done.lines = sum(block.count(b"\n") for block in _blocks(handle, done.size))
        return done.lines

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


@dataclass
class _Parsed:
    """Where the last read of the history stopped, and what it found up to there."""

    dev: int
    ino: int
    size: int
    mtime: int
    header: bytes  # the first line, to parse an appended chunk under
    tail: bytes  # the last bytes read, to tell the same file grown from another one
    lines: int | None  # physical lines up to `size`; None until needed
    report: HistoryReport = dataclasses.field(default=None)  # type: ignore[assignment]


def _blocks(handle, size: int, step: int = 1 << 22):
    left = size
    while left:
        block = handle.read(min(step, left))
        if not block:
            return
        left -= len(block)
        yield block


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

    def _ipython_display_(self) -> None:
        """Show nothing more in a notebook: `prep.repair_history()` already printed it."""

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
                "backup holds them as saved (they were changed before the workbook read the "
                "file again). They are kept as they are now and checked from here on; the "
                "copy named at the end still has the file as the spreadsheet left it:"
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


def _check_storable(text: str) -> None:
    """Refuse text UTF-8 cannot hold (a lone surrogate) before the file is touched."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise HistoryWriteError(
            f"the text holds a broken character (U+{ord(text[exc.start]):04X}, half of an emoji "
            "or symbol that lost its other half) that cannot be stored; delete it and save again"
        ) from None
