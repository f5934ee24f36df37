"""The answer coach: offline, deterministic feedback on one answer. Pure functions.

`analyse(answer, question, lexicon)` finds which talking points the answer covers (by the
signal phrases in `data/questions.yaml`), which STAR elements it has, and how it would
sound (length against the target, filler and hedge words, repeated words, "I" against
"we", technologies named). `compare(...)` says what changed since the last attempt.
Every judgement carries the phrases that triggered it, so the learner can disagree, and
every word list lives in `data/coach.yaml`, so the learner can extend it.

A signal is a short phrase of tokens: `word` matches that word, `word*` any word starting
so, `*` any one word, `#` any number ("3", "40", "two", "half") and `@tech` any one-word
technology from the lexicon. A phrase starting with `~` is weak: on its own it is not
enough, two different weak phrases (or one ordinary one) are.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Question, TalkingPoint
from .textstats import speaking_seconds, word_count

STAR_ELEMENTS = ("situation", "task", "action", "result")
WEAK = "~"  # a weak signal: two different weak ones (or one strong) cover a point
WEAK_NEEDED = 2
NUMBER_WORDS = frozenset(
    [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "billion",
        "half",
        "double",
        "twice",
        "triple",
        "dozen",
        "dozens",
        "hundreds",
        "thousands",
        "millions",
    ]
)
_TOKEN = re.compile(r"[^\W_][\w+#]*(?:['.\-][\w+#]+)*")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*(?:k|m|x|ms|s|h)?$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_SIGNAL_TOKEN = re.compile(r"^(?:\.?[^\W_][\w+#'.\-]*\*?|\*|#|@tech)$")
I_WORDS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself"})
WE_WORDS = frozenset({"we", "we're", "we've", "we'd", "we'll", "us", "our", "ours", "ourselves"})


# ---- the word lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """The coach's word lists (from `data/coach.yaml`); every entry is a signal phrase."""

    fillers: tuple[str, ...] = ()
    hedges: tuple[str, ...] = ()
    stop_words: frozenset[str] = frozenset()
    star: dict[str, tuple[str, ...]] = field(default_factory=dict)
    technologies: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name shown, its signals)

    @functools.cached_property
    def not_repeats(self) -> frozenset[str]:
        """Words left out of "most repeated": stop words, and one-word fillers (counted apart)."""
        fillers = {p for p in (*self.fillers, *self.hedges) if " " not in p}
        return self.stop_words | fillers

    @functools.cached_property
    def tech_words(self) -> frozenset[str]:
        """One-word technology signals: what `@tech` in a signal phrase matches."""
        words = {name.lower().lstrip(".") for name, _ in self.technologies}
        words |= {s.lstrip(".") for _, signals in self.technologies for s in signals}
        return frozenset(w for w in words if " " not in w and not w.endswith("*"))


def signal_problem(signal: str) -> str | None:
    """Say what is wrong with a signal phrase, or None if it is usable."""
    tokens = signal.lower().removeprefix(WEAK).split()
    if not tokens:
        return "is empty"
    for token in tokens:
        if not _SIGNAL_TOKEN.match(token):
            return f"has {token!r}, which is not a word, a word*, *, # or @tech"
    if all(t in ("*", "#") for t in tokens):
        return "needs at least one real word"
    return None


# ---- tokens and phrase matching ---------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """An answer as lowercase word tokens, with an index for fast phrase lookup."""

    words: tuple[str, ...]
    positions: dict[str, tuple[int, ...]]
    sentences: tuple[int, ...] = ()  # the sentence each word is in, counted from 0

    @classmethod
    def of(cls, text: str) -> Tokens:
        cleaned = text.lower().replace("’", "'").replace("%", " percent ")
        words: list[str] = []
        sentences: list[int] = []
        for number, sentence in enumerate(_SENTENCE_END.split(cleaned)):
            found = [w.rstrip("'.-") for w in _TOKEN.findall(sentence)]
            words += found
            sentences += [number] * len(found)
        positions: dict[str, list[int]] = {}
        for index, word in enumerate(words):
            positions.setdefault(word, []).append(index)
        return cls(tuple(words), {w: tuple(p) for w, p in positions.items()}, tuple(sentences))


def _is_number(word: str) -> bool:
    return bool(_NUMBER.match(word)) or word in NUMBER_WORDS


def _token_matches(pattern: str, word: str, tech: frozenset[str] = frozenset()) -> bool:
    if pattern == "*":
        return True
    if pattern == "#":
        return _is_number(word)
    if pattern == "@tech":
        return word in tech
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


@functools.lru_cache(maxsize=8192)
def _compile(signal: str) -> tuple[str, ...]:
    out = []
    for raw in signal.lower().removeprefix(WEAK).replace("’", "'").split():
        if raw in ("*", "#", "@tech"):
            out.append(raw)
            continue
        prefix = raw.endswith("*")
        word = raw.rstrip("*").strip('.,;:!?"()')
        word = word.replace("%", "percent")
        out.append(word + ("*" if prefix else ""))
    return tuple(out)


