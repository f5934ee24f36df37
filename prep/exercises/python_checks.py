"""The cases of the Python exercises in `data/exercises/python.yaml`, grouped by exercise id.

Each case receives the learner's class or function and either returns (passed) or raises
`Mismatch` with the calls it made, so the learner can replay them in a cell. Time is faked
with `FakeClock` and sleeping with `Recorder`; only `bounded-queue` uses real threads, with
short timeouts and joins that give up, so a learner's deadlock fails a case rather than the
check. Where the task says the code must raise, the case catches what it raised and says
which error was wanted; anything else the learner's code raises is theirs to see.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from .harness import FakeClock, Mismatch, Recorder, case, expect, expect_true


class _Text:
    """Words shown as they are in a report: repr() gives the text without quotes."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("returned", value) or ("raised", exception), for cases where raising is the task."""
    try:
        return "returned", call()
    except Exception as exc:
        return "raised", exc


def _expect_error(
    what: str, call: Callable[[], Any], errors: type[Exception], *, note: str = ""
) -> Exception:
    """Like `expect_raises`, but a different exception is a failed case, named, not a crash."""
    kind, value = _outcome(call)
    if kind == "raised" and isinstance(value, errors):
        return value
    got = f"it returned {value!r}" if kind == "returned" else f"it raised {value!r}"
    raise Mismatch(what, _Text(f"it raises {errors.__name__}"), _Text(got), note=note)


def _pairs(value: Any) -> Any:
    """A list of 2-item sequences as a list of tuples; anything else unchanged."""
    if isinstance(value, list | tuple) and all(
        isinstance(v, list | tuple) and len(v) == 2 for v in value
    ):
        return [tuple(v) for v in value]
    return value


def _steps_text(steps: Sequence[str]) -> str:
    shown = list(steps)
    if len(shown) > 12:
        shown = ["…", *shown[-12:]]
    return ", ".join(shown)


# ---- lru-cache -----------------------------------------------------------------------------


@case("lru-cache", "get returns None for a key never stored")
def _(LRUCache):
    cache = LRUCache(2)
    expect(
        "LRUCache(2), then get('missing')",
        cache.get("missing"),
        None,
        note="A key that was never stored is a cache miss: return None rather than raising.",
    )


@case("lru-cache", "put then get returns the stored value")
def _(LRUCache):
    cache = LRUCache(2)
    cache.put("product:7", {"name": "Desk lamp", "price": 3900})
    expect(
        "LRUCache(2), put('product:7', {...}), then get('product:7')",
        cache.get("product:7"),
        {"name": "Desk lamp", "price": 3900},
    )


@case("lru-cache", "stored values that look false (0, '') come back as themselves")
def _(LRUCache):
    cache = LRUCache(2)
    cache.put("stock", 0)
    cache.put("note", "")
    note = "0 and '' are real cached values: test whether the key is present, not the value."
    calls = "LRUCache(2), put('stock', 0), put('note', '')"
    expect(f"{calls}, then get('stock')", cache.get("stock"), 0, note=note)
    expect(f"{calls}, get('stock'), then get('note')", cache.get("note"), "", note=note)


@case("lru-cache", "a key already present is updated, not stored twice")
def _(LRUCache):
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("a", 2)
    cache.put("b", 3)
    a = cache.get("a")
    what = "LRUCache(2), put('a', 1), put('a', 2), put('b', 3), then get('a')"
    if a == 1:
        raise Mismatch(what, 2, a, note="The second put('a', 2) must replace the old value.")
    expect(
        what,
        a,
        2,
        note="Updating 'a' must not take a second slot: the cache holds just 'a' and 'b'.",
    )
    expect(f"{what}, then get('b')", cache.get("b"), 3)


@case("lru-cache", "holds no more than capacity keys")
def _(LRUCache):
    cache = LRUCache(2)
    for value, key in enumerate("abc", start=1):
        cache.put(key, value)
    kept = [key for key in "abc" if cache.get(key) is not None]
    expect(
        "LRUCache(2), put('a', 1), put('b', 2), put('c', 3): how many of a, b, c get() still finds",
        len(kept),
        2,
        note=(
            "Nothing was evicted: a full cache must drop a key when a new one arrives, or it "
            "grows without limit."
            if len(kept) > 2
            else "Only one key should go when the third arrives."
        ),
    )


@case("lru-cache", "evicts the least recently used key when full")
def _(LRUCache):
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    calls = "LRUCache(2), put('a', 1), put('b', 2), put('c', 3)"
    expect(
        f"{calls}, then get('b')",
        cache.get("b"),
        2,
        note=(
            "'b' was the most recently used key before 'c' arrived, so it must stay: evict "
            "the key used longest ago ('a'), not the newest one."
        ),
    )
    expect(
        f"{calls}, get('b'), then get('c')",
        cache.get("c"),
        3,
        note="The key just added must be kept.",
    )
    expect(
        f"{calls}, get('b'), get('c'), then get('a')",
        cache.get("a"),
        None,
        note="'a' was the least recently used key, so adding 'c' should have evicted it.",
    )


@case("lru-cache", "get counts as use")
def _(LRUCache):
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    calls = "LRUCache(2), put('a', 1), put('b', 2), get('a'), put('c', 3)"
    expect(
        f"{calls}, then get('a')",
        cache.get("a"),
        1,
        note=(
            "Reading 'a' made it the most recently used key, so adding 'c' should evict 'b': "
            "a get of a present key must move it to the fresh end."
        ),
    )
    expect(
        f"{calls}, get('a'), then get('b')",
        cache.get("b"),
        None,
        note="'b' was the key used longest ago.",
    )


@case("lru-cache", "put of an existing key counts as use")
def _(LRUCache):
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    calls = "LRUCache(2), put('a', 1), put('b', 2), put('a', 10), put('c', 3)"
    expect(
        f"{calls}, then get('a')",
        cache.get("a"),
        10,
        note="Updating 'a' made it the most recently used key, so 'b' was the one to evict.",
    )
    expect(f"{calls}, get('a'), then get('b')", cache.get("b"), None)


@case("lru-cache", "capacity 1 keeps only the newest key")
def _(LRUCache):
    cache = LRUCache(1)
    cache.put("a", 1)
    cache.put("b", 2)
    calls = "LRUCache(1), put('a', 1), put('b', 2)"
    expect(f"{calls}, then get('b')", cache.get("b"), 2)
    expect(f"{calls}, get('b'), then get('a')", cache.get("a"), None)


@case("lru-cache", "a long mix of gets and puts matches a reference LRU")
def _(LRUCache):
    rng = random.Random(14)
    cache, reference = LRUCache(3), OrderedDict()
    steps = ["LRUCache(3)"]
    for n in range(300):
        key = rng.choice("abcdef")
        if rng.random() < 0.5:
            cache.put(key, n)
            reference[key] = n
            reference.move_to_end(key)
            if len(reference) > 3:
                reference.popitem(last=False)
            steps.append(f"put({key!r}, {n})")
        else:
            got = cache.get(key)
            wanted = reference.get(key)
            if wanted is not None:
                reference.move_to_end(key)
            steps.append(f"get({key!r})")
            expect(
                f"after {len(steps) - 1} operations ({_steps_text(steps)}), the last get",
                got,
                wanted,
                note="Replay these calls on paper, tracking the order of use.",
            )


# ---- token-bucket --------------------------------------------------------------------------


def _bucket_run(TokenBucket, rate: float, capacity: int, script: Sequence, note: str) -> None:
    """Numbers in `script` move the clock on; True/False are what the next allow() should say."""
    clock = FakeClock()
    bucket = TokenBucket(rate, capacity, clock)
    steps = [f"TokenBucket(rate={rate}, capacity={capacity}, clock)"]
    for step in script:
        if isinstance(step, bool):
            steps.append("allow()")
            expect(f"{_steps_text(steps)}: the last allow()", bucket.allow(), step, note=note)
        else:
            clock.advance(step)
            steps.append(f"{step} s pass")


@case("token-bucket", "a new bucket allows a burst of capacity requests")
def _(TokenBucket):
    _bucket_run(
        TokenBucket,
        1,
        3,
        [True, True, True, False],
        note="The bucket starts full: capacity requests at once are allowed, the next is not.",
    )


@case("token-bucket", "refills at rate tokens per second")
def _(TokenBucket):
    _bucket_run(
        TokenBucket,
        2,
        2,
        [True, True, False, 0.5, True, False, 1, True, True, False],
        note="At 2 tokens a second, half a second adds one token and a second adds two.",
    )


@case("token-bucket", "never holds more than capacity tokens")
def _(TokenBucket):
    _bucket_run(
        TokenBucket,
        10,
        3,
        [True, True, True, False, 100, True, True, True, False],
        note="Tokens stop accumulating at capacity: cap the count with min(capacity, ...).",
    )


@case("token-bucket", "fractions of a token add up across calls")
def _(TokenBucket):
    _bucket_run(
        TokenBucket,
        1,
        1,
        [True, 0.4, False, 0.4, False, 0.3, True],
        note=(
            "0.4 + 0.4 + 0.3 seconds at 1 token a second is 1.1 tokens: keep the fractional "
            "tokens (a float) and do not throw away time when a request is refused."
        ),
    )


