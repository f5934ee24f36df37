"""Row checks and automatic backups: a row changed outside the workbook is named and put back."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from IPython.lib.pretty import pretty

import prep
from prep.store import backups as backups_module
from prep.store import integrity
from prep.store.history import COLUMNS, SCHEMA, HistoryStore, Schema
from prep.store.integrity import CHECK_COLUMN, Change

T0 = datetime(2026, 11, 24, 14, 3, 12, tzinfo=timezone.utc)
FIGURES = {"coverage": "0.50", "word_count": "12", "fillers_per_100": "0.0", "star_elements": ""}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=61)
        return self.now


@pytest.fixture
def store(tmp_path):
    return HistoryStore(tmp_path / "practice_history.csv", clock=Clock(), auto_backup=True)


def save(store, answer, **kwargs):
    kwargs.setdefault("extra", FIGURES)
    return store.record("past-role", answer, seconds=90, confidence=3, **kwargs)


def rows_of(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def rewrite(raw: bytes, change) -> bytes:
    """Rewrite the file as a spreadsheet would, `change(column, value)` deciding each field."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header = rows[0]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows[1:]:
        writer.writerow([change(c, v) for c, v in zip(header, row, strict=True)])
    return out.getvalue().encode("utf-8")


_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def like_calc(column: str, value: str) -> str:
    """What LibreOffice Calc's default CSV import makes of a field (measured with 7.4)."""
    if value.startswith("=1+1"):
        return "2"
    if value == "True":
        return "TRUE"
    if _NUMBER.fullmatch(value):
        number = float(value)
        if "e" in value.lower():
            return f"{number:.2E}"
        return str(int(number)) if number == int(number) else repr(number)
    return value


# ---- the check itself ---------------------------------------------------------------


def test_every_new_row_carries_a_check_that_its_own_fields_pass(store):
    save(store, "first answer")
    (row,) = rows_of(store.path.read_bytes())
    assert row[CHECK_COLUMN].startswith("c1:")
    covered = integrity.covered_columns(row["schema_version"], SCHEMA.versions)
    assert CHECK_COLUMN not in covered and "answer" in covered
    assert integrity.changed_fields(row, covered) == ()
    assert store.read().changes == ()


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("answer", "an answer someone else wrote", "the answer was changed"),
        ("item_id", "five-years", "the question or tip id was changed"),
        ("recorded_at", "2026-11-25T09:00:00+00:00", "the time saved was changed"),
        ("confidence", "5", "the confidence was changed"),
    ],
)
def test_one_flipped_field_is_named_by_line_and_attempt(store, column, value, named):
    save(store, "first answer")
    attempt = save(store, "second answer")
    save(store, "third answer")
    raw = store.path.read_bytes()
    rows = rows_of(raw)
    rows[1][column] = value
    store.path.write_bytes(_encode(rows))

    report = HistoryStore(store.path).read()
    assert len(report.frame) == 3  # a changed row still loads
    (change,) = report.changes
    assert change.line == 3 and change.attempt_id == attempt.attempt_id
    assert change.fields == (column,) and change.now == (value,)
    assert str(change).startswith(f"line 3 (attempt {attempt.attempt_id[:4]}…): {named}")
    assert report.problems == ()


