"""The answer coach: offline, deterministic feedback on one answer. Pure functions.

`analyse(answer, question, lexicon)` finds which talking points the answer covers (by the
signal phrases in the question files), which STAR elements it has, and how it would
sound (length against the target, filler and hedge words, repeated words, "I" against
"we", technologies named). `compare(...)` says what changed since the last attempt.
Every judgement carries the learner's own words that triggered it, so the learner can
disagree, and every word list lives in `data/coach.yaml`, so the learner can extend it.

A signal is a short phrase of tokens: `word` matches that word, `word*` any word starting
so, `*` any one word, `#` any number ("3", "40", "two", "half") and `@tech` any one-word
technology from the lexicon. A phrase starting with `~` is weak: on its own it is not
enough, two different weak phrases (or one ordinary one) are. A phrase may end with
`, except after w1, w2`: then it does not count right after one of those words ("kind
of, except after that" hedges in "it was kind of slow", not in "that kind of work").

Talking-point signals match inflections: a plain word matches every answer word with the
same key (`words.key`: "cache" matches "cached", "caching", "caches"; "index" matches
"indexes", "indices"), while `word*` stays a prefix of the word as written. The lists in
`coach.yaml` (fillers, hedges, STAR markers, technologies) match words as written,
because there the form is the point: "basically" is a filler and "basic" is not, "I
built" tells a story and "I build" does not.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Question, TalkingPoint
from .textstats import length_advice, speaking_seconds, word_count
from .words import key

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
_EXCEPT = "except after"
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
        """One-word technology signals: what `@tech` in a signal phrase matches.

        Lowercase words match as written; a capitalised name ("Go") only where the
        answer writes it so, and not as the first word of a sentence or line.
        """
        words = {s.lstrip(".") for _, signals in self.technologies for s in signals}
        words = {w for w in words if " " not in w and not w.endswith("*")}
        names = {_cased_name(name, signals) for name, signals in self.technologies}
        return frozenset(words | (names - {None}))


def _cased_name(name: str, signals: Iterable[str] = ()) -> str | None:
    """The name a `Name: [signals]` entry matches by its capitals, if it has one."""
    bare = name.lstrip(".")
    if bare == bare.lower() or Tokens.of(bare).words != (bare.lower(),):
        return None
    return bare if bare.lower() not in {s.lstrip(".") for s in signals} else None


def _split_except(signal: str) -> tuple[str, str | None]:
    """("kind of", "a, the") from "kind of, except after a, the"; (phrase, None) without."""
    phrase, comma, rest = signal.lower().removeprefix(WEAK).partition(",")
    return phrase, rest.strip() if comma else None


def signal_problem(signal: str) -> str | None:
    """Say what is wrong with a signal phrase, or None if it is usable."""
    phrase, rest = _split_except(signal)
    tokens = phrase.split()
    if not tokens:
        return "is empty"
    if rest is None and _EXCEPT in phrase:
        return f"needs a comma before {_EXCEPT!r}: 'kind of, except after that, this'"
    for token in tokens:
        if not _SIGNAL_TOKEN.match(token):
            return f"has {token!r}, which is not a word, a word*, *, # or @tech"
    if all(t in ("*", "#") for t in tokens):
        return "needs at least one real word"
    if rest is not None:
        if not rest.startswith(_EXCEPT):
            return f"has a comma, which may only start '{_EXCEPT} w1, w2'"
        words = [w.strip() for w in rest.removeprefix(_EXCEPT).split(",")]
        if not all(len(w.split()) == 1 and _TOKEN.fullmatch(w) for w in words):
            return f"needs single words after {_EXCEPT!r}, separated by commas"
    return None


# ---- tokens and phrase matching ---------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """An answer as lowercase word tokens, with indexes for fast phrase lookup."""

    words: tuple[str, ...]
    positions: dict[str, tuple[int, ...]]
    sentences: tuple[int, ...] = ()  # the sentence each word is in, counted from 0
    cased: tuple[str, ...] = ()  # each word as written
    initial: tuple[bool, ...] = ()  # the word starts a sentence or a line

    @classmethod
    def of(cls, text: str) -> Tokens:
        cleaned = text.replace("’", "'").replace("%", " percent ")
        cased: list[str] = []
        sentences: list[int] = []
        initial: list[bool] = []
        for number, sentence in enumerate(_SENTENCE_END.split(cleaned)):
            end = 0
            for found in _TOKEN.finditer(sentence):
                initial.append(end == 0 or "\n" in sentence[end : found.start()])
                end = found.end()
                cased.append(found.group().rstrip("'.-"))
                sentences.append(number)
        words = tuple(w.lower() for w in cased)
        return cls(words, _index(words), tuple(sentences), tuple(cased), tuple(initial))

    @functools.cached_property
    def keys(self) -> tuple[str, ...]:
        """Each word's matching key (`words.key`), for signals that match inflections."""
        return tuple(map(key, self.words))

    @functools.cached_property
    def key_positions(self) -> dict[str, tuple[int, ...]]:
        return _index(self.keys)


