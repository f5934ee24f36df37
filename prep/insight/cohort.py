"""Several learners side by side: which files, whose names, the figures and the charts.

An instructor points the workbook at the learners' history files. Everything here only
reads them: `read_history` goes through `HistoryStore.read`, which never writes, locks,
repairs or backs up a file.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..content.loader import Content
from ..errors import HistoryError
from ..paths import BACKUPS_DIRNAME, HISTORY_FILENAME
from ..practice import measures
from ..store.history import HistoryReport, HistoryStore
from .progress import _FACE, _count, _day_month, _figure, _span, _week_axis, summarise

HISTORY_STEM = Path(HISTORY_FILENAME).stem
MAX_LEARNERS_AS_LINES = 8  # more learners than this: heatmaps instead of lines and bars

TABLE_COLUMNS = (
    "learner",
    "answers saved",
    "days practised",
    "current streak",
    "longest streak",
    "days this week",
    "weekly goal",
    "questions tried",
    "latest coverage",
    "latest confidence",
    "minutes timed",
    "last practised",
)

PathSource = str | os.PathLike[str]


# ---- which files, and whose ----------------------------------------------------------------


def history_files(sources: PathSource | Iterable[PathSource]) -> list[Path]:
    """Expand files and folders into the history files to compare, in the order given.

    A folder stands for the `*.csv` files directly in it, sorted by name, plus the
    `practice_history.csv` of each folder directly inside it (a learner's copied data
    folder); hidden and temporary files and `backups/` are left out. Duplicates are
    dropped. A missing path, a file that is not a CSV, or a folder without any history
    raises `HistoryError` naming the path.

    A list inside the sources counts as its paths, so `progress(*sources)` can pass its
    arguments on as they came: `("cohort/",)` or `(["ana.csv", "ben.csv"],)`.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    given = 0
    for source in _flat(sources):
        given += 1
        for path in _expand(source):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    if not given:
        raise HistoryError("No history files or folders were given; name at least one.")
    return found


def _flat(sources: object) -> Iterator[object]:
    if isinstance(sources, (str, os.PathLike)):
        yield sources
        return
    if not isinstance(sources, Iterable):
        yield sources  # `_expand` says what is wrong with it
        return
    for source in sources:
        if isinstance(source, Iterable) and not isinstance(source, (str, os.PathLike)):
            yield from source
        else:
            yield source


def _expand(source: object) -> list[Path]:
    if not isinstance(source, (str, os.PathLike)):
        raise HistoryError(
            f'{source!r} is not a file or folder name; give paths as text, e.g. "cohort/".'
        )
    if not str(os.fspath(source)).strip():
        raise HistoryError("One of the paths given is empty; name a history file or a folder.")
    path = Path(source).expanduser()
    if path.is_dir():
        return _folder_histories(path)
    if not path.exists():
        raise HistoryError(f"There is no file or folder at {path}. Check the name and the folder.")
    if path.suffix.lower() != ".csv":
        raise HistoryError(
            f"{path} is not a CSV file; give practice-history files (.csv) or folders of them."
        )
    return [path]


def _folder_histories(folder: Path) -> list[Path]:
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise HistoryError(
            f"Could not list the folder {folder}: {(exc.strerror or str(exc)).lower()}."
        ) from exc
    found = []
    for entry in entries:
        if _ignored(entry.name):
            continue
        if entry.suffix.lower() == ".csv" and entry.is_file():
            found.append(entry)
        elif entry.name != BACKUPS_DIRNAME and (entry / HISTORY_FILENAME).is_file():
            found.append(entry / HISTORY_FILENAME)
    if not found:
        raise HistoryError(
            f"The folder {folder} has no practice-history files (.csv) in it, nor folders "
            f"holding a {HISTORY_FILENAME}."
        )
    return sorted(found, key=lambda p: str(p.relative_to(folder)).casefold())


def _ignored(name: str) -> bool:
    """Hidden files, temp files (`.x.tmp`), editor and spreadsheet lock files (`~$x.csv`)."""
    return name.startswith((".", "~")) or name.endswith((".tmp", "~", "#"))


def learner_names(paths: Sequence[PathSource]) -> list[str]:
    """Name each learner after the file (`ana.csv` -> "ana").

    `practice_history.csv` is the workbook's own file name, so it is named after its folder
    (`ana/practice_history.csv` -> "ana"). Equal names get their parent folders added
    (`group-a/ana`, `group-b/ana`) until they differ.
    """
    chains = [_name_chain(Path(p)) for p in paths]
    depth = [1] * len(chains)
    while True:
        names = ["/".join(reversed(chain[:d])) for chain, d in zip(chains, depth, strict=True)]
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        clashing = [
            i for i, name in enumerate(names) if counts[name] > 1 and depth[i] < len(chains[i])
        ]
        if not clashing:
            break
        for i in clashing:
            depth[i] += 1
    return _numbered(names)


