"""How long does a check take, and how soon is a runaway solution stopped? Prints timings.

    .venv/bin/python benchmarks/bench_exercises.py

For every exercise, the median of five checks of its model solution (the fork sandbox,
every case, as `prep.check` runs them, without saving); then the time to stop an endless
loop, against the per-case limit, and a solution that asks for 4 GB.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prep import workbook
from prep.exercises import runner, sandbox


def model(exercise):
    if exercise.kind == "sql":
        return exercise.solution
    namespace: dict = {}
    exec(compile(exercise.solution, f"<{exercise.id}>", "exec"), namespace)
    return namespace[exercise.name]


def timed(exercise, solution) -> tuple[float, object]:
    start = time.perf_counter()
    report = runner.check(exercise, solution)
    return time.perf_counter() - start, report


def main() -> None:
    catalog = workbook.all_exercises()
    medians: dict[str, list[float]] = {"python": [], "sql": []}
    slowest = ("", 0.0)
    for exercise in catalog.exercises:
        solution = model(exercise)
        timed(exercise, solution)  # warm: the sample database is built once per process
        runs = []
        for _ in range(5):
            seconds, report = timed(exercise, solution)
            if not report.passed:
                raise SystemExit(f"{exercise.id}: the model solution failed:\n{report}")
            runs.append(seconds)
        median = statistics.median(runs)
        medians[exercise.kind].append(median)
        slowest = max(slowest, (exercise.id, median), key=lambda pair: pair[1])
    for kind, values in medians.items():
        middle, most = statistics.median(values) * 1000, max(values) * 1000
        print(f"{kind}: {len(values)} exercises, median check {middle:.0f} ms, slowest {most:.0f}")
    print(f"slowest exercise: {slowest[0]} ({slowest[1] * 1000:.0f} ms)")

    lru = catalog.get("lru-cache")
    source = "class LRUCache:\n    def __init__(self, n):\n        while True:\n            pass\n"
    seconds, report = timed(lru, source)
    print(
        f"endless loop stopped after {seconds:.2f} s (limit {sandbox.CASE_SECONDS:g} s per "
        f"case, ratio {seconds / sandbox.CASE_SECONDS:.2f}): {report.results[0].message}"
    )
    hungry = (
        "class LRUCache:\n    def __init__(self, capacity):\n        self.b = bytearray(4 << 30)\n"
    )
    seconds, report = timed(lru, hungry)
    print(f"4 GB request refused in {seconds * 1000:.0f} ms: {report.results[0].message}")
    seconds, report = timed(lru, model(lru))
    print(f"next check passes at once: {report.passed} ({seconds * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
