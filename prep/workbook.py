"""The functions notebooks call: the one place where content, the store and widgets meet."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd

from . import paths
from .content.loader import Content, content_stamp, load_content
from .content.own import (
    OWN_PREFIX,
    OWN_TOPIC,
    OwnQuestions,
    OwnQuestionStore,
    merge,
    with_answered,
)
from .errors import HistoryError, PrepError
from .exercises import runner
from .exercises.catalog import Catalog
from .exercises.catalog import load as load_exercises
from .exercises.report import CheckReport
from .insight import answer_book, cohort
from .models import LEVELS, Exercise, Question, Tip
from .practice import replay_cache
from .practice.schedule import EXERCISE_MODE, Replay, by_topic, mock_pools, pick_for_mock
from .practice.schedule import next_up as rank_next
from .store import export
from .store.drafts import DraftStore
from .store.history import (
    HistoryReport,
    HistoryStore,
    RepairReport,
    attempts_from_frame,
    empty_frame,
    now_utc,
)
from .widgets import MessageCard, ProgressView, QuestionCard, TipCard
from .widgets._common import local_tz
from .widgets.add_question_card import AddQuestionCard
from .widgets.cohort_view import CohortView
from .widgets.deck import EMPTY_TOPIC, Deck
from .widgets.mock_view import MockInterview
from .widgets.next_up_view import NextUpList, NextUpView
from .widgets.question_card import KEPT_ATTEMPTS

_stores: dict[Path, HistoryStore] = {}
_drafts: dict[Path, DraftStore] = {}
_content: tuple[tuple, Content] | None = None
_own_stores: dict[Path, OwnQuestionStore] = {}
_merged: tuple[Content, tuple, OwnQuestions, Content] | None = None


def bank() -> Content:
    """Load the shipped content files, again only when one of them changed on disk."""
    global _content
    folder = paths.content_dir()
    key = (str(folder), content_stamp(folder))
    if _content is None or _content[0] != key:
        _content = (key, load_content(folder))
    return _content[1]


def own_store() -> OwnQuestionStore:
    """The learner's own-questions file for the current data dir."""
    path = paths.own_questions_path()
    if path not in _own_stores:
        _own_stores[path] = OwnQuestionStore(path, bank=bank)
    return _own_stores[path]


def _own() -> tuple[Content, OwnQuestions]:
    """The bank with the learner's own questions, merged again only when a file changed."""
    global _merged
    shipped, mine = bank(), own_store()
    key = (str(mine.path), mine.stamp())
    if _merged is None or _merged[0] is not shipped or _merged[1] != key:
        own = mine.read(shipped)  # a broken file reads as none, with its problem kept
        _merged = (shipped, key, own, merge(shipped, own))
    return _merged[3], _merged[2]


def all_exercises() -> Catalog:
    """The shipped coding and SQL exercises, their topics checked against the bank's."""
    return load_exercises(paths.content_dir(), topics=[t.id for t in bank().topics])


def content() -> Content:
    """The bank and the learner's own questions; a broken own file leaves just the bank."""
    return _own()[0]


def store() -> HistoryStore:
    """Return the store for the current data dir (`PREP_DATA_DIR` is read on every call)."""
    path = paths.history_path()
    if path not in _stores:
        _stores[path] = HistoryStore(path, auto_backup=True)
    return _stores[path]


def drafts() -> DraftStore:
    """Return the unsaved-drafts store for the current data dir."""
    path = paths.drafts_path()
    if path not in _drafts:
        _drafts[path] = DraftStore(path)
    return _drafts[path]


def card(item_id: str) -> widgets.VBox:
    """Build the card for a question or tip id; a problem becomes a message card."""
    try:
        data, own = _own()
        if own.problem is not None and item_id.startswith(OWN_PREFIX):
            raise own.problem  # not "no such id": the learner's file needs fixing
        item = data.get(item_id)
        built = _build_card(item, store(), drafts())
        if own.is_retired(item_id):
            _note_retired(built, item_id)
        return built
    except PrepError as exc:
        return MessageCard(f"This card cannot be shown: {item_id}", str(exc))


