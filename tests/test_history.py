"""HistoryStore: rows written safely, read back exactly, bad rows reported not fatal."""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
from datetime import datetime, timezone

import filelock
import pandas as pd
import pytest

from prep.errors import HistoryEncodingError, HistoryLockedError, HistoryWriteError
from prep.store.history import COLUMNS, HistoryStore, attempts_from_frame

AWKWARD = [
    "plain",
    'commas, "quotes", and\nnewlines\nin one answer',
    "emoji 😀👩‍💻 and accents é ñ 漢字",
    "NaN",
    "null",
    "None",
    "NA",
    "1e5",
    "True",
    "0012",
    "=1+1",
    "+cmd",
    "-2",
    "@SUM(A1)",
    "a\r\nb",
    "\r",
    "\ufeffx",
    "\x00",
    "trailing spaces   ",
    "x" * 50_000,
]


@pytest.fixture
def store(tmp_path):
    return HistoryStore(tmp_path / "practice_history.csv")


def raw_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("answer", AWKWARD, ids=lambda a: repr(a[:20]))
def test_awkward_answer_round_trips_exactly(store, answer):
    store.record("past-role", answer)
    frame = store.load()
    assert list(frame["answer"]) == [answer]
    assert frame["answer"].dtype == "string"


def test_all_awkward_answers_in_one_file_round_trip(store):
    for answer in AWKWARD:
        store.record("past-role", answer, seconds=61.6, confidence=4)
    frame = store.load()
    assert list(frame["answer"]) == AWKWARD
    assert set(frame["seconds"]) == {62}
    assert set(frame["confidence"]) == {4}


def test_first_save_creates_owner_only_file_with_one_header(store):
    store.record("past-role", "first")
    store.record("past-role", "second")
    rows = raw_rows(store.path)
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows].count("attempt_id") == 1
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_columns_have_documented_types_and_blanks(store):
    when = datetime(2026, 11, 24, 14, 2, 5, tzinfo=timezone.utc)
    store.clock = lambda: when
    store.record("past-role", "timed", seconds=95, confidence=3)
    store.record("past-role", "untimed")
    frame = store.load()
    assert str(frame["recorded_at"].dtype) == "datetime64[ns, UTC]"
    assert frame["recorded_at"].iloc[0] == pd.Timestamp(when)
    assert str(frame["seconds"].dtype) == "Int64"
    assert frame["seconds"].iloc[0] == 95 and pd.isna(frame["seconds"].iloc[1])
    assert pd.isna(frame["confidence"].iloc[1])
    assert list(frame["mode"]) == ["practice", "practice"]
    raw = store.path.read_text(encoding="utf-8")
    assert '"2026-11-24T14:02:05+00:00"' in raw


def test_saving_appends_and_never_rewrites_earlier_bytes(store):
    store.record("past-role", "one")
    before = store.path.read_bytes()
    store.record("past-role", "two")
    after = store.path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)


def test_empty_history_loads_as_typed_empty_frame(store):
    frame = store.load()
    assert frame.empty and list(frame.columns) == list(COLUMNS)
    assert store.read().problems == ()


def test_attempts_from_frame_keeps_values(store):
    store.record("five-years", "answer", seconds=30, confidence=5)
    (attempt,) = attempts_from_frame(store.load())
    assert (attempt.item_id, attempt.answer, attempt.seconds, attempt.confidence) == (
        "five-years",
        "answer",
        30,
        5,
    )


def test_torn_last_record_at_every_byte_is_skipped_and_reported(store, tmp_path):
    store.record("past-role", "kept answer")
    store.record("past-role", "torn 😀 answer, with\nnewline")
    raw = store.path.read_bytes()
    first_end = raw.index(b"\r\n", raw.index(b'"kept answer"')) + 2
    torn = tmp_path / "torn.csv"
    for cut in range(first_end + 1, len(raw) - 3):  # up to, not including, the final `1"\r\n`
        torn.write_bytes(raw[:cut])
        report = HistoryStore(torn).read()
        assert list(report.frame["answer"]) == ["kept answer"], cut
        assert report.problems, cut
        assert "incomplete" in str(report.problems[-1]), cut


def test_save_after_a_torn_record_stands_alone(store, tmp_path):
    store.record("past-role", "kept")
    store.record("past-role", "torn 😀 here")
    raw = store.path.read_bytes()
    torn_at = raw.index("😀".encode()) + 2  # inside the emoji's bytes
    store.path.write_bytes(raw[:torn_at])
    fresh = HistoryStore(store.path)
    fresh.record("past-role", "after the crash")
    report = fresh.read()
    assert list(report.frame["answer"]) == ["kept", "after the crash"]
    assert len(report.problems) == 1


