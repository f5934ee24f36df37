"""Backups and `repair()`: the file is only rewritten when asked, always after a backup."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timezone

import pytest

import prep
from prep.errors import HistoryEncodingError, HistoryError, HistoryWriteError
from prep.store.history import COLUMNS, SCHEMA, HistoryStore, Schema

T0 = datetime(2026, 11, 24, 14, 3, 12, tzinfo=timezone.utc)
HEADER = ",".join(f'"{c}"' for c in COLUMNS) + "\r\n"


def row(attempt_id, answer, *, when="2026-11-20T09:00:00+00:00", confidence="", version="1"):
    values = [attempt_id, when, "past-role", "practice", answer, "", confidence, version]
    return ",".join('"' + v.replace('"', '""') + '"' for v in values) + "\r\n"


@pytest.fixture
def store(tmp_path):
    return HistoryStore(tmp_path / "practice_history.csv", clock=lambda: T0)


def damaged_file(store):
    """Good rows around a hand-edited row, a repeated header, a bad time and a torn tail."""
    text = (
        HEADER
        + row("a1", "first answer")
        + '"a2","2026-11-20T09:05:00+00:00","past-role"\r\n'
        + HEADER
        + row("a3", "second, with a comma\nand a line", confidence="4")
        + row("a4", "bad time", when="yesterday")
        + row("a5", "third \U0001f600")
        + row("a6", "cut off in the mid")[:-12]
    )
    store.path.write_bytes(text.encode("utf-8"))
    return store.path.read_bytes()


def test_clean_file_is_left_alone(store):
    store.record("past-role", "fine")
    before, inode = store.path.read_bytes(), store.path.stat().st_ino
    report = store.repair()
    assert report.backup is None
    assert "Nothing to repair" in str(report)
    assert store.path.read_bytes() == before and store.path.stat().st_ino == inode
    assert not store.backups_dir.exists()


def test_repair_keeps_good_rows_and_backs_up_the_exact_bytes(store):
    before = damaged_file(store)
    assert len(store.read().problems) == 4
    report = store.repair()

    assert report.backup is not None and report.backup.read_bytes() == before
    assert report.backup.parent == store.backups_dir
    assert report.backup.name == "practice_history.20261124T140312Z.before-repair.csv"
    assert stat.S_IMODE(report.backup.stat().st_mode) == 0o600
    assert report.rows_kept == 3
    assert [p.line for p in report.left_out] == [3, 4, 7, 9]
    text = str(report)
    assert "3 rows kept" in text and "line 9" in text and str(report.backup) in text

    after = store.read()
    assert after.problems == ()
    assert list(after.frame["answer"]) == [
        "first answer",
        "second, with a comma\nand a line",
        "third \U0001f600",
    ]
    assert list(after.frame["attempt_id"]) == ["a1", "a3", "a5"]
    store.record("past-role", "saving still works")
    assert store.read().problems == ()
    assert store.repair().backup is None  # and now it is clean


def test_repair_puts_a_spreadsheet_layout_back(store):
    order = list(reversed(COLUMNS))
    values = {
        "attempt_id": "s1",
        "recorded_at": "2026-11-20T09:00:00+00:00",
        "item_id": "past-role",
        "mode": "practice",
        "answer": "spreadsheet, saved",
        "seconds": "75",
        "confidence": "5",
        "schema_version": "2",
        "coverage": "0.6",
        "word_count": "2",
        "fillers_per_100": "0.0",
        "star_elements": "action result",
        "row_check": "",
    }
    values.update(dict.fromkeys(COLUMNS[len(values) :], ""))  # columns added after format 3
    line = ",".join(f'"{values[c]}"' if "," in values[c] else values[c] for c in order)
    raw = ("\ufeff" + ",".join(order) + "\r\n" + line + "\r\n").encode("utf-8")
    store.path.write_bytes(raw)
    report = store.repair()
    assert "the columns were put back in the workbook's order" in report.changes
    assert store.path.read_bytes().startswith(HEADER.encode())
    frame = store.load()
    assert frame.loc[0, "answer"] == "spreadsheet, saved" and frame.loc[0, "seconds"] == 75
    assert report.backup.read_bytes() == raw


def test_repair_changes_semicolons_to_commas(store):
    text = HEADER.replace(",", ";") + row("a1", "semi answer").replace('","', '";"')
    store.path.write_text(text, encoding="utf-8", newline="")
    report = store.repair()
    assert "';' between fields was changed to ','" in report.changes
    assert report.left_out == ()
    assert list(store.load()["answer"]) == ["semi answer"]


def test_legacy_encoding_is_converted_only_when_asked(store):
    raw = (HEADER + row("c1", "café — naïve")).encode("cp1252")
    store.path.write_bytes(raw)
    with pytest.raises(HistoryEncodingError, match=r'repair_history\(encoding="cp1252"\)'):
        store.repair()
    assert store.path.read_bytes() == raw
    report = store.repair(encoding="cp1252")
    assert "converted from cp1252 to UTF-8" in report.changes
    assert list(store.load()["answer"]) == ["café — naïve"]
    assert report.backup.read_bytes() == raw
    with pytest.raises(HistoryError, match="could not be read as ascii either"):
        store.path.write_bytes(raw)
        store.repair(encoding="ascii")


def test_a_foreign_file_is_not_repaired(store):
    store.path.write_text("name,score\nbob,3\n", encoding="utf-8")
    with pytest.raises(HistoryError, match="cannot tell which column is which"):
        store.repair()
    assert store.path.read_text() == "name,score\nbob,3\n"
    assert not store.backups_dir.exists()


def test_repair_pads_rows_of_an_older_version(tmp_path):
    path = tmp_path / "practice_history.csv"
    v1 = Schema(SCHEMA.versions[:1])
    v2 = Schema((*v1.versions, ("2", ("pace",))))
    HistoryStore(path, schema=v1).record("past-role", "old row")
    store = HistoryStore(path, schema=v2)
    store.record("past-role", "new row", extra={"pace": "0.5"})
    with path.open("ab") as handle:
        handle.write(b'"torn","2026')
    store.repair()
    frame = store.load()
    assert list(frame["answer"]) == ["old row", "new row"]
    assert list(frame["pace"]) == ["", "0.5"]
    assert path.read_bytes().count(b'"1",""\r\n') == 1  # the old row, padded


def test_backup_is_byte_exact_private_and_never_overwritten(store):
    store.record("past-role", "answer one")
    first = store.backup()
    second = store.backup()  # same second: a new name, not an overwrite
    assert first != second and second.name.endswith("copy-2.csv")
    assert first.read_bytes() == second.read_bytes() == store.path.read_bytes()
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.backups_dir.stat().st_mode) == 0o700


def test_backup_without_a_history_says_so(store):
    with pytest.raises(HistoryError, match="nothing to back up"):
        store.backup()


def test_public_backup_and_repair_calls(data_dir, capsys):
    history = data_dir / "practice_history.csv"
    history.write_text(HEADER + row("a1", "kept") + row("a2", "oops", when="never"))
    report = prep.repair_history()
    printed = capsys.readouterr().out
    assert "Repaired" in printed and "1 rows kept" in printed and "line 3" in printed
    assert report.backup.exists()
    copy = prep.backup_history()
    assert copy.read_bytes() == history.read_bytes()
    assert "Backed up your practice history to" in capsys.readouterr().out


def test_broken_character_is_refused_in_plain_words(store):
    store.record("past-role", "fine")
    before = store.path.read_bytes()
    with pytest.raises(HistoryWriteError, match=r"broken character \(U\+D83D"):
        store.record("past-role", "half an emoji \ud83d here")
    assert store.path.read_bytes() == before


KILLER = textwrap.dedent(
    """
    import json, os, shutil, signal, sys
    from prep.store.history import SCHEMA, HistoryStore, Schema

    damaged, target, steps, action = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    V1 = Schema(SCHEMA.versions[:1])
    V2 = Schema((*V1.versions, ("2", ("pace",))))
    outcomes = []
    for step in range(1, steps + 1):
        for when in ("before", "after"):
            shutil.copyfile(damaged, target)
            pid = os.fork()
            if pid == 0:  # the repairing process, killed at its step-th sync or rename
                count = 0

                def wrap(real):
                    def call(*args):
                        global count
                        count += 1
                        if count == step and when == "before":
                            os.kill(os.getpid(), signal.SIGKILL)
                        result = real(*args)
                        if count == step and when == "after":
                            os.kill(os.getpid(), signal.SIGKILL)
                        return result

                    return call

                os.fsync, os.replace = wrap(os.fsync), wrap(os.replace)
                if action == "repair":
                    HistoryStore(target).repair()
                else:  # the first save of a newer workbook upgrades the header
                    HistoryStore(target, schema=V2).record("past-role", "after the upgrade")
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            killed = os.WIFSIGNALED(status)
            backups = os.path.join(os.path.dirname(target), "backups")
            files = sorted(os.listdir(backups)) if os.path.isdir(backups) else []
            outcomes.append(
                {
                    "step": step,
                    "when": when,
                    "killed": killed,
                    "history": open(target, "rb").read().hex(),
                    "backups": {
                        f: open(os.path.join(backups, f), "rb").read().hex() for f in files
                    },
                }
            )
            shutil.rmtree(backups, ignore_errors=True)
    print(json.dumps(outcomes))
    """
)


def run_killer(tmp_path, old: bytes, action: str) -> list[dict]:
    work = tmp_path / "work"
    work.mkdir()
    damaged = tmp_path / "damaged.csv"
    damaged.write_bytes(old)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLER,
            str(damaged),
            str(work / "practice_history.csv"),
            "8",
            action,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert any(o["killed"] for o in outcomes) and not all(o["killed"] for o in outcomes)
    for outcome in outcomes:
        for name, data in outcome["backups"].items():
            if not name.startswith("."):  # a finished backup, not a temp file
                assert bytes.fromhex(data) == old, (outcome["step"], name)
    return outcomes


def test_repair_killed_at_any_step_leaves_old_or_new_and_an_exact_backup(tmp_path):
    """F7: SIGKILL before and after every fsync and rename of a repair."""
    reference = HistoryStore(tmp_path / "ref" / "practice_history.csv")
    reference.path.parent.mkdir()
    old = damaged_file(reference)
    reference.repair()
    new = reference.path.read_bytes()
    assert new != old

    seen = set()
    for outcome in run_killer(tmp_path, old, "repair"):
        history = bytes.fromhex(outcome["history"])
        assert history in (old, new), outcome["step"]
        seen.add(history)
        if history == new:  # the repair got as far as the rename: its backup exists
            assert len([n for n in outcome["backups"] if not n.startswith(".")]) == 1
    assert seen == {old, new}  # kills landed both before and after the switch


def test_upgrade_killed_at_any_step_leaves_old_or_new_and_an_exact_backup(tmp_path):
    """F7 for a schema upgrade: the old file, or the new header over the same old rows."""
    v1 = Schema(SCHEMA.versions[:1])
    reference = HistoryStore(tmp_path / "ref" / "practice_history.csv", schema=v1)
    reference.path.parent.mkdir()
    for answer in ("one", "two, three"):
        reference.record("past-role", answer)
    old = reference.path.read_bytes()
    header, body = old.split(b"\r\n", 1)
    upgraded = header + b',"pace"\r\n' + body

    seen = set()
    for outcome in run_killer(tmp_path, old, "upgrade"):
        history = bytes.fromhex(outcome["history"])
        if history.startswith(upgraded) and history != upgraded:
            tail = history[len(upgraded) :]  # the save that followed: whole, or not there
            assert tail.endswith(b'"after the upgrade","","","2",""\r\n'), outcome["step"]
            history = upgraded
        assert history in (old, upgraded), outcome["step"]
        seen.add(history)
    assert seen == {old, upgraded}