@case("token-bucket", "a refused request does not cost a token")
def _(TokenBucket):
    _bucket_run(
        TokenBucket,
        1,
        1,
        [True, False, False, False, False, 1, True],
        note="Only an allowed request takes a token; the count must never go below zero.",
    )


@case("token-bucket", "a rate below one token a second")
def _(TokenBucket):
    _bucket_run(
        TokenBucket,
        0.5,
        1,
        [True, False, 1, False, 1, True, False],
        note="At 0.5 tokens a second it takes two seconds to earn one token.",
    )


@case("token-bucket", "two buckets do not share tokens")
def _(TokenBucket):
    clock = FakeClock()
    first, second = TokenBucket(1, 1, clock), TokenBucket(1, 1, clock)
    expect("two TokenBucket(1, 1, clock); first.allow()", first.allow(), True)
    expect(
        "two TokenBucket(1, 1, clock); first.allow(), then second.allow()",
        second.allow(),
        True,
        note="Keep the tokens on the instance (self), not on the class.",
    )


# ---- retry-backoff -------------------------------------------------------------------------


class _Flaky:
    """A stand-in for a flaky call: raises or returns the given outcomes in turn."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes, self.calls = outcomes, 0

    def __call__(self) -> Any:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def __repr__(self) -> str:
        return "func"


def _retry_text(attempts: int, base_delay: float, outcomes: str) -> str:
    return f"retry(func, attempts={attempts}, base_delay={base_delay}, sleep) where func {outcomes}"


@case("retry-backoff", "returns the first result without sleeping when the first try works")
def _(retry):
    func, sleep = _Flaky("ok"), Recorder()
    what = _retry_text(3, 0.5, "returns 'ok'")
    expect(what, retry(func, 3, 0.5, sleep), "ok")
    expect(f"{what}: how many times func was called", func.calls, 1)
    expect(f"{what}: the sleep calls", sleep.calls, [], note="No failure, so no waiting.")


@case("retry-backoff", "a result of None counts as success")
def _(retry):
    func, sleep = _Flaky(None), Recorder()
    what = _retry_text(3, 0.5, "returns None")
    expect(what, retry(func, 3, 0.5, sleep), None)
    expect(
        f"{what}: how many times func was called",
        func.calls,
        1,
        note="Only an exception means a try failed; None is an ordinary return value.",
    )


@case("retry-backoff", "retries after failures and returns the later result")
def _(retry):
    func = _Flaky(ConnectionError("refused"), ConnectionError("refused"), "ok")
    sleep = Recorder()
    what = _retry_text(5, 0.1, "raises ConnectionError twice, then returns 'ok'")
    kind, value = _outcome(lambda: retry(func, 5, 0.1, sleep))
    expect_true(
        f"{what} returns 'ok'",
        kind == "returned",
        got=value,
        note="Catch the exception, wait, and call func again until a try succeeds.",
    )
    expect(what, value, "ok")
    expect(f"{what}: how many times func was called", func.calls, 3)


@case("retry-backoff", "waits base_delay, then twice as long each time")
def _(retry):
    func = _Flaky(*[TimeoutError("slow")] * 3, "ok")
    sleep = Recorder()
    what = _retry_text(5, 0.25, "raises TimeoutError three times, then returns 'ok'")
    _outcome(lambda: retry(func, 5, 0.25, sleep))
    expect(
        f"{what}: the sleep calls",
        sleep.calls,
        [0.25, 0.5, 1.0],
        note="Wait base_delay * 2 ** i after failed try i (counting from 0): 0.25, 0.5, 1.0.",
    )


@case("retry-backoff", "re-raises the last exception when every try fails")
def _(retry):
    errors = [TimeoutError(f"try {n}") for n in (1, 2, 3)]
    func = _Flaky(*errors)
    what = _retry_text(3, 0.1, "raises TimeoutError every time")
    kind, value = _outcome(lambda: retry(func, 3, 0.1, Recorder()))
    if kind == "returned":
        raise Mismatch(
            what,
            _Text("it raises TimeoutError('try 3')"),
            _Text(f"it returned {value!r}"),
            note="When every try fails the caller needs the error, not a return value.",
        )
    expect_true(
        f"{what} raises the very exception of the last try, TimeoutError('try 3')",
        value is errors[2],
        got=value,
        note=(
            "Re-raise what func raised on the last try (keep it and `raise` it after the loop), "
            "not a new exception and not an earlier one."
        ),
    )


@case("retry-backoff", "the last exception is raised, not the first")
def _(retry):
    first, last = ConnectionError("refused"), TimeoutError("timed out")
    func = _Flaky(first, last)
    what = _retry_text(2, 0.1, "raises ConnectionError('refused'), then TimeoutError('timed out')")
    kind, value = _outcome(lambda: retry(func, 2, 0.1, Recorder()))
    expect_true(
        f"{what} raises TimeoutError('timed out')",
        kind == "raised" and value is last,
        got=value,
        note="The last failure is the one the caller should see.",
    )


@case("retry-backoff", "no sleep after the final failed try")
def _(retry):
    func, sleep = _Flaky(ConnectionError("refused")), Recorder()
    what = _retry_text(3, 1, "always raises ConnectionError")
    _outcome(lambda: retry(func, 3, 1, sleep))
    expect(
        f"{what}: the sleep calls",
        sleep.calls,
        [1, 2],
        note="Sleep only between tries: after the last failure, raise at once.",
    )


@case("retry-backoff", "attempts=1 means a single try and no sleep")
def _(retry):
    func, sleep = _Flaky(ConnectionError("refused")), Recorder()
    what = _retry_text(1, 1, "always raises ConnectionError")
    kind, _value = _outcome(lambda: retry(func, 1, 1, sleep))
    expect(f"{what}: how many times func was called", func.calls, 1)
    expect(f"{what}: the sleep calls", sleep.calls, [])
    expect_true(f"{what} raises ConnectionError", kind == "raised")


@case("retry-backoff", "calls func at most attempts times")
def _(retry):
    func = _Flaky(ConnectionError("refused"))
    what = _retry_text(4, 0.1, "always raises ConnectionError")
    _outcome(lambda: retry(func, 4, 0.1, Recorder()))
    expect(
        f"{what}: how many times func was called",
        func.calls,
        4,
        note="attempts counts every call, the first one included.",
    )


# ---- access-log-stats ----------------------------------------------------------------------


def _log_line(path: str, status: int, ms: int, second: int = 0) -> str:
    return f"2024-05-01T12:00:{second % 60:02d}Z GET {path} {status} {ms}\n"


def _path(what: str, summary: Any, path: str) -> dict:
    """The summary's entry for `path`, or a Mismatch saying it is missing."""
    if not isinstance(summary, dict) or not isinstance(summary.get(path), dict):
        raise Mismatch(
            what,
            _Text(f"a dict with an entry for {path!r}"),
            summary,
            note="Return {path: {'requests': ..., 'errors': ..., 'p95_ms': ...}} for every path.",
        )
    return summary[path]


@case("access-log-stats", "counts requests per path")
def _(summarize_log):
    lines = [_log_line("/orders", 200, 10), _log_line("/health", 200, 1)]
    lines += [_log_line("/orders", 200, 12)]
    got = summarize_log(lines)
    expect_true("summarize_log(...) returns a dict keyed by path", isinstance(got, dict), got=got)
    expect("summarize_log(...): the paths, sorted", sorted(got), ["/health", "/orders"])
    expect(
        "summarize_log(...)['/orders']['requests']",
        _path("summarize_log(...)", got, "/orders").get("requests"),
        2,
    )
    expect(
        "summarize_log(...)['/health']['requests']",
        _path("summarize_log(...)", got, "/health").get("requests"),
        1,
    )


@case("access-log-stats", "groups by path without the query string")
def _(summarize_log):
    lines = [_log_line("/orders?page=1", 200, 10), _log_line("/orders?page=2", 200, 30)]
    lines.append(_log_line("/orders", 200, 20))
    got = summarize_log(lines)
    expect(
        "summarize_log of /orders?page=1, /orders?page=2 and /orders: the paths",
        sorted(got),
        ["/orders"],
        note="Cut the path at '?': page numbers in the query would split one endpoint in many.",
    )
    expect(
        "summarize_log of those three lines: ['/orders']['requests']",
        _path("summarize_log(...)", got, "/orders").get("requests"),
        3,
    )


@case("access-log-stats", "counts only 5xx responses as errors")
def _(summarize_log):
    statuses = [200, 201, 404, 429, 500, 503, 302]
    got = summarize_log([_log_line("/pay", s, 5) for s in statuses])
    expect(
        f"summarize_log with statuses {statuses}: ['/pay']['errors']",
        _path("summarize_log(...)", got, "/pay").get("errors"),
        2,
        note="errors counts server errors, status 500 to 599; a 4xx is the client's mistake.",
    )


