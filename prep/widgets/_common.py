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

# The workbook's own colours, as (JupyterLab Light, JupyterLab Dark). JupyterLab's
# --jp-success-color1 and --jp-warn-color1 reach only 4.1:1 and 2.7:1 on white, and no one
# colour reaches 4.5:1 on both white and the dark theme's #111: each of these does on its
# theme's backgrounds (tests/test_a11y_colours.py measures them). The dark ones apply where
# JupyterLab (or Voilà) marks the page `data-jp-theme-light="false"`.
TONES: dict[str, tuple[str, str]] = {
    "ok": ("#1b6e20", "#7bd88f"),
    "warn": ("#8f4700", "#ffb74d"),
    "error": ("#b3261e", "#ff8a80"),
}
FOCUS = ("#1a5fb4", "#8ab4f8")  # focus outlines: 3:1 and more against either background
# Said before a status, so its kind never rests on colour alone.
_MARKS = {"ok": "✓", "warn": "⚠", "error": "✗"}
_DARK = 'body[data-jp-theme-light="false"]'
_UI = ":is(.prep-card,.prep-deck,.prep-progress)"  # the workbook's views


def tone_css() -> str:
    """The `prep-tone-*` text colours, for both themes."""
    rules = []
    for kind, (light, dark) in TONES.items():
        rules.append(f".prep-tone-{kind}{{color:{light}}}{_DARK} .prep-tone-{kind}{{color:{dark}}}")
    return "".join(rules)


_ICONS = {  # the Font Awesome 4 icons the cards use, and their glyphs
    "save": "f0c7",
    "play": "f04b",
    "stop": "f04d",
    "arrow-left": "f060",
    "arrow-right": "f061",
    "refresh": "f021",
    "plus": "f067",
}

# Focus that shows: 2 px outlines in the workbook's focus colour on every control of a card,
# and the guidance sections as native <details> (Tab, Enter and Space work on their own).
CARD_CSS = (
    tone_css()
    + (
        f"{_UI}{{--prep-focus:{FOCUS[0]}}}{_DARK} {_UI}{{--prep-focus:{FOCUS[1]}}}"
        f"{_UI} :is(button,summary,input,select,a,[tabindex]):focus-visible"
        "{outline:2px solid var(--prep-focus)!important;outline-offset:2px}"
        f"{_UI} :is(textarea,input[type=text]):focus"
        "{outline:2px solid var(--prep-focus)!important;outline-offset:0}"
        f"{_UI} .jupyter-button:focus:not(:focus-visible){{outline:none}}"
        # a label kept for screen readers where the card already shows the words visibly
        ".prep-card .prep-sr-label>label.widget-label{position:absolute!important;width:1px;"
        "height:1px;margin:-1px;padding:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap}"
        ".prep-guidance details{border:1px solid var(--jp-border-color1,#bdbdbd);"
        "border-radius:4px;margin:0 0 4px 0}"
        ".prep-guidance summary{cursor:pointer;padding:0.35em 0.6em;font-weight:600;"
        "color:var(--jp-content-font-color0,inherit);background:rgba(128,128,128,0.10)}"
        ".prep-guidance details[open]>summary"
        "{border-bottom:1px solid var(--jp-border-color2,#e0e0e0)}"
        ".prep-guidance details>div{padding:0.1em 0.9em}"
        ".prep-hint{opacity:0.8;font-size:0.95em}"
        f"{_UI} .widget-radio-box-horizontal label{{margin-right:0.9em}}"
    )
    + "".join(
        # Font Awesome draws a button's icon as a private-use character, which joins its
        # accessible name ("\uf0c7 Save"): the same glyph with empty alternative text
        f'{_UI} .fa-{name}::before{{content:"\\{code}" / ""}}'
        for name, code in _ICONS.items()
    )
)


