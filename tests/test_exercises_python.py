"""The Python exercises: model solutions pass, realistic mistakes get the message they need.

Every solution runs through `runner.check`, so the real sandbox (a forked child per check)
is what is tested. Each wrong solution below is a small, plausible mistake; the test names
the case that must catch it and a few words of the note the learner then reads.
"""

from __future__ import annotations

import base64
import bisect
import doctest
import hashlib
import hmac
import json
import math
import threading
from collections import OrderedDict, defaultdict, deque

import pytest

from prep.exercises import catalog, runner

CATALOG = catalog.load()
PYTHON = [e.id for e in CATALOG.select(kind="python")]


def exercise(exercise_id: str):
    return CATALOG.get(exercise_id)


def test_at_least_thirteen_exercises_including_the_three_fixed_ones():
    assert len(PYTHON) >= 13
    assert {"lru-cache", "token-bucket", "retry-backoff"} <= set(PYTHON)
    assert {exercise(i).level for i in PYTHON} == {"junior", "mid", "senior"}
    assert len({exercise(i).topic for i in PYTHON}) >= 6


@pytest.mark.parametrize("exercise_id", PYTHON)
def test_shape(exercise_id):
    ex = exercise(exercise_id)
    assert 5 <= len(CATALOG.cases(exercise_id)) <= 10
    assert 2 <= len(ex.hints) <= 4
    assert ex.interface.count(ex.name) >= 1 and ex.examples.lstrip().startswith(">>>")


@pytest.mark.parametrize("exercise_id", PYTHON)
def test_model_solution_passes_every_case(exercise_id):
    ex = exercise(exercise_id)
    report = runner.check(ex, ex.solution)
    assert report.passed, str(report)


@pytest.mark.parametrize("exercise_id", PYTHON)
def test_starter_fails_cleanly(exercise_id):
    ex = exercise(exercise_id)
    report = runner.check(ex, ex.starter)
    assert not report.problem and report.total == len(CATALOG.cases(exercise_id))
    assert report.failed > 0
    # every case ran and said something specific: no timeouts, crashes or confused checks
    assert {r.status for r in report.results} <= {"passed", "failed", "error"}, str(report)
    assert all(r.message for r in report.results if not r.ok)


@pytest.mark.parametrize("exercise_id", PYTHON)
def test_examples_are_what_the_model_solution_does(exercise_id):
    ex = exercise(exercise_id)
    namespace = {"__name__": "__main__"}
    exec(compile(ex.solution, f"<{exercise_id} solution>", "exec"), namespace)
    test = doctest.DocTestParser().get_doctest(ex.examples, namespace, exercise_id, None, 0)
    result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test, out=lambda _: None)
    assert result.attempted > 0 and result.failed == 0


# ---- wrong solutions ------------------------------------------------------------------------


class LRUEvictsNewest:
    """Evicts the most recently used key instead of the least recently used one."""

    def __init__(self, capacity):
        self.capacity, self.items = capacity, OrderedDict()

    def get(self, key):
        if key in self.items:
            self.items.move_to_end(key)
        return self.items.get(key)

    def put(self, key, value):
        if key not in self.items and len(self.items) >= self.capacity:
            self.items.popitem(last=True)
        self.items[key] = value
        self.items.move_to_end(key)


class LRUNeverEvicts:
    def __init__(self, capacity):
        self.items = {}

    def get(self, key):
        return self.items.get(key)

    def put(self, key, value):
        self.items[key] = value


class LRUGetIsNotUse:
    def __init__(self, capacity):
        self.capacity, self.items = capacity, OrderedDict()

    def get(self, key):
        return self.items.get(key)

    def put(self, key, value):
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.capacity:
            self.items.popitem(last=False)


class BucketWithoutCap:
    def __init__(self, rate, capacity, clock):
        self.rate, self.clock, self.tokens, self.at = rate, clock, float(capacity), clock()

    def allow(self):
        now = self.clock()
        self.tokens, self.at = self.tokens + (now - self.at) * self.rate, now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class BucketWholeTokens(BucketWithoutCap):
    """Adds only whole tokens and moves its clock on anyway, losing the fractions."""

    def __init__(self, rate, capacity, clock):
        super().__init__(rate, capacity, clock)
        self.capacity = capacity

    def allow(self):
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + int((now - self.at) * self.rate))
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class BucketGoesNegative(BucketWholeTokens):
    def allow(self):
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        self.tokens -= 1
        return self.tokens >= 0


