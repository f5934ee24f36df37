"""Plain facts about an answer's text: words, speaking time, durations. Pure functions."""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 140
_WORD = re.compile(r"[^\W_]+(?:['’.\-+=][^\W_]+)*")
FAR_OFF = 2  # under half the shortest target, or over twice the longest, is "far" off


def word_count(text: str) -> int:
    """Count words the way a listener would: `don't`, `e-mail`, `node.js` are one word each.

    So is a formula-like token: `=1+1`, `n+1`, `x=2`.
    """
    return len(_WORD.findall(text))


def speaking_seconds(words: int, wpm: int = WORDS_PER_MINUTE) -> int:
    """Estimate how long `words` take to say aloud at an interview pace."""
    return round(words * 60 / wpm)


def format_duration(seconds: float | None) -> str:
    """Format seconds as `m:ss` (or `h:mm:ss`); blank for None."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _about(seconds: float) -> str:
    """A rough duration for advice: "10 s", "80 s", "2:30" (to 5 s, or 10 s past 100 s)."""
    step = 5 if seconds < 100 else 10
    rounded = max(step, step * round(seconds / step))
    return f"{rounded} s" if rounded < 100 else format_duration(rounded)


def length_advice(spoken: int, target: tuple[int, int], wpm: int = WORDS_PER_MINUTE) -> str:
    """Say how far the spoken length is from the target, in seconds and words to add or cut.

    "a little short" is kept for a small gap; a 23-word answer against 1:30–3:00 is "far
    too short: add about 80 s (some 190 words)", so the learner sees how far off it is.
    """
    low, high = target
    if low <= spoken <= high:
        return "on target"
    gap = low - spoken if spoken < low else spoken - high
    words = max(10, 10 * round(gap * wpm / 60 / 10))
    if spoken < low:
        if spoken * FAR_OFF < low:
            size = "far too short"
        else:
            size = "short" if gap > low / 4 else "a little short"
        return f"{size}: add about {_about(gap)} (some {words} words)"
    size = "far too long" if spoken > high * FAR_OFF else "on the long side"
    return f"{size}: cut about {_about(gap)} (some {words} words)"


def length_summary(text: str, target: tuple[int, int] | None = None) -> str:
    """One line for the card: words, estimated speaking time, and the target window."""
    words = word_count(text)
    spoken = speaking_seconds(words)
    line = f"{words} word{'s' if words != 1 else ''} · about {format_duration(spoken)} spoken"
    if target:
        low, high = target
        line += f" (aim for {format_duration(low)}–{format_duration(high)})"
        if words and not low <= spoken <= high:
            line += f" · {length_advice(spoken, target)}"
    return line
