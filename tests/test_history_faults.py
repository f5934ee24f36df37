"""Faults and sizes the history must survive (reliability cases F1, F3, F6, L3, L4).

Writers that must die are real processes killed with SIGKILL; a full disk is a real
`RLIMIT_FSIZE` in a subprocess or an `OSError` from `os.write` for the history file only.
"""

from __future__ import annotations

import csv
import errno
import importlib
import inspect
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

import prep
from prep.errors import HistoryLockedError, HistoryWriteError
from prep.store.history import COLUMNS, DTYPES, HistoryStore, encode_row


def answer(n):
    """Return the writer's n-th answer: multi-line, quoted, with commas and emoji, often long."""
    size = (80, 2_000, 30_000, 250_000)[n % 4]
    line = f'#{n}: "quoted", commas, and emoji 😀👩‍💻 é 漢字\n'
    return f"answer {n}\n" + (line * (size // len(line) + 1))[:size] + f"end {n}"


def index_of(text):
    """Return n for a loaded answer, failing when the text is not exactly `answer(n)`."""
    found = re.match(r"answer (\d+)\n", text)
    assert found, f"a loaded answer is not one the writer produced: {text[:80]!r}"
    n = int(found.group(1))
    assert text == answer(n), f"answer {n} loaded partial or altered ({len(text)} characters)"
    return n


_PRELUDE = textwrap.dedent(
    """
    import importlib.util, os, signal, sys, time, types
    # a writer needs only the store: skip prep/__init__ (widgets, charts) so it starts faster
    package = types.ModuleType("prep")
    package.__path__ = list(importlib.util.find_spec("prep").submodule_search_locations)
    sys.modules["prep"] = package
    from prep.store.history import SCHEMA_VERSION, HistoryStore

    """
)
_GATE = textwrap.dedent(
    """
    gate = sys.argv[1]
    while not os.path.exists(gate):  # imported already; wait for our turn
        time.sleep(0.001)
    """
)

# Saves answer(first), answer(first + 1), ... and appends each index to the acks file only
# after `record` returned, i.e. after the row was acknowledged to the learner.
WRITER = (
    _PRELUDE
    + inspect.getsource(answer)
    + _GATE
    + textwrap.dedent(
        """
        path, acks, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        store = HistoryStore(path, lock_timeout=30)
        out = os.open(acks, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        while True:
            store.record("past-role", answer(n))
            os.write(out, f"{n}\\n".encode())
            os.fsync(out)
            n += 1
        """
    )
)

# Saves and acknowledges answer(n), then dies by SIGKILL partway through writing
# answer(n + 1): only the bytes before `spot` reach the file.
CRASHER = (
    _PRELUDE
    + inspect.getsource(answer)
    + _GATE
    + textwrap.dedent(
        """
        path, acks, n, spot = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        store = HistoryStore(path)
        store.record("past-role", answer(n))
        out = os.open(acks, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.write(out, f"{n}\\n".encode())
        os.fsync(out)
        real_write = os.write

        def cut_at(data):
            if spot == "emoji":
                return data.index("😀".encode()) + 2
            if spot == "doubled-quote":
                return data.index(b'""quoted') + 1
            if spot == "before-newline":
                return len(data) - 1
            if spot == "in-version":  # inside the schema_version field, after its quote
                return data.rindex(f',"{SCHEMA_VERSION}"'.encode()) + 2
            return int(len(data) * float(spot))

        def dying_write(fd, data):
            real_write(fd, bytes(data)[: cut_at(bytes(data))])
            os.kill(os.getpid(), signal.SIGKILL)

        os.write = dying_write
        store.record("past-role", answer(n + 1))
        """
    )
)

HOLDER = textwrap.dedent(
    """
    import sys, filelock
    lock = filelock.FileLock(sys.argv[1])
    lock.acquire()
    open(sys.argv[2], "w").close()
    sys.stdin.read()  # hold the lock until the test closes our stdin
    lock.release()
    """
)


@pytest.fixture
def spawn(tmp_path):
    """Start `python -c script args...`; every process still running at the end is killed."""
    procs = []

    def start(script, *args, stdin=None):
        err = open(tmp_path / f"stderr{len(procs)}", "w+")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, "-c", script, *map(str, args)], stdin=stdin, stderr=err
        )
        proc.err = err
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.err.close()


