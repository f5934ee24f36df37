"""Autosaved drafts: typed text survives a kernel restart, a reload or a crash (issue 3)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timezone

import pytest

import prep
from prep.errors import DraftError
from prep.store.drafts import Debouncer, DraftStore, _flush_all

T0 = datetime(2026, 11, 24, 14, 3, 12, tzinfo=timezone.utc)


class ManualTimers:
    """Timers that fire only when the test says so, with a clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[list] = []  # [due, fn, cancelled]

    def clock(self) -> float:
        return self.now

    def start(self, delay, fn):
        timer = [self.now + delay, fn, False]
        self.timers.append(timer)
        return lambda: timer.__setitem__(2, True)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for timer in list(self.timers):
            if not timer[2] and timer[0] <= self.now:
                timer[2] = True
                timer[1]()


# ---- the drafts file -------------------------------------------------------------------


def test_drafts_round_trip_and_empty_text_discards(tmp_path):
    drafts = DraftStore(tmp_path / "drafts.json", clock=lambda: T0)
    text = 'line one\n"quoted", comma\U0001f600 \x00 \r\n <b>bold</b> \ud83d'
    drafts.update({"past-role": text, "research-company/company": "Acme"})
    again = DraftStore(tmp_path / "drafts.json").load()
    assert again["past-role"].text == text
    assert again["past-role"].updated_at == T0
    drafts.update({"past-role": "   "})
    drafts.discard("research-company/company")
    assert DraftStore(tmp_path / "drafts.json").load() == {}


def test_unchanged_drafts_do_not_rewrite_the_file(tmp_path):
    drafts = DraftStore(tmp_path / "drafts.json", clock=lambda: T0)
    drafts.update({"past-role": "same"})
    inode = (tmp_path / "drafts.json").stat().st_ino
    drafts.update({"past-role": "same", "five-years": None})
    assert (tmp_path / "drafts.json").stat().st_ino == inode


def test_damaged_drafts_file_is_kept_aside_not_lost(tmp_path):
    path = tmp_path / "drafts.json"
    path.write_bytes(b'{"format": 1, "drafts": {"past-role": {"text": "half')
    drafts = DraftStore(path, clock=lambda: T0)
    with pytest.raises(DraftError, match="damaged"):
        drafts.load()
    drafts.update({"five-years": "new draft"})
    aside = tmp_path / "drafts.unreadable-20261124T140312Z.json"
    assert aside.read_bytes() == b'{"format": 1, "drafts": {"past-role": {"text": "half'
    assert drafts.set_aside == [aside]
    assert drafts.load()["five-years"].text == "new draft"


def test_unwritable_drafts_give_a_plain_message(tmp_path, monkeypatch):
    drafts = DraftStore(tmp_path / "drafts.json")
    real_open = os.open

    def no_space(path, flags, *args):
        if ".tmp" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", no_space)
    with pytest.raises(DraftError, match="the disk is full"):
        drafts.update({"past-role": "text"})


DRAFTS_HOLDER = textwrap.dedent(
    """
    import sys, filelock
    from prep.store.drafts import DraftStore
    path, marker = sys.argv[1], sys.argv[2]
    with filelock.FileLock(DraftStore(path).lock_path):  # the lock file as that process names it
        open(marker, "w").close()
        sys.stdin.read()  # hold the lock until the test closes our stdin
    """
)


@pytest.fixture
def drafts_locked(tmp_path):
    """Hold the drafts lock in another process until the returned function is called."""
    path = tmp_path / "drafts.json"
    marker = tmp_path / "held"
    proc = subprocess.Popen(
        [sys.executable, "-c", DRAFTS_HOLDER, str(path), str(marker)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():  # a hang guard, not a timing assertion
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.005)

    def release():
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()

    yield path, release
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_drafts_are_not_written_while_another_process_holds_the_lock(drafts_locked):
    path, release = drafts_locked
    DraftStore(path, lock_timeout=5).load()  # reading needs no lock
    started = time.monotonic()
    with pytest.raises(DraftError, match="another notebook is writing drafts"):
        DraftStore(path, lock_timeout=0.3).update({"past-role": "typed while locked"})
    assert time.monotonic() - started >= 0.3, "it gave up before its timeout"
    assert not path.exists()
    release()
    DraftStore(path, lock_timeout=0.3).update({"past-role": "after the release"})
    assert DraftStore(path).get("past-role").text == "after the release"


def test_a_draft_write_waits_for_the_lock_then_lands(drafts_locked):
    path, release = drafts_locked
    done, errors = threading.Event(), []

    def write():
        try:
            DraftStore(path, lock_timeout=60).update({"past-role": "queued"})
        except Exception as exc:  # reported below, on the test's thread
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.5), "the draft was written while another process held the lock"
    release()
    thread.join(60)
    assert errors == []
    assert DraftStore(path).get("past-role").text == "queued"


