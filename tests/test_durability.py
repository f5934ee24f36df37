"""The order of system calls that makes a save survive a power cut (reliability cases).

A crash-safe replace is write the temp file -> fsync it -> rename over the target ->
fsync the folder (so the rename itself is on disk); an append is write -> fsync. Leave
out one fsync and every other test still passes, because nothing crashes in a test. A spy
on the `os` module itself records what really happens, whichever module does the work.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prep.store.drafts import DraftStore
from prep.store.history import HistoryStore, atomic_write


class SyscallSpy:
    """Record os.open/write/fsync/replace as (call, path) while the real calls run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, Path]] = []
        self.written: dict[Path, int] = {}
        self._fds: dict[int, Path] = {}
        real_open, real_write, real_fsync = os.open, os.write, os.fsync
        real_replace, real_close = os.replace, os.close

        def spy_open(path, flags, *args, **kwargs):
            fd = real_open(path, flags, *args, **kwargs)
            self._fds[fd] = Path(os.fsdecode(path)).absolute()
            return fd

        def spy_write(fd, data):
            written = real_write(fd, data)
            path = self.path_of(fd)
            self.events.append(("write", path))
            self.written[path] = self.written.get(path, 0) + written
            return written

        def spy_fsync(fd):
            path = self.path_of(fd.fileno() if hasattr(fd, "fileno") else fd)
            real_fsync(fd)
            self.events.append(("fsync", path))

        def spy_replace(src, dst, *args, **kwargs):
            real_replace(src, dst, *args, **kwargs)
            src_path = Path(os.fsdecode(src)).absolute()
            self.events.append(("replace", src_path))
            self.events.append(("replaced", Path(os.fsdecode(dst)).absolute()))

        def spy_close(fd):
            self.path_of(fd)  # remember the path before the number is reused
            self._fds.pop(fd, None)
            real_close(fd)

        monkeypatch.setattr(os, "open", spy_open)
        monkeypatch.setattr(os, "write", spy_write)
        monkeypatch.setattr(os, "fsync", spy_fsync)
        monkeypatch.setattr(os, "replace", spy_replace)
        monkeypatch.setattr(os, "close", spy_close)

    def path_of(self, fd: int) -> Path:
        if fd not in self._fds:  # opened some other way (open(), io): ask the kernel
            try:
                self._fds[fd] = Path(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                self._fds[fd] = Path(f"<fd {fd}>")
        return self._fds[fd]

    def index(self, call: str, path: Path, after: int = -1) -> int:
        for n, event in enumerate(self.events):
            if n > after and event == (call, path):
                return n
        raise AssertionError(f"no {call}({path}) after event {after}: {self.events}")

    def last(self, call: str, path: Path) -> int:
        found = [n for n, event in enumerate(self.events) if event == (call, path)]
        assert found, f"no {call}({path}): {self.events}"
        return found[-1]


def assert_replaced_safely(spy: SyscallSpy, target: Path, data: bytes | None = None) -> None:
    """target was replaced by write(temp) -> fsync(temp) -> replace -> fsync(folder)."""
    target = target.absolute()
    replaced = spy.index("replaced", target)
    temp = spy.events[replaced - 1][1]
    assert temp != target and temp.parent == target.parent, "the temp file is beside the target"
    last_write = spy.last("write", temp)
    if data is not None:
        assert spy.written[temp] == len(data), "every byte went into the temp file"
    synced = spy.index("fsync", temp, after=last_write)
    assert synced < replaced, f"the temp file is fsynced before the rename: {spy.events}"
    spy.index("fsync", target.parent, after=replaced)  # the rename itself reaches the disk
    assert ("write", target) not in spy.events[: replaced + 1], "the target is never written"


def test_atomic_write_syncs_the_temp_file_then_renames_then_syncs_the_folder(tmp_path, monkeypatch):
    target = tmp_path / "file.csv"
    target.write_bytes(b"old")
    spy = SyscallSpy(monkeypatch)
    atomic_write(target, b"new contents")
    monkeypatch.undo()
    assert target.read_bytes() == b"new contents"
    assert_replaced_safely(spy, target, b"new contents")


def test_creating_the_history_replaces_safely_and_the_row_is_synced(tmp_path, monkeypatch):
    store = HistoryStore(tmp_path / "practice_history.csv")
    spy = SyscallSpy(monkeypatch)
    store.record("past-role", "the first answer")
    monkeypatch.undo()
    path = store.path.absolute()
    assert_replaced_safely(spy, path)
    created = spy.index("replaced", path)
    row_written = spy.last("write", path)
    assert row_written > created
    spy.index("fsync", path, after=row_written)  # the appended row reaches the disk


def test_appending_a_row_writes_once_then_fsyncs(tmp_path, monkeypatch):
    store = HistoryStore(tmp_path / "practice_history.csv")
    store.record("past-role", "first")
    spy = SyscallSpy(monkeypatch)
    store.record("past-role", "second, appended")
    monkeypatch.undo()
    path = store.path.absolute()
    writes = [n for n, event in enumerate(spy.events) if event == ("write", path)]
    assert len(writes) == 1, f"one write per row: {spy.events}"
    spy.index("fsync", path, after=writes[0])
    assert not [e for e in spy.events if e[0] == "replace"], "an append never rewrites the file"
    assert list(HistoryStore(store.path).load()["answer"]) == ["first", "second, appended"]


def test_drafts_file_is_replaced_safely(tmp_path, monkeypatch):
    drafts = DraftStore(tmp_path / "drafts.json")
    drafts.update({"past-role": "an earlier draft"})
    spy = SyscallSpy(monkeypatch)
    drafts.update({"past-role": "typed, not saved yet"})
    monkeypatch.undo()
    assert_replaced_safely(spy, drafts.path)
    assert drafts.get("past-role").text == "typed, not saved yet"