def _name_chain(path: Path) -> list[str]:
    """The learner's name, then the folders above it, nearest first."""
    absolute = Path(os.path.abspath(path.expanduser()))
    folders = [p.name for p in absolute.parents if p.name]
    stem = absolute.stem
    if stem == HISTORY_STEM and folders:
        return folders
    return [stem, *folders]


def _numbered(names: list[str]) -> list[str]:
    """Add " (2)", " (3)" to names still equal (the same file given twice by two routes)."""
    out, used = [], set()
    for name in names:
        candidate, number = name, 2
        while candidate in used:
            candidate = f"{name} ({number})"
            number += 1
        used.add(candidate)
        out.append(candidate)
    return out


def read_history(path: PathSource) -> HistoryReport:
    """Read one learner's history without changing it; a file that went missing is an error.

    (`HistoryStore.read` treats a missing file as "no practice yet", which is right for
    the learner's own history but hides a moved file from an instructor.)
    """
    path = Path(path)
    if not path.is_file():
        raise HistoryError(f"{path} is not there any more (moved or deleted?)")
    return HistoryStore(path).read()


# ---- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortSummary:
    """The learners' figures side by side, computed once from their histories."""

    table: pd.DataFrame  # one row per learner, `TABLE_COLUMNS`
    coverage_by_question: pd.DataFrame  # learner x question title: latest coverage %, Float64
    weekly: pd.DataFrame  # week start (Monday) x learner: attempts that week
    question_count: int  # questions in the content: "questions tried" is out of this
    today: date

    @property
    def learners(self) -> list[str]:
        return [str(name) for name in self.table["learner"]]

    @property
    def answers(self) -> int:
        return int(self.table["answers saved"].sum())


def compare_learners(
    histories: Sequence[tuple[str, pd.DataFrame]], content: Content, tz: tzinfo, today: date
) -> CohortSummary:
    """Summarise each learner's typed history (see `history.DTYPES`) in one time zone.

    "Latest" coverage and confidence are per question: the last value the learner's
    attempts at that question carry (an attempt without one, e.g. from before the answer
    coach, does not blank an earlier value); the table shows their mean over questions.
    """
    names = [name for name, _ in histories]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"learner names must differ; repeated: {', '.join(repeated)}")
    titles = _question_titles(content)
    rows, coverage, weekly = [], {}, {}
    for name, frame in histories:
        summary = summarise(frame, content, tz, today)
        stats = summary.question_stats.set_index("item_id")
        latest_coverage = stats["latest_coverage"].dropna().astype("Float64")
        latest_confidence = stats["latest_confidence"].dropna().astype("Float64")
        habit = summary.habit
        rows.append(
            {
                "learner": name,
                "answers saved": len(frame),
                "days practised": int((summary.per_day > 0).sum()),
                "current streak": habit.current_streak if habit else 0,
                "longest streak": habit.longest_streak if habit else 0,
                "days this week": habit.days_this_week if habit else 0,
                "weekly goal": habit.weekly_goal if habit else 0,
                "questions tried": int((stats["attempts"] > 0).sum()),
                "latest coverage": _mean(latest_coverage),
                "latest confidence": _mean(latest_confidence),
                "minutes timed": float(summary.weekly["minutes"].sum()),
                "last practised": frame["recorded_at"].max() if len(frame) else pd.NaT,
            }
        )
        coverage[name] = latest_coverage.rename(index=titles)
        weekly[name] = pd.Series(
            summary.weekly["attempts"].to_numpy(dtype="int64"),
            index=pd.to_datetime(pd.Series(summary.weekly.index, dtype="object")),
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table = table.astype(
        {
            "learner": "string",
            **{c: "int64" for c in TABLE_COLUMNS[1:8]},
            "latest coverage": "Float64",
            "latest confidence": "Float64",
            "minutes timed": "float64",
        }
    )
    table["last practised"] = pd.to_datetime(table["last practised"], utc=True).dt.tz_convert(tz)
    by_question = pd.DataFrame(
        {name: coverage[name] for name in names}, index=list(titles.values()), dtype="Float64"
    ).T.reindex(names)
    by_question.index.name, by_question.columns.name = "learner", "question"
    return CohortSummary(
        table=table,
        coverage_by_question=by_question.astype("Float64"),
        weekly=_weekly_frame(weekly, names, today),
        question_count=len(content.questions),
        today=today,
    )


def _question_titles(content: Content) -> dict[str, str]:
    """Question id -> title, in workbook order; a repeated title gets its id added."""
    titles = [q.title for q in content.questions]
    return {
        q.id: q.title if titles.count(q.title) == 1 else f"{q.title} ({q.id})"
        for q in content.questions
    }


def _mean(values: pd.Series) -> object:
    return float(values.mean()) if len(values) else pd.NA


def _weekly_frame(weekly: dict[str, pd.Series], names: list[str], today: date) -> pd.DataFrame:
    """Every week from the first practised by anyone to this one, no gaps, zeros filled."""
    starts = [s.index.min() for s in weekly.values() if not s.empty]
    index = pd.DatetimeIndex([], name="week of")
    if starts:
        this_week = pd.Timestamp(today - timedelta(days=today.weekday()))
        last = max([this_week, *(s.index.max() for s in weekly.values() if not s.empty)])
        index = pd.date_range(min(starts), last, freq="7D", name="week of")
    frame = pd.DataFrame(
        {name: weekly[name].reindex(index, fill_value=0) for name in names}, index=index
    )
    frame.columns.name = "learner"
    return frame.astype("int64")


# ---- charts --------------------------------------------------------------------------------

# Heatmap cells: light to deep green like the practice calendar. `png_bytes` greys every
# text for light and dark themes alike, so the numbers in cells sit on a pale label box
# (a patch, which keeps its colour) to stay readable on the dark greens too.
_HEAT = ListedColormap(colormaps["Greens"](np.linspace(0.12, 0.85, 256)))
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "#ffffff", "edgecolor": "none"}
_LABEL_ALPHA = 0.7
_TITLE_WIDTH = 32


