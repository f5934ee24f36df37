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

The Snowball stem also folds some unrelated words together ("production" and "product",
"experiment" and "experience", "selective" and "select"). Words in `OWN_MEANING` keep
their dictionary form as their key, so they match only their own inflections.

The libraries load on the first key asked for (the English dictionary takes about 0.2 s),
so `import prep` does not wait for them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_PLAIN = re.compile(r"[a-z]+(?:-[a-z]+)*")
_SAME_START = 3  # letters a lemma must share with its word to be used
# Lemmas whose Snowball stem is shared with a word of another meaning, found by stemming
# the bank's signals and answers: each matches only its own inflections.
OWN_MEANING = frozenset(
    [
        "business",
        "busy",
        "couple",
        "coupling",
        "experience",
        "experiment",
        "expectation",
        "integrity",
        "liveness",
        "mechanical",
        "mechanism",
        "normal",
        "objective",
        "product",
        "production",
        "progressive",
        "response",
        "responsible",
        "selective",
        "selectivity",
        "several",
        "severity",
        "specific",
        "specification",
        "universe",
        "university",
        "general",
        "generate",
        "generation",
        "organ",
        "organization",
    ]
)


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
    if lemma in OWN_MEANING or word in OWN_MEANING:
        return f"={lemma}"  # "=" keeps it apart from every stem
    return stem(lemma)


@functools.cache
def _tools() -> tuple[Callable[[str], str], Callable[[str], str]]:
    """simplemma's English lemmatiser and Snowball's English stemmer, loaded once."""
    import simplemma
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("english")
    return functools.partial(simplemma.lemmatize, lang="en"), stemmer.stemWord
