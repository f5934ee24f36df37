"""Coach signals for a talking point written as plain text (the learner's own questions).

A shipped talking point carries hand-written signals; a point a learner types into the
form has only its words. `derive_signals` turns those words into signals the answer coach
(`prep.coach.analysis`) understands, by two plain rules a learner can check by eye:

- every content word of the point (not a stop word, not an instruction word such as
  "explain" or "mention", not a bare number) is a weak signal `~word`: an answer that
  uses two different ones covers the point;
- two content words side by side in the point ("idempotency keys", "rate limiting") are
  a strong signal: that phrase in an answer covers the point on its own. A point with one
  content word makes that word strong, or the point could never be covered.

Words are kept as written, lowercased, never cut to a stem: the coach matches word forms
itself ("cache" also finds "caching", `prep.coach.words`), and a whole word is what the
learner recognises. Two forms of one word ("cache", "caching") make one signal.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection

from .analysis import NUMBER_WORDS, WEAK, Tokens, signal_problem
from .words import key

_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_CLAUSE_END = re.compile(r"[,;:!?()\[\]{}\"“”/]|\.(?=\s|$)|\s[-–—]\s|\n")

# How talking points are phrased, not what they are about ("Mention an example ..."), and
# linking words the coach's stop words leave in
INSTRUCTION_WORDS = frozenset(
    {
        "explain",
        "explains",
        "describe",
        "describes",
        "mention",
        "mentions",
        "give",
        "say",
        "says",
        "talk",
        "discuss",
        "name",
        "show",
        "state",
        "cover",
        "include",
        "example",
        "examples",
        "e.g",
        "i.e",
        "etc",
        "without",
        "within",
        "via",
    }
)


def content_words(text: str, stop_words: Collection[str]) -> list[tuple[int, int, str]]:
    """The point's content words as (position, clause, word), in order (repeats kept).

    A clause ends at punctuation, so words either side of a comma are not side by side.
    """
    found = []
    for clause, part in enumerate(_CLAUSE_END.split(text)):
        for n, word in enumerate(Tokens.of(part).words):
            if (
                len(word) > 1
                and word not in stop_words
                and word not in INSTRUCTION_WORDS
                and word not in NUMBER_WORDS
                and not _NUMBER.match(word)
                and signal_problem(word) is None
            ):
                found.append((n, clause, word))
    return found


def derive_signals(text: str, stop_words: Collection[str]) -> tuple[str, ...]:
    """Strong phrase signals first, then one weak `~word` per different content word.

    Pure and deterministic: the same text and stop words give the same signals. An empty
    tuple means the point has no word to listen for (only stop words, say).
    """
    found = content_words(text, stop_words)
    # one signal per word, whatever its form: "cache" and "caching" are one clue, not two
    first_form = {}
    for _, _, word in found:
        first_form.setdefault(key(word), word)
    words = list(first_form.values())
    strong = [
        f"{a} {b}"
        for (at, here, a), (next_at, there, b) in itertools.pairwise(found)
        if next_at == at + 1 and here == there and key(a) != key(b)
    ]
    if len(words) == 1:
        strong.append(words[0])
    weak = [f"{WEAK}{word}" for word in words] if len(words) > 1 else []
    signals = [s for s in dict.fromkeys([*strong, *weak]) if signal_problem(s) is None]
    return tuple(signals)