@case("access-log-stats", "p95 is the nearest-rank 95th percentile")
def _(summarize_log):
    durations = list(range(10, 201, 10))  # 20 requests: 10, 20, ..., 200
    got = summarize_log([_log_line("/search", 200, ms) for ms in durations])
    expect(
        "summarize_log of 20 requests taking 10, 20, ..., 200 ms: ['/search']['p95_ms']",
        _path("summarize_log(...)", got, "/search").get("p95_ms"),
        190,
        note=(
            "Nearest rank: sort the durations and take the one at 1-based rank "
            "ceil(0.95 * n); with 20 requests that is the 19th, 190 ms."
        ),
    )


@case("access-log-stats", "durations are sorted before the percentile is taken")
def _(summarize_log):
    durations = [(n * 37) % 41 + 1 for n in range(40)]  # 40 different values, scrambled
    expected = sorted(durations)[math.ceil(0.95 * len(durations)) - 1]
    got = summarize_log([_log_line("/cart", 200, ms, n) for n, ms in enumerate(durations)])
    expect(
        f"summarize_log of 40 requests in log order {durations[:6]}...: ['/cart']['p95_ms']",
        _path("summarize_log(...)", got, "/cart").get("p95_ms"),
        expected,
        note="Log lines arrive in time order, not duration order: sort before picking the rank.",
    )


@case("access-log-stats", "a single request's p95 is its own duration")
def _(summarize_log):
    got = summarize_log([_log_line("/login", 200, 73)])
    expect(
        "summarize_log of one request taking 73 ms",
        got,
        {"/login": {"requests": 1, "errors": 0, "p95_ms": 73}},
    )


@case("access-log-stats", "skips blank and malformed lines")
def _(summarize_log):
    lines = [
        "\n",
        "",
        "garbage that is not a log line\n",
        "2024-05-01T12:00:00Z GET /orders abc 12\n",
        "2024-05-01T12:00:00Z GET /orders 200\n",
        "2024-05-01T12:00:00Z GET /orders 200 12 extra\n",
        "2024-05-01T12:00:00Z GET /orders 200 fast\n",
        _log_line("/orders", 200, 40),
    ]
    got = summarize_log(lines)
    expect(
        "summarize_log of 7 broken lines and one good '/orders 200 40'",
        got,
        {"/orders": {"requests": 1, "errors": 0, "p95_ms": 40}},
        note="A line counts only with exactly five fields and whole numbers for status and ms.",
    )


@case("access-log-stats", "reads its input once, so a generator or an open file works")
def _(summarize_log):
    lines = [_log_line("/a", 200, 10), _log_line("/a", 500, 20), _log_line("/b", 200, 5)]
    got = summarize_log(line for line in lines)
    expect(
        "summarize_log(a generator of 3 lines)",
        got,
        {
            "/a": {"requests": 2, "errors": 1, "p95_ms": 20},
            "/b": {"requests": 1, "errors": 0, "p95_ms": 5},
        },
        note="A generator (or a file) can be read only once: collect everything in one pass.",
    )


@case("access-log-stats", "an empty log gives an empty summary")
def _(summarize_log):
    expect("summarize_log([])", summarize_log([]), {})


# ---- cursor-pagination ---------------------------------------------------------------------


def _posts(*ids: int) -> list[dict]:
    return [{"id": i, "title": f"post {i}"} for i in ids]


def _ids(page: Any) -> Any:
    try:
        return [item["id"] for item in page]
    except (TypeError, KeyError, IndexError):
        return page


@case("cursor-pagination", "the first page holds the newest limit items")
def _(paginate):
    page, cursor = paginate(_posts(*range(10, 0, -1)), 3)
    expect("paginate(posts 10..1, limit=3): the ids on the page", _ids(page), [10, 9, 8])
    expect_true(
        "paginate(posts 10..1, limit=3) returns a next cursor that is a string",
        isinstance(cursor, str) and cursor != "",
        got=cursor,
        note="More items follow, so return a cursor, as a string the client passes back.",
    )


@case("cursor-pagination", "following the cursors visits every item once, in order")
def _(paginate):
    items = _posts(*range(10, 0, -1))
    seen: list = []
    page, cursor = paginate(items, 3)
    seen += _ids(page)
    for _ in range(20):
        if cursor is None:
            break
        page, cursor = paginate(items, 3, cursor)
        seen += _ids(page)
    else:
        raise Mismatch(
            "paginate(posts 10..1, limit=3), following next cursors",
            got=seen,
            note="After 20 pages a cursor still came back: the last page needs None.",
        )
    expect(
        "paginate(posts 10..1, limit=3), following each next cursor: all ids seen",
        seen,
        list(range(10, 0, -1)),
        note="Each page should start right after the last item of the page before.",
    )


@case("cursor-pagination", "the last page has no next cursor")
def _(paginate):
    items = _posts(*range(10, 0, -1))
    _page, cursor = paginate(items, 4)
    _page, cursor = paginate(items, 4, cursor)
    page, cursor = paginate(items, 4, cursor)
    expect("paginate(posts 10..1, limit=4), third page: ids", _ids(page), [2, 1])
    expect(
        "paginate(posts 10..1, limit=4), third page: its next cursor",
        cursor,
        None,
        note="No items follow, so no cursor.",
    )


@case("cursor-pagination", "no next cursor when the last page is exactly full")
def _(paginate):
    items = _posts(*range(6, 0, -1))
    _page, cursor = paginate(items, 3)
    page, cursor = paginate(items, 3, cursor)
    expect("paginate(posts 6..1, limit=3), second page: ids", _ids(page), [3, 2, 1])
    expect(
        "paginate(posts 6..1, limit=3), second page: its next cursor",
        cursor,
        None,
        note=(
            "A full page is not proof that more follow: look one item past the page "
            "(fetch limit + 1) so the client is not sent to an empty page."
        ),
    )


@case("cursor-pagination", "new items at the top do not shift the next page")
def _(paginate):
    items = _posts(*range(10, 0, -1))
    _page, cursor = paginate(items, 3)
    items = _posts(12, 11) + items
    page, _cursor = paginate(items, 3, cursor)
    expect(
        "paginate(posts 10..1, limit=3); posts 12 and 11 are added at the top; "
        "paginate(posts 12..1, limit=3, cursor): ids",
        _ids(page),
        [7, 6, 5],
        note=(
            "The cursor must remember the last item seen (its id), not a position: two new "
            "posts pushed every item down by two, so an offset repeats posts 9 and 8."
        ),
    )


@case("cursor-pagination", "deleting the item a cursor points at does not break it")
def _(paginate):
    items = _posts(*range(10, 0, -1))
    _page, cursor = paginate(items, 3)
    items = [item for item in items if item["id"] not in (8, 7)]
    page, _cursor = paginate(items, 3, cursor)
    expect(
        "paginate(posts 10..1, limit=3); posts 8 and 7 are deleted; "
        "paginate(remaining posts, limit=3, cursor): ids",
        _ids(page),
        [6, 5, 4],
        note=(
            "Do not look for the cursor's item in the list: it may be gone. Take the items "
            "whose id is below the cursor's id."
        ),
    )


@case("cursor-pagination", "a limit larger than the list returns everything, no cursor")
def _(paginate):
    page, cursor = paginate(_posts(3, 2, 1), 50)
    expect("paginate(posts 3..1, limit=50): ids", _ids(page), [3, 2, 1])
    expect("paginate(posts 3..1, limit=50): the next cursor", cursor, None)


@case("cursor-pagination", "an empty list gives an empty page and no cursor")
def _(paginate):
    page, cursor = paginate([], 10)
    expect("paginate([], limit=10): the page", list(page), [])
    expect("paginate([], limit=10): the next cursor", cursor, None)


@case("cursor-pagination", "a cursor the API did not issue raises ValueError")
def _(paginate):
    _expect_error(
        "paginate(posts, limit=3, cursor='not a cursor!')",
        lambda: paginate(_posts(3, 2, 1), 3, "not a cursor!"),
        ValueError,
        note="Clients send cursors back: a damaged one should be a clear 400, not a crash.",
    )


# ---- idempotency-store ---------------------------------------------------------------------


class _Charge:
    """A payment handler that numbers the charges it makes, and counts its calls."""

    def __init__(self, fail_first: bool = False) -> None:
        self.calls, self.fail_first = 0, fail_first

    def __call__(self, request: dict) -> dict:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise ConnectionError("card network unreachable")
        return {"charge": f"ch_{self.calls}", "amount": request.get("amount")}

    def __repr__(self) -> str:
        return "process"


_BODY = {"amount": 500, "currency": "eur"}


@case("idempotency-store", "a new key runs process and returns its response")
def _(IdempotencyStore):
    store, process = IdempotencyStore(60, FakeClock()), _Charge()
    got = store.handle("key-1", dict(_BODY), process)
    expect(
        "handle('key-1', {amount: 500, currency: 'eur'}, process)",
        got,
        {"charge": "ch_1", "amount": 500},
    )
    expect("handle('key-1', body, process): how many times process ran", process.calls, 1)