def test_a_write_failing_halfway_leaves_the_old_drafts_file_intact(tmp_path, monkeypatch):
    drafts = DraftStore(tmp_path / "drafts.json", clock=lambda: T0)
    drafts.update({"past-role": "the draft before", "five-years": "another"})
    before = drafts.path.read_bytes()
    real_write = os.write
    calls = []

    def half_then_fail(fd, data):
        calls.append(len(data))
        if len(calls) == 1:  # half the bytes reach the file, then the disk fills up
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(DraftError, match="the disk is full"):
        drafts.update({"past-role": "a much longer draft " * 50})
    monkeypatch.undo()
    assert len(calls) == 2, "the write was interrupted halfway, as planned"
    assert drafts.path.read_bytes() == before
    assert drafts.load()["past-role"].text == "the draft before"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "no temp file left"


# ---- debouncing ------------------------------------------------------------------------


def make_debouncer(timers, calls):
    return Debouncer(
        lambda: calls.append(timers.now),
        delay=1.0,
        max_wait=5.0,
        clock=timers.clock,
        start_timer=timers.start,
    )


def test_debouncer_writes_once_typing_pauses():
    timers, calls = ManualTimers(), []
    debouncer = make_debouncer(timers, calls)
    for _ in range(3):  # three keystrokes, 0.4 s apart
        debouncer.trigger()
        timers.advance(0.4)
    assert calls == []
    timers.advance(0.6)
    assert calls == [pytest.approx(1.8)]
    assert not debouncer.pending


def test_debouncer_writes_at_least_every_max_wait_while_typing():
    timers, calls = ManualTimers(), []
    debouncer = make_debouncer(timers, calls)
    for _ in range(30):  # typing without a pause for 15 s
        debouncer.trigger()
        timers.advance(0.5)
    assert len(calls) == 3
    assert all(b - a <= 5.0 + 1e-9 for a, b in zip([0.0, *calls], calls, strict=False))


def test_debouncer_flush_and_cancel():
    timers, calls = ManualTimers(), []
    debouncer = make_debouncer(timers, calls)
    debouncer.trigger()
    debouncer.flush()
    assert calls == [0.0]
    timers.advance(2)
    assert calls == [0.0]  # the flushed timer does not fire again
    debouncer.trigger()
    debouncer.cancel()
    timers.advance(2)
    debouncer.flush()
    assert calls == [0.0]


def test_idle_waits_for_a_running_action_to_return():
    """`pending` is False as soon as the action starts; `idle` only once it has returned."""
    started, release = threading.Event(), threading.Event()
    finished = []

    def slow_write():
        started.set()
        release.wait(10)
        finished.append(True)

    debouncer = Debouncer(slow_write, delay=0.0)
    assert debouncer.idle
    debouncer.trigger()
    assert not debouncer.idle  # pending, not started yet (or just started)
    assert started.wait(10)
    assert not debouncer.pending  # the flag the old handshake trusted ...
    assert not debouncer.idle  # ... while nothing has been written yet
    assert not debouncer.wait_idle(timeout=0.05)
    release.set()
    assert debouncer.wait_idle(timeout=10)
    assert finished == [True] and debouncer.idle


def test_idle_after_cancel_and_after_a_failing_action():
    timers, calls = ManualTimers(), []
    debouncer = make_debouncer(timers, calls)
    debouncer.trigger()
    assert not debouncer.idle
    debouncer.cancel()
    assert debouncer.idle and debouncer.wait_idle(timeout=0)

    def broken():
        raise OSError("boom")

    failing = Debouncer(broken, clock=timers.clock, start_timer=timers.start)
    failing.trigger()
    with pytest.raises(OSError):
        failing.flush()
    assert failing.idle  # a failed action does not leave it busy for ever


def test_pending_drafts_are_written_when_python_exits():
    timers, calls = ManualTimers(), []
    debouncer = make_debouncer(timers, calls)
    debouncer.trigger()
    _flush_all()  # what atexit runs when the kernel shuts down for a restart
    assert calls == [0.0]


# ---- cards -----------------------------------------------------------------------------


def drafts_on_disk(data_dir):
    path = data_dir / "drafts.json"
    return json.loads(path.read_text())["drafts"] if path.exists() else {}


