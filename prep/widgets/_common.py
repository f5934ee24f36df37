"""Pieces shared by the cards: escaped HTML, the status line, the bug log, the stopwatch."""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import os
import time
import traceback
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any, TypeVar

import ipywidgets as widgets

from ..coach.analysis import Feedback, Lexicon, analyse
from ..coach.textstats import format_duration
from ..errors import DraftError, HistoryError
from ..models import Attempt, Question
from ..store.drafts import Debouncer, DraftStore
from ..store.history import HistoryStore

log = logging.getLogger("prep")
LOCALTIME = "/etc/localtime"

F = TypeVar("F", bound=Callable[..., Any])

_COLORS = {
    "ok": "var(--jp-success-color1, #2e7d32)",
    "error": "var(--jp-error-color1, #c62828)",
    "warn": "var(--jp-warn-color1, #b26a00)",
    "info": "var(--jp-ui-font-color2, #555)",
}


def esc(text: object) -> str:
    """Escape any text for an HTML widget: learner and content text is never markup."""
    return html.escape(str(text), quote=True)


def clause(error: object) -> str:
    """An error message ready to go mid-sentence: without its own closing full stop."""
    return str(error).rstrip(". ")


def plural_s(count: int) -> str:
    """The `s` that follows a count in English: `1 answer`, `2 answers`."""
    return "" if count == 1 else "s"


def paragraphs(texts: Iterable[str]) -> str:
    return "".join(f"<p>{esc(t)}</p>" for t in texts)


def bullets(texts: Iterable[str]) -> str:
    items = "".join(f"<li>{esc(t)}</li>" for t in texts)
    return f"<ul>{items}</ul>"


SHOWN_PROBLEMS = 5