def retry_sleeps_after_last(func, attempts, base_delay, sleep):
    error = None
    for i in range(attempts):
        try:
            return func()
        except Exception as exc:
            error = exc
            sleep(base_delay * 2**i)
    raise error


def retry_wraps_the_error(func, attempts, base_delay, sleep):
    for i in range(attempts):
        try:
            return func()
        except Exception:
            if i < attempts - 1:
                sleep(base_delay * 2**i)
    raise RuntimeError(f"gave up after {attempts} attempts")


def retry_until_truthy(func, attempts, base_delay, sleep):
    for i in range(attempts):
        try:
            result = func()
            if result:
                return result
        except Exception:
            if i == attempts - 1:
                raise
        if i < attempts - 1:
            sleep(base_delay * 2**i)
    return None


def retry_linear(func, attempts, base_delay, sleep):
    for i in range(attempts):
        try:
            return func()
        except Exception:
            if i == attempts - 1:
                raise
            sleep(base_delay * (i + 1))


def _log_fields(lines, *, keep_query=False):
    for line in lines:
        fields = line.split()
        if len(fields) == 5 and fields[3].isdigit() and fields[4].isdigit():
            path = fields[2] if keep_query else fields[2].split("?")[0]
            yield path, int(fields[3]), int(fields[4])


def _summary(rows, *, rank=lambda n: math.ceil(0.95 * n) - 1, error=lambda s: s >= 500):
    times, errors = defaultdict(list), defaultdict(int)
    for path, status, ms in rows:
        times[path].append(ms)
        errors[path] += error(status)
    return {
        p: {"requests": len(t), "errors": errors[p], "p95_ms": sorted(t)[rank(len(t))]}
        for p, t in times.items()
    }


def summarize_index_not_rank(lines):
    return _summary(_log_fields(lines), rank=lambda n: min(n - 1, int(0.95 * n)))


def summarize_keeps_query(lines):
    return _summary(_log_fields(lines, keep_query=True))


def summarize_counts_4xx(lines):
    return _summary(_log_fields(lines), error=lambda s: s >= 400)


def summarize_reads_twice(lines):
    paths = {path for path, _, _ in _log_fields(lines)}  # the first pass empties a generator
    rows = list(_log_fields(lines))
    return _summary(rows) if rows else {p: {"requests": 0, "errors": 0, "p95_ms": 0} for p in paths}


def paginate_by_offset(items, limit, cursor=None):
    start = int(cursor) if cursor else 0
    more = start + limit < len(items)
    return items[start : start + limit], (str(start + limit) if more else None)


def paginate_full_page_means_more(items, limit, cursor=None):
    after = int(base64.b64decode(cursor)) if cursor else None
    rest = [i for i in items if after is None or i["id"] < after]
    page = rest[:limit]
    full = len(page) == limit
    return page, (base64.b64encode(str(page[-1]["id"]).encode()).decode() if full else None)


def paginate_finds_cursor_item(items, limit, cursor=None):
    start = 0
    if cursor is not None:
        wanted = int(cursor)
        found = [n for n, item in enumerate(items) if item["id"] == wanted]
        start = found[0] + 1 if found else 0
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, (str(page[-1]["id"]) if more else None)


class IdempotencyIgnoresBody:
    def __init__(self, ttl, clock):
        self.ttl, self.clock, self.saved = ttl, clock, {}

    def handle(self, key, request, process):
        entry = self.saved.get(key)
        if entry and self.clock() - entry[0] < self.ttl:
            return entry[1]
        response = process(request)
        self.saved[key] = (self.clock(), response)
        return response


class IdempotencyHashesUnsortedJson:
    def __init__(self, ttl, clock):
        self.ttl, self.clock, self.saved = ttl, clock, {}

    def handle(self, key, request, process):
        digest = hashlib.sha256(json.dumps(request).encode()).hexdigest()
        entry = self.saved.get(key)
        if entry and self.clock() - entry[0] < self.ttl:
            if entry[1] != digest:
                raise ValueError("key reused with a different request")
            return entry[2]
        response = process(request)
        self.saved[key] = (self.clock(), digest, response)
        return response