def test_hand_edited_rows_are_reported_by_line_and_good_rows_load(store):
    store.record("past-role", "good one")
    store.record("past-role", "two\nlines")
    store.record("past-role", "good three")
    lines = store.path.read_bytes().decode("utf-8").split("\r\n")
    # line 2: drop a field; insert a blank line; duplicate the header
    lines[1] = lines[1].replace('"practice",', "", 1)
    edited = "\r\n".join([*lines[:2], "", lines[0], *lines[2:]])
    store.path.write_text(edited, encoding="utf-8", newline="")
    report = store.read()
    assert list(report.frame["answer"]) == ["two\nlines", "good three"]
    messages = [str(p) for p in report.problems]
    assert messages[0].startswith(f"line 2: has {len(COLUMNS) - 1} fields")
    assert any("repeated header" in m and m.startswith("line 4") for m in messages)


def test_unparseable_values_are_reported(store):
    store.record("past-role", "fine")
    text = store.path.read_bytes().decode("utf-8")
    text += '"x1","24/11/2026 14:02","past-role","practice","bad time","","","1"\r\n'
    text += '"x2","2026-11-24T14:02:05+00:00","past-role","practice","bad conf","","9","1"\r\n'
    store.path.write_text(text, encoding="utf-8", newline="")
    report = store.read()
    assert list(report.frame["answer"]) == ["fine"]
    assert [p.line for p in report.problems] == [3, 4]
    assert "recorded_at" in report.problems[0].message
    assert "confidence" in report.problems[1].message


def test_spreadsheet_resave_with_bom_crlf_reordered_columns_loads(store):
    store.record("past-role", "first, answer")
    store.record("five-years", "second\nanswer")
    rows = raw_rows(store.path)
    order = list(reversed(COLUMNS))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # minimal quoting, as Excel does
    writer.writerow(order)
    for row in rows[1:]:
        values = dict(zip(rows[0], row, strict=True))
        writer.writerow([values[c] for c in order])
    store.path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    report = store.read()
    assert report.problems == ()
    assert list(report.frame.columns) == list(COLUMNS)
    assert list(report.frame["answer"]) == ["first, answer", "second\nanswer"]
    # and a new save lands in the file's own column order
    HistoryStore(store.path).record("past-role", "third")
    assert list(HistoryStore(store.path).load()["answer"])[-1] == "third"


def test_legacy_encoding_gives_a_message_and_blocks_appends(store):
    store.record("past-role", "café")
    text = store.path.read_bytes().decode("utf-8")
    store.path.write_bytes(text.encode("cp1252"))
    before = store.path.read_bytes()
    with pytest.raises(HistoryEncodingError, match="UTF-8"):
        store.read()
    with pytest.raises(HistoryEncodingError, match="UTF-8"):
        HistoryStore(store.path).record("past-role", "new")
    assert store.path.read_bytes() == before


def test_failed_fsync_rolls_back_and_reports(store, monkeypatch):
    store.record("past-role", "kept")
    before = store.path.read_bytes()

    def failing_fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(HistoryWriteError, match="disk reported an error"):
        store.record("past-role", "lost?")
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    store.record("past-role", "retry works")
    assert list(store.load()["answer"]) == ["kept", "retry works"]


def test_short_write_rolls_back(store, monkeypatch):
    store.record("past-role", "kept")
    before = store.path.read_bytes()
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data)[:5]))
    with pytest.raises(HistoryWriteError, match="disk is full"):
        store.record("past-role", "half")
    monkeypatch.undo()
    assert store.path.read_bytes() == before