def _index(words: Iterable[str]) -> dict[str, tuple[int, ...]]:
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(words):
        positions.setdefault(word, []).append(index)
    return {w: tuple(p) for w, p in positions.items()}


def _is_number(word: str) -> bool:
    return bool(_NUMBER.match(word)) or word in NUMBER_WORDS


# A compiled phrase is a tuple of (kind, text) pairs, plus the words it may not follow.
_ANY, _NUM, _TECH, _PREFIX, _WORD, _KEY = "*", "#", "@tech", "prefix", "word", "key"
_WILD = (_ANY, _NUM, _TECH)


@dataclass(frozen=True)
class _Pattern:
    parts: tuple[tuple[str, str], ...]
    not_after: frozenset[str] = frozenset()

    @functools.cached_property
    def anchor(self) -> int:
        """The part to look up first: an exact word if there is one, else a prefix."""
        exact = [i for i, (kind, _) in enumerate(self.parts) if kind in (_WORD, _KEY)]
        fixed = [i for i, (kind, _) in enumerate(self.parts) if kind not in _WILD]
        return (exact or fixed or [len(self.parts) - 1])[0]

    @functools.cached_property
    def others(self) -> tuple[tuple[int, str, str], ...]:
        """(offset, kind, text) of every part but the anchor, checked once it is found."""
        return tuple((k, *part) for k, part in enumerate(self.parts) if k != self.anchor)


@functools.lru_cache(maxsize=32768)
def _compile(signal: str, inflect: bool = False) -> _Pattern:
    phrase, rest = _split_except(signal.replace("’", "'"))
    parts = []
    for raw in phrase.split():
        if raw in _WILD:
            parts.append((raw, raw))
            continue
        word = raw.rstrip("*").strip('.,;:!?"()').replace("%", "percent")
        if raw.endswith("*"):
            parts.append((_PREFIX, word))
        else:
            parts.append((_KEY, key(word)) if inflect else (_WORD, word))
    after = (rest or "").removeprefix(_EXCEPT).split(",")
    return _Pattern(tuple(parts), frozenset(w.strip() for w in after if w.strip()))


def _at(tokens: Tokens, i: int, kind: str, text: str, tech: frozenset[str]) -> bool:
    """Does the word at position `i` match one compiled token?"""
    if kind == _WORD:
        return tokens.words[i] == text
    if kind == _KEY:
        return tokens.keys[i] == text
    if kind == _PREFIX:
        return tokens.words[i].startswith(text)
    if kind == _ANY:
        return True
    if kind == _NUM:
        return _is_number(tokens.words[i])
    # @tech: a lowercase technology as written, or a capitalised name such as "Go"
    # written so and not where every word is capitalised
    if tokens.words[i] in tech:
        return True
    return bool(tokens.cased) and tokens.cased[i] in tech and not tokens.initial[i]


