"""One key for a word's inflections, so "cached", "caching" and "caches" match. Pure.

`key(word)` is the Snowball English stem of the word's dictionary form (its lemma, from
simplemma): "indices" → "index" → "index", "caching" → "cache" → "cach", "queued" →
"queue" → "queue", "retries" → "retry" → "retri". Both libraries ship their data in the
wheel, so this runs offline.

A lemma that does not begin like the word is not used: "went" → "go", "was" → "be",
"better" → "good", "don't" → "do" are the same lemma to a dictionary, but a learner
would not call them the same word, and "i don't know" must never match "i do know".
Words with digits or symbols ("node.js", "c#", "p99", "n+1") and contractions are their
own key; a hyphenated word is keyed part by part ("trade-offs" → "trade-off").

The libraries load on the first key asked for (the English dictionary takes about 0.2 s),
so `import prep` does not wait for them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_PLAIN = re.compile(r"[a-z]+(?:-[a-z]+)*")
_SAME_START = 3  # letters a lemma must share with its word to be used


@functools.lru_cache(maxsize=65536)
def key(word: str) -> str:
    """The matching key of one lowercase word: the stem of its lemma (see the module)."""
    if not _PLAIN.fullmatch(word):
        return word
    if "-" in word:
        return "-".join(key(part) for part in word.split("-"))
    lemmatize, stem = _tools()
    lemma = lemmatize(word).lower()
    if not lemma.startswith(word[:_SAME_START]):
        lemma = word
    return stem(lemma)


@functools.cache
def _tools() -> tuple[Callable[[str], str], Callable[[str], str]]:
    """simplemma's English lemmatiser and Snowball's English stemmer, loaded once."""
    import simplemma
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("english")
    return functools.partial(simplemma.lemmatize, lang="en"), stemmer.stemWord
