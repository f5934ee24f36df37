"""A saved copy of the FSRS replay, so a session's first "what's next" need not replay years.

The schedule is still rebuilt from the history, never stored as the truth: this file only
saves time, and is used only when the rows it was built from are exactly the first rows
of the history now (`schedule.rows_fingerprint`); otherwise it is ignored and replaced.
It lives in the data folder's `cache/`, is small (a card's state per question), and a
damaged or missing one costs nothing but a full replay.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path

import pandas as pd

from .schedule import Replay, rows_fingerprint

CACHE_DIRNAME = "cache"
FILENAME = "schedule.json"


def cache_path(history: Path) -> Path:
    return history.parent / CACHE_DIRNAME / FILENAME


def load(history: Path, frame: pd.DataFrame, question_ids: tuple[str, ...]) -> Replay | None:
    """The saved replay, if it was built from exactly the first rows `frame` has now."""
    try:
        data = json.loads(cache_path(history).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    replayed = Replay.from_dict(data, question_ids) if isinstance(data, dict) else None
    if replayed is None or not 0 < replayed.rows <= len(frame):
        return None
    if rows_fingerprint(frame, replayed.rows) != data.get("fingerprint"):
        return None
    return replayed


def save(history: Path, frame: pd.DataFrame, replayed: Replay) -> None:
    """Keep the replay for the next session; a failure here only costs that session time."""
    path = cache_path(history)
    data = replayed.to_dict(rows_fingerprint(frame, replayed.rows))
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # no fsync: a cache torn by a power cut fails to parse and is simply rebuilt
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