def _find(
    tokens: Tokens, pattern: _Pattern, tech: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    parts = pattern.parts
    if not parts:
        return []
    anchor = pattern.anchor
    kind, text = parts[anchor]
    if kind == _WORD:
        starts: Iterable[int] = tokens.positions.get(text, ())
    elif kind == _KEY:
        starts = tokens.key_positions.get(text, ())
    elif kind == _PREFIX:
        starts = sorted(i for w, ps in tokens.positions.items() if w.startswith(text) for i in ps)
    else:
        starts = [i for i in range(len(tokens.words)) if _at(tokens, i, kind, text, tech)]
    found = []
    size, others, last = len(parts), pattern.others, len(tokens.words) - len(parts)
    for at in starts:
        start = at - anchor
        if start < 0 or start > last:
            continue
        if others and not all(_at(tokens, start + k, kd, tx, tech) for k, kd, tx in others):
            continue
        if pattern.not_after and _follows(tokens, start, pattern.not_after):
            continue
        found.append((start, start + size))
    return found


def _follows(tokens: Tokens, start: int, words: frozenset[str]) -> bool:
    """Is the word before `start`, in the same sentence, one of `words`?"""
    if not words or start == 0 or tokens.words[start - 1] not in words:
        return False
    return not tokens.sentences or tokens.sentences[start - 1] == tokens.sentences[start]


def spans(
    tokens: Tokens,
    signals: Iterable[str],
    tech: frozenset[str] = frozenset(),
    *,
    inflect: bool = False,
) -> list[tuple[int, int]]:
    """Every (start, end) word span any of the signals matches, in answer order.

    With `inflect`, plain signal words match any inflection (see the module docstring).
    """
    found = {span for signal in signals for span in _find(tokens, _compile(signal, inflect), tech)}
    return sorted(found)


def matches(
    tokens: Tokens,
    signals: Iterable[str],
    tech: frozenset[str] = frozenset(),
    *,
    inflect: bool = False,
) -> list[str]:
    """The answer's own words for every place a signal matched, in answer order, unique.

    `tech` is the set of one-word technology names the `@tech` token stands for.
    """
    seen, out = set(), []
    for start, end in spans(tokens, signals, tech, inflect=inflect):
        text = " ".join(tokens.words[start:end])
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def shown(phrase: str) -> str:
    """A list phrase as the learner reads it in feedback: without its `except` clause."""
    return _split_except(phrase)[0].strip()


def count_phrases(tokens: Tokens, phrases: Iterable[str]) -> Counter[str]:
    """How often each phrase occurs (overlapping phrases such as 'kind of' count once)."""
    taken: set[int] = set()
    counts: Counter[str] = Counter()
    for phrase in sorted(phrases, key=lambda p: -len(shown(p).split())):  # longest first
        for start, end in _find(tokens, _compile(phrase)):
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                counts[shown(phrase)] += 1
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

    @property
    def length_advice(self) -> str:
        """The verdict with the gap in plain numbers: "far too short: add about 80 s ..."."""
        return length_advice(self.spoken_seconds, self.target)

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
    strong = [s for s in point.signals if not s.startswith(WEAK)]
    weak_signals = [s for s in point.signals if s.startswith(WEAK)]
    strong = matches(tokens, strong, tech, inflect=True)
    weak = matches(tokens, weak_signals, tech, inflect=True)
    return PointResult(
        id=point.id,
        text=point.text,
        covered=bool(strong) or _weak_enough(tokens, weak_signals, tech),
        matched=tuple(strong + [w for w in weak if w not in strong]),
        optional=point.optional,
    )


def _weak_enough(tokens: Tokens, signals: list[str], tech: frozenset[str]) -> bool:
    """Do two different weak signals match at places that do not overlap?

    One weak signal found twice ("commit" and "commits"), or two weak phrases found on
    the same words ("memory is full" inside "when memory is full"), is still one clue;
    so are two spellings of one signal that match the same words ("~evict" and
    "~eviction"), even where the answer says that word twice.
    """
    unique = {_compile(sig, True): sig for sig in signals}.values()
    found = [s for s in (spans(tokens, [sig], tech, inflect=True) for sig in unique) if s]
    for i, first in enumerate(found):
        for second in found[i + 1 :]:
            if any(a_end <= b or b_end <= a for a, a_end in first for b, b_end in second):
                return True
    return False


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
    """Technologies named, in list order; "rails" inside "ruby on rails" is not named twice.

    A capitalised name of a `Name: [signals]` entry ("Go") also counts where the answer
    writes it so, except as the first word of a sentence or line: "we used Go", not
    "Go ahead" or "go to the store".
    """
    found = []
    for name, signals in lexicon.technologies:
        where = spans(tokens, signals)
        cased = _cased_name(name, signals)
        if cased:
            where += [
                (i, i + 1)
                for i, word in enumerate(tokens.cased)
                if word == cased and not tokens.initial[i]
            ]
        if where:
            found.append((name, where))
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
