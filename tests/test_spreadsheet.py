"""A real spreadsheet: LibreOffice Calc re-saves the history; what it changed is named and put back.

Skipped where LibreOffice (`soffice`) is missing, unless `PREP_REQUIRE_SPREADSHEET=1`
(set by CI, which installs Debian's `libreoffice-calc-nogui`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from prep.errors import HistoryEncodingError, HistoryWriteError
from prep.store.history import HistoryStore

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None:
    if os.environ.get("PREP_REQUIRE_SPREADSHEET") == "1":
        raise RuntimeError("PREP_REQUIRE_SPREADSHEET=1 but LibreOffice (soffice) is not installed")
    pytest.skip(
        "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)",
        allow_module_level=True,
    )

# Calc's own defaults when a learner opens the file: ',' separated, '"' quoted, UTF-8, from
# line 1, no column types chosen ("quoted field as text" off).
DEFAULT_IMPORT = "CSV:44,34,76,1"
AS_CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76,1"
AS_WINDOWS_1252 = "csv:Text - txt - csv (StarCalc):44,34,1252,1"
AS_SEMICOLONS = "csv:Text - txt - csv (StarCalc):59,34,76,1"

ANSWERS = [
    "0012",
    "=1+1",
    "1/2",
    "1e5",
    "00:30",
    "True",
    "3.50",
    "1,000",
    "-5",
    "NaN",
    'A real answer, with a comma, "quotes" and\nsecond line.',
    "Emoji 🎉 and Dvořák",
    "café naïve",
    "x" * 5000,
]


def round_trip(path: Path, tmp_path: Path, export: str) -> bytes:
    """Open `path` in Calc with its default import and save it as `export`; return the bytes."""
    out = tmp_path / "calc-out"
    out.mkdir(exist_ok=True)
    profile = (tmp_path / "calc-profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            f"--infilter={DEFAULT_IMPORT}",
            "--convert-to",
            export,
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (out / path.name).read_bytes()


@pytest.fixture
def saved(tmp_path):
    """A history of awkward answers that the workbook read once after saving."""
    clock = iter(
        datetime(2026, 11, 2, 9, tzinfo=timezone.utc) + timedelta(minutes=m) for m in range(99)
    )
    folder = tmp_path / "learner"
    folder.mkdir()
    store = HistoryStore(
        folder / "practice_history.csv", clock=lambda: next(clock), auto_backup=True
    )
    attempts = {}
    for answer in ANSWERS:
        figures = {
            "coverage": "0.50",
            "word_count": "9",
            "fillers_per_100": "0.0",
            "star_elements": "",
        }
        attempt = store.record("past-role", answer, seconds=95, confidence=4, extra=figures)
        attempts[attempt.attempt_id] = answer
    store.record("research-company/notes", "0800 123 456")
    attempts[store.load()["attempt_id"].iloc[-1]] = "0800 123 456"
    assert store.read().changes == ()  # the read that brings the automatic backup up to date
    return store, attempts


def _changed_by_calc(store, attempts) -> dict[str, str]:
    frame = store.load()
    now = dict(zip(frame["attempt_id"], frame["answer"], strict=True))
    return {a: now[a] for a, answer in attempts.items() if now[a] != answer}


def test_a_calc_resave_as_csv_utf8_is_named_and_put_back_byte_exact(saved, tmp_path):
    store, attempts = saved
    original = store.path.read_bytes()
    store.path.write_bytes(round_trip(store.path, tmp_path, AS_CSV_UTF8))

    fresh = HistoryStore(store.path, auto_backup=True)
    report = fresh.read()
    changed = _changed_by_calc(fresh, attempts)
    # what Calc was measured to do: 0012 -> 12, =1+1 -> 2, 1/2 -> a date, 1e5 -> 1.00E+05, ...
    assert {attempts[a] for a in changed} >= {"0012", "=1+1", "1/2", "1e5", "00:30", "True"}
    assert {c.attempt_id for c in report.changes} == set(changed)
    assert all(c.fields == ("answer",) for c in report.changes)
    named = "\n".join(fresh.describe(report))
    assert "'12' was '0012'" in named and "'2' was '=1+1'" in named

    repaired = fresh.repair()
    assert {c.attempt_id for c in repaired.restored} == set(changed)
    assert repaired.not_restored == ()
    assert store.path.read_bytes() == original
    assert HistoryStore(store.path).read().summary() == ""


def test_a_calc_resave_as_windows_1252_is_converted_and_lost_characters_put_back(saved, tmp_path):
    store, attempts = saved
    original = store.path.read_bytes()
    store.path.write_bytes(round_trip(store.path, tmp_path, AS_WINDOWS_1252))
    with pytest.raises(HistoryEncodingError, match="not UTF-8"):
        HistoryStore(store.path).record("past-role", "not appended to a cp1252 file")

    repaired = HistoryStore(store.path, auto_backup=True).repair(encoding="cp1252")
    restored = {attempts[c.attempt_id] for c in repaired.restored}
    assert "Emoji 🎉 and Dvořák" in restored  # its characters became '?' in Windows-1252
    assert "café naïve" not in restored  # Windows-1252 holds é and ï
    assert repaired.not_restored == ()
    assert store.path.read_bytes() == original


def test_a_calc_resave_with_semicolons_loads_says_why_and_is_put_back(saved, tmp_path):
    store, attempts = saved
    original = store.path.read_bytes()
    store.path.write_bytes(round_trip(store.path, tmp_path, AS_SEMICOLONS))

    fresh = HistoryStore(store.path, auto_backup=True)
    report = fresh.read()
    assert len(report.frame) == len(attempts) and report.problems == ()
    assert "';' between fields" in report.summary()
    with pytest.raises(HistoryWriteError, match=r"prep\.repair_history\(\)"):
        fresh.record("past-role", "refused until the commas are back")
    fresh.repair()
    assert store.path.read_bytes() == original
