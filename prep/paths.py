"""Where the workbook's files live, and the environment variables that move them."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "PREP_DATA_DIR"
CONTENT_DIR_ENV = "PREP_CONTENT_DIR"
HISTORY_FILENAME = "practice_history.csv"
DRAFTS_FILENAME = "drafts.json"
OWN_QUESTIONS_FILENAME = "my_questions.yaml"
BACKUPS_DIRNAME = "backups"

REPO_ROOT = Path(__file__).resolve().parent.parent


def content_dir() -> Path:
    """Return the folder with the question and tip files (the repo's `data/` by default)."""
    override = os.environ.get(CONTENT_DIR_ENV)
    return Path(override).expanduser() if override else REPO_ROOT / "data"


def data_dir() -> Path:
    """Return the folder holding the learner's own files; `PREP_DATA_DIR` moves it."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else REPO_ROOT / "data"


def history_path() -> Path:
    return data_dir() / HISTORY_FILENAME


def drafts_path() -> Path:
    return data_dir() / DRAFTS_FILENAME


def own_questions_path() -> Path:
    """The learner's own interview questions: a YAML file beside the history."""
    return data_dir() / OWN_QUESTIONS_FILENAME


def backups_dir() -> Path:
    return data_dir() / BACKUPS_DIRNAME