@case("idempotency-store", "a repeated key and request return the stored response")
def _(IdempotencyStore):
    store, process = IdempotencyStore(60, FakeClock()), _Charge()
    store.handle("key-1", dict(_BODY), process)
    got = store.handle("key-1", dict(_BODY), process)
    what = "handle('key-1', body, process) twice with the same body"
    expect(f"{what}: the second response", got, {"charge": "ch_1", "amount": 500})
    expect(
        f"{what}: how many times process ran",
        process.calls,
        1,
        note="A retried request must not charge the card again: answer from the store.",
    )


@case("idempotency-store", "a repeated key with a different request raises ValueError")
def _(IdempotencyStore):
    store, process = IdempotencyStore(60, FakeClock()), _Charge()
    store.handle("key-1", dict(_BODY), process)
    _expect_error(
        "handle('key-1', {amount: 500, ...}), then handle('key-1', {amount: 900, ...})",
        lambda: store.handle("key-1", {"amount": 900, "currency": "eur"}, process),
        ValueError,
        note=(
            "The same key with a different body is a client bug; replaying the old response "
            "would hide it, and running it would break the key's promise."
        ),
    )
    expect(
        "after that refused second call: how many times process ran in all",
        process.calls,
        1,
        note="A refused request must not reach the payment handler.",
    )


@case("idempotency-store", "the same body with its keys in another order is the same request")
def _(IdempotencyStore):
    store, process = IdempotencyStore(60, FakeClock()), _Charge()
    store.handle("key-1", {"amount": 500, "currency": "eur"}, process)
    what = "handle('key-1', {amount, currency}), then handle('key-1', {currency, amount})"
    kind, got = _outcome(lambda: store.handle("key-1", {"currency": "eur", "amount": 500}, process))
    expect_true(
        f"{what} returns the stored response",
        kind == "returned",
        got=got,
        note=(
            "JSON object keys have no order: compare the dicts, or serialise with "
            "sort_keys=True before hashing."
        ),
    )
    expect(what, got, {"charge": "ch_1", "amount": 500})


@case("idempotency-store", "different keys are independent")
def _(IdempotencyStore):
    store, process = IdempotencyStore(60, FakeClock()), _Charge()
    store.handle("key-1", dict(_BODY), process)
    got = store.handle("key-2", dict(_BODY), process)
    expect(
        "handle('key-1', body), then handle('key-2', same body)",
        got,
        {"charge": "ch_2", "amount": 500},
        note="Two keys are two payments, even for the same amount.",
    )


@case("idempotency-store", "a failed process is not stored, so the retry runs it again")
def _(IdempotencyStore):
    store, process = IdempotencyStore(60, FakeClock()), _Charge(fail_first=True)
    what = "handle('key-1', body, process) where process raises ConnectionError"
    _expect_error(
        what,
        lambda: store.handle("key-1", dict(_BODY), process),
        ConnectionError,
        note="Let process's exception reach the caller.",
    )
    got = store.handle("key-1", dict(_BODY), process)
    expect(
        f"{what}, then the same call again (process now succeeds)",
        got,
        {"charge": "ch_2", "amount": 500},
        note="Store a response only after process returned; a failure must stay retryable.",
    )


@case("idempotency-store", "a key is forgotten ttl seconds after its response was stored")
def _(IdempotencyStore):
    clock, process = FakeClock(), _Charge()
    store = IdempotencyStore(60, clock)
    store.handle("key-1", dict(_BODY), process)
    clock.advance(60)
    what = "IdempotencyStore(ttl=60), handle('key-1', body), 60 s pass, handle('key-1', new body)"
    kind, got = _outcome(lambda: store.handle("key-1", {"amount": 900, "currency": "eur"}, process))
    expect_true(
        f"{what} runs process for the new body",
        kind == "returned",
        got=got,
        note="After ttl seconds the key is free again; without expiry the store grows forever.",
    )
    expect(what, got, {"charge": "ch_2", "amount": 900})


@case("idempotency-store", "a key is still remembered just before ttl runs out")
def _(IdempotencyStore):
    clock, process = FakeClock(), _Charge()
    store = IdempotencyStore(60, clock)
    store.handle("key-1", dict(_BODY), process)
    clock.advance(59.5)
    got = store.handle("key-1", dict(_BODY), process)
    what = "IdempotencyStore(ttl=60), handle('key-1', body), 59.5 s pass, handle('key-1', body)"
    expect(what, got, {"charge": "ch_1", "amount": 500})
    expect(f"{what}: how many times process ran", process.calls, 1)


# ---- consistent-hash-ring ------------------------------------------------------------------

_KEYS = [f"user:{n}" for n in range(2000)]


def _placement(ring: Any) -> dict[str, Any]:
    return {key: ring.node_for(key) for key in _KEYS}


@case("consistent-hash-ring", "a ring with one node sends every key to it")
def _(HashRing):
    ring = HashRing(["cache-a"])
    nodes = set(_placement(ring).values())
    expect("HashRing(['cache-a']): the nodes 2000 keys map to", sorted(nodes), ["cache-a"])


@case("consistent-hash-ring", "the same key always goes to the same node")
def _(HashRing):
    ring = HashRing(["cache-a", "cache-b", "cache-c"])
    first = [ring.node_for("user:42") for _ in range(5)]
    expect("node_for('user:42') five times on one ring", len(set(first)), 1)
    again = HashRing(["cache-a", "cache-b", "cache-c"]).node_for("user:42")
    expect(
        "node_for('user:42') on a second ring built from the same nodes",
        again,
        first[0],
        note="Use a fixed hash (hashlib), not random choices or Python's salted hash().",
    )


@case("consistent-hash-ring", "an empty ring raises LookupError")
def _(HashRing):
    _expect_error(
        "HashRing([]).node_for('user:1')",
        lambda: HashRing([]).node_for("user:1"),
        LookupError,
        note="With no node there is nowhere to send the key; say so with LookupError.",
    )


@case("consistent-hash-ring", "keys spread roughly evenly over the nodes")
def _(HashRing):
    nodes = ["cache-a", "cache-b", "cache-c", "cache-d"]
    placed = _placement(HashRing(nodes))
    shares = {n: round(list(placed.values()).count(n) / len(_KEYS), 3) for n in nodes}
    expect_true(
        "HashRing(4 nodes) with 2000 keys: every node gets between 15% and 35% of them",
        all(0.15 <= s <= 0.35 for s in shares.values()),
        got=shares,
        note=(
            "Place each node at `replicas` points on the ring (hash 'node#0', 'node#1', ...): "
            "with one point per node the arcs, and the load, are very uneven."
        ),
    )


@case("consistent-hash-ring", "adding a node moves only about 1/n of the keys")
def _(HashRing):
    ring = HashRing(["cache-a", "cache-b", "cache-c", "cache-d"])
    before = _placement(ring)
    ring.add("cache-e")
    after = _placement(ring)
    moved = sum(before[k] != after[k] for k in _KEYS) / len(_KEYS)
    expect_true(
        "HashRing(4 nodes), add('cache-e'): between 10% and 30% of 2000 keys change node",
        0.10 <= moved <= 0.30,
        got=_Text(f"{moved:.0%} moved"),
        note=(
            "With hash(key) % number_of_nodes nearly every key moves when a node joins; "
            "on a ring the new node takes over only the arcs just before its points."
        ),
    )


@case("consistent-hash-ring", "the keys that move on add all move to the new node")
def _(HashRing):
    ring = HashRing(["cache-a", "cache-b", "cache-c"])
    before = _placement(ring)
    ring.add("cache-d")
    after = _placement(ring)
    elsewhere = sorted({after[k] for k in _KEYS if before[k] != after[k]} - {"cache-d"})
    expect(
        "HashRing(3 nodes), add('cache-d'): nodes other than cache-d that gained keys",
        elsewhere,
        [],
        note="A key should only move from its old node to the new one, never between old ones.",
    )


@case("consistent-hash-ring", "removing a node moves only that node's keys")
def _(HashRing):
    ring = HashRing(["cache-a", "cache-b", "cache-c", "cache-d"])
    before = _placement(ring)
    ring.remove("cache-c")
    after = _placement(ring)
    still = sum(node == "cache-c" for node in after.values())
    expect(
        "HashRing(4 nodes), remove('cache-c'): keys still sent to cache-c",
        still,
        0,
        note="Remove every one of the node's points, not just one.",
    )
    moved = sorted({k for k in _KEYS if before[k] != after[k] and before[k] != "cache-c"})
    expect(
        "HashRing(4 nodes), remove('cache-c'): keys that moved although not on cache-c",
        len(moved),
        0,
        note="Only the removed node's keys should move; the others stay where they were.",
    )


@case("consistent-hash-ring", "the order nodes are listed in does not matter")
def _(HashRing):
    one = _placement(HashRing(["cache-a", "cache-b", "cache-c"]))
    two = _placement(HashRing(["cache-c", "cache-a", "cache-b"]))
    differ = sum(one[k] != two[k] for k in _KEYS)
    expect(
        "HashRing(['cache-a', 'cache-b', 'cache-c']) vs HashRing(['cache-c', 'cache-a', "
        "'cache-b']): keys mapped differently",
        differ,
        0,
        note="Where a node sits must depend only on its name, so every server agrees.",
    )