def _encode(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_numbers_spelled_another_way_are_not_a_change(store):
    """A spreadsheet writes 0.50 as 0.5, 0.0 as 0, 90 as 90.0: the same values, no warning."""
    save(store, "an answer")
    respelled = {"coverage": "0.5", "fillers_per_100": "0", "seconds": "90.0", "confidence": "3"}
    rows = rows_of(store.path.read_bytes())
    rows[0].update(respelled)
    rows[0]["recorded_at"] = rows[0]["recorded_at"].replace("+00:00", "Z")
    store.path.write_bytes(_encode(rows))
    report = HistoryStore(store.path).read()
    assert report.changes == () and report.summary() == ""


def test_a_damaged_check_is_reported_not_trusted(store):
    save(store, "an answer")
    rows = rows_of(store.path.read_bytes())
    rows[0][CHECK_COLUMN] = "1.23E+15"
    store.path.write_bytes(_encode(rows))
    (change,) = HistoryStore(store.path).read().changes
    assert change.fields == (CHECK_COLUMN,)
    assert "which field changed cannot be told" in str(change)


def test_rows_saved_before_format_3_load_without_a_warning(tmp_path):
    v2 = Schema(SCHEMA.versions[:2])
    old = HistoryStore(tmp_path / "practice_history.csv", schema=v2)
    old.record("past-role", "an answer from last month", extra=FIGURES)
    raw = old.path.read_bytes()
    report = HistoryStore(old.path).read()
    assert report.changes == () and report.problems == () and report.summary() == ""
    HistoryStore(old.path).record("past-role", "today's answer", extra=FIGURES)
    upgraded = HistoryStore(old.path).read()
    assert list(upgraded.frame["answer"]) == ["an answer from last month", "today's answer"]
    assert upgraded.changes == ()
    assert old.path.read_bytes().split(b"\r\n", 1)[1].startswith(raw.split(b"\r\n", 1)[1])


# ---- automatic backups -----------------------------------------------------------------


def test_the_automatic_backup_follows_every_clean_read_by_appending(store):
    save(store, "first")
    store.read()
    latest = store.backups.latest
    assert latest.read_bytes() == store.path.read_bytes()
    inode = latest.stat().st_ino
    save(store, "second")
    store.read()
    assert latest.read_bytes() == store.path.read_bytes()
    assert latest.stat().st_ino == inode  # appended to, not copied again
    assert store.backups.rotated() == []
    mtime = latest.stat().st_mtime_ns
    store.read()  # nothing new: nothing written
    assert latest.stat().st_mtime_ns == mtime


def test_files_that_are_only_read_get_no_backups(tmp_path):
    path = tmp_path / "ana.csv"
    HistoryStore(path).record("past-role", "x")
    prep.progress(str(path))
    HistoryStore(path).read()
    assert not (tmp_path / "backups").exists()


def test_a_read_that_finds_changed_rows_leaves_the_backup_alone(store):
    save(store, "0012")
    store.read()
    backed_up = store.backups.latest.read_bytes()
    store.path.write_bytes(rewrite(store.path.read_bytes(), like_calc))
    assert HistoryStore(store.path, auto_backup=True).read().changes
    assert store.backups.latest.read_bytes() == backed_up


def test_a_rewritten_clean_file_rotates_the_backup_and_the_count_is_bounded(store, monkeypatch):
    monkeypatch.setattr(backups_module, "KEEP_ROTATED", 3)
    save(store, "first")
    store.read()
    for number in range(6):
        store.path.write_bytes(rewrite(store.path.read_bytes(), lambda c, v: v))  # same values
        save(store, f"answer {number}")
        store.read()
    rotated = store.backups.rotated()
    assert len(rotated) == 3
    assert store.backups.latest.read_bytes() == store.path.read_bytes()
    assert rows_of(rotated[0].read_bytes())[-1]["answer"] == "answer 4"  # newest first


def test_older_automatic_backups_are_dropped_beyond_the_size_limit(store, monkeypatch):
    save(store, "x" * 5000)
    store.read()
    for number in range(4):
        store.path.write_bytes(rewrite(store.path.read_bytes(), lambda c, v: v))
        save(store, f"answer {number}")
        store.read()
    assert len(store.backups.rotated()) == 4
    size = store.backups.latest.stat().st_size
    monkeypatch.setattr(backups_module, "MAX_AUTO_BYTES", size * 3)
    store.backups.prune()
    assert len(store.backups.rotated()) == 2  # the newest copy and one more fit


# ---- naming and restoring -----------------------------------------------------------------

SPREADSHEET_ANSWERS = ["0012", "=1+1", "1e5", "3.50", "True", "a plain answer, kept as it is"]


def test_a_spreadsheet_rewrite_is_named_and_restored_byte_exact(store, data_dir):
    for answer in SPREADSHEET_ANSWERS:
        save(store, answer)
    store.record("research-company/notes", "tip notes")
    store.read()  # the workbook read the file after saving: the backup holds every row
    original = store.path.read_bytes()
    store.path.write_bytes(rewrite(original, like_calc))

    fresh = HistoryStore(store.path, auto_backup=True)
    report = fresh.read()
    assert [c.line for c in report.changes] == [2, 3, 4, 5, 6]
    described = fresh.describe(report)
    assert "line 2 (attempt" in described[0]
    assert described[0].endswith("the answer was changed outside the workbook: '12' was '0012'")
    assert "'2' was '=1+1'" in described[1] and "'1.00E+05' was '1e5'" in described[2]

    repaired = fresh.repair()
    assert store.path.read_bytes() == original
    assert len(repaired.restored) == 5 and repaired.not_restored == ()
    text = str(repaired)
    assert "5 row(s) changed outside the workbook were put back" in text
    assert HistoryStore(store.path).read().summary() == ""


def test_a_row_changed_before_any_backup_is_reported_as_not_restorable(store):
    save(store, "backed up")
    store.read()
    attempt = save(store, "0042")  # saved, then changed before the workbook read it again
    store.path.write_bytes(rewrite(store.path.read_bytes(), like_calc))
    fresh = HistoryStore(store.path, auto_backup=True)
    (change,) = fresh.read().changes
    assert change.attempt_id == attempt.attempt_id
    assert fresh.describe(fresh.read())[-1].endswith("no backup holds the original")
    repaired = fresh.repair()
    assert repaired.restored == ()
    assert [c.attempt_id for c in repaired.not_restored] == [attempt.attempt_id]
    assert "could not be put back" in str(repaired)
    assert list(fresh.load()["answer"]) == ["backed up", "42"]  # kept as it is now, not lost
    # the learner has decided: the warning goes, and the backup follows new saves again
    assert HistoryStore(store.path).read().summary() == ""
    assert "Nothing to repair" in str(HistoryStore(store.path).repair())
    save(fresh, "saved after the repair")
    fresh.read()
    assert b"saved after the repair" in fresh.backups.latest.read_bytes()


def test_history_problems_and_the_card_say_it_in_plain_words(data_dir):
    history = prep.workbook.store()
    history.record("past-role", "0012", extra=FIGURES)
    history.read()
    history.path.write_bytes(rewrite(history.path.read_bytes(), like_calc))
    problems = prep.history_problems()
    assert len(problems) == 1 and problems[0].endswith("'12' was '0012'")
    assert pretty(problems) == problems[0]  # a notebook shows the lines, not a Python list
    card = prep.card("past-role")
    assert card.status.kind == "warn"
    assert "1 saved row was changed outside the workbook" in card.status.text
    assert "prep.repair_history()" in card.status.text
    assert "\n" not in card.status.text
    assert card.answer.value == ""  # nothing typed is touched
    page = prep.progress()
    assert "changed outside the workbook" in page.problems.value


def test_converting_windows_1252_names_rows_that_lost_characters(store):
    """B3: a cp1252 re-save turns ř and emoji into '?': the conversion says so, row by row."""
    keeps = save(store, "café naïve")
    loses = save(store, "Dvořák said 🎉")
    store.read()
    after_backup = save(store, "Přemysl")  # changed before the workbook read it again
    lossy = rewrite(store.path.read_bytes(), lambda c, v: v)
    store.path.write_bytes(lossy.decode("utf-8").encode("cp1252", errors="replace"))

    fresh = HistoryStore(store.path, auto_backup=True)
    repaired = fresh.repair(encoding="cp1252")
    assert "converted from cp1252 to UTF-8" in repaired.changes
    assert [c.attempt_id for c in repaired.restored] == [loses.attempt_id]
    assert [c.attempt_id for c in repaired.not_restored] == [after_backup.attempt_id]
    answers = dict(zip(fresh.load()["attempt_id"], fresh.load()["answer"], strict=True))
    assert answers[keeps.attempt_id] == "café naïve"
    assert answers[loses.attempt_id] == "Dvořák said 🎉"
    assert answers[after_backup.attempt_id] == "P?emysl"
    assert "'P?emysl' was" not in str(repaired) and "no backup holds" in str(repaired)


def test_change_messages_list_several_fields():
    change = Change(7, "3f2a9c", ("answer", "confidence"), ("12", "5"), ("0012", "3"))
    assert str(change) == (
        "line 7 (attempt 3f2a…): the answer and confidence were changed outside the workbook: "
        "answer: '12' was '0012'; confidence: '5' was '3'"
    )


def test_columns_in_the_check_are_the_schema_columns_of_its_row_version():
    before = COLUMNS[: COLUMNS.index(CHECK_COLUMN)]
    assert integrity.covered_columns("3", SCHEMA.versions) == before
    # a format-4 row's check covers the exercise columns added after the check column too
    assert integrity.covered_columns(SCHEMA.version, SCHEMA.versions) == tuple(
        c for c in COLUMNS if c != CHECK_COLUMN
    )
    assert "tests_passed" in integrity.covered_columns(SCHEMA.version, SCHEMA.versions)


# ---- a kill during a backup or a restore (F7) -------------------------------------------

KILLER = r"""
import os, shutil, signal, sys, json
from prep.store.history import HistoryStore

source, action, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
outcomes = []
for step in range(1, steps + 1):
    for when in ("before", "after"):
        work = source + f".{step}{when}"
        shutil.copytree(source, work)
        target = os.path.join(work, "practice_history.csv")
        pid = os.fork()
        if pid == 0:
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
            os.fsync, os.replace, os.write = wrap(os.fsync), wrap(os.replace), wrap(os.write)
            store = HistoryStore(target, auto_backup=True)
            store.repair() if action == "repair" else store.read()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        auto = os.path.join(work, "backups", "auto")
        files = sorted(f for f in os.listdir(auto) if f.endswith(".csv") and not f.startswith("."))
        outcomes.append({
            "step": f"{step} {when}",
            "killed": os.WIFSIGNALED(status),
            "history": open(target, "rb").read().hex(),
            "auto": {f: open(os.path.join(auto, f), "rb").read().hex() for f in files},
        })
print(json.dumps(outcomes))
"""


def _kill_everywhere(folder, action: str) -> list[dict]:
    import json
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", KILLER, str(folder), action, "16"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert any(o["killed"] for o in outcomes) and not all(o["killed"] for o in outcomes)
    return outcomes


def _backed_up_history(tmp_path, answers=SPREADSHEET_ANSWERS):
    folder = tmp_path / "learner"
    folder.mkdir()
    store = HistoryStore(folder / "practice_history.csv", clock=Clock(), auto_backup=True)
    for answer in answers:
        save(store, answer)
    store.read()
    return store


def test_a_kill_while_the_backup_appends_leaves_a_true_prefix(tmp_path):
    store = _backed_up_history(tmp_path)
    old_backup = store.backups.latest.read_bytes()
    save(store, "one more answer, saved after the backup")
    history = store.path.read_bytes()
    for outcome in _kill_everywhere(store.path.parent, "read"):
        backup = bytes.fromhex(outcome["auto"]["practice_history.latest.csv"])
        assert backup.startswith(old_backup) and history.startswith(backup), outcome["step"]
        assert bytes.fromhex(outcome["history"]) == history


def test_a_kill_while_the_backup_rotates_keeps_the_old_copy_whole(tmp_path):
    store = _backed_up_history(tmp_path)
    old_backup = store.backups.latest.read_bytes()
    store.path.write_bytes(rewrite(store.path.read_bytes(), lambda c, v: v))  # same values
    rewritten = store.path.read_bytes()
    seen = set()
    for outcome in _kill_everywhere(store.path.parent, "read"):
        copies = [bytes.fromhex(v) for v in outcome["auto"].values()]
        assert old_backup in copies, outcome["step"]  # the old copy is never lost or torn
        assert all(c in (old_backup, rewritten) for c in copies), outcome["step"]
        seen.add(rewritten in copies)
    assert seen == {False, True}  # kills landed before and after the new copy


def test_a_kill_during_a_restoring_repair_leaves_old_or_new(tmp_path):
    store = _backed_up_history(tmp_path)
    original = store.path.read_bytes()
    backup = store.backups.latest.read_bytes()
    mangled = rewrite(original, like_calc)
    store.path.write_bytes(mangled)
    seen = set()
    for outcome in _kill_everywhere(store.path.parent, "repair"):
        history = bytes.fromhex(outcome["history"])
        assert history in (mangled, original), outcome["step"]
        assert bytes.fromhex(outcome["auto"]["practice_history.latest.csv"]) == backup
        seen.add(history)
    assert seen == {mangled, original}


def test_rows_the_backup_shows_intact_are_not_checked_again(store, monkeypatch):
    for answer in ("one", "two", "three"):
        save(store, answer)
    store.read()
    save(store, "four")
    checked = []
    real = integrity.failing_rows

    def spy(frame, versions):
        checked.append(list(frame["answer"]))
        return real(frame, versions)

    monkeypatch.setattr(integrity, "failing_rows", spy)
    report = HistoryStore(store.path, auto_backup=True).read()
    assert list(report.frame["answer"]) == ["one", "two", "three", "four"]
    assert checked == [["four"]]


def test_an_edit_that_keeps_the_length_is_still_caught_after_a_backup(store):
    """Skipping verified rows compares every byte with the backup, not just its ends."""
    save(store, "0012 is my answer")
    for answer in ("two", "three"):
        save(store, answer)
    store.read()
    raw = store.path.read_bytes()
    store.path.write_bytes(raw.replace(b'"0012 is my answer"', b'"0013 is my answer"'))
    assert len(store.path.read_bytes()) == len(raw)
    (change,) = HistoryStore(store.path, auto_backup=True).read().changes
    assert change.fields == ("answer",) and change.line == 2


def test_the_card_line_does_not_claim_what_it_did_not_look_up(store):
    """A plain read does not open the backups, so it must not say none holds the original."""
    save(store, "0012")
    store.read()
    store.path.write_bytes(rewrite(store.path.read_bytes(), like_calc))
    report = HistoryStore(store.path, auto_backup=True).read()
    assert "no backup holds" not in report.summary()
    assert "(now '12')" in report.summary()
