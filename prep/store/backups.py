"""Backups of the history: byte-exact copies, kept up to date automatically, bounded in size.

Two kinds live in the data folder's `backups/`:

- **Snapshots**, taken before the workbook rewrites the file (an upgrade, a repair) or when
  the learner asks (`prep.backup_history()`): `practice_history.<UTC time>.<reason>.csv`.
- **The automatic backup**, `backups/auto/practice_history.latest.csv`: after each read
  that finds every checked row intact, the bytes appended to the history since are
  appended to it too, so it costs only what is new (the history is append-only). When the
  history was rewritten instead (a repair, an upgrade, a spreadsheet re-save that changed
  nothing the checks can see), the old copy is kept under its time and a new one started.
  A read that finds rows changed outside the workbook never touches it: it still holds
  what the workbook saved, which is what `prep.repair_history()` restores from.

Like Anki's automatic backups they are bounded: at most `KEEP_ROTATED` older automatic
copies, and those beyond `MAX_AUTO_BYTES` in all are removed oldest first (the newest
two always stay). A copy interrupted by a crash is still a byte-exact copy of a prefix
of the history, so a backup is never a mix of two files.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import filelock
import numpy as np

from .safe_io import atomic_write, fsync_folder

AUTO_DIRNAME = "auto"
KEEP_ROTATED = 8
NOTE_EVERY_ROWS = 200  # how far the "verified up to here" note may lag behind the copy
MAX_AUTO_BYTES = 512 * 1024 * 1024
_PROBE = 4096


class Backups:
    """The backups of one history file."""

    def __init__(self, history: Path, clock: Callable[[], datetime]) -> None:
        self.history = history
        self.clock = clock

    @property
    def folder(self) -> Path:
        return self.history.parent / "backups"

    @property
    def auto_folder(self) -> Path:
        return self.folder / AUTO_DIRNAME

    @property
    def latest(self) -> Path:
        return self.auto_folder / f"{self.history.stem}.latest{self.history.suffix}"

    def _stamp(self) -> str:
        return self.clock().astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    def snapshot(self, raw: bytes, reason: str) -> Path:
        """Keep `raw` (the history's bytes) as a timestamped copy named for `reason`."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        name = f"{self.history.stem}.{self._stamp()}.{reason}"
        target = _free_name(self.folder, name, self.history.suffix)
        atomic_write(target, raw)
        return target

    @property
    def _verified(self) -> Path:
        """How much of the latest copy a read verified: its size then, and its rows."""
        return self.auto_folder / f"{self.history.stem}.latest.json"

    def keep_up(self, size: int, rows: int | None = None) -> str:
        """Bring the automatic backup up to the history's first `size` bytes, as cheaply as it can.

        Call it only after a read found nothing changed outside the workbook; `rows` is how
        many rows that read trusted in those bytes, kept so a later read need not check
        them again (`verified_rows`). Returns what it did ("", "appended", "started",
        "rotated"); another notebook doing the same at this moment means nothing to do.
        """
        try:
            self.auto_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with filelock.FileLock(self.auto_folder / ".lock", timeout=0):
                done = self._keep_up(size)
                if rows is not None and self._note_is_stale(done, rows):
                    note = json.dumps({"size": size, "rows": rows}).encode()
                    atomic_write(self._verified, note)
                return done
        except filelock.Timeout:
            return ""

    def _note_is_stale(self, done: str, rows: int) -> bool:
        """Rewrite the note after a new copy, or once it lags well behind the copy.

        A note that lags is still true (the copy only grows past it); a later read just
        hashes the rows after it. Rewriting it on every appended row would cost two
        fsyncs per read.
        """
        if done in ("started", "rotated"):
            return True
        try:
            noted = int(json.loads(self._verified.read_bytes())["rows"])
        except (OSError, ValueError, KeyError, TypeError):
            return True
        return rows - noted > max(NOTE_EVERY_ROWS, noted // 10)

    def verified_rows(self, size: int) -> int:
        """How many leading rows of the history an earlier read already verified, byte for byte.

        The latest copy is only ever written from reads that found every row intact, so
        where the history still starts with exactly those bytes, its first rows need no
        second check. Compared in full, 16 MiB at a time; 0 when anything differs.
        """
        try:
            note = json.loads(self._verified.read_bytes())
            have, rows = int(note["size"]), int(note["rows"])
            if have > size or rows < 0:
                return 0
            if have and not _same_start(self.latest, self.history, have):
                return 0
        except (OSError, ValueError, KeyError, TypeError):
            return 0
        return rows

    def _keep_up(self, size: int) -> str:
        fd = os.open(self.history, os.O_RDONLY)
        try:
            size = min(size, os.fstat(fd).st_size)
            done = "started"
            if self.latest.exists():
                have = self.latest.stat().st_size
                if have <= size and self._is_prefix(fd, have):
                    if have == size:
                        return ""
                    self._append(fd, have, size)
                    return "appended"
                name = f"{self.history.stem}.{self._stamp()}"
                rotated = _free_name(self.auto_folder, name, self.history.suffix)
                os.replace(self.latest, rotated)
                fsync_folder(self.auto_folder)
                done = "rotated"
            atomic_write(self.latest, os.pread(fd, size, 0))
        finally:
            os.close(fd)
        self.prune()
        return done

    def _is_prefix(self, fd: int, have: int) -> bool:
        """Does the backup still match the start of the history (checked at both its ends)?"""
        with open(self.latest, "rb") as backup:
            head = backup.read(min(_PROBE, have))
            backup.seek(max(0, have - _PROBE))
            tail = backup.read()
        return os.pread(fd, len(head), 0) == head and (
            os.pread(fd, len(tail), max(0, have - _PROBE)) == tail
        )

    def _append(self, fd: int, start: int, end: int) -> None:
        out = os.open(self.latest, os.O_WRONLY | os.O_APPEND)
        try:
            offset = start
            while offset < end:
                chunk = os.pread(fd, min(1 << 20, end - offset), offset)
                if not chunk:
                    break
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view) :]
                offset += len(chunk)
            # no fsync: a copy that loses its newest bytes in a power cut is still a true
            # prefix of the history (checked before every append), and the next read
            # appends them again; an fsync here would cost every read after a save
        finally:
            os.close(out)

    def rotated(self) -> list[Path]:
        """The older automatic copies, newest first."""
        if not self.auto_folder.is_dir():
            return []
        pattern = f"{self.history.stem}.*{self.history.suffix}"
        found = [p for p in self.auto_folder.glob(pattern) if p != self.latest]
        return sorted(found, key=lambda p: p.name, reverse=True)

    def prune(self) -> list[Path]:
        """Remove the oldest automatic copies beyond the count and size limits; return them."""
        older = self.rotated()
        removed = older[KEEP_ROTATED:]
        kept = older[:KEEP_ROTATED]
        total = sum(_size(p) for p in [self.latest, *kept])
        while len(kept) > 1 and total > MAX_AUTO_BYTES:
            oldest = kept.pop()
            total -= _size(oldest)
            removed.append(oldest)
        for path in removed:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return removed

    def newest_first(self) -> list[Path]:
        """Every backup to restore from: the automatic ones first, then the snapshots."""
        snapshots: list[Path] = []
        if self.folder.is_dir():
            pattern = f"{self.history.stem}.*{self.history.suffix}"
            snapshots = sorted(self.folder.glob(pattern), key=lambda p: p.name, reverse=True)
        auto = [self.latest] if self.latest.exists() else []
        return [*auto, *self.rotated(), *snapshots]