# ---- base62-codes --------------------------------------------------------------------------


@case("base62-codes", "zero encodes as '0', not the empty string")
def _(Base62):
    expect(
        "Base62().encode(0)",
        Base62().encode(0),
        "0",
        note="A loop `while n > 0` never runs for 0; handle it before the loop.",
    )


@case("base62-codes", "one-character codes follow the alphabet")
def _(Base62):
    codec = Base62()
    got = {n: codec.encode(n) for n in (1, 9, 10, 35, 36, 61)}
    expect(
        "Base62().encode(n) for n in 1, 9, 10, 35, 36, 61",
        got,
        {1: "1", 9: "9", 10: "A", 35: "Z", 36: "a", 61: "z"},
        note="The alphabet is 0-9, then A-Z, then a-z, in that order.",
    )


@case("base62-codes", "62 and beyond use more characters, most significant first")
def _(Base62):
    codec = Base62()
    got = {n: codec.encode(n) for n in (62, 63, 124, 3843, 3844)}
    expect(
        "Base62().encode(n) for n in 62, 63, 124, 3843, 3844",
        got,
        {62: "10", 63: "11", 124: "20", 3843: "zz", 3844: "100"},
        note="Taking n % 62 gives the last digit first: reverse the digits at the end.",
    )


@case("base62-codes", "a large id encodes to the expected code")
def _(Base62):
    expect("Base62().encode(3521614606207)", Base62().encode(3521614606207), "zzzzzzz")
    expect("Base62().encode(1234567890)", Base62().encode(1234567890), "1LY7VK")


@case("base62-codes", "decode reverses encode")
def _(Base62):
    codec = Base62()
    for n in (0, 1, 61, 62, 3843, 3844, 1234567890, 2**63 - 1, 10**30):
        code = codec.encode(n)
        expect(
            f"Base62().decode(Base62().encode({n})), the code being {code!r}", codec.decode(code), n
        )


@case("base62-codes", "decode is case sensitive")
def _(Base62):
    codec = Base62()
    expect("Base62().decode('a')", codec.decode("a"), 36, note="Lower case comes after upper.")
    expect("Base62().decode('A')", codec.decode("A"), 10)
    expect("Base62().decode('1LY7VK')", codec.decode("1LY7VK"), 1234567890)


@case("base62-codes", "a negative number raises ValueError")
def _(Base62):
    _expect_error(
        "Base62().encode(-5)",
        lambda: Base62().encode(-5),
        ValueError,
        note="Ids are never negative; refuse one rather than return a code that decodes wrongly.",
    )


@case("base62-codes", "a code with a character outside the alphabet raises ValueError")
def _(Base62):
    for code in ("ab-c", "", "x y"):
        _expect_error(
            f"Base62().decode({code!r})",
            lambda code=code: Base62().decode(code),
            ValueError,
            note="Short codes come from URLs anyone can type: reject what is not a code.",
        )


# ---- migration-order -----------------------------------------------------------------------


def _check_order(what: str, plan: dict[str, list[str]], got: Any) -> None:
    expect_true(f"{what} returns a list", isinstance(got, list), got=got)
    expect(f"{what}: the migrations returned, sorted", sorted(got), sorted(plan))
    position = {name: n for n, name in enumerate(got)}
    for name, needs in plan.items():
        for dep in needs:
            expect_true(
                f"{what}: {dep!r} comes before {name!r}, which depends on it",
                position[dep] < position[name],
                got=got,
            )


@case("migration-order", "a chain runs in dependency order")
def _(migration_order):
    plan = {
        "0003_add_index": ["0002_add_email"],
        "0001_create_users": [],
        "0002_add_email": ["0001_create_users"],
    }
    expect(
        "migration_order(0003 needs 0002, 0002 needs 0001)",
        migration_order(plan),
        ["0001_create_users", "0002_add_email", "0003_add_index"],
    )


@case("migration-order", "migrations with no dependencies run in name order")
def _(migration_order):
    plan = {"c_tags": [], "a_users": [], "b_orders": []}
    expect(
        "migration_order({'c_tags': [], 'a_users': [], 'b_orders': []})",
        migration_order(plan),
        ["a_users", "b_orders", "c_tags"],
    )


@case("migration-order", "among the migrations ready to run, the first by name goes next")
def _(migration_order):
    plan = {"a_users": [], "b_orders": ["a_users"], "c_products": []}
    expect(
        "migration_order({'a_users': [], 'b_orders': ['a_users'], 'c_products': []})",
        migration_order(plan),
        ["a_users", "b_orders", "c_products"],
        note=(
            "Once a_users has run, b_orders and c_products are both ready, and b_orders "
            "comes first by name: keep the ready ones in a heap, not a first-in-first-out queue."
        ),
    )
    plan = {"a_orders": ["c_users"], "b_tags": [], "c_users": []}
    expect(
        "migration_order({'a_orders': ['c_users'], 'b_tags': [], 'c_users': []})",
        migration_order(plan),
        ["b_tags", "c_users", "a_orders"],
        note="b_tags and c_users are ready at the start and b_tags is first by name.",
    )


@case("migration-order", "every dependency comes first in a larger plan")
def _(migration_order):
    plan = {
        "0001_users": [],
        "0002_products": [],
        "0003_orders": ["0001_users"],
        "0004_order_items": ["0003_orders", "0002_products"],
        "0005_reviews": ["0001_users", "0002_products"],
        "0006_backfill_totals": ["0004_order_items"],
        "0007_drop_legacy": ["0006_backfill_totals", "0005_reviews"],
    }
    _check_order("migration_order(a 7-migration plan)", plan, migration_order(plan))


@case("migration-order", "a cycle raises ValueError naming a migration in it")
def _(migration_order):
    plan = {
        "0001_users": [],
        "0007_add_email": ["0008_backfill_email", "0001_users"],
        "0008_backfill_email": ["0007_add_email"],
    }
    what = "migration_order where 0007_add_email and 0008_backfill_email depend on each other"
    error = _expect_error(
        what,
        lambda: migration_order(plan),
        ValueError,
        note="Some migrations can never run: stop with an error rather than leave them out.",
    )
    expect_true(
        f"{what}: the error message names 0007_add_email or 0008_backfill_email",
        "0007_add_email" in str(error) or "0008_backfill_email" in str(error),
        got=str(error),
        note="Whoever reads the error has to find the cycle: name the migrations stuck in it.",
    )


@case("migration-order", "a migration that depends on itself is a cycle")
def _(migration_order):
    _expect_error(
        "migration_order({'0001_users': ['0001_users']})",
        lambda: migration_order({"0001_users": ["0001_users"]}),
        ValueError,
    )


@case("migration-order", "an unknown dependency raises ValueError")
def _(migration_order):
    error = _expect_error(
        "migration_order({'0002_orders': ['0001_users']}) with no 0001_users in the plan",
        lambda: migration_order({"0002_orders": ["0001_users"]}),
        ValueError,
        note="A missing migration (a typo, a file not merged) must stop the deploy, clearly.",
    )
    expect_true(
        "the error message names the missing migration, 0001_users",
        "0001_users" in str(error),
        got=str(error),
    )


@case("migration-order", "an empty plan gives an empty order")
def _(migration_order):
    expect("migration_order({})", migration_order({}), [])


# ---- merge-bookings ------------------------------------------------------------------------


def _merged(merge_bookings, bookings: list, expected: list, note: str = "") -> None:
    expect(
        f"merge_bookings({bookings})", _pairs(merge_bookings(list(bookings))), expected, note=note
    )


@case("merge-bookings", "an empty list gives an empty list")
def _(merge_bookings):
    _merged(merge_bookings, [], [])


@case("merge-bookings", "separate bookings stay separate, sorted by start")
def _(merge_bookings):
    _merged(merge_bookings, [(600, 660), (540, 570)], [(540, 570), (600, 660)])


@case("merge-bookings", "overlapping bookings merge into one block")
def _(merge_bookings):
    _merged(
        merge_bookings,
        [(540, 600), (570, 630), (620, 700)],
        [(540, 700)],
        note="Each booking overlaps the next, so all three form one busy block.",
    )


@case("merge-bookings", "a booking that ends as the next starts joins it")
def _(merge_bookings):
    _merged(
        merge_bookings,
        [(540, 600), (600, 660)],
        [(540, 660)],
        note="End times are exclusive: 540-600 and 600-660 leave no free minute between.",
    )


@case("merge-bookings", "a booking inside another is absorbed")
def _(merge_bookings):
    _merged(
        merge_bookings,
        [(480, 720), (540, 600), (700, 760)],
        [(480, 760)],
        note=(
            "When merging keep the later of the two end times, max(end, new_end): a short "
            "booking inside a long one must not cut the block short."
        ),
    )


@case("merge-bookings", "unsorted bookings are sorted first")
def _(merge_bookings):
    _merged(
        merge_bookings,
        [(900, 960), (540, 600), (930, 990), (560, 580)],
        [(540, 600), (900, 990)],
        note="Bookings arrive in any order; sort them by start before merging.",
    )


