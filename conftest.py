"""Point every test, and every notebook kernel nbval starts, at a throwaway data dir.

This runs before any test is collected, so the learner's real history is never touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# `make lab`'s working copy: the learner's own executed notebooks, never tests
collect_ignore = ["my-workbook"]

os.environ["PREP_DATA_DIR"] = tempfile.mkdtemp(prefix="prep-test-data-")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fresh, empty data dir for one test."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("PREP_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def content_copy(tmp_path):
    """An editable copy of the workbook's content files, to break on purpose."""
    folder = tmp_path / "content"
    folder.mkdir()
    data = Path(__file__).resolve().parent / "data"
    for name in ("questions.yaml", "tips.yaml", "guides.yaml"):
        shutil.copy(data / name, folder / name)
    return folder