def _same_start(one: Path, other: Path, size: int, step: int = 1 << 24) -> bool:
    """Do both files start with the same `size` bytes? Mapped, not read: half the time.

    Each block's pages are handed back once compared (MADV_DONTNEED, where the system has
    it): mapped pages count in the process's resident memory, and keeping them all would
    double the progress page's peak memory on a large history.
    """
    if size == 0:
        return True
    with (
        open(one, "rb") as a,
        open(other, "rb") as b,
        mmap.mmap(a.fileno(), size, access=mmap.ACCESS_READ) as first,
        mmap.mmap(b.fileno(), size, access=mmap.ACCESS_READ) as second,
    ):
        for at in range(0, size, step):
            length = min(step, size - at)
            same = np.array_equal(
                np.frombuffer(first, np.uint8, length, at),
                np.frombuffer(second, np.uint8, length, at),
            )
            if not same:
                return False
            if hasattr(mmap, "MADV_DONTNEED"):
                first.madvise(mmap.MADV_DONTNEED, at, length)
                second.madvise(mmap.MADV_DONTNEED, at, length)
    return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _free_name(folder: Path, name: str, suffix: str) -> Path:
    target = folder / f"{name}{suffix}"
    number = 2
    while target.exists():
        target = folder / f"{name}-{number}{suffix}"
        number += 1
    return target