_WILD = ("*", "#", "@tech")


def _find(
    tokens: Tokens, pattern: tuple[str, ...], tech: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    if not pattern:
        return []
    # look up the most selective word: an exact one if there is one, else a prefix
    exact = [i for i, p in enumerate(pattern) if p not in _WILD and not p.endswith("*")]
    fixed = [i for i, p in enumerate(pattern) if p not in _WILD]
    anchor = (exact or fixed or [len(pattern) - 1])[0]
    first = pattern[anchor]
    if first.endswith("*") or first in _WILD:
        starts = [
            i for w, ps in tokens.positions.items() if _token_matches(first, w, tech) for i in ps
        ]
    else:
        starts = list(tokens.positions.get(first, ()))
    spans = []
    words, size = tokens.words, len(pattern)
    for at in sorted(starts):
        start = at - anchor
        if start < 0 or start + size > len(words):
            continue
        if all(_token_matches(p, words[start + k], tech) for k, p in enumerate(pattern)):
            spans.append((start, start + size))
    return spans


def spans(
    tokens: Tokens, signals: Iterable[str], tech: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """Every (start, end) word span any of the signals matches, in answer order."""
    found = {span for signal in signals for span in _find(tokens, _compile(signal), tech)}
    return sorted(found)


def matches(
    tokens: Tokens, signals: Iterable[str], tech: frozenset[str] = frozenset()
) -> list[str]:
    """The answer's own words for every place a signal matched, in answer order, unique.

    `tech` is the set of one-word technology names the `@tech` token stands for.
    """
    seen, out = set(), []
    for start, end in spans(tokens, signals, tech):
        text = " ".join(tokens.words[start:end])
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def count_phrases(tokens: Tokens, phrases: Iterable[str]) -> Counter[str]:
    """How often each phrase occurs (overlapping phrases such as 'kind of' count once)."""
    taken: set[int] = set()
    counts: Counter[str] = Counter()
    for phrase in sorted(phrases, key=lambda p: -len(p.split())):  # longest first
        for start, end in _find(tokens, _compile(phrase)):
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                counts[phrase] += 1
    return counts


# ---- the analysis -----------------------------------------------------------------------


@dataclass(frozen=True)
class PointResult:
    id: str
    text: str
    covered: bool
    matched: tuple[str, ...]
    optional: bool = False


@dataclass(frozen=True)
class Feedback:
    """Everything the coach says about one answer; every judgement keeps its reasons."""

    points: tuple[PointResult, ...]
    star: dict[str, tuple[str, ...]]  # element -> phrases that signal it
    result_figures: tuple[str, ...]  # numbers in sentences that state a result
    words: int
    spoken_seconds: int
    target: tuple[int, int]
    fillers: dict[str, int]
    repeated: tuple[tuple[str, int], ...]
    i_count: int
    we_count: int
    technologies: tuple[str, ...]

    @property
    def coverage(self) -> float:
        """Share of the required talking points covered (optional ones only add)."""
        required = [p for p in self.points if not p.optional]
        if not required:
            return 0.0
        return sum(p.covered for p in required) / len(required)

    @property
    def filler_total(self) -> int:
        return sum(self.fillers.values())

    @property
    def fillers_per_100(self) -> float:
        return 100 * self.filler_total / self.words if self.words else 0.0

    @property
    def star_found(self) -> tuple[str, ...]:
        return tuple(e for e in STAR_ELEMENTS if self.star.get(e))

    @property
    def length_verdict(self) -> str:
        low, high = self.target
        if self.spoken_seconds < low:
            return "short"
        if self.spoken_seconds > high:
            return "long"
        return "on target"

    def history_fields(self) -> dict[str, str]:
        """The headline figures, as the text of the history row's coach columns."""
        return {
            "coverage": f"{self.coverage:.2f}",
            "word_count": str(self.words),
            "fillers_per_100": f"{self.fillers_per_100:.1f}",
            "star_elements": " ".join(self.star_found),
        }


def analyse(answer: str, question: Question, lexicon: Lexicon) -> Feedback:
    """Analyse one answer to `question`; deterministic, offline, a few milliseconds."""
    tokens = Tokens.of(answer)
    tech = lexicon.tech_words
    points = tuple(_point(tokens, point, tech) for point in question.talking_points)
    star = {
        element: tuple(matches(tokens, lexicon.star.get(element, ()))) for element in STAR_ELEMENTS
    }
    words = word_count(answer)
    fillers = count_phrases(tokens, (*lexicon.fillers, *lexicon.hedges))
    return Feedback(
        points=points,
        star=star,
        result_figures=_result_figures(tokens, lexicon),
        words=words,
        spoken_seconds=speaking_seconds(words),
        target=question.target_seconds,
        fillers=dict(sorted(fillers.items(), key=lambda kv: (-kv[1], kv[0]))),
        repeated=_repeated(tokens, lexicon.not_repeats),
        i_count=sum(len(tokens.positions.get(w, ())) for w in I_WORDS),
        we_count=sum(len(tokens.positions.get(w, ())) for w in WE_WORDS),
        technologies=_technologies(tokens, lexicon),
    )


def _point(tokens: Tokens, point: TalkingPoint, tech: frozenset[str]) -> PointResult:
    """Covered when a strong signal matches, or at least two different weak ones do."""
    strong = matches(tokens, [s for s in point.signals if not s.startswith(WEAK)], tech)
    weak = matches(tokens, [s for s in point.signals if s.startswith(WEAK)], tech)
    return PointResult(
        id=point.id,
        text=point.text,
        covered=bool(strong) or len(weak) >= WEAK_NEEDED,
        matched=tuple(strong + [w for w in weak if w not in strong]),
        optional=point.optional,
    )


def _result_figures(tokens: Tokens, lexicon: Lexicon) -> tuple[str, ...]:
    """Numbers said in the sentences that state a result: is the result concrete?"""
    stated = {tokens.sentences[start] for start, _ in spans(tokens, lexicon.star.get("result", ()))}
    figures = [
        word
        for word, sentence in zip(tokens.words, tokens.sentences, strict=True)
        if sentence in stated and _is_number(word)
    ]
    return tuple(dict.fromkeys(figures))


def _technologies(tokens: Tokens, lexicon: Lexicon) -> tuple[str, ...]:
    """Technologies named, in list order; "rails" inside "ruby on rails" is not named twice."""
    found = [(name, spans(tokens, signals)) for name, signals in lexicon.technologies]
    found = [(name, where) for name, where in found if where]
    every = [span for _, where in found for span in where]

    def inside_another(span: tuple[int, int]) -> bool:
        return any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in every)

    return tuple(name for name, where in found if not all(map(inside_another, where)))


def _repeated(
    tokens: Tokens, stop_words: frozenset[str], top: int = 5
) -> tuple[tuple[str, int], ...]:
    counts = Counter(
        w for w in tokens.words if w not in stop_words and len(w) > 2 and not _is_number(w)
    )
    common = [(w, n) for w, n in counts.most_common() if n >= 3]
    return tuple(sorted(common, key=lambda wn: (-wn[1], wn[0]))[:top])


# ---- against the last attempt -----------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    improved: tuple[str, ...]
    regressed: tuple[str, ...]
    diff: tuple[tuple[str, str], ...]  # (op, text): op is "same", "added" or "removed"


def compare(
    current: Feedback, previous: Feedback, current_text: str, previous_text: str
) -> Comparison:
    """What got better and worse since the previous attempt, and a word-level diff."""
    improved: list[str] = []
    regressed: list[str] = []
    gained = [
        p.text
        for p, q in zip(current.points, previous.points, strict=True)
        if p.covered and not q.covered
    ]
    lost = [
        p.text
        for p, q in zip(current.points, previous.points, strict=True)
        if q.covered and not p.covered
    ]
    delta = current.coverage - previous.coverage
    if delta > 0:
        improved.append(f"coverage up from {previous.coverage:.0%} to {current.coverage:.0%}")
    elif delta < 0:
        regressed.append(f"coverage down from {previous.coverage:.0%} to {current.coverage:.0%}")
    improved += [f"now covers: {t}" for t in gained]
    regressed += [f"no longer covers: {t}" for t in lost]
    before, after = _distance(previous), _distance(current)
    if after < before:
        improved.append(f"length closer to the target ({previous.words} → {current.words} words)")
    elif after > before:
        regressed.append(
            f"length further from the target ({previous.words} → {current.words} words)"
        )
    rates = f"{previous.fillers_per_100:.1f} → {current.fillers_per_100:.1f} per 100 words"
    if current.fillers_per_100 + 0.05 < previous.fillers_per_100:
        improved.append(f"fewer fillers ({rates})")
    elif current.fillers_per_100 > previous.fillers_per_100 + 0.05:
        regressed.append(f"more fillers ({rates})")
    star_gained = [e for e in current.star_found if e not in previous.star_found]
    star_lost = [e for e in previous.star_found if e not in current.star_found]
    if star_gained:
        improved.append("STAR: now has " + ", ".join(star_gained))
    if star_lost:
        regressed.append("STAR: lost " + ", ".join(star_lost))
    return Comparison(tuple(improved), tuple(regressed), word_diff(previous_text, current_text))


def _distance(feedback: Feedback) -> int:
    low, high = feedback.target
    return max(low - feedback.spoken_seconds, feedback.spoken_seconds - high, 0)


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """A word-level diff: runs of words kept, added and removed, in reading order."""
    old, new = before.split(), after.split()
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(old[a1:a2])))
            continue
        if a2 > a1:
            out.append(("removed", " ".join(old[a1:a2])))
        if b2 > b1:
            out.append(("added", " ".join(new[b1:b2])))
    return tuple(out)
