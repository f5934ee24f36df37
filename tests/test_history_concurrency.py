"""Property and multi-process tests of the history store (reliability cases B1, L1, L2)."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep.history import COLUMNS, HistoryStore

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
    from prep.history import HistoryStore
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