class CardStyle(widgets.HTML):
    """A card's style sheet: colours, focus outlines, guidance sections. Draws nothing."""

    def __init__(self) -> None:
        super().__init__(value=f"<style>{CARD_CSS}</style>")
        self.add_class("prep-style")
        self.layout.display = "none"


SAVE_KEYS = "Ctrl+Enter"
SAVE_KEYS_MAC = "⌘+Enter"
SHORTCUT_DELAY_MS = 300  # let the last keystrokes reach the kernel before Save is pressed

# Ctrl+Enter or ⌘+Enter inside a card's text field presses its Save button (`button_css`).
# ipywidgets has no key events, so this tiny script rides on an image that fails to load
# on purpose (an HTML widget's markup is inserted as it is). It listens on the card in the
# capture phase, before ipywidgets' textarea stops the key from bubbling, and JupyterLab
# binds nothing to Ctrl+Enter inside an output. The short wait lets ipywidgets send what
# was typed last, which it may hold back while the kernel is busy, before the click.
_SHORTCUT_JS = (
    "(function(img){{var tries=0;function hook(){{var card=img.closest('.prep-card');"
    "if(!card){{if(tries++<100)setTimeout(hook,100);return;}}"
    "if(card.dataset.prepSaveKeys)return;card.dataset.prepSaveKeys='1';"
    "card.addEventListener('keydown',function(e){{"
    "if(e.key!=='Enter'||!(e.ctrlKey||e.metaKey)||e.altKey||e.shiftKey)return;"
    "var t=e.target;if(!t||t.tagName!=='TEXTAREA'||!card.contains(t))return;"
    "var b=card.querySelector('{button}');if(!b||b.disabled)return;"
    "e.preventDefault();e.stopPropagation();"
    "setTimeout(function(){{b.click();}},{delay});}},true);}}hook();}})(this)"
)


def save_shortcut_html(button_css: str = ".prep-save") -> str:
    """Markup that makes Ctrl+Enter (⌘+Enter) in the card's text fields press Save."""
    script = _SHORTCUT_JS.format(button=button_css, delay=SHORTCUT_DELAY_MS)
    return f'<img src="data:," alt="" hidden onerror="{script}">'


def shortcut_hint(where: str = "the answer field", button_css: str = ".prep-save") -> widgets.HTML:
    """The line beside Save (or `button_css`) that says so, carrying the shortcut itself."""
    hint = widgets.HTML(
        f"<span class='prep-hint'>or press {SAVE_KEYS} ({SAVE_KEYS_MAC} on a Mac) in "
        f"{esc(where)}</span>{save_shortcut_html(button_css)}"
    )
    hint.add_class("prep-shortcut")
    return hint


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
    """The card's one-line status: what happened, in plain words.

    It also carries the card style sheet (`CARD_CSS`: colours, focus outlines, icons), so
    every view with a status line has them, even one that does not use `CardStyle`.
    """

    def __init__(self) -> None:
        super().__init__(value="")
        self.add_class("prep-status")
        self.kind = ""
        self.text = ""
        self.show("", "")

    def show(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text
        style = f"<style>{CARD_CSS}</style>"
        if not text:
            self.value = style
            return
        mark = _MARKS.get(kind)
        lead = f'<span aria-hidden="true">{mark} </span>' if mark else ""
        tone = f"prep-tone-{kind}" if kind in TONES else "prep-tone-info"
        self.value = f"{style}<span class='{tone}'>{lead}{esc(text)}</span>"

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


CONFIDENCE_WORDS = ("shaky", "unsure", "okay", "good", "ready")


def confidence_picker() -> widgets.RadioButtons:
    """How sure the learner feels, 1 to 5: radio buttons, so a screen reader hears which
    one is chosen (ipywidgets' toggle buttons show that only as a CSS class)."""
    picker = widgets.RadioButtons(
        options=[(f"{n} {word}", n) for n, word in enumerate(CONFIDENCE_WORDS, 1)],
        value=None,
        description="Confidence:",
        orientation="horizontal",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="auto"),
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