class IdempotencyNeverForgets:
    def __init__(self, ttl, clock):
        self.saved = {}

    def handle(self, key, request, process):
        if key in self.saved:
            if self.saved[key][0] != request:
                raise ValueError("key reused with a different request")
            return self.saved[key][1]
        response = process(request)
        self.saved[key] = (request, response)
        return response


class IdempotencyClaimsBeforeProcessing(IdempotencyNeverForgets):
    """Records the key before process runs, so a failure leaves a None response behind."""

    def handle(self, key, request, process):
        if key in self.saved:
            return self.saved[key][1]
        self.saved[key] = (request, None)
        self.saved[key] = (request, process(request))
        return self.saved[key][1]


def _stable_hash(text):
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class RingByModulo:
    def __init__(self, nodes, replicas=100):
        self.nodes = sorted(nodes)

    def add(self, node):
        self.nodes = sorted([*self.nodes, node])

    def remove(self, node):
        self.nodes.remove(node)

    def node_for(self, key):
        if not self.nodes:
            raise LookupError("no nodes")
        return self.nodes[_stable_hash(key) % len(self.nodes)]


class RingOnePointPerNode:
    """Ignores `replicas`: each node sits at a single point of the ring."""

    def __init__(self, nodes, replicas=100):
        self.points = sorted((_stable_hash(n), n) for n in nodes)

    def add(self, node):
        bisect.insort(self.points, (_stable_hash(node), node))

    def remove(self, node):
        self.points = [p for p in self.points if p[1] != node]

    def node_for(self, key):
        if not self.points:
            raise LookupError("no nodes")
        return self.points[bisect.bisect(self.points, (_stable_hash(key), "")) % len(self.points)][
            1
        ]


class RingRemovesOnePoint:
    def __init__(self, nodes, replicas=100):
        self.replicas, self.points = replicas, []  # sorted (hash, node)
        for node in nodes:
            self.add(node)

    def add(self, node):
        for i in range(self.replicas):
            bisect.insort(self.points, (_stable_hash(f"{node}#{i}"), node))

    def remove(self, node):
        self.points.remove(next(p for p in self.points if p[1] == node))

    def node_for(self, key):
        if not self.points:
            raise LookupError("no nodes")
        index = bisect.bisect(self.points, (_stable_hash(key), "")) % len(self.points)
        return self.points[index][1]


class RingWithoutEmptyCheck(RingRemovesOnePoint):
    def remove(self, node):
        self.points = [p for p in self.points if p[1] != node]

    def node_for(self, key):
        index = bisect.bisect(self.points, (_stable_hash(key), "")) % len(self.points)
        return self.points[index][1]


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Base62Reference:
    alphabet = ALPHABET

    def encode(self, n):
        if n < 0:
            raise ValueError(n)
        digits = []
        while True:
            n, rest = divmod(n, 62)
            digits.append(self.alphabet[rest])
            if n == 0:
                return "".join(reversed(digits))

    def decode(self, code):
        if not code or any(c not in self.alphabet for c in code):
            raise ValueError(code)
        n = 0
        for char in code:
            n = n * 62 + self.alphabet.index(char)
        return n


class Base62NotReversed(Base62Reference):
    def encode(self, n):
        return super().encode(n)[::-1]


class Base62EmptyForZero(Base62Reference):
    def encode(self, n):
        if n < 0:
            raise ValueError(n)
        digits = ""
        while n > 0:
            n, rest = divmod(n, 62)
            digits = self.alphabet[rest] + digits
        return digits


class Base62LowerFirst(Base62Reference):
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _kahn(migrations, pop_first):
    for needs in migrations.values():
        for dep in needs:
            if dep not in migrations:
                raise ValueError(f"unknown migration {dep}")
    waiting = {name: set(needs) for name, needs in migrations.items()}
    ready = sorted(name for name, needs in waiting.items() if not needs)
    order = []
    while ready:
        name = pop_first(ready)
        order.append(name)
        for later, needs in sorted(waiting.items()):
            if name in needs:
                needs.discard(name)
                if not needs:
                    ready.append(later)
    return order