def test_permission_denied_names_the_path(store, monkeypatch):
    store.record("past-role", "kept")
    real_open = os.open

    def deny(path, flags, *args):
        if str(path) == str(store.path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(HistoryWriteError, match=str(store.path)):
        store.record("past-role", "blocked")


def test_data_dir_that_cannot_exist_gives_a_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(HistoryWriteError):
        HistoryStore(blocker / "practice_history.csv").record("past-role", "x")


def test_held_lock_gives_another_notebook_message(store):
    store.record("past-role", "kept")
    before = store.path.read_bytes()
    store.lock_timeout = 0.2
    with (
        filelock.FileLock(store.lock_path),
        pytest.raises(HistoryLockedError, match="another notebook"),
    ):
        store.record("past-role", "waiting")
    assert store.path.read_bytes() == before


def test_foreign_header_is_not_appended_to(store):
    store.path.write_text("name,score\nann,3\n", encoding="utf-8")
    before = store.path.read_bytes()
    with pytest.raises(HistoryWriteError, match="header"):
        store.record("past-role", "x")
    assert store.path.read_bytes() == before
    report = store.read()
    assert report.frame.empty and "header" in str(report.problems[0])


def test_other_writers_appends_are_seen_by_a_long_lived_store(store, tmp_path):
    other = HistoryStore(store.path)
    store.record("past-role", "mine 1")
    other.record("past-role", 'theirs, with a " quote')
    store.record("past-role", "mine 2")
    assert list(store.load()["answer"]) == ["mine 1", 'theirs, with a " quote', "mine 2"]


def _extra_field(lines):
    lines[2] = lines[2] + ',"surplus"'
    return lines, 3, f"has {len(COLUMNS) + 1} fields where the header has {len(COLUMNS)}"


def _missing_field(lines):
    lines[2] = lines[2].replace('"practice",', "", 1)
    return lines, 3, f"has {len(COLUMNS) - 1} fields where the header has {len(COLUMNS)}"


def _blank_lines(lines):
    return [lines[0], "", "   ", *lines[1:]], None, None


def _semicolons(lines):
    return [line.replace('","', '";"') for line in lines], 1, "uses ';' between fields"


@pytest.mark.parametrize("edit", [_extra_field, _missing_field, _blank_lines])
def test_hand_edited_shapes_are_reported_and_nothing_is_rewritten(store, edit):
    """B4: each hand-edited shape is reported by line; good rows load; the file is untouched."""
    for answer in ("one", "two", "three"):
        store.record("past-role", answer)
    lines = store.path.read_bytes().decode("utf-8").split("\r\n")[:-1]
    lines, line, message = edit(lines)
    store.path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    before = store.path.read_bytes()
    report = store.read()
    expected = ["one", "three"] if line == 3 else ["one", "two", "three"]
    assert list(report.frame["answer"]) == expected
    if line is None:
        assert report.problems == ()
    else:
        assert [(p.line, message in p.message) for p in report.problems] == [(line, True)]
    assert store.path.read_bytes() == before


def test_a_semicolon_file_gets_one_accurate_message_and_the_same_on_save(store):
    """B4: every row of a ';' file loads; the learner hears why and how to fix it, once."""
    for answer in ("one", "two", "three"):
        store.record("past-role", answer)
    lines, _line, _message = _semicolons(store.path.read_bytes().decode("utf-8").split("\r\n")[:-1])
    store.path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    before = store.path.read_bytes()
    report = HistoryStore(store.path).read()
    assert list(report.frame["answer"]) == ["one", "two", "three"]
    assert report.problems == ()
    summary = report.summary()
    assert "';' between fields" in summary and "Every row loaded" in summary
    assert "prep.repair_history()" in summary and "could not be read" not in summary
    with pytest.raises(HistoryWriteError) as refused:
        HistoryStore(store.path).record("past-role", "four")
    message = str(refused.value)
    assert "';' between fields" in message and "prep.repair_history()" in message
    assert "Every row still loads" in message
    assert store.path.read_bytes() == before
    repaired = HistoryStore(store.path).repair()
    assert "';' between fields was changed to ','" in str(repaired)
    assert HistoryStore(store.path).read().summary() == ""


def test_a_save_landing_during_a_read_is_not_half_seen(store, monkeypatch):
    """The fast path reads the file by name; if it grew meanwhile, one snapshot is parsed."""
    store.record("past-role", "first")
    real_read_csv = pd.read_csv
    other = HistoryStore(store.path)

    def read_while_another_notebook_saves(*args, **kwargs):
        frame = real_read_csv(*args, **kwargs)
        other.record("past-role", "saved during the read")
        return frame

    monkeypatch.setattr(pd, "read_csv", read_while_another_notebook_saves)
    report = store.read()
    assert list(report.frame["answer"]) == ["first", "saved during the read"]
    assert report.problems == ()


@pytest.mark.parametrize("confidence", [0, 6, -1, 100, 2.5, True, "3"])
def test_confidence_outside_one_to_five_is_refused_and_nothing_is_written(store, confidence):
    store.record("past-role", "kept", confidence=3)
    before = store.path.read_bytes()
    with pytest.raises(ValueError, match="confidence must be a whole number from 1 to 5"):
        store.record("past-role", "out of range", confidence=confidence)
    assert store.path.read_bytes() == before


def test_confidence_outside_one_to_five_never_creates_the_file(store):
    with pytest.raises(ValueError, match="confidence"):
        store.record("past-role", "first", confidence=0)
    assert not store.path.exists()


@pytest.mark.parametrize("confidence", [1, 5, None])
def test_confidence_at_the_ends_of_the_range_is_kept(store, confidence):
    store.record("past-role", "edge", confidence=confidence)
    assert store.load()["confidence"].tolist() == [pd.NA if confidence is None else confidence]
