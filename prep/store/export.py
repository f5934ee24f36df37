"""Copies of the history for other programs; never read back as history."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from ..errors import HistoryWriteError
from .history import HistoryStore, atomic_write, explain_os_error

# Spreadsheet programs run a cell starting with these as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Readable headings: the export can never pass for the history, whose header it lacks.
EXPORT_COLUMNS = {
    "recorded_at": "Recorded at (UTC)",
    "item_id": "Question or tip id",
    "mode": "Mode",
    "answer": "Answer",
    "seconds": "Seconds timed",
    "confidence": "Confidence (1-5)",
    "tests_passed": "Tests passed",
    "tests_run": "Tests run",
    "attempt_id": "Attempt id",
}


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet would treat as a formula with `'`, which shows it as text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_csv(frame: pd.DataFrame) -> bytes:
    """Encode the history for a spreadsheet: BOM, CRLF, readable headings, no formulas."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS.values())
    for row in frame.itertuples(index=False):
        values = row._asdict()
        cells = []
        for column in EXPORT_COLUMNS:
            value = values[column]
            if column == "recorded_at":
                cells.append(value.strftime("%Y-%m-%d %H:%M:%S"))
            elif pd.isna(value):
                cells.append("")
            else:
                cells.append(neutralise(str(value)))
        writer.writerow(cells)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def export_for_spreadsheet(store: HistoryStore, target: str | os.PathLike[str]) -> Path:
    """Write a spreadsheet-safe copy of the history to `target` and return its path."""
    path = Path(target).expanduser()
    if path.resolve() == store.path.resolve():
        raise HistoryWriteError("the export must go to another file than the history itself")
    data = spreadsheet_csv(store.read().frame)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise HistoryWriteError(explain_os_error(exc, path)) from exc
    return path