def migrations_fifo(migrations):
    order = _kahn(migrations, lambda ready: ready.pop(0))
    if len(order) < len(migrations):
        raise ValueError("cycle: " + ", ".join(sorted(set(migrations) - set(order))))
    return order


def migrations_silently_drop_cycles(migrations):
    return _kahn(migrations, lambda ready: ready.pop(ready.index(min(ready))))


def migrations_vague_cycle_error(migrations):
    order = migrations_silently_drop_cycles(migrations)
    if len(order) < len(migrations):
        raise ValueError("cycle detected")
    return order


def merge_keeps_last_end(bookings):
    merged = []
    for start, end in sorted(bookings):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def merge_only_strict_overlaps(bookings):
    merged = []
    for start, end in sorted(bookings):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def merge_sorts_in_place(bookings):
    bookings.sort()
    merged = []
    for start, end in bookings:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class QueueThatNeverWaits:
    def __init__(self, capacity):
        self.capacity, self.items, self.lock = capacity, deque(), threading.Lock()

    def put(self, item, timeout=None):
        with self.lock:
            if len(self.items) >= self.capacity:
                return False
            self.items.append(item)
            return True

    def get(self, timeout=None):
        with self.lock:
            if not self.items:
                raise TimeoutError("empty")
            return self.items.popleft()

    def __len__(self):
        return len(self.items)


class QueueWithoutBound(QueueThatNeverWaits):
    def put(self, item, timeout=None):
        with self.lock:
            self.items.append(item)
            return True


class QueueLastInFirstOut(QueueThatNeverWaits):
    def get(self, timeout=None):
        with self.lock:
            if not self.items:
                raise TimeoutError("empty")
            return self.items.pop()


