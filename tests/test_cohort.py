"""The cohort view: which files, whose names, each learner's figures, and a read-only view."""

from __future__ import annotations

import errno
import importlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from synthetic import typed_history

from prep import workbook
from prep.errors import HistoryError, PrepError
from prep.insight.cohort import (
    TABLE_COLUMNS,
    chart_coverage_by_question,
    chart_weekly,
    compare_learners,
    history_files,
    learner_names,
)
from prep.insight.progress import png_bytes
from prep.store.history import HistoryStore, empty_frame
from prep.widgets.cohort_view import CohortView
from prep.widgets.progress_view import chart_alt, chart_png

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 20)  # a Friday; the week started on Monday 16 November


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


# (when, item_id, coverage or "", confidence, seconds)
ANA = [
    (at(16), "past-role", "0.50", 3, 60),
    (at(17), "past-role", "0.75", 4, 120),
    (at(17, 10), "five-years", "0.25", None, None),
    (at(19), "research-company/stack", "", None, 30),  # a tip: no coverage, no question
]
BEN = [
    (at(2), "past-role", "0.40", 2, 600),
    (at(3), "past-role", "", None, None),  # no coverage saved: the 40 stays the latest
]


def write_history(path: Path, entries) -> Path:
    store = HistoryStore(path)
    for when, item_id, coverage, confidence, seconds in entries:
        store.clock = lambda when=when: when
        extra = {"coverage": coverage} if coverage else None
        store.record(item_id, "an answer", confidence=confidence, seconds=seconds, extra=extra)
    return path


@pytest.fixture
def content():
    return workbook.content()