def stderr_of(proc):
    proc.err.seek(0)
    return proc.err.read()


def wait_until(condition, proc, what):
    """Poll `condition` while `proc` runs; a hang guard, not a timing assertion."""
    deadline = time.monotonic() + 60
    while not condition():
        assert proc.poll() is None, f"process exited before {what}:\n{stderr_of(proc)}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.002)


def acked(path):
    return [int(n) for n in path.read_text().split()] if path.exists() else []


def in_turn(spawn, tmp_path, script, runs):
    """Start every run at once, each waiting at its gate; yield them one at a time in order."""
    gates = [tmp_path / f"gate{k}" for k in range(len(runs))]
    procs = [spawn(script, gate, *args) for gate, args in zip(gates, runs, strict=True)]
    for gate, proc in zip(gates, procs, strict=True):
        gate.write_text("go")
        yield proc


def check_after_kill(path, acknowledged, allowed_extra, kills):
    """Check what a learner would see after `kills` crashes; return the loaded indices."""
    report = HistoryStore(path).read()
    indices = [index_of(text) for text in report.frame["answer"]]  # none partial
    assert len(set(indices)) == len(indices), "an answer loaded twice"
    missing = acknowledged - set(indices)
    assert not missing, f"acknowledged answers lost: {sorted(missing)}"
    unacked = set(indices) - acknowledged
    assert unacked <= allowed_extra, f"rows loaded that were never being saved: {unacked}"
    torn = [p for p in report.problems if "incomplete" in p.message]
    assert len(torn) <= 1, report.problems
    assert len(report.problems) <= kills, report.problems
    return indices


def test_writer_killed_at_random_moments_keeps_every_acknowledged_answer(tmp_path, spawn):
    """F1: SIGKILL a writer at random moments, 8 times on one file; nothing acked is lost."""
    rng = random.Random(20261124)
    path = tmp_path / "practice_history.csv"
    runs = [(path, tmp_path / f"acks{k}", k * 1000) for k in range(8)]
    acknowledged, allowed_extra = set(), set()
    for k, proc in enumerate(in_turn(spawn, tmp_path, WRITER, runs)):
        acks_file, first = runs[k][1], runs[k][2]
        target = rng.randint(1, 6)
        wait_until(lambda f=acks_file, t=target: len(acked(f)) >= t, proc, f"{target} saves")
        time.sleep(rng.uniform(0, 0.015))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, stderr_of(proc)
        mine = acked(acks_file)
        assert mine == list(range(first, first + len(mine)))
        acknowledged |= set(mine)
        allowed_extra.add(first + len(mine))  # saved, but killed before it was acked
        check_after_kill(path, acknowledged, allowed_extra, k + 1)

    fresh = HistoryStore(path)
    fresh.record("past-role", answer(99_999))
    report = fresh.read()
    indices = [index_of(text) for text in report.frame["answer"]]
    assert acknowledged <= set(indices) and indices[-1] == 99_999
    assert not [p for p in report.problems if "incomplete" in p.message], report.problems


CUT_SPOTS = ["0.5", "emoji", "doubled-quote", "0.0", "in-version", "0.97", "before-newline"]