def _build_card(
    item: Question | Tip,
    history_store: HistoryStore,
    draft_store: DraftStore,
    report: HistoryReport | None = None,
) -> widgets.VBox:
    """Build one card from `report`, the history read for a whole page, or a read of its own."""
    if report is None:
        report = _read_quietly(history_store)
    frame = report.frame
    if isinstance(item, Question):
        # only the newest attempts become objects, and only they are copied out of the
        # frame: a card costs the same at any history size
        mine = np.flatnonzero((frame["item_id"] == item.id).to_numpy(dtype=bool))
        times = frame["recorded_at"].to_numpy(dtype="datetime64[ns]")[mine]
        newest = mine[np.argsort(times, kind="stable")[-KEPT_ATTEMPTS:]]  # ties: file order
        qcard = QuestionCard(
            item,
            store=history_store,
            attempts=attempts_from_frame(frame.iloc[newest]),
            total=len(mine),
            drafts=draft_store,
            lexicon=content().lexicon,
        )
        _show_read_problems(qcard, report)
        return qcard
    prefix = f"{item.id}/"
    mine = frame[frame["item_id"].str.startswith(prefix)]
    # the latest row of each field, in file order: the last one wins
    latest = {
        a.item_id: a for a in attempts_from_frame(mine.drop_duplicates("item_id", keep="last"))
    }
    tcard = TipCard(item, store=history_store, latest=latest, drafts=draft_store)
    _show_read_problems(tcard, report)
    return tcard


def _read_quietly(history_store: HistoryStore) -> HistoryReport:
    try:
        return history_store.read()
    except PrepError as exc:
        return HistoryReport(empty_frame(), problems=(), error=str(exc))


def _show_read_problems(card_widget: QuestionCard | TipCard, report: HistoryReport) -> None:
    """Say in the card's status line, in one plain line, what the read found wrong."""
    status = card_widget.status
    summary = report.summary()
    if not summary:
        return
    earlier = f" {status.text}" if status.text else ""  # e.g. "Draft restored ..." stays
    status.show("error" if report.error else "warn", f"{summary}{earlier}")


OWN_TOPIC_EMPTY = "No questions here yet — add one with the form above."


def deck(topic: str, level: str | None = None) -> widgets.VBox:
    """A topic's questions as a deck: one card at a time, previous/next, a level filter.

    `level="mid"` opens it filtered to one level (`junior`, `mid`, `senior`). Opening it
    reads the history once, for the jump list and the first card; a card first shown
    later reads again (the store reads only what was appended since). The deck of your
    own questions (`"my-questions"`) has a Refresh button for the ones added since.
    """
    mine = topic == OWN_TOPIC.id
    try:
        data, own = _own()
        if mine and own.problem is not None:
            raise own.problem  # not "no questions yet": the learner's file needs fixing
        data.select(topic=topic, level=level)  # an unknown topic or level is a message
        chosen = data.select(topic=topic)
        history_store, draft_store = store(), drafts()
        opening = _read_quietly(history_store)
    except PrepError as exc:
        return MessageCard(f"This topic cannot be shown: {topic}", str(exc))
    shared: list[HistoryReport | None] = [opening]

    def build(question: Question) -> widgets.VBox:
        try:
            return _build_card(question, history_store, draft_store, report=shared[0])
        except PrepError as exc:
            return MessageCard(f"This card cannot be shown: {question.id}", str(exc))

    items = opening.frame["item_id"]
    view = Deck(
        chosen,
        build,
        practised=set(items[items.isin([q.id for q in chosen])]),
        level=level,
        empty=OWN_TOPIC_EMPTY if mine else EMPTY_TOPIC,
        reload=(lambda: content().select(topic=topic)) if mine else None,
    )
    shared[0] = None  # later cards see answers saved since the page opened
    return view


def questions(topic: str | None = None, level: str | None = None) -> list[Question]:
    """The interview questions in workbook order, each with its `.topic` and `.level`.

    `topic="databases"` keeps one topic (`prep.topics()` lists them); `level="mid"` keeps
    one level (`junior`, `mid`, `senior`) and the questions asked at every level.
    """
    return QuestionList(content().select(topic=topic, level=level))


def topics() -> list[TopicCount]:
    """The topics in workbook order, each with how many questions it has at each level."""
    data = content()
    return TopicList(
        TopicCount(
            topic.id,
            topic.title,
            len(mine := data.select(topic=topic.id)),
            {level: sum(q.level == level for q in mine) for level in LEVELS},
        )
        for topic in data.topics
    )


def tips() -> list[Tip]:
    """The four general interview tips, in workbook order."""
    return list(content().tips)


# ---- the learner's own questions ---------------------------------------------------------


