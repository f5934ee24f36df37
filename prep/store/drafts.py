"""Autosaved drafts: text typed into a card but not saved yet, kept on disk.

A kernel restart, a browser reload or a crash loses whatever lives only in the kernel's
memory, so every answer field writes its text here shortly after the learner stops
typing (`Debouncer`), and a card built later restores it. Saving an answer clears its
draft. The drafts file is small JSON in the data dir, replaced atomically under a lock;
a drafts file that cannot be read is moved aside (never deleted) and a fresh one started.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filelock

from ..errors import DraftError
from .history import atomic_write, explain_os_error, now_utc

FORMAT = 1
DEBOUNCE_SECONDS = 1.0
MAX_WAIT_SECONDS = 5.0
LOCK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Draft:
    """Unsaved text for one item (a question id, or `tip/prompt` for a tip's field)."""

    key: str
    text: str
    updated_at: datetime


class DraftStore:
    """The drafts file: `get` a draft, `update` several at once (None discards one)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = now_utc,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.lock_timeout = lock_timeout
        self.set_aside: list[Path] = []  # unreadable drafts files moved out of the way

    def __repr__(self) -> str:
        return f"DraftStore({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def load(self) -> dict[str, Draft]:
        """Every draft on disk; raise `DraftError` when the file cannot be read."""
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return {}
        except OSError as exc:
            raise DraftError(
                f"your unsaved drafts could not be read: {explain_os_error(exc, self.path)}"
            ) from exc
        try:
            return _decode(raw)
        except ValueError:
            raise DraftError(
                f"your unsaved drafts file ({self.path}) is damaged; it will be kept aside "
                "under a new name the next time a draft is written"
            ) from None

    def get(self, key: str) -> Draft | None:
        return self.load().get(key)

    def update(self, changes: Mapping[str, str | None]) -> None:
        """Write or discard drafts in one replace; empty or None text discards that draft."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with filelock.FileLock(self.lock_path, timeout=self.lock_timeout):
                drafts = self._read_for_update()
                before = dict(drafts)
                stamp = self.clock()
                for key, text in changes.items():
                    if text is None or not text.strip():
                        drafts.pop(key, None)
                    elif key not in drafts or drafts[key].text != text:
                        drafts[key] = Draft(key, text, stamp)
                if drafts == before:
                    return
                if drafts or self.path.exists():
                    atomic_write(self.path, _encode(drafts))
        except filelock.Timeout:
            raise DraftError("another notebook is writing drafts at this moment") from None
        except OSError as exc:
            raise DraftError(explain_os_error(exc, self.path)) from exc

    def discard(self, *keys: str) -> None:
        self.update(dict.fromkeys(keys))

    def _read_for_update(self) -> dict[str, Draft]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            return _decode(raw)
        except ValueError:
            # Keep the unreadable file for the learner to look at; start a fresh one.
            stamp = self.clock().strftime("%Y%m%dT%H%M%SZ")
            aside = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}{self.path.suffix}")
            os.replace(self.path, aside)
            self.set_aside.append(aside)
            return {}


def _encode(drafts: Mapping[str, Draft]) -> bytes:
    body = {
        "format": FORMAT,
        "drafts": {
            key: {"text": d.text, "updated_at": d.updated_at.isoformat(timespec="seconds")}
            for key, d in sorted(drafts.items())
        },
    }
    # ASCII-only JSON: any text the browser can send (even a lone surrogate) round-trips.
    return (json.dumps(body, ensure_ascii=True, indent=1) + "\n").encode("ascii")


def _decode(raw: bytes) -> dict[str, Draft]:
    """Parse the drafts file; raise ValueError when it is not one we wrote."""
    data = json.loads(raw.decode("utf-8-sig"))
    if not isinstance(data, dict) or not isinstance(data.get("drafts"), dict):
        raise ValueError("not a drafts file")
    out = {}
    for key, entry in data["drafts"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise ValueError(f"draft {key!r} has no text")
        try:
            stamp = datetime.fromisoformat(entry["updated_at"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"draft {key!r} has no time") from exc
        out[key] = Draft(key, entry["text"], stamp)
    return out


class Debouncer:
    """Run `action` once changes pause for `delay` seconds, and at least every `max_wait`.

    `trigger()` is called on every keystroke; `flush()` runs a pending action now. The
    timer is injectable so tests decide when it fires; the default is a daemon thread.
    Pending actions also run when the Python process exits normally (a kernel restart).

    `pending` turns False the moment an action *starts*, before it has written anything;
    `idle` (and `wait_idle()`) also wait for a running action to return, so "idle" after
    a change means that change's action has finished.
    """

    def __init__(
        self,
        action: Callable[[], None],
        *,
        delay: float = DEBOUNCE_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        start_timer: Callable[[float, Callable[[], None]], Callable[[], None]] | None = None,
    ) -> None:
        self.action = action
        self.delay = delay
        self.max_wait = max_wait
        self.clock = clock
        self.start_timer = start_timer or _thread_timer
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)  # notified when an action returns
        self._running = threading.Lock()
        self._first: float | None = None  # when the oldest unsaved change happened
        self._busy = False  # an action is running (set and cleared under `_lock`)
        self._cancel: Callable[[], None] | None = None
        _live.add(self)

    @property
    def pending(self) -> bool:
        """A change waits for its action; False already while that action is running."""
        return self._first is not None

    @property
    def idle(self) -> bool:
        """Nothing pending and no action running: the last change's action has returned."""
        with self._lock:
            return self._is_idle()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until `idle` (True), or until `timeout` seconds pass (False)."""
        with self._settled:
            return self._settled.wait_for(self._is_idle, timeout)

    def _is_idle(self) -> bool:
        return self._first is None and not self._busy

    def trigger(self) -> None:
        with self._lock:
            now = self.clock()
            if self._first is None:
                self._first = now
            if self._cancel is not None:
                self._cancel()
            wait = max(0.0, min(self.delay, self._first + self.max_wait - now))
            self._cancel = self.start_timer(wait, self._fire)

    def _fire(self) -> None:
        # One action at a time: a flush that finds the timer already writing waits for it,
        # so "flushed" always means "on disk".
        with self._running:
            with self._lock:
                if self._first is None:
                    return
                self._first, self._cancel = None, None
                self._busy = True
            try:
                self.action()
            finally:
                with self._lock:
                    self._busy = False
                    self._settled.notify_all()

    def flush(self) -> None:
        with self._lock:
            if self._cancel is not None:
                self._cancel()
        self._fire()

    def cancel(self) -> None:
        with self._lock:
            if self._cancel is not None:
                self._cancel()
            self._first, self._cancel = None, None
            self._settled.notify_all()


def _thread_timer(delay: float, fn: Callable[[], None]) -> Callable[[], None]:
    timer = threading.Timer(delay, fn)
    timer.daemon = True
    timer.start()
    return timer.cancel


_live: weakref.WeakSet[Debouncer] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for debouncer in list(_live):
        with contextlib.suppress(Exception):
            debouncer.flush()