def test_writer_killed_midway_through_a_row_leaves_tears_that_get_sealed(tmp_path, spawn):
    """F1: SIGKILL in the middle of a row's write, 7 times; each tear is sealed by the next."""
    path = tmp_path / "practice_history.csv"
    acks_file = tmp_path / "acks"
    runs = [(path, acks_file, 10 * k + 1, spot) for k, spot in enumerate(CUT_SPOTS)]
    torn_seen = 0
    for k, proc in enumerate(in_turn(spawn, tmp_path, CRASHER, runs)):
        assert proc.wait() == -signal.SIGKILL, stderr_of(proc)
        acknowledged = set(acked(acks_file))
        assert runs[k][2] in acknowledged, "the crasher acknowledged its first answer"
        crashed = {n + 1 for _, _, n, _ in runs[: k + 1]}
        check_after_kill(path, acknowledged, crashed, k + 1)
        torn_seen += any("incomplete" in p.message for p in HistoryStore(path).read().problems)
    assert torn_seen >= 5, "the cuts should have left torn records to seal"

    fresh = HistoryStore(path)
    fresh.record("past-role", answer(99_999))
    report = fresh.read()
    indices = [index_of(text) for text in report.frame["answer"]]
    assert set(acked(acks_file)) <= set(indices) and indices[-1] == 99_999
    assert not [p for p in report.problems if "incomplete" in p.message], report.problems
    # a tear cut before the row's final line break still holds a whole row; the rest do not
    whole = 10 * CUT_SPOTS.index("before-newline") + 2
    assert set(indices) - set(acked(acks_file)) <= {whole, 99_999}


# ---- F3: the disk is full ---------------------------------------------------------------

FSIZE = _PRELUDE + textwrap.dedent(
    """
    import json, resource
    from prep.errors import HistoryWriteError
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    path = sys.argv[1]
    size = os.path.getsize(path)
    messages = []
    for headroom in (300, 0):  # a row that crosses the limit, then a file already at it
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + headroom, size + headroom))
        try:
            HistoryStore(path).record("past-role", "an answer that no longer fits. " * 40)
            messages.append("saved")
        except HistoryWriteError as exc:
            messages.append(str(exc))
    print(json.dumps(messages))
    """
)


def test_file_size_limit_refuses_the_save_and_keeps_the_file(tmp_path):
    """F3: RLIMIT_FSIZE just above the history: plain 'not saved' reason, file unchanged."""
    store = HistoryStore(tmp_path / "practice_history.csv")
    for n in range(3):
        store.record("past-role", answer(n))
    before = store.path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", FSIZE, str(store.path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    crossing, at_limit = json.loads(result.stdout)
    assert "disk is full" in crossing or "largest size" in crossing
    assert "largest size" in at_limit
    assert "Errno" not in crossing + at_limit, "plain words, not an OSError"
    assert store.path.read_bytes() == before
    HistoryStore(store.path).record("past-role", "after space was freed")
    answers = list(HistoryStore(store.path).load()["answer"])
    assert answers == [answer(0), answer(1), answer(2), "after space was freed"]


def fail_writes_to(monkeypatch, path, code):
    """Make `os.write` to the file at `path` fail with `code`; other writes work."""
    real_write = os.write
    target = os.stat(path)

    def write(fd, data):
        if os.path.samestat(os.fstat(fd), target):
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "disk quota is used up"),
        (errno.EFBIG, "largest size"),
    ],
)
def test_write_error_keeps_the_file_byte_identical(tmp_path, monkeypatch, code, words):
    """F3: a write to the history failing like /dev/full: plain reason, file unchanged."""
    store = HistoryStore(tmp_path / "practice_history.csv")
    store.record("past-role", "kept")
    before = store.path.read_bytes()
    fail_writes_to(monkeypatch, store.path, code)
    with pytest.raises(HistoryWriteError, match=words):
        store.record("past-role", 'not saved, "with quotes"\nand 😀')
    assert store.path.read_bytes() == before
    monkeypatch.undo()
    store.record("past-role", "retry")
    assert list(HistoryStore(store.path).load()["answer"]) == ["kept", "retry"]