class PrintedId(str):
    """An id a function has already printed: a notebook shows it no second time."""

    def _ipython_display_(self) -> None:
        """Show nothing more: the message before it named the id."""


def add_question(
    title: str,
    prompt: str,
    talking_points: Iterable[str] | str = (),
    topic: str = OWN_TOPIC.id,
    level: str | None = None,
) -> str:
    """Add an interview question of your own; return its id (`my-...`, never changed later).

    `talking_points` lists what a strong answer covers (one text with a point per line
    works too); the coach listens for their words. `topic` is "my-questions" or a bank
    topic (`prep.topics()`), `level` one of junior, mid, senior, or None for any level.
    The question is kept in your data folder, in `my_questions.yaml`, which you may edit.
    """
    question = own_store().add(title, prompt, talking_points, topic=topic, level=level)
    print(f'Added “{question.title}” as {question.id}. Its card: prep.card("{question.id}").')
    return PrintedId(question.id)


def edit_question(question_id: str, **changes: object) -> str:
    """Change one of your questions: `title=`, `prompt=`, `talking_points=`, `topic=`, `level=`.

    Its id stays the same, so the answers you saved stay with it.
    """
    question = own_store().edit(question_id, **changes)
    print(f"Saved your changes to {question.id} (“{question.title}”).")
    return PrintedId(question.id)


def retire_question(question_id: str, retired: bool = True) -> str:
    """Leave one of your questions out of practice; its saved answers are kept.

    `retired=False` (or `prep.restore_question`) brings it back.
    """
    question = own_store().retire(question_id, retired)
    if retired:
        print(
            f"Retired {question.id}: it is left out of next_up, the mock interview and the "
            f'topic pages; its answers are kept. prep.restore_question("{question.id}") '
            "brings it back."
        )
    else:
        print(f"Restored {question.id}: it is back in practice.")
    return PrintedId(question.id)


def restore_question(question_id: str) -> str:
    """Bring a question you retired back into practice."""
    return retire_question(question_id, retired=False)


def add_question_card() -> widgets.VBox:
    """A form to add a question of your own, with your questions listed below it."""
    try:
        return AddQuestionCard(own_store(), drafts=drafts())
    except PrepError as exc:
        return MessageCard("The form for your own questions cannot be shown", str(exc))


def _note_retired(built: widgets.VBox, question_id: str) -> None:
    """Say on a retired question's card that it is retired, and how to bring it back."""
    status = getattr(built, "status", None)
    if status is None:
        return
    earlier = f" {status.text}" if status.text else ""
    status.show(
        "warn",
        f"You retired this question, so practice leaves it out; your answers are kept. "
        f'prep.restore_question("{question_id}") brings it back.{earlier}',
    )


def _with_answered_retired() -> Content:
    """The content progress and the answer book show: retired questions with answers too."""
    data = content()
    if not data.retired:
        return data
    return with_answered(data, _read_quietly(store()).frame["item_id"])


def history() -> pd.DataFrame:
    """The practice history as a typed DataFrame (rows that could not be read are left out)."""
    report = store().read()
    if report.summary():
        print(f"Note: {report.summary()}")
    return report.frame


class Listed(list):
    """A list of lines that a notebook shows one a line, not as one long Python list."""

    empty = "Nothing to report: every line of your history reads and no row was changed."

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text("\n".join(self) if self else self.empty)


def history_problems() -> list[str]:
    """Every line of the history left out or changed outside the workbook, and why.

    A changed row says which field changed and, where the workbook's backups hold it,
    what it was: `line 14 (attempt 3f2a…): the answer was changed outside the workbook:
    '12' was '0012'`.
    """
    history_store = store()
    return Listed(history_store.describe(history_store.read()))


class QuestionList(list):
    """Questions that a notebook shows one a line, with id, level and title."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        if not self:
            printer.text("No questions match.")
            return
        width = max(len(q.id) for q in self)
        printer.text("\n".join(f"{q.id:<{width}}  {q.level or 'any':<6}  {q.title}" for q in self))


@dataclass(frozen=True)
class TopicCount:
    """A topic and how many questions it has: `levels` counts them by level."""

    id: str
    title: str
    questions: int
    levels: dict[str, int]


class TopicList(list):
    """Topics that a notebook shows as a small table: id, title, questions by level."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        width = max((len(t.id) for t in self), default=0)
        lines = [f"{'topic':<{width}}  questions  junior  mid  senior  title"]
        for t in self:
            j, m, s = (t.levels.get(level, 0) for level in LEVELS)
            lines.append(f"{t.id:<{width}}  {t.questions:>9}  {j:>6}  {m:>3}  {s:>6}  {t.title}")
        printer.text("\n".join(lines))