def problem_list_html(problems: Sequence[object]) -> str:
    """The first few unreadable lines of a history as a list, and how many more there are."""
    shown = "".join(f"<li>{esc(p)}</li>" for p in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    extra = f"<li>…and {more} more</li>" if more > 0 else ""
    return f"<ul>{shown}{extra}</ul>"


def local_tz() -> tzinfo:
    """This computer's time zone, with its daylight-saving rules.

    `datetime.now().astimezone().tzinfo` would be today's fixed offset, which files a
    summer evening's practice under the wrong day in winter. That offset is only the
    last resort, where no zone can be found (`TZ` unset and no `/etc/localtime`).
    """
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        with contextlib.suppress(ValueError, zoneinfo.ZoneInfoNotFoundError):
            return zoneinfo.ZoneInfo(name)
    with contextlib.suppress(OSError, ValueError), open(LOCALTIME, "rb") as handle:
        return zoneinfo.ZoneInfo.from_file(handle, key="localtime")
    return datetime.now().astimezone().tzinfo or timezone.utc


def local_time(moment: datetime, tz: tzinfo | None = None) -> datetime:
    return moment.astimezone(tz or local_tz())


class Status(widgets.HTML):
    """The card's one-line status: what happened, in plain words."""

    def __init__(self) -> None:
        super().__init__(value="")
        self.add_class("prep-status")
        self.kind = ""
        self.text = ""

    def show(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text
        color = _COLORS.get(kind, _COLORS["info"])
        self.value = f'<span style="color:{color}">{esc(text)}</span>' if text else ""

    def clear(self) -> None:
        self.show("", "")


class BugLog(widgets.HTML):
    """Shows unexpected errors: JupyterLab prints callback tracebacks nowhere."""

    def __init__(self) -> None:
        super().__init__(value="")
        self.add_class("prep-bug-log")
        self.entries: list[str] = []
        self.layout.display = "none"

    def add(self, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.entries.append(text)
        log.error("unexpected error in a workbook card", exc_info=exc)
        self.value = (
            "<details><summary>Technical details (please include them in a bug report)</summary>"
            f"<pre style='white-space:pre-wrap'>{esc(text)}</pre></details>"
        )
        self.layout.display = None


def guarded(method: F) -> F:
    """Run an event handler so that a bug shows in the card instead of vanishing."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self.status.show(
                "error",
                "Something went wrong inside the workbook (not something you did). "
                "Your text is still in the field; the details are below.",
            )
            self.bug_log.add(exc)
            return None

    return wrapper  # type: ignore[return-value]


class Stopwatch:
    """Time an answer; the clock is passed in so tests never sleep."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._started: float | None = None
        self._elapsed = 0.0
        self.used = False

    @property
    def running(self) -> bool:
        return self._started is not None

    def start(self) -> None:
        if self._started is None:
            self._started = self.clock()
            self.used = True

    def stop(self) -> None:
        if self._started is not None:
            self._elapsed += self.clock() - self._started
            self._started = None

    def reset(self) -> None:
        self._started, self._elapsed, self.used = None, 0.0, False

    @property
    def elapsed(self) -> float:
        running = self.clock() - self._started if self._started is not None else 0.0
        return self._elapsed + running


class TimerControl(widgets.HBox):
    """A start/stop button over a `Stopwatch`; a hidden `Play` ticks the display each second."""

    def __init__(self, stopwatch: Stopwatch | None = None) -> None:
        self.stopwatch = stopwatch or Stopwatch()
        self.button = widgets.ToggleButton(
            value=False, description="Start timer", icon="play", tooltip="Time your answer"
        )
        self.button.add_class("prep-control")  # a control, not something to keep
        self.readout = widgets.Label(value="0:00")
        self.ticker = widgets.Play(value=0, min=0, max=10**7, step=1, interval=1000)
        self.ticker.layout.display = "none"
        self.ticker.add_class("prep-control")
        self.button.observe(self._on_toggle, names="value")
        self.ticker.observe(self._on_tick, names="value")
        super().__init__([self.button, self.readout, self.ticker])
        self.add_class("prep-timer")

    @property
    def seconds(self) -> float | None:
        """Seconds timed so far, or None when the timer was never started."""
        return self.stopwatch.elapsed if self.stopwatch.used else None

    def _on_toggle(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.stopwatch.start()
            self.button.description, self.button.icon = "Stop timer", "stop"
            self.ticker.playing = True
        else:
            self.stopwatch.stop()
            self.button.description, self.button.icon = "Start timer", "play"
            self.ticker.playing = False
        self.refresh()

    def _on_tick(self, _change: dict[str, Any]) -> None:
        self.refresh()

    def stop(self) -> None:
        self.button.value = False

    def reset(self) -> None:
        self.stop()
        self.stopwatch.reset()
        self.refresh()

    def refresh(self) -> None:
        self.readout.value = format_duration(self.stopwatch.elapsed)


CONFIDENCE_DRAFT = "#confidence"  # draft key suffix: a rating picked but not saved yet


def confidence_draft(value: int | None) -> str | None:
    """The draft text for a confidence rating (None discards the draft)."""
    return str(value) if value is not None else None


def confidence_from_draft(text: str) -> int | None:
    """The rating kept in a draft, or None when the draft holds anything else."""
    return int(text) if text.strip() in {"1", "2", "3", "4", "5"} else None


def confidence_picker() -> widgets.ToggleButtons:
    picker = widgets.ToggleButtons(
        options=[("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5)],
        value=None,
        description="Confidence:",
        tooltips=["shaky", "unsure", "okay", "good", "ready for the real thing"],
        style={"button_width": "2.4em", "description_width": "initial"},
    )
    picker.add_class("prep-confidence")
    return picker


_DRAFT_FAILED = "Your draft could not be autosaved"


class Autosave:
    """A card's unsaved text, written to the drafts file a moment after typing stops.

    `collect()` returns {draft key: text, or None to discard}. Failures are shown in the
    card's status line (the text stays in the field) and cleared once a write succeeds.
    """

    def __init__(
        self,
        card: Any,
        drafts: DraftStore,
        collect: Callable[[], dict[str, str | None]],
        *,
        start_timer: Callable[[float, Callable[[], None]], Callable[[], None]] | None = None,
    ) -> None:
        self.card = card
        self.drafts = drafts
        self.collect = collect
        self.debouncer = Debouncer(self.write_now, start_timer=start_timer)

    def changed(self) -> None:
        self.debouncer.trigger()

    def flush(self) -> None:
        """Write any pending draft now (tests and kernel shutdown use this)."""
        self.debouncer.flush()

    def restore(self) -> dict[str, Any]:
        """Return the drafts on disk for this card's keys; a problem is shown, not raised."""
        try:
            drafts = self.drafts.load()
        except DraftError as exc:
            self.card.status.show("warn", f"Note: {exc}.")
            return {}
        return {key: drafts[key] for key in self.collect() if key in drafts}

    def write_now(self) -> None:
        status = self.card.status
        try:
            self.drafts.update(self.collect())
        except DraftError as exc:
            status.show(
                "warn",
                f"{_DRAFT_FAILED} ({exc}). Your text is still in the field; press Save to keep it.",
            )
            return
        except Exception as exc:  # a bug on the timer thread would otherwise vanish
            self.card.bug_log.add(exc)
            return
        if status.kind == "warn" and status.text.startswith(_DRAFT_FAILED):
            status.clear()
        while self.drafts.set_aside:
            aside = self.drafts.set_aside.pop()
            status.show(
                "warn",
                f"Your drafts file could not be read, so it was kept as {aside} and a new one "
                "started.",
            )

    def clear(self, *keys: str) -> None:
        """Forget drafts that were just saved for real; a failure here loses nothing."""
        self.debouncer.cancel()
        with contextlib.suppress(DraftError):
            self.drafts.discard(*keys)


def draft_time(moment: datetime, tz: tzinfo | None = None) -> str:
    return local_time(moment, tz).strftime("%a %d %b, %H:%M")


def record_answer(
    card: Any,
    store: HistoryStore,
    question: Question,
    answer: str,
    lexicon: Lexicon,
    **fields: Any,
) -> tuple[Attempt, Feedback] | None:
    """Save an answer to a question with the coach's figures in its row.

    On failure the card's status says why in plain words and None comes back; the
    answer stays in the field because nothing here touches it.
    """
    feedback = analyse(answer, question, lexicon)
    try:
        attempt = store.record(question.id, answer, extra=feedback.history_fields(), **fields)
    except HistoryError as exc:
        card.status.show("error", f"Not saved: {clause(exc)}. Your answer is still in the field.")
        return None
    return attempt, feedback