def test_disk_full_while_creating_the_history_leaves_nothing_behind(tmp_path, monkeypatch):
    """F3: the very first save on a full disk: a message, no file, no stray temp file."""
    store = HistoryStore(tmp_path / "practice_history.csv")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(HistoryWriteError, match="the disk is full"):
        store.record("past-role", "first answer")
    assert not store.path.exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_card_on_a_full_disk_keeps_the_answer_and_says_why(data_dir, monkeypatch):
    """F3: Save on a full disk: 'Not saved', the reason, the text still in the field."""
    card = prep.card("past-role")
    card.answer.value = "first, saved"
    card._on_save(None)
    history = data_dir / "practice_history.csv"
    before = history.read_bytes()
    fail_writes_to(monkeypatch, history, errno.ENOSPC)
    typed = 'My second answer, with "quotes"\nand a new line 😀'
    card.answer.value = typed
    card._on_save(None)
    assert card.bug_log.entries == []
    assert card.status.kind == "error" and card.status.text.startswith("Not saved")
    assert "disk is full" in card.status.text and ".." not in card.status.text
    assert card.answer.value == typed
    assert history.read_bytes() == before
    monkeypatch.undo()
    card._on_save(None)
    assert card.status.text.startswith("Saved attempt 2")
    assert list(HistoryStore(history).load()["answer"]) == ["first, saved", typed]


# ---- F6: the lock ------------------------------------------------------------------------


def test_lock_left_by_a_killed_process_does_not_block_saving(tmp_path, spawn):
    """F6: a process killed while holding the lock: the next save succeeds."""
    store = HistoryStore(tmp_path / "practice_history.csv", lock_timeout=5)
    store.record("past-role", "before the crash")
    marker = tmp_path / "held"
    holder = spawn(HOLDER, store.lock_path, marker, stdin=subprocess.PIPE)
    wait_until(marker.exists, holder, "the lock to be taken")
    with pytest.raises(HistoryLockedError):  # it really holds the lock
        HistoryStore(store.path, lock_timeout=0.05).record("past-role", "blocked")
    holder.send_signal(signal.SIGKILL)
    assert holder.wait() == -signal.SIGKILL
    assert store.lock_path.exists(), "the crashed process's lock file is still there"
    store.record("past-role", "after the crash")
    assert list(store.load()["answer"]) == ["before the crash", "after the crash"]


def test_retry_after_another_notebook_held_the_lock_saves_one_row(tmp_path, spawn):
    """F6: a save refused while another process holds the lock; the retry adds one row."""
    store = HistoryStore(tmp_path / "practice_history.csv", lock_timeout=0.2)
    store.record("past-role", "kept")
    before = store.path.read_bytes()
    marker = tmp_path / "held"
    holder = spawn(HOLDER, store.lock_path, marker, stdin=subprocess.PIPE)
    wait_until(marker.exists, holder, "the lock to be taken")
    with pytest.raises(HistoryLockedError, match="another notebook is saving"):
        store.record("past-role", "the retried answer")
    assert store.path.read_bytes() == before
    holder.stdin.close()
    assert holder.wait() == 0, stderr_of(holder)
    store.record("past-role", "the retried answer")
    assert list(HistoryStore(store.path).load()["answer"]) == ["kept", "the retried answer"]


def test_card_saves_once_after_the_lock_is_released(data_dir, tmp_path, spawn):
    """F6: Save while another notebook saves: a message, the text kept; Save again: one row."""
    card = prep.card("past-role")
    card.store.lock_timeout = 0.2
    marker = tmp_path / "held"
    holder = spawn(HOLDER, card.store.lock_path, marker, stdin=subprocess.PIPE)
    wait_until(marker.exists, holder, "the lock to be taken")
    card.answer.value = "Saved only once"
    card._on_save(None)
    refused = card.status.text
    assert card.status.kind == "error" and "another notebook is saving" in refused
    assert card.answer.value == "Saved only once"
    holder.stdin.close()
    assert holder.wait() == 0, stderr_of(holder)
    card._on_save(None)
    assert card.status.text.startswith("Saved attempt 1")
    card._on_save(None)  # pressing Save once more does not add a copy
    assert list(HistoryStore(card.store.path).load()["answer"]) == ["Saved only once"]
    assert ".." not in refused, f"the refusal should read as plain sentences: {refused!r}"