@pytest.fixture
def cohort(tmp_path):
    """A folder as an instructor might collect it, with the clutter real folders have."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    write_history(folder / "ana.csv", ANA)
    write_history(folder / "ben.csv", BEN)
    (folder / "cara.csv").write_bytes(b"")  # a learner who has not practised yet
    (folder / "notes.txt").write_text("not a history")
    (folder / ".ana.csv.1234.tmp").write_bytes(b"half a save")
    (folder / ".hidden.csv").write_bytes(b"")
    (folder / "ana.csv.lock").write_bytes(b"")
    (folder / "backups").mkdir()
    (folder / "backups" / "ana.20261101T090000Z.copy.csv").write_bytes(b"")
    return folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under the folder: its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---- which files -----------------------------------------------------------------------------


def test_a_folder_means_its_history_files_by_name(cohort):
    files = history_files(cohort)
    assert [p.name for p in files] == ["ana.csv", "ben.csv", "cara.csv"]
    assert history_files(str(cohort)) == files


def test_learner_data_folders_inside_a_folder_count_too(tmp_path):
    write_history(tmp_path / "dan" / "practice_history.csv", ANA[:1])
    (tmp_path / "dan" / "backups").mkdir()
    write_history(tmp_path / "backups" / "practice_history.csv", ANA[:1])
    write_history(tmp_path / "eve.csv", BEN)
    files = history_files(tmp_path)
    assert [str(p.relative_to(tmp_path)) for p in files] == ["dan/practice_history.csv", "eve.csv"]


def test_files_and_folders_mix_in_the_order_given_without_duplicates(cohort):
    files = history_files([cohort / "ben.csv", cohort, str(cohort / "ana.csv")])
    assert [p.name for p in files] == ["ben.csv", "ana.csv", "cara.csv"]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "nobody.csv", "There is no file or folder at"),
        (lambda d: d / "notes.txt", "is not a CSV file"),
        (lambda d: d / "backups" / "empty", "has no practice-history files"),
    ],
)
def test_a_bad_path_is_a_message_naming_it(cohort, make, words):
    path = make(cohort)
    if path.name == "empty":
        path.mkdir()
    with pytest.raises(PrepError) as caught:
        history_files([cohort / "ana.csv", path])
    assert words in str(caught.value) and str(path) in str(caught.value)


def test_arguments_passed_on_as_they_came_are_understood(cohort):
    """`prep.progress(*sources)` hands over a tuple, which may hold a list."""
    assert history_files((str(cohort),)) == history_files(cohort)
    listed = history_files(([cohort / "ben.csv", str(cohort / "ana.csv")],))
    assert [p.name for p in listed] == ["ben.csv", "ana.csv"]
    with pytest.raises(HistoryError, match="is not a file or folder name"):
        history_files((3,))


def test_nothing_given_is_a_message():
    with pytest.raises(HistoryError, match="No history files"):
        history_files([])


# ---- whose names -----------------------------------------------------------------------------


def test_names_come_from_the_file_or_its_learner_folder(tmp_path):
    paths = [tmp_path / "ana.csv", tmp_path / "ben" / "practice_history.csv"]
    assert learner_names(paths) == ["ana", "ben"]


def test_equal_names_get_their_folders(tmp_path):
    paths = [
        tmp_path / "group-a" / "ana.csv",
        tmp_path / "group-b" / "ana.csv",
        tmp_path / "ben.csv",
        tmp_path / "2025" / "carl" / "practice_history.csv",
        tmp_path / "2026" / "carl" / "practice_history.csv",
    ]
    assert learner_names(paths) == ["group-a/ana", "group-b/ana", "ben", "2025/carl", "2026/carl"]


# ---- the figures -----------------------------------------------------------------------------


@pytest.fixture
def summary(cohort, content):
    histories = [(p.stem, HistoryStore(p).load()) for p in history_files(cohort)]
    return compare_learners(histories, content, BERLIN, TODAY)


def row(summary, learner):
    table = summary.table.set_index("learner")
    return table.loc[learner]


def test_table_has_a_row_per_learner_with_their_figures(summary, content):
    assert list(summary.table.columns) == list(TABLE_COLUMNS)
    assert summary.learners == ["ana", "ben", "cara"]
    ana = row(summary, "ana")
    assert ana["answers saved"] == 4
    assert ana["days practised"] == 3  # 16, 17 and 19 November
    assert (ana["current streak"], ana["longest streak"]) == (1, 2)
    assert (ana["days this week"], ana["weekly goal"]) == (3, 3)
    assert ana["questions tried"] == 2 and summary.question_count == len(content.questions)
    assert ana["latest coverage"] == pytest.approx(50.0)  # mean of 75 (past-role) and 25
    assert ana["latest confidence"] == pytest.approx(4.0)  # five-years was never rated
    assert ana["minutes timed"] == pytest.approx(3.5)
    assert ana["last practised"] == pd.Timestamp("2026-11-19 10:00", tz=BERLIN)


def test_an_answer_without_coverage_keeps_the_earlier_latest(summary):
    ben = row(summary, "ben")
    assert ben["answers saved"] == 2 and ben["questions tried"] == 1
    assert (ben["current streak"], ben["longest streak"], ben["days this week"]) == (0, 2, 0)
    assert ben["latest coverage"] == pytest.approx(40.0)
    assert ben["latest confidence"] == pytest.approx(2.0)
    assert ben["minutes timed"] == pytest.approx(10.0)


def test_a_learner_with_no_practice_is_a_row_of_zeros(summary):
    cara = row(summary, "cara")
    counts = ["answers saved", "days practised", "current streak", "questions tried"]
    assert [cara[c] for c in counts] == [0, 0, 0, 0]
    assert cara["minutes timed"] == 0
    assert pd.isna(cara["latest coverage"]) and pd.isna(cara["latest confidence"])
    assert pd.isna(cara["last practised"])


def test_coverage_by_question_and_weeks(summary):
    grid = summary.coverage_by_question
    assert list(grid.index) == ["ana", "ben", "cara"]
    assert grid.loc["ana", "Your role in past projects"] == pytest.approx(75.0)
    assert grid.loc["ben", "Your role in past projects"] == pytest.approx(40.0)
    assert pd.isna(grid.loc["ben", "Where you'll be in five years"])
    assert grid.loc["cara"].isna().all()
    weekly = summary.weekly
    assert [d.strftime("%Y-%m-%d") for d in weekly.index] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
    ]
    assert weekly["ana"].tolist() == [0, 0, 4]
    assert weekly["ben"].tolist() == [2, 0, 0]
    assert weekly["cara"].tolist() == [0, 0, 0]


def test_nobody_has_practised_yet(content):
    summary = compare_learners([("a", empty_frame()), ("b", empty_frame())], content, UTC, TODAY)
    assert summary.table["answers saved"].tolist() == [0, 0]
    assert summary.weekly.empty and summary.coverage_by_question.isna().all().all()
    for chart in (chart_weekly, chart_coverage_by_question):
        assert png_bytes(chart(summary)).startswith(b"\x89PNG")


def many_learners(count: int, content) -> list[tuple[str, pd.DataFrame]]:
    ids = [q.id for q in content.questions]
    histories = []
    for n in range(count):
        rows = 3 + n
        frame = typed_history(
            [at(1) + timedelta(days=2 * k + n) for k in range(rows)],
            [ids[(n + k) % len(ids)] for k in range(rows)],
            coverage=lambda k: (k % 10) / 10,
        )
        histories.append((f"learner {n}", frame))
    return histories


@pytest.mark.parametrize(("count", "weeks"), [(1, 4), (10, 6)])
def test_charts_render_for_one_and_for_many_learners(content, count, weeks):
    summary = compare_learners(many_learners(count, content), content, UTC, TODAY)
    # from the week of 1 Nov to this week (1 learner) or 4 Dec: a point a week, not a day
    assert len(summary.weekly) == weeks
    for chart in (chart_weekly, chart_coverage_by_question):
        assert png_bytes(chart(summary)).startswith(b"\x89PNG")


# ---- the view ------------------------------------------------------------------------------


def build(folder: Path, content, **kwargs) -> CohortView:
    files = history_files(folder)
    return CohortView(list(zip(learner_names(files), files, strict=True)), content, **kwargs)


def test_view_shows_every_learner_without_changing_their_files(cohort, content):
    before = snapshot(cohort)
    view = build(cohort, content, tz=UTC)
    assert view.bug_log.entries == []
    assert "prep-cohort" in view._dom_classes
    assert "Learners side by side" in view.heading.value
    assert view.status.text == "3 learners, 6 answers saved."
    for name in ("ana", "ben", "cara"):
        assert f">{name}<" in view.table.value
    ana_tried = f"2 of {len(content.questions)}"  # ana's row
    assert ana_tried in view.table.value and "50%" in view.table.value
    assert len(view.charts.children) == 2
    # each chart an <img> with its text alternative (ipywidgets' Image has no alt)
    assert all(chart_png(image).startswith(b"\x89PNG") for image in view.charts.children)
    assert [chart_alt(image).split(" for ")[0] for image in view.charts.children] == [
        "Attempts per week",
        "Latest talking-point coverage per question",
    ]
    view._on_refresh()
    view.refresh_button.click()
    assert view.bug_log.entries == []
    assert snapshot(cohort) == before  # same files, same bytes, same times: no lock, no backup


def test_unreadable_lines_and_unreadable_files_leave_the_others_shown(cohort, content):
    with open(cohort / "ben.csv", "ab") as handle:
        handle.write(b'"torn","2026-11-0')  # a save cut off by a crash
    (cohort / "cara.csv").write_bytes("attempt_id,café\n".encode("cp1252"))
    before = snapshot(cohort)
    view = build(cohort, content, tz=UTC)
    assert view.bug_log.entries == []
    assert view.status.kind == "warn"
    assert view.status.text == (
        "3 learners, 6 answers saved; 1 file could not be read (see the table); "
        "1 file with lines left out (see below)."
    )
    assert "<b>ben</b>: 1 line could not be read" in view.problems.value
    assert "incomplete" in view.problems.value
    assert "could not be read: " in view.table.value and "UTF-8" in view.table.value
    assert ">ana<" in view.table.value and len(view.charts.children) == 2
    view.refresh()
    assert snapshot(cohort) == before


def test_a_file_without_read_permission_is_a_row_not_a_failure(cohort, content, monkeypatch):
    """Simulated: the tests run as root in CI, and root may read anything."""
    history = importlib.import_module("prep.store.history")
    real = history._parse_fast

    def refused(source, schema):
        if isinstance(source, Path) and source.stem == "ben":
            raise PermissionError(errno.EACCES, "Permission denied", str(source))
        return real(source, schema)

    monkeypatch.setattr(history, "_parse_fast", refused)
    view = build(cohort, content, tz=UTC)
    assert view.bug_log.entries == []
    assert "you do not have permission to read" in view.table.value
    assert ">ana<" in view.table.value


def test_a_file_that_went_missing_is_said_so(cohort, content):
    view = build(cohort, content, tz=UTC)
    (cohort / "ben.csv").unlink()
    view.refresh()
    assert "not there any more" in view.table.value
    assert view.status.text.startswith("3 learners, 4 answers saved; 1 file could not be read")


def test_a_failing_reader_is_a_row_too(cohort, content):
    def read(path):
        if path.stem == "ben":
            raise HistoryError("could not read ben.csv: the disk reported an error")
        return HistoryStore(path).read()

    view = build(cohort, content, tz=UTC, read=read)
    assert "the disk reported an error" in view.table.value
    assert view.table.value.count("could not be read") == 1


def test_learner_names_and_problems_are_shown_as_text(tmp_path, content):
    name = "<b>ana&ben"
    path = write_history(tmp_path / f"{name}.csv", ANA)
    with open(path, "ab") as handle:
        handle.write(b'"torn","2026-11-0')
    view = CohortView([(name, path)], content, tz=UTC)
    for html in (view.table.value, view.problems.value):
        assert "&lt;b&gt;ana&amp;ben" in html and "<b>ana" not in html


def test_nobody_practised_yet_shows_the_table_without_charts(tmp_path, content):
    paths = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in paths:
        path.write_bytes(b"")
    view = CohortView(list(zip(learner_names(paths), paths, strict=True)), content, tz=UTC)
    assert (view.status.kind, view.status.text) == ("info", "2 learners, no answers saved.")
    assert view.charts.children == () and ">a<" in view.table.value


def test_ten_learners_get_wide_charts(content):
    histories = dict(many_learners(10, content))

    def read(path):
        from prep.store.history import HistoryReport

        return HistoryReport(histories[str(path)])

    view = CohortView([(n, Path(n)) for n in histories], content, tz=UTC, read=read)
    assert view.bug_log.entries == []
    assert view.status.text == f"10 learners, {sum(3 + n for n in range(10))} answers saved."
    assert [image.layout.grid_column for image in view.charts.children] == ["1 / -1"] * 2


def test_repeated_learner_names_are_a_wiring_mistake(cohort, content):
    with pytest.raises(ValueError, match="learner names must differ"):
        CohortView([("ana", cohort / "ana.csv"), ("ana", cohort / "ben.csv")], content)
