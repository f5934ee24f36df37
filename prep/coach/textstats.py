"""Plain facts about an answer's text: words, speaking time, durations. Pure functions."""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 140
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def word_count(text: str) -> int:
    """Count words the way a listener would: `don't`, `e-mail`, `node.js` are one word each."""
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


def length_summary(text: str, target: tuple[int, int] | None = None) -> str:
    """One line for the card: words, estimated speaking time, and the target window."""
    words = word_count(text)
    spoken = speaking_seconds(words)
    line = f"{words} word{'s' if words != 1 else ''} · about {format_duration(spoken)} spoken"
    if target:
        low, high = target
        line += f" (aim for {format_duration(low)}–{format_duration(high)})"
        if words and spoken < low:
            line += " · a little short"
        elif spoken > high:
            line += " · on the long side"
    return line