def _nothing_yet(ax: object) -> None:
    ax.text(  # type: ignore[attr-defined]
        0.5,
        0.5,
        "nothing to show yet",
        ha="center",
        va="center",
        transform=ax.transAxes,  # type: ignore[attr-defined]
    )


def chart_weekly(summary: CohortSummary) -> Figure:
    """Attempts per week, a line per learner; a heatmap (a row each) above 8 learners."""
    weekly = summary.weekly
    if weekly.shape[1] > MAX_LEARNERS_AS_LINES and len(weekly):
        labels = [d.strftime("%d %b") for d in weekly.index]
        fig = _heatmap(
            weekly.T.astype(float),
            rows=list(weekly.columns),
            columns=labels,
            numbers=len(weekly) <= 16,
            unit="attempts",
        )
        fig.axes[0].set_title("Attempts per week")
        fig.axes[0].set_xlabel("week starting")
        return fig
    fig, ax = _figure(fit_labels=True)
    ax.set_title("Attempts per week")
    ax.set_ylabel("attempts")
    if not len(weekly) or not weekly.to_numpy().any():
        _nothing_yet(ax)
        return fig
    marker = "o" if len(weekly) <= 26 else None
    middle = weekly.index + pd.Timedelta(days=3.5)  # a week's point under its label
    for n, name in enumerate(weekly.columns):
        ax.plot(middle, weekly[name], marker=marker, markersize=3, color=f"C{n}")
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _week_axis(ax, list(weekly.index))  # weeks, never hours, even for a single week
    _legend(fig, list(weekly.columns))
    return fig


def chart_coverage_by_question(summary: CohortSummary) -> Figure:
    """Each learner's latest coverage per question: grouped bars, or a heatmap above 8."""
    data = summary.coverage_by_question
    if data.shape[0] > MAX_LEARNERS_AS_LINES:
        fig = _heatmap(
            data.T.astype(float),
            rows=[_short(t) for t in data.columns],
            columns=list(data.index),
            numbers=True,
            vmax=100,
        )
        fig.axes[0].set_title("Latest talking-point coverage (%)")
        return fig
    fig, ax = _figure(fit_labels=True)
    ax.set_title("Latest talking-point coverage")
    ax.set_xlabel("coverage (%)")
    ax.set_xlim(0, 112)
    titles = [_short(t) for t in data.columns]
    learners = list(data.index)
    if data.isna().all().all():
        _nothing_yet(ax)
    bar = 0.8 / max(1, len(learners))
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, max(height, 1.0 + 0.16 * len(titles) * max(1, len(learners))))
    positions = np.arange(len(titles))[::-1]  # the first question at the top
    for n, name in enumerate(learners):
        values = data.loc[name].astype(float).to_numpy()
        y = positions + 0.4 - bar * (n + 0.5)
        shown = ~np.isnan(values)
        ax.barh(y[shown], values[shown], height=bar * 0.9, color=f"C{n}")
        for at, value in zip(y[shown], values[shown], strict=True):
            ax.text(value + 1.5, at, f"{measures.percent(value)}", va="center", fontsize=6)
    ax.set_yticks(positions, titles)
    ax.tick_params(axis="y", labelsize=8)
    if not data.isna().all().all():
        _legend(fig, learners)
    return fig