# ---- L3: very long answers -----------------------------------------------------------------


def long_answer(size):
    line = 'Line with "quotes", commas, tabs\t, émoji 😀 and 漢字; '
    text = "".join(f"{line}{k}\n" for k in range(size // len(line) + 1))
    return text[:size]


@pytest.mark.parametrize("size", [200_000, 1_000_000])
def test_very_long_answer_round_trips_on_both_read_paths(tmp_path, monkeypatch, size):
    """L3: 200,000- and 1,000,000-character answers between normal rows load exactly."""
    store = HistoryStore(tmp_path / "practice_history.csv")
    long = long_answer(size)
    expected = ["before", long, 'after, "quoted"']
    for text in expected:
        store.record("past-role", text)
    with monkeypatch.context() as patch:  # a clean file must not need the slow path
        module = importlib.import_module("prep.store.history_format")  # where the parsers live
        patch.setattr(module, "_parse_slow", lambda *args: pytest.fail("slow path taken"))
        report = store.read()
    assert report.problems == () and list(report.frame["answer"]) == expected
    text = store.path.read_bytes().decode("utf-8")
    broken_line = text.count("\n") + 1
    with store.path.open("a", encoding="utf-8", newline="") as handle:
        handle.write('"hand-edited","row"\r\n')  # not clean any more: the slow path reads it
    report = store.read()
    assert list(report.frame["answer"]) == expected
    assert [p.line for p in report.problems] == [broken_line]


# ---- L4: a long history ----------------------------------------------------------------------

SPECIAL = {7: "NaN", 70: "0012", 700: "1e5", 7_000: "True", 70_000: "", 99_999: "null"}


def big_history(rows):
    """Build a history of `rows` rows as the store writes them, quickly."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    answers = []
    for n in range(rows):
        text = SPECIAL.get(n, f'Attempt {n}: I led the "{n % 7}" team,\nthen shipped it. 😀')
        answers.append(text)
        writer.writerow(
            [
                f"{n:032x}",
                (start + timedelta(minutes=n)).isoformat(timespec="seconds"),
                ("past-role", "five-years", "research-company/stack")[n % 3],
                "practice",
                text,
                "" if n % 5 == 0 else str(n % 600),
                "" if n % 4 == 0 else str(n % 5 + 1),
                "1",
            ]
        )
    return buffer.getvalue().encode("utf-8"), answers


def test_hundred_thousand_rows_load_with_the_documented_types(tmp_path):
    """L4: 100,000 rows: the right count, `DTYPES` exactly, odd answers kept as text."""
    path = tmp_path / "practice_history.csv"
    raw, answers = big_history(100_000)
    head = encode_row({c: c for c in COLUMNS}, COLUMNS)
    assert raw.startswith(head), "built like the store writes it"
    path.write_bytes(raw)
    report = HistoryStore(path).read()
    frame = report.frame
    assert report.problems == ()
    assert len(frame) == 100_000 and list(frame.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES
    assert frame["answer"].tolist() == answers
    for n, text in SPECIAL.items():
        assert frame["answer"].iloc[n] == text and isinstance(frame["answer"].iloc[n], str)
    assert pd.isna(frame["seconds"].iloc[0]) and frame["seconds"].iloc[1] == 1
    assert pd.isna(frame["confidence"].iloc[0]) and frame["confidence"].iloc[1] == 2
    assert int(frame["seconds"].isna().sum()) == 20_000
    assert int(frame["confidence"].isna().sum()) == 25_000
    assert frame["recorded_at"].iloc[-1] == pd.Timestamp("2026-03-11T10:39:00Z")
    assert frame["attempt_id"].iloc[-1] == f"{99_999:032x}"
