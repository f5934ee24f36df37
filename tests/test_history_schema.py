"""Schema evolution: older files load, new columns arrive without rewriting old rows."""

from __future__ import annotations

import csv
import io

import pytest

from prep import workbook
from prep.errors import HistoryWriteError
from prep.store.history import SCHEMA, HistoryStore, Schema
from prep.widgets import QuestionCard

# The first format, and a later one that adds two columns after the others.
V1 = Schema(SCHEMA.versions[:1])
V2 = Schema((*V1.versions, ("2", ("pace", "words"))))
V1_ANSWERS = ["first, with a comma", 'a "quoted"\nmulti-line answer', "NaN"]


@pytest.fixture
def path(tmp_path):
    return tmp_path / "practice_history.csv"


def write_v1(path):
    old = HistoryStore(path, schema=V1)
    for answer in V1_ANSWERS:
        old.record("past-role", answer, confidence=3)
    return path.read_bytes()


def test_older_file_loads_with_the_new_columns_blank(path):
    write_v1(path)
    frame = HistoryStore(path, schema=V2).load()
    assert list(frame["answer"]) == V1_ANSWERS
    assert list(frame.columns[-3:]) == ["schema_version", "pace", "words"]
    assert list(frame["pace"]) == ["", "", ""]
    assert list(frame["confidence"]) == [3, 3, 3]


def test_new_columns_are_added_after_a_backup_and_old_rows_keep_their_bytes(path):
    before = write_v1(path)
    store = HistoryStore(path, schema=V2)
    store.record("past-role", "newer answer", extra={"pace": "0.875", "words": "120"})

    after = path.read_bytes()
    old_header, old_rows = before.split(b"\r\n", 1)
    new_header = after.split(b"\r\n", 1)[0]
    assert new_header == old_header + b',"pace","words"'
    assert after.startswith(new_header + b"\r\n" + old_rows)  # old rows byte for byte
    backups = list(store.backups_dir.iterdir())
    assert [b.read_bytes() for b in backups] == [before]
    assert "before-format-2" in backups[0].name
    notice = store.take_notices()
    assert len(notice) == 1 and "upgraded to format 2" in notice[0] and str(backups[0]) in notice[0]
    assert store.take_notices() == []

    report = store.read()
    assert report.problems == ()
    assert list(report.frame["answer"]) == [*V1_ANSWERS, "newer answer"]
    assert list(report.frame["pace"]) == ["", "", "", "0.875"]
    assert list(report.frame["schema_version"]) == ["1", "1", "1", "2"]
    # the slow (record by record) reader agrees with the fast one
    path.write_bytes(after + b'"x","garbage"\r\n')
    slow = store.read()
    assert [str(p) for p in slow.problems] == [
        f"line {len(V1_ANSWERS) + 4}: has 2 fields where the header has 10; skipped"
    ]
    assert slow.frame.equals(report.frame)


def test_upgrade_happens_once(path):
    write_v1(path)
    store = HistoryStore(path, schema=V2)
    store.record("past-role", "one")
    HistoryStore(path, schema=V2).record("past-role", "two")
    assert len(list(store.backups_dir.iterdir())) == 1


def test_an_older_workbook_can_still_append_to_a_newer_file(path):
    write_v1(path)
    HistoryStore(path, schema=V2).record("past-role", "new", extra={"pace": "0.5"})
    HistoryStore(path, schema=V1).record("past-role", "written by the older workbook")
    frame = HistoryStore(path, schema=V2).load()
    assert list(frame["answer"])[-2:] == ["new", "written by the older workbook"]
    assert list(frame["pace"])[-2:] == ["0.5", ""]


def test_header_missing_an_original_column_is_not_upgraded(path):
    write_v1(path)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    keep = [i for i, name in enumerate(rows[0]) if name != "mode"]
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        [[row[i] for i in keep] for row in rows]
    )
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    before = path.read_bytes()
    with pytest.raises(HistoryWriteError, match="missing: mode"):
        HistoryStore(path, schema=V2).record("past-role", "x")
    assert path.read_bytes() == before
    assert len(HistoryStore(path, schema=V1).load()) == 3  # still readable


@pytest.mark.parametrize("cut_from", ["answer", "pace"])
def test_newer_row_torn_anywhere_never_loads_partially(tmp_path, cut_from):
    """F2 for a file with columns after schema_version: a tear there must not pass as a row."""
    base = tmp_path / "base.csv"
    store = HistoryStore(base, schema=V2)
    store.record("past-role", "kept", extra={"pace": "0.5", "words": "1"})
    good = base.read_bytes()
    store.record("past-role", "torn \U0001f600 answer", extra={"pace": "0.875", "words": "123"})
    full = base.read_bytes()
    start = full.index(b"torn") if cut_from == "answer" else full.index(b"0.875")
    assert full.startswith(good) and start > len(good)  # every cut is inside the newer row
    left_out = []
    for cut in range(start, len(full)):
        path = tmp_path / f"cut{cut}.csv"
        path.write_bytes(full[:cut])
        resumed = HistoryStore(path, schema=V2)
        resumed.record("past-role", "after", extra={"pace": "1", "words": "1"})
        assert path.read_bytes().startswith(good), f"cut {cut}: the earlier rows were changed"
        report = resumed.read()
        rows = list(zip(report.frame["answer"], report.frame["pace"], strict=True))
        complete = [("kept", "0.5"), ("torn \U0001f600 answer", "0.875"), ("after", "1")]
        assert all(row in complete for row in rows), (cut, rows)
        assert rows[0] == ("kept", "0.5") and rows[-1] == ("after", "1"), cut
        if len(rows) == 2:  # the torn row was left out and said so
            assert len(report.problems) == 1, (cut, report.problems)
            left_out.append(cut)
    # cut anywhere before its last field is closed, the row is left out and reported;
    # only its line end may be missing for it to load (whole, as checked above)
    row_end = len(full) - len(b"\r\n")
    assert left_out == list(range(start, row_end)), left_out


def test_card_says_when_the_history_was_upgraded(data_dir):
    write_v1(data_dir / "practice_history.csv")
    store = HistoryStore(data_dir / "practice_history.csv", schema=V2)
    question = workbook.content().get("past-role")
    card = QuestionCard(question, store=store)
    card.answer.value = "my answer"
    card.save()
    assert card.status.kind == "ok"
    assert "Saved attempt 1" in card.status.text
    assert "upgraded to format 2" in card.status.text
    assert "earlier answers were not changed" in card.status.text