def test_question_card_restores_its_draft_after_a_restart(data_dir):
    card = prep.card("past-role")
    card.answer.value = "I led the API rewrite"
    card.autosave.flush()
    assert drafts_on_disk(data_dir)["past-role"]["text"] == "I led the API rewrite"

    again = prep.card("past-role")  # what re-running the cell after a restart does
    assert again.answer.value == "I led the API rewrite"
    assert again.status.text.startswith("Draft restored from ")
    assert "not saved" in again.status.text
    assert again.length.value.startswith("5 words")
    assert not (data_dir / "practice_history.csv").exists()


def test_saving_clears_the_draft(data_dir):
    card = prep.card("past-role")
    card.answer.value = "my answer"
    card.autosave.flush()
    card.save()
    assert card.status.text.startswith("Saved attempt 1")
    assert drafts_on_disk(data_dir) == {}
    again = prep.card("past-role")
    assert again.answer.value == ""
    assert again.status.text == ""


def test_clearing_the_field_discards_the_draft(data_dir):
    card = prep.card("past-role")
    card.answer.value = "first thoughts"
    card.autosave.flush()
    card.answer.value = ""
    card.autosave.flush()
    assert drafts_on_disk(data_dir) == {}


def test_draft_already_saved_elsewhere_is_not_restored(data_dir):
    card = prep.card("past-role")
    card.answer.value = "same text"
    card.autosave.flush()
    prep.workbook.store().record("past-role", "same text")  # saved, but the draft remained
    again = prep.card("past-role")
    assert again.answer.value == ""
    assert drafts_on_disk(data_dir) == {}


def test_failed_autosave_is_shown_and_the_text_stays(data_dir, monkeypatch):
    card = prep.card("past-role")

    def broken(_changes):
        raise DraftError("the disk is full")

    monkeypatch.setattr(card.autosave.drafts, "update", broken)
    card.answer.value = "precious words"
    card.autosave.flush()
    assert card.status.kind == "warn"
    assert "could not be autosaved (the disk is full)" in card.status.text
    assert card.answer.value == "precious words"
    monkeypatch.undo()
    card.answer.value = "precious words, more"
    card.autosave.flush()
    assert card.status.text == ""  # the warning goes once autosaving works again
    assert card.bug_log.entries == []


def test_tip_card_restores_fields_and_ticks(data_dir):
    card = prep.card("come-prepared")
    card.fields["portfolio-links"].value = "github.com/me"
    card.checks["laptop"].value = True
    card.autosave.flush()
    again = prep.card("come-prepared")
    assert again.fields["portfolio-links"].value == "github.com/me"
    assert again.checks["laptop"].value is True
    assert "Draft restored" in again.status.text
    assert "Checklist" in again.status.text
    again.save()
    assert drafts_on_disk(data_dir) == {}


def test_draft_note_survives_a_history_warning(data_dir):
    card = prep.card("past-role")
    card.answer.value = "kept"
    card.autosave.flush()
    (data_dir / "practice_history.csv").write_text(
        '"attempt_id","recorded_at","item_id","mode","answer","seconds","confidence",'
        '"schema_version"\r\n"a","not a time","past-role","practice","x","","","1"\r\n'
    )
    again = prep.card("past-role")
    assert "could not be read" in again.status.text
    assert "Draft restored" in again.status.text
    assert again.answer.value == "kept"


CHILD = textwrap.dedent(
    """
    import sys, time
    import prep
    card = prep.card("five-years")
    card.answer.value = sys.argv[1]
    if sys.argv[2] == "wait":  # let the debounce write it, then sit until killed
        # `idle`, not `pending`: pending turns False when the write starts, not when it ends
        if not card.autosave.debouncer.wait_idle(timeout=30):
            print("the autosave did not finish", flush=True)
        elif getattr(card.autosave.drafts.get("five-years"), "text", None) != sys.argv[1]:
            print("not on disk:", card.status.text, flush=True)
        else:
            print("written", flush=True)
        time.sleep(60)
    """
)


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_draft_survives_the_kernel_going_away(data_dir, how):
    """A kernel restart (normal exit, drafts flushed at exit) or a crash (SIGKILL)."""
    text = f"typed before the kernel {how}"
    env = {**os.environ, "PREP_DATA_DIR": str(data_dir)}
    mode = "exit" if how == "exit" else "wait"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, text, mode], env=env, stdout=subprocess.PIPE, text=True
    )
    if how == "kill":
        assert child.stdout.readline().strip() == "written"  # on disk, checked by the child
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert prep.card("five-years").answer.value == text


def test_unsaved_draft_is_not_lost_by_a_slow_timer(data_dir):
    """The real (threaded) debounce writes the draft about a second after typing stops."""
    card = prep.card("five-years")
    card.answer.value = "threaded"
    deadline = time.monotonic() + 10
    while "five-years" not in drafts_on_disk(data_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert drafts_on_disk(data_dir)["five-years"]["text"] == "threaded"