class PrintedPath(type(Path())):  # type: ignore[misc]  # PosixPath or WindowsPath
    """A path a function has already printed: a notebook shows it no second time."""

    def _ipython_display_(self) -> None:
        """Show nothing more: the message before it named the path."""


def backup_history() -> Path:
    """Copy your practice history, byte for byte, into the data dir's `backups/` folder."""
    written = store().backup()
    print(f"Backed up your practice history to {written}")
    return PrintedPath(written)


def repair_history(encoding: str | None = None) -> RepairReport:
    """Rewrite the history without the lines that cannot be read, after making a backup.

    Use it when a card says lines of your history could not be read or were changed
    outside the workbook: rows a spreadsheet changed are put back as the workbook saved
    them, from its automatic backups, and the report says which it could not put back.
    With `encoding="cp1252"` (or another) it also converts a file a spreadsheet saved in a
    legacy encoding to UTF-8, and names every row whose text did not survive that. A file
    that reads cleanly is left untouched.
    """
    report = store().repair(encoding=encoding)
    print(report)
    return report


def export_for_spreadsheet(path: str) -> Path:
    """Write a copy of your history that is safe to open in a spreadsheet; return its path.

    Cells that a spreadsheet would run as formulas get a leading `'`. The copy has readable
    headings, so it is never mistaken for the history itself.
    """
    written = export.export_for_spreadsheet(store(), path)
    print(f"Wrote {written}")
    return written


