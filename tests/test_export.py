"""The spreadsheet export neutralises formulas; the history itself stays lossless."""

from __future__ import annotations

import csv

import pytest

import prep
from prep.errors import HistoryWriteError
from prep.export import export_for_spreadsheet, neutralise
from prep.history import HistoryStore

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
