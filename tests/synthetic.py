"""Typed history frames made up in memory, for tests that need many rows quickly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pandas as pd


def typed_history(
    times: Sequence[datetime],
    items: Sequence[str],
    *,
    coverage: Callable[[int], float] = lambda n: (n % 5) / 4,
    seconds: int = 60,
) -> pd.DataFrame:
    """Rows as `HistoryStore.load()` types them: confidence cycles 1-5, coverage by `n`."""
    rows = len(times)
    return pd.DataFrame(
        {
            "attempt_id": [f"id{n}" for n in range(rows)],
            "recorded_at": pd.to_datetime(list(times), utc=True),
            "item_id": list(items),
            "mode": "practice",
            "answer": "a few words of answer",
            "seconds": pd.array([seconds] * rows, dtype="Int64"),
            "confidence": pd.array([1 + n % 5 for n in range(rows)], dtype="Int64"),
            "schema_version": "2",
            "coverage": pd.array([coverage(n) for n in range(rows)], dtype="Float64"),
            "word_count": pd.array([5] * rows, dtype="Int64"),
        }
    )
