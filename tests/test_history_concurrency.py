"""Property and multi-process tests of the history store (reliability cases B1, L1, L2)."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep.errors import HistoryLockedError
from prep.store.history import COLUMNS, HistoryStore

SPECIALS = ["NaN", "null", "None", "NA", "", "1e5", "True", "0012", "=1+1", "\x00", "\r", "a\r\nb"]
SPECIALS.append("\ufeffx")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=st.lists(st.one_of(st.text(), st.sampled_from(SPECIALS)), min_size=1, max_size=5))
def test_any_text_round_trips_exactly(tmp_path_factory, answers):
    store = HistoryStore(tmp_path_factory.mktemp("h") / "practice_history.csv")
    for answer in answers:
        store.record("past-role", answer)
    assert list(store.load()["answer"]) == answers


WRITER = textwrap.dedent(
    """
    import os, sys, time
    from prep.store.history import HistoryStore
    path, name, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    while not os.path.exists(go):
        time.sleep(0.001)
    store = HistoryStore(path, lock_timeout=30)
    for n in range(count):
        body = "\\n".join(f"{name} answer {n}, line {k}: " + "x" * (40 + n % 50) for k in range(4))
        store.record("past-role", body)
    """
)


def run_writers(path, count, names=("a", "b")):
    go = path.parent / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count), str(go)])
        for name in names
    ]
    time.sleep(0.5)  # let both start and wait at the gate
    go.write_text("go")
    for proc in procs:
        assert proc.wait(timeout=120) == 0


def expected(name, n):
    return "\n".join(f"{name} answer {n}, line {k}: " + "x" * (40 + n % 50) for k in range(4))


def test_two_processes_saving_at_once_keep_every_row_intact(tmp_path):
    path = tmp_path / "practice_history.csv"
    run_writers(path, 200)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows].count("attempt_id") == 1
    report = HistoryStore(path).read()
    assert report.problems == ()
    answers = set(report.frame["answer"])
    assert len(report.frame) == 400
    assert answers == {expected(name, n) for name in "ab" for n in range(200)}


def test_two_processes_creating_the_file_write_one_header(tmp_path):
    for attempt in range(5):
        path = tmp_path / f"run{attempt}" / "practice_history.csv"
        path.parent.mkdir()
        run_writers(path, 1)
        text = path.read_bytes().decode("utf-8")
        assert text.count('"attempt_id"') == 1
        assert len(HistoryStore(path).load()) == 2


# ---- the lock, without a race ------------------------------------------------------------
# The tests above pass by luck when processes do not share the lock: two writers collide
# in only a few runs. Here one process takes the store's own lock (the same code path a
# save takes, with the lock file the store names in *that* process) and holds it until
# told; a save in this process must then be refused within its timeout, every time.

HOLDER = textwrap.dedent(
    """
    import sys
    from prep.store.history import HistoryStore
    path, marker = sys.argv[1], sys.argv[2]
    with HistoryStore(path)._locked():
        open(marker, "w").close()
        sys.stdin.read()  # hold the lock until the test closes our stdin
    """
)


@pytest.fixture
def holder(tmp_path):
    """Start a process that holds the history's lock; yield a function that releases it."""
    procs = []

    def start(path):
        marker = tmp_path / f"held{len(procs)}"
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), str(marker)],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        deadline = time.monotonic() + 60
        while not marker.exists():  # a hang guard, not a timing assertion
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the holder never took the lock"
            time.sleep(0.005)

        def release():
            proc.stdin.close()
            assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()

        return release

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_save_waits_for_the_lock_another_process_holds(tmp_path, holder):
    path = tmp_path / "practice_history.csv"
    HistoryStore(path).record("past-role", "kept")
    before = path.read_bytes()
    release = holder(path)
    started = time.monotonic()
    with pytest.raises(HistoryLockedError, match="another notebook"):
        HistoryStore(path, lock_timeout=0.3).record("past-role", "refused while locked")
    assert time.monotonic() - started >= 0.3, "it gave up before its timeout"
    assert path.read_bytes() == before
    release()
    HistoryStore(path, lock_timeout=0.3).record("past-role", "after the release")
    assert list(HistoryStore(path).load()["answer"]) == ["kept", "after the release"]


def test_a_save_queued_behind_the_lock_lands_once_it_is_released(tmp_path, holder):
    path = tmp_path / "practice_history.csv"
    HistoryStore(path).record("past-role", "kept")
    release = holder(path)
    done = threading.Event()
    errors = []

    def save():
        try:
            HistoryStore(path, lock_timeout=60).record("past-role", "queued")
        except Exception as exc:  # reported below, on the test's thread
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=save)
    thread.start()
    assert not done.wait(0.5), "the save went ahead while another process held the lock"
    release()
    thread.join(60)
    assert errors == []
    assert list(HistoryStore(path).load()["answer"]) == ["kept", "queued"]


def test_the_history_is_not_created_while_another_process_holds_the_lock(tmp_path, holder):
    """L2 without a race: creating the file happens under the lock, or not at all."""
    path = tmp_path / "practice_history.csv"
    release = holder(path)
    with pytest.raises(HistoryLockedError, match="another notebook"):
        HistoryStore(path, lock_timeout=0.3).record("past-role", "first answer")
    assert not path.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    release()
    HistoryStore(path).record("past-role", "first answer")
    assert path.read_bytes().count(b'"attempt_id"') == 1
    assert list(HistoryStore(path).load()["answer"]) == ["first answer"]
