"""The spreadsheet export neutralises formulas; the history itself stays lossless."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

import prep
from prep.errors import HistoryWriteError
from prep.store.export import (
    EXPORT_COLUMNS,
    FORMULA_STARTS,
    export_for_spreadsheet,
    neutralise,
    spreadsheet_csv,
)
from prep.store.history import DTYPES, HistoryStore

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("cell", DANGEROUS)
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "a=b", "", "1e5", "'quoted"])
def test_ordinary_cells_are_unchanged(cell):
    assert neutralise(cell) == cell


def test_export_is_safe_and_history_stays_lossless(tmp_path):
    store = HistoryStore(tmp_path / "practice_history.csv")
    for answer in [*DANGEROUS, "fine, with a comma\nand a line"]:
        store.record("past-role", answer, confidence=3)
    before = store.path.read_bytes()
    out = export_for_spreadsheet(store, tmp_path / "export.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    answers = [r["Answer"] for r in rows]
    assert answers[: len(DANGEROUS)] == ["'" + c for c in DANGEROUS]
    assert answers[-1] == "fine, with a comma\nand a line"
    assert all(not a.startswith(("=", "+", "-", "@", "\t", "\r")) for a in answers)
    assert store.path.read_bytes() == before
    assert list(store.load()["answer"])[: len(DANGEROUS)] == DANGEROUS


def test_export_is_never_read_back_as_history(tmp_path):
    store = HistoryStore(tmp_path / "practice_history.csv")
    store.record("past-role", "=1+1")
    out = export_for_spreadsheet(store, tmp_path / "export.csv")
    report = HistoryStore(out).read()
    assert report.frame.empty and "header" in str(report.problems[0])
    with pytest.raises(HistoryWriteError, match="header"):
        HistoryStore(out).record("past-role", "x")


def test_export_refuses_to_overwrite_the_history(tmp_path):
    store = HistoryStore(tmp_path / "practice_history.csv")
    store.record("past-role", "kept")
    with pytest.raises(HistoryWriteError, match="another file"):
        export_for_spreadsheet(store, store.path)


def test_public_export_call(data_dir, capsys):
    card = prep.card("past-role")
    card.answer.value = "=cmd|' /C calc'!A0"
    card._on_save(None)
    written = prep.export_for_spreadsheet(str(data_dir / "for-excel.csv"))
    assert "Wrote" in capsys.readouterr().out
    assert "'=cmd" in written.read_text(encoding="utf-8-sig")


PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
# every text column the export writes, whatever it grows to: ids, mode, answer, ...
TEXT_EXPORTED = [c for c in EXPORT_COLUMNS if DTYPES.get(c) == "string"]


def exported_rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_every_text_column_is_exported():
    assert {"item_id", "mode", "answer", "attempt_id"} <= set(TEXT_EXPORTED)


@pytest.mark.parametrize("column", TEXT_EXPORTED)
@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_formula_text_is_neutralised_in_every_text_column(tmp_path, column, prefix):
    store = HistoryStore(tmp_path / "practice_history.csv")
    store.record("past-role", "a plain answer", confidence=3)
    frame = store.read().frame.copy()
    frame[column] = pd.array([f"{prefix}HYPERLINK(1)"], dtype="string")
    rows = exported_rows(spreadsheet_csv(frame))
    heading = EXPORT_COLUMNS[column]
    assert rows[0][heading] == f"'{prefix}HYPERLINK(1)"
    for cell in rows[0].values():
        assert not cell.startswith(FORMULA_STARTS), (column, rows[0])


def test_item_ids_and_modes_saved_with_formulas_export_as_text(tmp_path):
    store = HistoryStore(tmp_path / "practice_history.csv")
    store.record("=cmd|' /C calc'!A0", "@SUM(A1)", mode="+mock", confidence=2)
    store.record("-custom-question", "\tx", mode="\rpractice")
    out = export_for_spreadsheet(store, tmp_path / "export.csv")
    rows = exported_rows(out.read_bytes())
    assert [r["Question or tip id"] for r in rows] == ["'=cmd|' /C calc'!A0", "'-custom-question"]
    assert [r["Mode"] for r in rows] == ["'+mock", "'\rpractice"]
    assert [r["Answer"] for r in rows] == ["'@SUM(A1)", "'\tx"]
    assert all(not cell.startswith(FORMULA_STARTS) for r in rows for cell in r.values())