def _legend(fig: Figure, learners: list[str]) -> None:
    """One colour per learner (the same in every chart), below the plot."""
    handles = [Patch(color=f"C{n}", label=str(name)) for n, name in enumerate(learners)]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(4, max(1, len(handles))),
        fontsize=7,
        frameon=False,
    )


def _short(title: str) -> str:
    return textwrap.shorten(str(title), _TITLE_WIDTH, placeholder="…")


def _heatmap(
    values: pd.DataFrame,
    *,
    rows: list[str],
    columns: list[str],
    numbers: bool,
    vmax: float | None = None,
    unit: str = "",
) -> Figure:
    """A grid of colours, with its numbers written in (else a colour bar in `unit`).

    Missing cells stay see-through with a dash; zeros of a count are a faint grey.
    """
    fig, ax = _figure(fit_labels=True)
    width = min(16.0, max(fig.get_size_inches()[0], 2.6 + 0.42 * len(columns)))
    fig.set_size_inches(width, min(16.0, max(2.4, 1.3 + 0.3 * len(rows))))
    grid = values.to_numpy(dtype=float)
    top = vmax if vmax is not None else max(1.0, float(np.nanmax(grid)) if grid.size else 1.0)
    cmap = _HEAT.with_extremes(bad="#00000000", under="#9e9e9e40")
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        cmap=cmap,
        vmin=0 if vmax is not None else 0.5,
        vmax=top,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_facecolor(_FACE)
    ax.set_yticks(range(len(rows)), [str(r) for r in rows], fontsize=8)
    step = max(1, -(-len(columns) // 20))  # at most about 20 column labels
    ax.set_xticks(range(0, len(columns), step), [str(c) for c in columns[::step]], fontsize=8)
    if len(columns) > 6:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if numbers:
        for (r, c), value in np.ndenumerate(grid):
            text = "–" if np.isnan(value) else f"{value:.0f}"
            box = None if np.isnan(value) else {**_LABEL_BOX, "alpha": _LABEL_ALPHA}
            ax.text(c, r, text, ha="center", va="center", fontsize=7, bbox=box)
    if not numbers:
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label(unit)
        bar.outline.set_visible(False)
    return fig


# ---- the charts in words (each chart's <img alt>, from the data it draws) -----------------------


def alt_weekly(summary: CohortSummary) -> str:
    """Attempts per week in words: per learner, the total and the busiest week."""
    weekly = summary.weekly
    learners = list(weekly.columns)
    who = _count(len(learners), "learner")
    if not len(weekly) or not weekly.to_numpy().any():
        return f"Attempts per week for {who}: nothing to show yet."
    weeks = list(weekly.index)
    if len(weeks) == 1:
        when = f"the week of {_day_month(weeks[0])} {weeks[0].year}"
    else:
        when = f"{len(weeks)} weeks from {_span(weeks[0], weeks[-1])}"
    parts = []
    for name in learners:
        column = weekly[name]
        total = int(column.sum())
        if not total:
            parts.append(f"{name} none")
            continue
        busiest = column.idxmax()
        part = f"{name} {total} in all"
        if len(weeks) > 1:
            part += f", most {int(column.max())} in the week of {_day_month(busiest)}"
        parts.append(part)
    return f"Attempts per week for {who}, {when}: {'; '.join(parts)}."


def alt_coverage_by_question(summary: CohortSummary) -> str:
    """Each learner's latest coverage per question, in words (questions without one left out)."""
    data = summary.coverage_by_question
    who = _count(data.shape[0], "learner")
    if data.isna().all().all():
        return f"Latest talking-point coverage per question for {who}: none saved yet."
    parts = []
    for name in data.index:
        values = data.loc[name].dropna()
        if values.empty:
            parts.append(f"{name}: none yet")
            continue
        listed = ", ".join(
            f"{title} {measures.percent_text(float(v))}" for title, v in values.items()
        )
        parts.append(f"{name}: {listed}")
    return f"Latest talking-point coverage per question for {who}: {'; '.join(parts)}."


CHARTS = (
    ("weekly", chart_weekly, alt_weekly),
    ("coverage-by-question", chart_coverage_by_question, alt_coverage_by_question),
)