def progress(*sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> widgets.VBox:
    """Your practice so far; or, given history files or folders of them, learners side by side.

    `prep.progress()` shows your own dashboard. `prep.progress("cohort/")` or
    `prep.progress(["ana.csv", "ben.csv"])` compares learners (their files are only read).
    """
    if not sources:
        history_store = store()
        return ProgressView(
            history_store.read,
            _with_answered_retired(),
            due=lambda frame: _due_dates(frame, history_store),
            exercises=all_exercises().exercises,
        )
    files = cohort.history_files(sources)
    return CohortView(list(zip(cohort.learner_names(files), files, strict=True)), content())


def export_answer_book(path: str) -> tuple[Path, Path]:
    """Write your best and latest answer to every question, with the coach's notes.

    `path` names the Markdown file (`.md` is added if missing); an HTML copy, easier to
    print, goes beside it. Returns both paths.
    """
    markdown, page = answer_book.write_answer_book(
        store(), _with_answered_retired(), path, exercises=all_exercises().exercises
    )
    print(f"Wrote your answer book to {markdown} (and {page.name} beside it, to print)")
    return markdown, page


_replays: dict[Path, tuple[int, Replay]] = {}
_replays_saved: dict[Path, int] = {}  # rows the saved replay covers, per history
SAVE_REPLAY_EVERY = 200  # new rows after which the saved replay is brought up to date


def _schedule(
    now: datetime,
    *,
    frame: pd.DataFrame | None = None,
    history_store: HistoryStore | None = None,
) -> tuple[dict, Content]:
    """Replay the history into every question's schedule (unreadable lines are skipped).

    The replay is kept per history file and fed only the rows read since, as long as the
    store's view of the file only grew (same `generation`) and the new rows are in time
    order; otherwise it starts from the replay an earlier session saved, if that still
    fits the first rows, or again from the first row. `frame` is the history just read
    from `history_store` (default: the learner's store, read here), so a page that read
    it already does not read it twice.
    """
    data = content()
    history_store = history_store or store()
    if frame is None:
        frame = _read_quietly(history_store).frame
    ids = tuple(q.id for q in data.questions) + all_exercises().ids
    kept = _replays.get(history_store.path)
    replayed = None
    if kept is not None and kept[0] == history_store.generation:
        replayed = kept[1]
    else:  # the session's first, or the file was read whole again: the saved one, if it fits
        replayed = replay_cache.load(history_store.path, frame, ids)
    before = None if replayed is None else replayed.rows
    if replayed is not None and (
        replayed.question_ids != ids
        or replayed.rows > len(frame)
        or not replayed.add(frame.iloc[replayed.rows :])
    ):
        replayed = None
    if replayed is None:
        replayed = Replay(ids)
        replayed.add(frame)
    _replays[history_store.path] = (history_store.generation, replayed)
    saved = _replays_saved.get(history_store.path, -1)
    if before is None or replayed.rows - saved > SAVE_REPLAY_EVERY:
        # a saved replay that lags is still good (its rows are still the first ones); saving
        # it after every new answer would fingerprint the whole history each time
        replay_cache.save(history_store.path, frame, replayed)
        _replays_saved[history_store.path] = replayed.rows
    return replayed.states(), data


def _due_dates(frame: pd.DataFrame, history_store: HistoryStore) -> dict[str, datetime | None]:
    """Every question's FSRS due date, from the replay kept for `history_store`'s file."""
    states, _ = _schedule(now_utc(), frame=frame, history_store=history_store)
    return {qid: state.due for qid, state in states.items()}


def _scope(data: Content, topic: str | None, level: str | None) -> str:
    """`Databases and SQL, mid level`: what a filtered list or run is about, in words."""
    parts = [data.topic(topic).title] if topic else []
    if level:
        parts.append(f"{level} level")
    return ", ".join(parts)


def _next_items(topic: str | None = None, level: str | None = None) -> NextUpList:
    now = now_utc()
    states, data = _schedule(now)
    chosen = data.select(topic=topic, level=level)
    coding = [
        e
        for e in all_exercises().exercises
        if (topic is None or e.topic == topic) and (level is None or e.level == level)
    ]
    listed = rank_next({i.id: states[i.id] for i in [*chosen, *coding]}, now, local_tz())
    level_arg = f", level={level!r}" if level else ""
    titles = {q.id: q.title for q in chosen}
    titles.update({e.id: f"{e.title} ({e.kind_title} exercise)" for e in coding})
    return NextUpList(
        items=listed,
        titles=titles,
        groups=by_topic(listed, data.topics, {i.id: i.topic for i in [*chosen, *coding]}),
        scope=_scope(data, topic, level),
        call=f"prep.next_up(topic={{topic!r}}{level_arg})",
        topic=topic,
    )


def next_up(topic: str | None = None, level: str | None = None) -> widgets.VBox:
    """What to practise now and why, by topic: due and overdue first, new ones, the weakest.

    `topic="databases"` lists one topic in full; `level="mid"` keeps one level (and the
    questions asked at every level). Without a topic, each topic shows its first few.
    """
    try:
        content().select(topic=topic, level=level)  # an unknown topic or level: a message
        return NextUpView(lambda: _next_items(topic, level), tz=local_tz())
    except PrepError as exc:
        return MessageCard("What to practise next cannot be shown", str(exc))


def record_check(
    exercise: Exercise,
    solution: object,
    report: CheckReport,
    seconds: float | None,
    help_used: tuple[int, bool, float | None] | None = None,
) -> tuple[bool, str]:
    """Save a check in the history (mode `exercise`); whether it was saved, and a line saying so.

    The row carries the code as the learner wrote it, the tests passed and run, and the
    hints and model solution seen since the last pass (kept in the drafts file; pass
    `help_used`, from `exercise_help`, when the caller read them already). A pass clears
    those, so the next review starts with no help counted.
    """
    hints, shown, opened = help_used if help_used is not None else exercise_help(exercise)
    if seconds is None:
        seconds = opened
    extra = {
        "tests_passed": str(report.tests_passed),
        "tests_run": str(report.total),
        "hints_used": str(hints),
        "solution_shown": "1" if shown else "0",
    }
    history_store = store()
    try:
        history_store.record(
            exercise.id,
            runner.solution_source(solution),
            mode=EXERCISE_MODE,
            seconds=seconds,
            extra=extra,
        )
    except (HistoryError, OSError, ValueError) as exc:
        return False, f"Not saved: {exc} Your code is still where you typed it."
    frame = _read_quietly(history_store).frame
    count = int(((frame["item_id"] == exercise.id) & (frame["mode"] == EXERCISE_MODE)).sum())
    line = f"Saved in your practice history (check {count} of this exercise)."
    notices = history_store.take_notices()
    if notices:
        line += " " + " ".join(notices)
    if report.passed:
        with contextlib.suppress(PrepError, OSError):
            drafts().discard(*(key.format(id=exercise.id) for key in EXERCISE_KEYS))
    return True, line


HINTS_KEY = "exercise:{id}#hints"
SOLUTION_KEY = "exercise:{id}#solution"
OPENED_KEY = "exercise:{id}#opened"
EXERCISE_KEYS = (HINTS_KEY, SOLUTION_KEY, OPENED_KEY)
LONGEST_TIMED = 6 * 3600  # a check this long after opening is not timed work any more


def exercise_help(exercise: Exercise) -> tuple[int, bool, float | None]:
    """Hints seen and model solution opened since the last pass, and seconds since opening."""
    try:
        saved = drafts().load()
    except (PrepError, OSError):
        return 0, False, None
    hints_draft = saved.get(HINTS_KEY.format(id=exercise.id))
    hints = int(hints_draft.text) if hints_draft and hints_draft.text.isdigit() else 0
    shown = saved.get(SOLUTION_KEY.format(id=exercise.id)) is not None
    opened = saved.get(OPENED_KEY.format(id=exercise.id))
    seconds = None
    if opened is not None:
        try:
            seconds = (now_utc() - datetime.fromisoformat(opened.text)).total_seconds()
        except (TypeError, ValueError):
            seconds = None
    if seconds is not None and not 0 <= seconds <= LONGEST_TIMED:
        seconds = None
    return hints, shown, seconds


def _mock_check(exercise: Exercise, code: str, seconds: float) -> tuple[str, int, int, bool, str]:
    """Check code typed in a mock interview, and save it with the time it took."""
    report = runner.check(exercise, code)
    saved, line = record_check(exercise, code, report, seconds)
    return report._repr_html_(), report.tests_passed, report.total, saved, line


def _topic_list(topics: str | Iterable[str] | None) -> list[str]:
    """`topics=` as a list: one topic id may be given as a plain string."""
    if topics is None:
        return []
    return [topics] if isinstance(topics, str) else list(topics)


def mock_interview(
    questions: int = 5,
    topics: str | Iterable[str] | None = None,
    level: str | None = None,
    seed: int | None = None,
    exercises: int = 0,
) -> widgets.VBox:
    """A timed mock interview: one behavioural question, then technical ones, due first.

    `topics=["databases", "caching"]` draws the technical questions from those topics
    (default: every technical topic); `level="mid"` keeps the questions of that level and
    those asked at every level. The opening question is behavioural (one of your
    background questions when no behavioural one fits the level). Each run has a number:
    the same `seed`, topics and level with the same schedule ask the same questions again.
    `exercises=1` ends the run with a timed coding or SQL exercise (due ones first), typed
    into the answer box and checked when you submit it.
    """
    try:
        now = now_utc()
        chosen_topics = _topic_list(topics)
        pools = mock_pools(content(), chosen_topics, level)
        states, data = _schedule(now)
        run = seed if seed is not None else random.randrange(1000, 10000)
        wanted = max(1, questions)
        chosen = pick_for_mock(states, now, wanted, run, pools)
        by_id: dict[str, Question | Exercise] = {q.id: q for q in data.questions}
        coding = [
            e
            for e in all_exercises().exercises
            if (not chosen_topics or e.topic in chosen_topics)
            and (level is None or e.level == level)
        ] or list(all_exercises().exercises)
        wanted_code = max(0, exercises)
        if wanted_code:
            picked = pick_for_mock({e.id: states[e.id] for e in coding}, now, wanted_code, run)
            chosen = [*chosen, *picked]
            by_id.update({e.id: e for e in coding})

        def next_reviews() -> dict[str, datetime | None]:
            return {qid: state.due for qid, state in _schedule(now_utc())[0].items()}

        args = [f"questions={wanted}"] if wanted != 5 else []
        if chosen_topics:
            args.append(f"topics={chosen_topics!r}")
        if level:
            args.append(f"level={level!r}")
        if wanted_code:
            args.append(f"exercises={wanted_code}")
        scope = " and ".join(data.topic(t).title for t in chosen_topics)
        if level:
            scope = f"{scope or 'the questions'} at {level} level"
        short = (
            f"This run has {len(chosen)} question{'s' if len(chosen) != 1 else ''} rather "
            f"than {wanted}: no more fit {scope}."
            if 0 < len(chosen) < wanted and scope
            else ""
        )
        return MockInterview(
            [by_id[qid] for qid in chosen],
            store=store(),
            lexicon=data.lexicon,
            seed=run,
            next_reviews=next_reviews,
            drafts=drafts(),
            tz=local_tz(),
            repeat=f"prep.mock_interview({', '.join([*args, f'seed={run}'])})",
            note=short,
            check_code=_mock_check,
        )
    except PrepError as exc:
        return MessageCard("The mock interview cannot start", str(exc))
