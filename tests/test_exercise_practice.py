"""Exercises in the one practice history: rows, help, FSRS, streak, next up, progress, mock."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from fsrs import Rating

import prep
from prep import coding, workbook
from prep.insight.exercises import exercise_stats
from prep.insight.progress import habit
from prep.practice.schedule import Replay, exercise_rating
from prep.widgets.mock_view import MockInterview
from prep.widgets.progress_view import exercise_table_html


class LRUCache:
    # a right answer, as a learner might write it
    def __init__(self, capacity):
        self.capacity = capacity
        self.data = OrderedDict()

    def get(self, key):
        if key not in self.data:
            return None
        self.data.move_to_end(key)
        return self.data[key]

    def put(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)


class NeverEvicts:
    def __init__(self, capacity):
        self.data = {}

    def get(self, key):
        return self.data.get(key)

    def put(self, key, value):
        self.data[key] = value


NeverEvicts.__name__ = "LRUCache"


def rows(data_dir) -> pd.DataFrame:
    return workbook.store().load()


def test_a_check_is_a_history_row_with_the_code_and_the_counts(data_dir):
    report = prep.check("lru-cache", LRUCache)
    assert report.passed and report.total >= 5
    saved = rows(data_dir).iloc[-1]
    assert saved["mode"] == "exercise" and saved["item_id"] == "lru-cache"
    assert "# a right answer, as a learner might write it" in saved["answer"]
    assert saved["tests_passed"] == saved["tests_run"] == report.total
    assert saved["hints_used"] == 0 and saved["solution_shown"] == 0
    assert "Saved in your practice history (check 1 of this exercise)" in str(report)


def test_a_failing_check_is_saved_with_what_passed_and_offers_a_hint(data_dir):
    report = prep.check("lru-cache", NeverEvicts)
    assert not report.passed and report.failed >= 1
    saved = rows(data_dir).iloc[-1]
    assert saved["tests_passed"] == report.tests_passed < saved["tests_run"]
    assert 'prep.hint("lru-cache") gives hint 1 of' in str(report)


def test_a_query_is_saved_as_typed(data_dir):
    query = "-- my first go\nSELECT 1"
    sql_id = next(e.id for e in prep.exercises(kind="sql"))
    prep.check(sql_id, query)
    assert rows(data_dir).iloc[-1]["answer"] == query


def test_hints_count_until_a_pass_and_a_pass_clears_them(data_dir):
    first = prep.hint("lru-cache")
    assert "Hint 1 of" in first.markdown and "Hint 2 of" not in first.markdown
    second = prep.hint("lru-cache")
    assert "Hint 1 of" in second.markdown and "Hint 2 of" in second.markdown
    prep.check("lru-cache", NeverEvicts)
    helped = prep.check("lru-cache", LRUCache)
    assert "Passed with help" in str(helped)
    assert list(rows(data_dir)["hints_used"]) == [2, 2]
    unaided = prep.check("lru-cache", LRUCache)
    assert "Passed." in str(unaided) and "with help" not in str(unaided)
    assert rows(data_dir).iloc[-1]["hints_used"] == 0  # the pass before cleared them


def test_hints_survive_a_restart(data_dir):
    prep.hint("lru-cache")
    workbook._drafts.clear()  # a new kernel reads the drafts file again
    assert "Hint 2 of" in prep.hint("lru-cache").markdown


def test_the_solution_before_a_pass_is_noted_and_after_a_pass_is_not(data_dir):
    page = prep.solution("lru-cache")
    assert "OrderedDict" in page.markdown or "class LRUCache" in page.markdown
    assert "Your history notes that you opened this" in page.markdown
    history = rows(data_dir)
    assert list(history["mode"]) == ["solution"]
    prep.check("lru-cache", LRUCache)
    assert rows(data_dir).iloc[-1]["solution_shown"] == 1
    again = prep.solution("lru-cache")
    assert "Your history notes" not in again.markdown
    assert list(rows(data_dir)["mode"]) == ["solution", "exercise"]


@pytest.mark.parametrize(
    ("passed", "run", "helped", "struggled", "rating"),
    [
        (3, 7, False, False, Rating.Again),
        (7, 7, True, False, Rating.Hard),
        (7, 7, False, True, Rating.Good),
        (7, 7, False, False, Rating.Easy),
        (0, 0, False, False, Rating.Again),
    ],
)
def test_the_fsrs_mapping_for_checks(passed, run, helped, struggled, rating):
    assert exercise_rating(passed, run, helped, struggled)[0] == rating


def _frame(*specs) -> pd.DataFrame:
    start = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    out = []
    for n, (mode, passed, run, hints) in enumerate(specs):
        out.append(
            {
                "attempt_id": f"a{n}",
                "recorded_at": start + timedelta(minutes=5 * n),
                "item_id": "lru-cache",
                "mode": mode,
                "answer": "code",
                "seconds": pd.NA,
                "confidence": pd.NA,
                "coverage": pd.NA,
                "tests_passed": passed,
                "tests_run": run,
                "hints_used": hints,
                "solution_shown": 0,
            }
        )
    frame = pd.DataFrame(out)
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True)
    for column in ("seconds", "confidence", "tests_passed", "tests_run", "hints_used"):
        frame[column] = frame[column].astype("Int64")
    frame["coverage"] = frame["coverage"].astype("Float64")
    return frame


def _last(frame):
    replay = Replay(["lru-cache"])
    replay.add(frame)
    return replay.states()["lru-cache"]


def test_the_replay_rates_checks_as_documented():
    assert _last(_frame(("exercise", 7, 7, 0))).last_rating == Rating.Easy
    assert _last(_frame(("exercise", 2, 7, 0), ("exercise", 7, 7, 0))).last_rating == Rating.Good
    assert _last(_frame(("exercise", 7, 7, 1))).last_rating == Rating.Hard
    assert _last(_frame(("exercise", 7, 7, 0), ("exercise", 1, 7, 0))).last_rating == Rating.Again
    assert _last(_frame(("solution", pd.NA, pd.NA, 0))).last_rating == Rating.Again


def test_an_easy_pass_is_due_later_than_a_hard_one():
    easy = _last(_frame(("exercise", 7, 7, 0)))
    hard = _last(_frame(("exercise", 7, 7, 2)))
    failed = _last(_frame(("exercise", 1, 7, 0)))
    assert failed.due <= hard.due < easy.due  # FSRS gives Again and Hard one day at first
    assert failed.card.stability < hard.card.stability < easy.card.stability
    assert failed.recent_coverage == pytest.approx(1 / 7) and failed.exercise


def test_exercise_days_count_toward_the_streak():
    frame = _frame(("exercise", 1, 7, 0))
    day = date(2026, 11, 2)
    assert habit(frame, timezone.utc, day).current_streak == 1
    assert habit(frame, timezone.utc, day).days_this_week == 1


def test_next_up_lists_a_failed_exercise_with_its_tests(data_dir):
    prep.check("lru-cache", NeverEvicts)
    listed = workbook._next_items(topic="caching")
    item = next(i for i in listed.items if i.question_id == "lru-cache")
    assert item.status in ("due", "overdue", "weak")
    assert "(Python exercise)" in listed.titles["lru-cache"]


def test_progress_shows_passed_attempts_and_time_to_first_pass(data_dir):
    prep.check("lru-cache", NeverEvicts)
    prep.check("lru-cache", LRUCache)
    stats = exercise_stats(rows(data_dir), [coding._get("lru-cache")])
    stat = stats[0]
    assert (stat.passed, stat.checks, stat.checks_to_first_pass) == (True, 2, 2)
    assert stat.time_to_first_pass is not None and stat.time_to_first_pass >= 0
    page = exercise_table_html(stats, {}, timezone.utc)
    assert "✓ passed" in page and "(check 2)" in page and "1 of 1 passed" in page
    view = prep.progress()
    assert coding._get("lru-cache").title in view.exercise_table.value


def test_the_answer_book_holds_the_passing_code(data_dir, tmp_path):
    prep.check("lru-cache", NeverEvicts)
    prep.check("lru-cache", LRUCache)
    markdown, page = prep.export_answer_book(str(tmp_path / "book"))
    text = markdown.read_text(encoding="utf-8")
    assert "## Coding and SQL exercises" in text
    assert "# a right answer, as a learner might write it" in text
    assert "class NeverEvicts" not in text  # only the code that passed
    assert "a right answer, as a learner might write it" in page.read_text(encoding="utf-8")


def test_a_mock_interview_can_end_with_a_timed_exercise(data_dir):
    mock = prep.mock_interview(questions=1, exercises=1, seed=7)
    assert isinstance(mock, MockInterview)
    assert any(isinstance(step, type(coding._get("lru-cache"))) for step in mock.questions)
    assert "exercises=1" in mock.repeat


def test_a_mock_exercise_is_checked_and_saved_with_its_time(data_dir):
    ex = coding._get("lru-cache")
    clock = [1000.0]
    mock = MockInterview(
        [ex],
        store=workbook.store(),
        lexicon=workbook.content().lexicon,
        seed=1,
        next_reviews=dict,
        clock=lambda: clock[0],
        tz=timezone.utc,
        check_code=workbook._mock_check,
    )
    mock.start()
    assert "Python exercise: " in mock.prompt.value
    mock.answer.value = ex.solution
    clock[0] += 600
    mock.submit()
    saved = rows(data_dir).iloc[-1]
    assert saved["mode"] == "exercise" and saved["seconds"] == 600
    assert saved["tests_passed"] == saved["tests_run"]
    assert "all" in mock.hints.value and "tests passed" in mock.hints.value
    mock.next()
    assert "exercise checked" in mock.status.text
    assert "tests" in mock.summary.value


def test_the_exercise_page_shows_task_interface_starter_and_record(data_dir):
    page = prep.exercise("lru-cache")
    text = page.markdown
    assert "### " in text and "**Interface**" in text and "**Start from this**" in text
    assert 'prep.check("lru-cache", LRUCache)' in text
    assert "You have not checked a solution yet." in text
    prep.check("lru-cache", LRUCache)
    assert "Passed (1 check so far" in prep.exercise("lru-cache").markdown


def test_the_list_has_both_kinds():
    listed = prep.exercises()
    kinds = {e.kind for e in listed}
    assert kinds == {"python", "sql"}
    assert len(prep.exercises(kind="python")) >= 12 and len(prep.exercises(kind="sql")) >= 8
    with pytest.raises(prep.PrepError):
        prep.exercises(kind="java")


def test_a_format_3_history_takes_its_first_check_without_changing_old_rows(data_dir):
    from prep.store.history import SCHEMA, HistoryStore, Schema

    path = data_dir / "practice_history.csv"
    old = HistoryStore(path, schema=Schema(SCHEMA.versions[:3]))
    old.record("past-role", "an answer from before the exercises", confidence=4)
    before = path.read_bytes()
    report = prep.check("lru-cache", LRUCache)
    after = path.read_bytes()
    assert after.split(b"\r\n", 1)[1].startswith(before.split(b"\r\n", 1)[1])  # rows as they were
    assert b'"tests_passed","tests_run","hints_used","solution_shown"' in after.split(b"\r\n")[0]
    read = workbook.store().read()
    assert read.problems == () and read.changes == ()  # the old row's check still holds
    assert list(read.frame["mode"]) == ["practice", "exercise"]
    assert read.frame.iloc[1]["tests_passed"] == report.total
    assert "upgraded to format 4" in str(report)


def test_the_starter_goes_into_a_new_cell_below_in_ipython(monkeypatch):
    class Shell:
        def __init__(self):
            self.inputs = []

        def set_next_input(self, text, replace=False):
            self.inputs.append((text, replace))

    shell = Shell()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    page = prep.starter("lru-cache")
    assert shell.inputs == [(coding._get("lru-cache").starter.rstrip("\n"), False)]
    assert "in a new cell below" in page.markdown


def test_the_starter_is_shown_outside_ipython():
    page = prep.starter("token-bucket")
    assert "class TokenBucket" in page.markdown


def test_the_readme_lists_every_exercise():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [e.id for e in prep.exercises() if f"| `{e.id}` |" not in readme]
    assert not missing, f"README's exercise table lacks {missing}"


def test_opening_a_solution_keeps_no_streak_alive():
    frame = _frame(("solution", pd.NA, pd.NA, 0))
    assert habit(frame, timezone.utc, date(2026, 11, 2)).current_streak == 0