@case("merge-bookings", "the caller's list is not changed")
def _(merge_bookings):
    bookings = [(900, 960), (540, 600), (930, 990)]
    merge_bookings(bookings)
    expect(
        "bookings after merge_bookings(bookings)",
        bookings,
        [(900, 960), (540, 600), (930, 990)],
        note="sorted(bookings) makes a new list; bookings.sort() changes the caller's.",
    )


@case("merge-bookings", "many bookings in one day")
def _(merge_bookings):
    bookings = [(start, start + 30) for start in range(0, 1440, 45)]  # a gap of 15 each time
    bookings += [(100, 400)]
    got = _pairs(merge_bookings(bookings))
    expected, block = [], None
    for start, end in sorted(bookings):
        if block and start <= block[1]:
            block = (block[0], max(block[1], end))
        else:
            if block:
                expected.append(block)
            block = (start, end)
    expected.append(block)
    expect("merge_bookings(32 half-hour bookings 15 minutes apart, plus (100, 400))", got, expected)


# ---- bounded-queue -------------------------------------------------------------------------


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        started = time.monotonic()
        try:
            box["value"] = call()
        except BaseException as exc:  # handed back to the case, which re-raises it
            box["error"] = exc
        box["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _finished(thread: threading.Thread, box: dict, what: str, note: str) -> Any:
    thread.join(2.5)
    if thread.is_alive():
        raise Mismatch(
            what, _Text("it returns"), _Text("it was still waiting 2.5 s later"), note=note
        )
    if "error" in box:
        raise box["error"]
    return box["value"]


@case("bounded-queue", "items come out in the order they went in")
def _(BoundedQueue):
    queue = BoundedQueue(3)
    for job in ("job-1", "job-2", "job-3"):
        queue.put(job)
    got = [queue.get(timeout=0) for _ in range(3)]
    expect(
        "BoundedQueue(3), put job-1, job-2, job-3, then get three times",
        got,
        ["job-1", "job-2", "job-3"],
        note="A work queue is first in, first out.",
    )


@case("bounded-queue", "len counts the items waiting")
def _(BoundedQueue):
    queue = BoundedQueue(3)
    queue.put("a")
    queue.put("b")
    expect("BoundedQueue(3), put('a'), put('b'), then len(queue)", len(queue), 2)
    queue.get(timeout=0)
    expect("BoundedQueue(3), put('a'), put('b'), get(), then len(queue)", len(queue), 1)


@case("bounded-queue", "put on a full queue with timeout=0 returns False at once")
def _(BoundedQueue):
    queue = BoundedQueue(2)
    queue.put("a")
    queue.put("b")
    started = time.monotonic()
    got = queue.put("c", timeout=0)
    seconds = time.monotonic() - started
    expect(
        "BoundedQueue(2), put('a'), put('b'), then put('c', timeout=0)",
        got,
        False,
        note="The queue is full: refuse the item, so the producer can shed load or slow down.",
    )
    calls = "BoundedQueue(2), put('a'), put('b'), put('c', timeout=0)"
    expect_true(f"{calls} returns within 0.5 s", seconds < 0.5, got=_Text(f"{seconds:.2f} s"))
    expect(f"{calls}, then len(queue)", len(queue), 2)


@case("bounded-queue", "get on an empty queue waits for its timeout, then raises TimeoutError")
def _(BoundedQueue):
    queue = BoundedQueue(2)
    started = time.monotonic()
    _expect_error(
        "BoundedQueue(2).get(timeout=0.05)", lambda: queue.get(timeout=0.05), TimeoutError
    )
    seconds = time.monotonic() - started
    expect_true(
        "BoundedQueue(2).get(timeout=0.05) waits about 0.05 s before giving up",
        0.03 <= seconds < 1,
        got=_Text(f"{seconds:.3f} s"),
        note="Wait on the condition with the time left, rather than give up at once.",
    )


@case("bounded-queue", "a put that times out leaves the queue as it was")
def _(BoundedQueue):
    queue = BoundedQueue(1)
    queue.put("a")
    expect(
        "BoundedQueue(1), put('a'), then put('b', timeout=0.02)",
        queue.put("b", timeout=0.02),
        False,
    )
    calls = "BoundedQueue(1), put('a'), put('b', timeout=0.02)"
    expect(f"{calls}, then len(queue)", len(queue), 1)
    expect(f"{calls}, then get(timeout=0)", queue.get(timeout=0), "a")


@case("bounded-queue", "a blocked put finishes as soon as a consumer makes room")
def _(BoundedQueue):
    queue = BoundedQueue(1)
    queue.put("a")
    thread, box = _in_thread(lambda: queue.put("b", timeout=2))
    time.sleep(0.02)  # let the producer start waiting; the outcome is the same if it has not
    taken = queue.get(timeout=0)
    freed = time.monotonic()
    what = "BoundedQueue(1), put('a'); another thread calls put('b', timeout=2); then get()"
    got = _finished(thread, box, f"{what}: the waiting put", "Notify waiting producers in get.")
    expect(f"{what}: what get() took", taken, "a")
    expect(
        f"{what}: what the waiting put returned",
        got,
        True,
        note="put must wait up to its timeout for room, not give up because the queue was full.",
    )
    late = time.monotonic() - freed
    expect_true(
        f"{what}: the waiting put returns within 1 s of get()",
        late < 1,
        got=_Text(f"{late:.2f} s later"),
        note="get should notify a waiting producer, not leave it asleep until its timeout.",
    )
    expect(f"{what}, then get(timeout=0) again", queue.get(timeout=0), "b")


@case("bounded-queue", "a blocked get wakes as soon as an item arrives")
def _(BoundedQueue):
    queue = BoundedQueue(1)
    thread, box = _in_thread(lambda: queue.get(timeout=2))
    time.sleep(0.02)
    queue.put("job-1")
    what = "BoundedQueue(1); another thread calls get(timeout=2); then put('job-1')"
    got = _finished(thread, box, f"{what}: the waiting get", "Notify waiting consumers in put.")
    expect(
        f"{what}: what the waiting get returned",
        got,
        "job-1",
        note="get must wait up to its timeout for an item, not fail because the queue was empty.",
    )
    expect_true(
        f"{what}: the waiting get returns well before its 2 s timeout",
        box["seconds"] < 1,
        got=_Text(f"{box['seconds']:.2f} s"),
        note="put should notify a waiting consumer, not leave it asleep until its timeout.",
    )


@case("bounded-queue", "many producers and consumers lose and duplicate nothing")
def _(BoundedQueue):
    queue = BoundedQueue(4)
    producers = [
        _in_thread(lambda p=p: [queue.put((p, n), timeout=2) for n in range(100)]) for p in range(3)
    ]
    consumers = [_in_thread(lambda: [queue.get(timeout=2) for _ in range(100)]) for _ in range(3)]
    what = "BoundedQueue(4) with 3 threads putting 100 items each and 3 threads getting 100 each"
    puts, taken = [], []
    for thread, box in producers:
        puts += _finished(thread, box, f"{what}: a producer", "Some put never got room.")
    for thread, box in consumers:
        taken += _finished(thread, box, f"{what}: a consumer", "Some get never got an item.")
    expect(f"{what}: how many puts returned True", puts.count(True), 300)
    sent = {(p, n) for p in range(3) for n in range(100)}
    lost, twice = len(sent - set(taken)), len(taken) - len(set(taken))
    expect_true(
        f"{what}: every item is taken exactly once",
        lost == 0 and twice == 0,
        got=_Text(f"{lost} items never came out, {twice} came out twice"),
        note="Hold the lock for every read and change of the items, and wait in a while loop.",
    )


# ---- sliding-window-limiter ----------------------------------------------------------------


def _limiter_run(
    SlidingWindowLimiter, limit: int, window: float, script: Sequence, note: str
) -> None:
    """Numbers move the clock; (key, answer) pairs call allow(key) and expect the answer."""
    clock = FakeClock(0.0)
    limiter = SlidingWindowLimiter(limit, window, clock)
    steps = [f"SlidingWindowLimiter(limit={limit}, window={window}, clock) at t=0"]
    for step in script:
        if isinstance(step, tuple):
            key, wanted = step
            steps.append(f"allow({key!r})")
            expect(f"{_steps_text(steps)}: the last allow()", limiter.allow(key), wanted, note=note)
        else:
            clock.advance(step)
            steps.append(f"t={clock.now:g}")


@case("sliding-window-limiter", "allows limit requests in a window, then refuses")
def _(SlidingWindowLimiter):
    _limiter_run(
        SlidingWindowLimiter,
        3,
        10,
        [("ip-1", True), ("ip-1", True), ("ip-1", True), ("ip-1", False)],
        note="Three requests fit in the window; the fourth is refused.",
    )


@case("sliding-window-limiter", "each key has its own limit")
def _(SlidingWindowLimiter):
    _limiter_run(
        SlidingWindowLimiter,
        1,
        10,
        [("ip-1", True), ("ip-2", True), ("ip-1", False), ("ip-2", False)],
        note="Keep a separate history per key (a dict of deques).",
    )


@case("sliding-window-limiter", "a request stops counting window seconds after it was made")
def _(SlidingWindowLimiter):
    _limiter_run(
        SlidingWindowLimiter,
        2,
        10,
        [
            ("k", True),
            5,
            ("k", True),
            1,
            ("k", False),
            4,
            ("k", True),
            1,
            ("k", False),
            4,
            ("k", True),
        ],
        note=(
            "A request made at time t counts while now < t + window: at t=10 the request "
            "from t=0 no longer counts, but the one from t=5 still does."
        ),
    )


@case("sliding-window-limiter", "the window slides; it does not reset on the clock's tens")
def _(SlidingWindowLimiter):
    _limiter_run(
        SlidingWindowLimiter,
        2,
        10,
        [8, ("k", True), 1, ("k", True), 2, ("k", False), 7, ("k", True)],
        note=(
            "At t=11 the requests from t=8 and t=9 were less than 10 s ago. A fixed window "
            "that resets at t=10 would let a burst of twice the limit through around each reset."
        ),
    )


@case("sliding-window-limiter", "refused requests do not count against the limit")
def _(SlidingWindowLimiter):
    _limiter_run(
        SlidingWindowLimiter,
        1,
        10,
        [("k", True), 5, ("k", False), ("k", False), ("k", False), 5, ("k", True)],
        note="Record a request only when it is allowed, or a client that keeps retrying "
        "stays locked out for ever.",
    )


@case("sliding-window-limiter", "a burst at one instant is capped at limit")
def _(SlidingWindowLimiter):
    _limiter_run(
        SlidingWindowLimiter,
        5,
        1,
        [("k", True)] * 5 + [("k", False)] * 3 + [1, ("k", True)],
        note="Five allowed at once, then refused until a second passes.",
    )


# ---- circuit-breaker -----------------------------------------------------------------------


class _Service:
    """A downstream call that fails or succeeds as told, and counts how often it is called."""

    def __init__(self) -> None:
        self.failing, self.calls = False, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failing:
            raise ConnectionError("payments service unreachable")
        return "ok"

    def __repr__(self) -> str:
        return "func"


def _trip(breaker: Any, service: _Service, times: int) -> None:
    service.failing = True
    for _ in range(times):
        _outcome(lambda: breaker.call(service))


@case("circuit-breaker", "passes results through while closed")
def _(CircuitBreaker):
    breaker, service = CircuitBreaker(3, 30, FakeClock()), _Service()
    expect(
        "CircuitBreaker(3, 30, clock).call(func) where func returns 'ok'",
        breaker.call(service),
        "ok",
    )
    expect(
        "CircuitBreaker(3, 30, clock), one call that works, then breaker.state",
        breaker.state,
        "closed",
    )


@case("circuit-breaker", "a failure reaches the caller as it was raised")
def _(CircuitBreaker):
    breaker, service = CircuitBreaker(3, 30, FakeClock()), _Service()
    service.failing = True
    _expect_error(
        "CircuitBreaker(3, 30, clock).call(func) where func raises ConnectionError",
        lambda: breaker.call(service),
        ConnectionError,
        note="While closed the breaker only counts failures; it re-raises them.",
    )
    expect(
        "CircuitBreaker(3, 30, clock), one call that raises, then breaker.state",
        breaker.state,
        "closed",
        note="One failure is below the threshold of 3.",
    )


@case("circuit-breaker", "opens after failure_threshold failures in a row")
def _(CircuitBreaker):
    breaker, service = CircuitBreaker(3, 30, FakeClock()), _Service()
    _trip(breaker, service, 2)
    expect(
        "CircuitBreaker(3, 30, clock), 2 failing calls, then breaker.state", breaker.state, "closed"
    )
    _trip(breaker, service, 1)
    expect(
        "CircuitBreaker(3, 30, clock), 3 failing calls, then breaker.state", breaker.state, "open"
    )


@case("circuit-breaker", "while open, calls fail fast without running func")
def _(CircuitBreaker):
    breaker, service = CircuitBreaker(3, 30, FakeClock()), _Service()
    _trip(breaker, service, 3)
    service.failing = False
    calls = service.calls
    _expect_error(
        "CircuitBreaker(3, 30, clock), 3 failing calls, then call(func) (func now works)",
        lambda: breaker.call(service),
        RuntimeError,
        note="While open, raise CircuitOpenError (a RuntimeError) at once.",
    )
    expect(
        "CircuitBreaker(3, 30, clock), 3 failing calls, call(func): times func ran in that call",
        service.calls - calls,
        0,
        note="Failing fast is the point: the struggling service gets no traffic while open.",
    )


@case("circuit-breaker", "a success resets the count of failures")
def _(CircuitBreaker):
    breaker, service = CircuitBreaker(3, 30, FakeClock()), _Service()
    _trip(breaker, service, 2)
    service.failing = False
    breaker.call(service)
    _trip(breaker, service, 2)
    expect(
        "CircuitBreaker(3, 30, clock): fail, fail, succeed, fail, fail, then breaker.state",
        breaker.state,
        "closed",
        note="The threshold is for failures in a row: a success sets the count back to 0.",
    )


@case("circuit-breaker", "stays open until reset_timeout has passed")
def _(CircuitBreaker):
    clock, service = FakeClock(), _Service()
    breaker = CircuitBreaker(3, 30, clock)
    _trip(breaker, service, 3)
    clock.advance(29.5)
    expect(
        "CircuitBreaker(3, 30, clock), 3 failing calls, 29.5 s pass, then breaker.state",
        breaker.state,
        "open",
    )


@case("circuit-breaker", "after reset_timeout one trial call goes through")
def _(CircuitBreaker):
    clock, service = FakeClock(), _Service()
    breaker = CircuitBreaker(3, 30, clock)
    _trip(breaker, service, 3)
    clock.advance(30)
    what = "CircuitBreaker(3, 30, clock), 3 failing calls, 30 s pass"
    expect(
        f"{what}, then breaker.state",
        breaker.state,
        "half-open",
        note="Once reset_timeout has passed, the state reads 'half-open'.",
    )
    service.failing = False
    expect(f"{what}, then call(func) where func works", breaker.call(service), "ok")
    expect(
        f"{what}, a successful trial call, then breaker.state",
        breaker.state,
        "closed",
        note="A successful trial closes the circuit.",
    )


@case("circuit-breaker", "a failed trial opens the circuit for another reset_timeout")
def _(CircuitBreaker):
    clock, service = FakeClock(), _Service()
    breaker = CircuitBreaker(3, 30, clock)
    _trip(breaker, service, 3)
    clock.advance(30)
    _trip(breaker, service, 1)
    what = "CircuitBreaker(3, 30, clock), 3 failing calls, 30 s pass, a failing trial call"
    state = breaker.state
    expect(
        f"{what}, then breaker.state",
        state,
        "open",
        note=(
            "Restart the timer when the trial fails: the circuit stays open for another "
            "reset_timeout, counted from the failed trial."
            if state == "half-open"
            else "One failed trial is enough to open again; do not wait for 3 more failures."
        ),
    )
    clock.advance(20)
    expect(
        f"{what}, 20 s pass, then breaker.state",
        breaker.state,
        "open",
        note="Restart the timer when the trial fails, not from when the circuit first opened.",
    )
    clock.advance(10)
    expect(f"{what}, 30 s pass, then breaker.state", breaker.state, "half-open")


# ---- range-header --------------------------------------------------------------------------


def _ranges(parse_range, header: str, size: int, expected: list, note: str = "") -> None:
    what = f"parse_range({header!r}, size={size})"
    kind, got = _outcome(lambda: parse_range(header, size))
    if kind == "raised":  # this header is well formed: raising is the mistake
        raise Mismatch(what, expected, _Text(f"it raised {got!r}"), note=note)
    expect(what, _pairs(got), expected, note=note)


@case("range-header", "a closed range: bytes=0-499")
def _(parse_range):
    _ranges(
        parse_range,
        "bytes=0-499",
        10_000,
        [(0, 499)],
        note="Both positions are inclusive: 0-499 is the first 500 bytes.",
    )


@case("range-header", "an open-ended range runs to the last byte")
def _(parse_range):
    _ranges(parse_range, "bytes=9500-", 10_000, [(9500, 9999)])


@case("range-header", "a suffix range is the last N bytes")
def _(parse_range):
    _ranges(
        parse_range,
        "bytes=-500",
        10_000,
        [(9500, 9999)],
        note="'-500' means the final 500 bytes, not bytes 0 to 500.",
    )


@case("range-header", "a last position past the end is cut to the last byte")
def _(parse_range):
    _ranges(
        parse_range,
        "bytes=9000-20000",
        10_000,
        [(9000, 9999)],
        note="Clients may ask past the end; serve up to the last byte, size - 1.",
    )


@case("range-header", "a suffix longer than the resource gives all of it")
def _(parse_range):
    _ranges(parse_range, "bytes=-800", 300, [(0, 299)])


@case("range-header", "several ranges come back in the order given")
def _(parse_range):
    _ranges(
        parse_range,
        "bytes=500-599, 0-99,-100",
        10_000,
        [(500, 599), (0, 99), (9900, 9999)],
        note="Split on commas and allow spaces around each range.",
    )


@case("range-header", "a range that starts past the end is not satisfiable")
def _(parse_range):
    _ranges(
        parse_range,
        "bytes=20000-30000",
        10_000,
        [],
        note="Return [] when no range can be served; the caller answers 416.",
    )
    _ranges(
        parse_range,
        "bytes=20000-, 0-9",
        10_000,
        [(0, 9)],
        note="Drop the ranges that cannot be served and keep the others.",
    )
    _ranges(parse_range, "bytes=-0", 10_000, [], note="A suffix of zero bytes asks for nothing.")


@case("range-header", "malformed headers raise ValueError")
def _(parse_range):
    for header in (
        "items=0-5",
        "bytes=5-1",
        "bytes=abc",
        "bytes=",
        "0-5",
        "bytes=1-2-3",
        "bytes=-",
    ):
        _expect_error(
            f"parse_range({header!r}, size=10000)",
            lambda header=header: parse_range(header, 10_000),
            ValueError,
            note="A header that does not parse is ignored by the caller, who sends the whole "
            "file: raise ValueError so it can tell this apart from 'not satisfiable'.",
        )


# ---- semver-sort ---------------------------------------------------------------------------


def _sorted_versions(sort_versions, versions: list[str], expected: list[str], note: str) -> None:
    expect(f"sort_versions({versions})", sort_versions(list(versions)), expected, note=note)


@case("semver-sort", "major, minor and patch compare as numbers, not text")
def _(sort_versions):
    _sorted_versions(
        sort_versions,
        ["1.10.0", "1.2.0", "1.9.3", "0.20.1", "10.0.0", "2.0.0"],
        ["0.20.1", "1.2.0", "1.9.3", "1.10.0", "2.0.0", "10.0.0"],
        note="As text '1.10.0' sorts before '1.9.3'; split on dots, compare ints.",
    )


@case("semver-sort", "a pre-release sorts before its release")
def _(sort_versions):
    _sorted_versions(
        sort_versions,
        ["2.0.0", "2.0.0-rc.1", "1.9.0"],
        ["1.9.0", "2.0.0-rc.1", "2.0.0"],
        note="2.0.0-rc.1 is a candidate for 2.0.0, so it comes first.",
    )


@case("semver-sort", "numeric pre-release parts compare as numbers")
def _(sort_versions):
    _sorted_versions(
        sort_versions,
        ["1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-beta.10"],
        ["1.0.0-beta.2", "1.0.0-beta.10", "1.0.0-beta.11"],
        note="A part made only of digits is a number: beta.2 < beta.10 < beta.11.",
    )


@case("semver-sort", "numeric parts sort before alphanumeric ones")
def _(sort_versions):
    _sorted_versions(
        sort_versions,
        ["1.0.0-alpha.beta", "1.0.0-alpha.1", "1.0.0-rc", "1.0.0-7"],
        ["1.0.0-7", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-rc"],
        note="Comparing a number part with a text part, the number is lower.",
    )


@case("semver-sort", "more pre-release parts sort later when the shared parts are equal")
def _(sort_versions):
    _sorted_versions(
        sort_versions,
        ["1.0.0-alpha.1", "1.0.0-alpha"],
        ["1.0.0-alpha", "1.0.0-alpha.1"],
        note="alpha is a prefix of alpha.1, so the shorter one comes first.",
    )


@case("semver-sort", "the specification's own example order")
def _(sort_versions):
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]
    shuffled = [ordered[n] for n in (5, 0, 7, 3, 1, 6, 2, 4)]
    _sorted_versions(
        sort_versions,
        shuffled,
        ordered,
        note="This is the order given in the SemVer 2.0.0 specification.",
    )


@case("semver-sort", "build metadata is ignored and equal versions keep their order")
def _(sort_versions):
    _sorted_versions(
        sort_versions,
        ["1.0.0+build.9", "1.0.0-rc.1+ci.4", "1.0.0+build.2"],
        ["1.0.0-rc.1+ci.4", "1.0.0+build.9", "1.0.0+build.2"],
        note=(
            "Everything after '+' is left out of the comparison, so 1.0.0+build.9 "
            "and 1.0.0+build.2 are equal and stay in input order (a stable sort)."
        ),
    )


@case("semver-sort", "the caller's list is not changed")
def _(sort_versions):
    versions = ["2.0.0", "1.0.0"]
    sort_versions(versions)
    expect(
        "versions after sort_versions(versions)",
        versions,
        ["2.0.0", "1.0.0"],
        note="Return a new list (sorted(...)), leave the caller's alone.",
    )


# ---- webhook-signature ---------------------------------------------------------------------

_SECRET = b"whsec_test_5f2b"
_BODY_BYTES = b'{"event":"invoice.paid","invoice":"in_1042"}'
_NOW = 1_714_564_800


def _sign(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _header(timestamp: int = _NOW, *signatures: str) -> str:
    sigs = signatures or (_sign(_SECRET, timestamp, _BODY_BYTES),)
    return ",".join([f"t={timestamp}", *(f"v1={s}" for s in sigs)])


def _verdict(
    verify_webhook, body: bytes, header: str, now: float, expected: bool, what: str, note: str = ""
) -> None:
    kind, got = _outcome(lambda: verify_webhook(_SECRET, body, header, now))
    if kind == "raised":
        raise Mismatch(
            what,
            expected,
            _Text(f"it raised {got!r}"),
            note="Anyone can send this endpoint a request: answer False, never crash.",
        )
    expect(what, got, expected, note=note)


@case("webhook-signature", "accepts a correctly signed request")
def _(verify_webhook):
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        _header(),
        _NOW + 5,
        True,
        "verify_webhook(secret, body, header signed with secret 5 s ago, now)",
        note="Sign f'{t}.'.encode() + body with HMAC-SHA256 and compare the hex digests.",
    )


@case("webhook-signature", "rejects a body changed after signing")
def _(verify_webhook):
    tampered = _BODY_BYTES.replace(b"in_1042", b"in_9999")
    _verdict(
        verify_webhook,
        tampered,
        _header(),
        _NOW,
        False,
        "verify_webhook with the invoice id in the body changed after signing",
    )


@case("webhook-signature", "rejects a signature made with another secret")
def _(verify_webhook):
    forged = _sign(b"whsec_someone_else", _NOW, _BODY_BYTES)
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        _header(_NOW, forged),
        _NOW,
        False,
        "verify_webhook where v1 was made with a different secret",
    )