class LimiterFixedWindow:
    def __init__(self, limit, window, clock):
        self.limit, self.window, self.clock, self.counts = limit, window, clock, {}

    def allow(self, key):
        slot = (key, int(self.clock() // self.window))
        if self.counts.get(slot, 0) >= self.limit:
            return False
        self.counts[slot] = self.counts.get(slot, 0) + 1
        return True


class LimiterCountsRefused:
    def __init__(self, limit, window, clock):
        self.limit, self.window, self.clock = limit, window, clock
        self.log = defaultdict(deque)

    def allow(self, key):
        now, times = self.clock(), self.log[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        times.append(now)
        return len(times) <= self.limit


class LimiterOneLogForAll(LimiterCountsRefused):
    def allow(self, key):
        now, times = self.clock(), self.log["all"]
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


class LimiterKeepsTheBoundary(LimiterCountsRefused):
    def allow(self, key):
        now, times = self.clock(), self.log[key]
        while times and times[0] < now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


class BreakerBase:
    reset_on_success = True
    restart_timer = True
    fail_fast = True

    def __init__(self, failure_threshold, reset_timeout, clock):
        self.threshold, self.timeout, self.clock = failure_threshold, reset_timeout, clock
        self.failures, self.opened_at = 0, None

    @property
    def state(self):
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.timeout else "open"

    def call(self, func):
        state = self.state
        if state == "open" and self.fail_fast:
            raise RuntimeError("open")
        try:
            result = func()
        except Exception:
            self.failures += 1
            reopen = state == "half-open" and self.restart_timer
            if reopen or (self.failures >= self.threshold and self.opened_at is None):
                self.opened_at = self.clock()
            raise
        if self.reset_on_success:
            self.failures = 0
        self.opened_at = None
        return result


class BreakerKeepsCounting(BreakerBase):
    reset_on_success = False


class BreakerNeverFailsFast(BreakerBase):
    fail_fast = False


class BreakerKeepsFirstOpeningTime(BreakerBase):
    restart_timer = False


def _range_specs(header):
    unit, _, specs = header.partition("=")
    if unit != "bytes" or not specs:
        raise ValueError(header)
    for spec in specs.split(","):
        first, dash, last = spec.strip().partition("-")
        if not dash or not (first or last) or not all(p.isdigit() for p in (first, last) if p):
            raise ValueError(header)
        if first and last and int(last) < int(first):
            raise ValueError(header)
        yield first, last


def range_suffix_as_prefix(header, size):
    out = []
    for first, last in _range_specs(header):
        start = int(first) if first else 0
        end = min(int(last), size - 1) if last else size - 1
        if start < size and (first or int(last) > 0):
            out.append((start, end))
    return out


def range_without_clipping(header, size):
    out = []
    for first, last in _range_specs(header):
        if not first:
            if int(last) > 0:
                out.append((max(0, size - int(last)), size - 1))
        elif int(first) < size:
            out.append((int(first), int(last) if last else size - 1))
    return out


def range_raises_when_unsatisfiable(header, size):
    out = []
    for first, last in _range_specs(header):
        if first and int(first) >= size:
            raise ValueError("range not satisfiable")
        if not first:
            if int(last) > 0:
                out.append((max(0, size - int(last)), size - 1))
        else:
            out.append((int(first), min(int(last), size - 1) if last else size - 1))
    return out


def versions_as_text(versions):
    return sorted(versions)


def versions_ignoring_prerelease(versions):
    return sorted(
        versions, key=lambda v: tuple(int(p) for p in v.split("-")[0].split("+")[0].split("."))
    )


def versions_prerelease_as_text(versions):
    def key(version):
        core = version.split("+")[0]
        release, dash, pre = core.partition("-")
        return (tuple(int(p) for p in release.split(".")), 0 if dash else 1, pre)

    return sorted(versions, key=key)


def _signed(secret, timestamp, body):
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signs_body_only(secret, body, header, now, tolerance=300):
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        return abs(now - int(parts["t"])) <= tolerance and hmac.compare_digest(
            expected, parts.get("v1", "")
        )
    except (ValueError, KeyError):
        return False


def webhook_without_age_check(secret, body, header, now, tolerance=300):
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        t = next(v for k, v in parts if k == "t")
        sigs = [v for k, v in parts if k == "v1"]
        int(t)
    except (ValueError, StopIteration):
        return False
    return any(hmac.compare_digest(_signed(secret, t, body), s) for s in sigs)


def webhook_first_v1_only(secret, body, header, now, tolerance=300):
    try:
        t, first = None, None
        for item in header.split(","):
            name, _, value = item.partition("=")
            if name == "t":
                t = int(value)
            elif name == "v1" and first is None:
                first = value
        if t is None or first is None or abs(now - t) > tolerance:
            return False
        return hmac.compare_digest(_signed(secret, t, body), first)
    except (ValueError, TypeError):
        return False


def webhook_crashes_on_junk(secret, body, header, now, tolerance=300):
    parts = dict(item.split("=", 1) for item in header.split(","))
    t = int(parts["t"])
    if abs(now - t) > tolerance:
        return False
    sigs = [v for k, v in (item.split("=", 1) for item in header.split(",")) if k == "v1"]
    return any(hmac.compare_digest(_signed(secret, t, body), s) for s in sigs)


WRONG = [
    # (exercise, wrong solution, the case that must catch it, words of the note it shows)
    (
        "lru-cache",
        LRUEvictsNewest,
        "evicts the least recently used key when full",
        "'b' was the most recently used key",
    ),
    ("lru-cache", LRUNeverEvicts, "holds no more than capacity keys", "Nothing was evicted"),
    ("lru-cache", LRUGetIsNotUse, "get counts as use", "Reading 'a' made it the most recently"),
    (
        "token-bucket",
        BucketWithoutCap,
        "never holds more than capacity tokens",
        "stop accumulating at capacity",
    ),
    (
        "token-bucket",
        BucketWholeTokens,
        "fractions of a token add up across calls",
        "keep the fractional",
    ),
    (
        "token-bucket",
        BucketGoesNegative,
        "a refused request does not cost a token",
        "never go below zero",
    ),
    (
        "retry-backoff",
        retry_sleeps_after_last,
        "no sleep after the final failed try",
        "Sleep only between tries",
    ),
    (
        "retry-backoff",
        retry_wraps_the_error,
        "re-raises the last exception when every try fails",
        "not a new exception",
    ),
    (
        "retry-backoff",
        retry_until_truthy,
        "a result of None counts as success",
        "None is an ordinary return value",
    ),
    (
        "retry-backoff",
        retry_linear,
        "waits base_delay, then twice as long each time",
        "base_delay * 2 ** i",
    ),
    (
        "access-log-stats",
        summarize_index_not_rank,
        "p95 is the nearest-rank 95th percentile",
        "ceil(0.95 * n)",
    ),
    (
        "access-log-stats",
        summarize_keeps_query,
        "groups by path without the query string",
        "Cut the path at '?'",
    ),
    (
        "access-log-stats",
        summarize_counts_4xx,
        "counts only 5xx responses as errors",
        "a 4xx is the client's mistake",
    ),
    (
        "access-log-stats",
        summarize_reads_twice,
        "reads its input once, so a generator or an open file works",
        "can be read only once",
    ),
    (
        "cursor-pagination",
        paginate_by_offset,
        "new items at the top do not shift the next page",
        "not a position",
    ),
    (
        "cursor-pagination",
        paginate_full_page_means_more,
        "no next cursor when the last page is exactly full",
        "fetch limit + 1",
    ),
    (
        "cursor-pagination",
        paginate_finds_cursor_item,
        "deleting the item a cursor points at does not break it",
        "it may be gone",
    ),
    (
        "idempotency-store",
        IdempotencyIgnoresBody,
        "a repeated key with a different request raises ValueError",
        "client bug",
    ),
    (
        "idempotency-store",
        IdempotencyHashesUnsortedJson,
        "the same body with its keys in another order is the same request",
        "sort_keys=True",
    ),
    (
        "idempotency-store",
        IdempotencyNeverForgets,
        "a key is forgotten ttl seconds after its response was stored",
        "After ttl seconds",
    ),
    (
        "idempotency-store",
        IdempotencyClaimsBeforeProcessing,
        "a failed process is not stored, so the retry runs it again",
        "Store a response only after process returned",
    ),
    (
        "consistent-hash-ring",
        RingByModulo,
        "adding a node moves only about 1/n of the keys",
        "hash(key) % number_of_nodes",
    ),
    (
        "consistent-hash-ring",
        RingOnePointPerNode,
        "keys spread roughly evenly over the nodes",
        "with one point per node",
    ),
    (
        "consistent-hash-ring",
        RingRemovesOnePoint,
        "removing a node moves only that node's keys",
        "Remove every one of the node's points",
    ),
    (
        "consistent-hash-ring",
        RingWithoutEmptyCheck,
        "an empty ring raises LookupError",
        "say so with LookupError",
    ),
    (
        "base62-codes",
        Base62NotReversed,
        "62 and beyond use more characters, most significant first",
        "reverse the digits",
    ),
    (
        "base62-codes",
        Base62EmptyForZero,
        "zero encodes as '0', not the empty string",
        "never runs for 0",
    ),
    (
        "base62-codes",
        Base62LowerFirst,
        "one-character codes follow the alphabet",
        "0-9, then A-Z, then a-z",
    ),
    (
        "migration-order",
        migrations_fifo,
        "among the migrations ready to run, the first by name goes next",
        "heap",
    ),
    (
        "migration-order",
        migrations_silently_drop_cycles,
        "a cycle raises ValueError naming a migration in it",
        "stop with an error",
    ),
    (
        "migration-order",
        migrations_vague_cycle_error,
        "a cycle raises ValueError naming a migration in it",
        "name the migrations stuck in it",
    ),
    (
        "merge-bookings",
        merge_keeps_last_end,
        "a booking inside another is absorbed",
        "max(end, new_end)",
    ),
    (
        "merge-bookings",
        merge_only_strict_overlaps,
        "a booking that ends as the next starts joins it",
        "End times are exclusive",
    ),
    (
        "merge-bookings",
        merge_sorts_in_place,
        "the caller's list is not changed",
        "bookings.sort() changes the caller's",
    ),
    (
        "bounded-queue",
        QueueThatNeverWaits,
        "a blocked put finishes as soon as a consumer makes room",
        "put must wait up to its timeout",
    ),
    (
        "bounded-queue",
        QueueThatNeverWaits,
        "get on an empty queue waits for its timeout, then raises TimeoutError",
        "rather than give up at once",
    ),
    (
        "bounded-queue",
        QueueWithoutBound,
        "put on a full queue with timeout=0 returns False at once",
        "refuse the item",
    ),
    (
        "bounded-queue",
        QueueLastInFirstOut,
        "items come out in the order they went in",
        "first in, first out",
    ),
    (
        "sliding-window-limiter",
        LimiterFixedWindow,
        "the window slides; it does not reset on the clock's tens",
        "A fixed window",
    ),
    (
        "sliding-window-limiter",
        LimiterCountsRefused,
        "refused requests do not count against the limit",
        "only when it is allowed",
    ),
    (
        "sliding-window-limiter",
        LimiterOneLogForAll,
        "each key has its own limit",
        "separate history per key",
    ),
    (
        "sliding-window-limiter",
        LimiterKeepsTheBoundary,
        "a request stops counting window seconds after it was made",
        "no longer counts",
    ),
    (
        "circuit-breaker",
        BreakerKeepsCounting,
        "a success resets the count of failures",
        "failures in a row",
    ),
    (
        "circuit-breaker",
        BreakerNeverFailsFast,
        "while open, calls fail fast without running func",
        "raise CircuitOpenError",
    ),
    (
        "circuit-breaker",
        BreakerKeepsFirstOpeningTime,
        "a failed trial opens the circuit for another reset_timeout",
        "Restart the timer",
    ),
    (
        "range-header",
        range_suffix_as_prefix,
        "a suffix range is the last N bytes",
        "the final 500 bytes",
    ),
    (
        "range-header",
        range_without_clipping,
        "a last position past the end is cut to the last byte",
        "size - 1",
    ),
    (
        "range-header",
        range_raises_when_unsatisfiable,
        "a range that starts past the end is not satisfiable",
        "the caller answers 416",
    ),
    (
        "semver-sort",
        versions_as_text,
        "major, minor and patch compare as numbers, not text",
        "As text '1.10.0' sorts before '1.9.3'",
    ),
    (
        "semver-sort",
        versions_ignoring_prerelease,
        "a pre-release sorts before its release",
        "a candidate for 2.0.0",
    ),
    (
        "semver-sort",
        versions_prerelease_as_text,
        "numeric pre-release parts compare as numbers",
        "beta.2 < beta.10",
    ),
    (
        "webhook-signature",
        webhook_signs_body_only,
        "accepts a correctly signed request",
        "f'{t}.'.encode() + body",
    ),
    (
        "webhook-signature",
        webhook_without_age_check,
        "rejects a request older than the tolerance",
        "is a replay",
    ),
    (
        "webhook-signature",
        webhook_first_v1_only,
        "accepts any one of several v1 signatures",
        "any v1 may match",
    ),
    (
        "webhook-signature",
        webhook_crashes_on_junk,
        "a malformed header gives False instead of an error",
        "never crash",
    ),
]


@pytest.mark.parametrize(
    ("exercise_id", "wrong", "case_name", "note"),
    WRONG,
    ids=[f"{e}-{getattr(w, '__name__', w)}" for e, w, _, _ in WRONG],
)
def test_wrong_solution_fails_with_the_message_it_needs(exercise_id, wrong, case_name, note):
    ex = exercise(exercise_id)
    report = runner.check(ex, wrong)
    by_name = {r.name: r for r in report.results}
    assert case_name in by_name, f"no case named {case_name!r}"
    result = by_name[case_name]
    assert result.status == "failed", str(report)
    assert note in result.message, result.message
    assert not report.passed


def test_every_exercise_has_two_wrong_solutions_caught():
    counts = defaultdict(int)
    for exercise_id, *_ in WRONG:
        counts[exercise_id] += 1
    assert {i for i in PYTHON if counts[i] < 2} == set()


def test_lru_report_reads_plainly():
    report = runner.check(exercise("lru-cache"), LRUGetIsNotUse)
    text = str(report)
    assert "✗ get counts as use" in text
    assert "LRUCache(2), put('a', 1), put('b', 2), get('a'), put('c', 3), then get('a')" in text
    assert "expected 1, got None" in text