@case("webhook-signature", "rejects a request older than the tolerance")
def _(verify_webhook):
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        _header(),
        _NOW + 301,
        False,
        "verify_webhook(..., now = t + 301) with the default tolerance of 300 s",
        note="An old, validly signed request is a replay: check |now - t| <= tolerance.",
    )
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        _header(),
        _NOW + 300,
        True,
        "verify_webhook(..., now = t + 300), exactly at the tolerance",
    )


@case("webhook-signature", "the timestamp is part of what is signed")
def _(verify_webhook):
    old_signature = _sign(_SECRET, _NOW - 3600, _BODY_BYTES)
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        _header(_NOW, old_signature),
        _NOW,
        False,
        "verify_webhook where t was changed to now but v1 was signed an hour earlier",
        note=(
            "Sign the timestamp together with the body; otherwise a replayed request with "
            "a fresh t passes the age check."
        ),
    )


@case("webhook-signature", "accepts any one of several v1 signatures")
def _(verify_webhook):
    other = _sign(b"whsec_old_rotated", _NOW, _BODY_BYTES)
    good = _sign(_SECRET, _NOW, _BODY_BYTES)
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        _header(_NOW, other, good),
        _NOW,
        True,
        "verify_webhook with header 't=...,v1=<other secret>,v1=<this secret>'",
        note="While secrets are rotated the sender signs with both: any v1 may match.",
    )


@case("webhook-signature", "signature schemes other than v1 are ignored")
def _(verify_webhook):
    good = _sign(_SECRET, _NOW, _BODY_BYTES)
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        f"t={_NOW},v0={good}",
        _NOW,
        False,
        "verify_webhook with header 't=...,v0=<valid digest>' and no v1",
        note="Only v1 entries are HMAC-SHA256 signatures; an unknown scheme proves nothing.",
    )
    _verdict(
        verify_webhook,
        _BODY_BYTES,
        f"t={_NOW},v0=abc,v1={good}",
        _NOW,
        True,
        "verify_webhook with header 't=...,v0=abc,v1=<valid digest>'",
    )


@case("webhook-signature", "a malformed header gives False instead of an error")
def _(verify_webhook):
    good = _sign(_SECRET, _NOW, _BODY_BYTES)
    for header in (
        "",
        "garbage",
        f"v1={good}",
        f"t=yesterday,v1={good}",
        f"t={_NOW}",
        f"t={_NOW},v1",
        f"t={_NOW},v1=zz{good[2:]}",
    ):
        _verdict(
            verify_webhook,
            _BODY_BYTES,
            header,
            _NOW,
            False,
            f"verify_webhook(secret, body, {header[:40]!r}, now)",
        )
