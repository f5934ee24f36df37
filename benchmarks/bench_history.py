"""Measure the practice history's speed at 100, 10,000 and 100,000 rows, in one run.

Prints ratios, so the figures compare like with like on whatever machine runs it:
- save latency (median of N saves) at each size, and its ratio to the 100-row case;
- save latency as a ratio to a bare append + fsync of the same bytes;
- `HistoryStore.load()` as a ratio to `pandas.read_csv(dtype=str, keep_default_na=False)`;
- the progress summaries + all charts, as a ratio to that same read_csv.

Run: `.venv/bin/python benchmarks/bench_history.py [--saves 200]`
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from prep import workbook
from prep.history import COLUMNS, HistoryStore, attempt_fields, encode_row
from prep.models import Attempt
from prep.progress import CHARTS, figures, png_bytes, summarise

WORDS = [
    "service",
    "database",
    "cache",
    "queue",
    "latency",
    "request",
    "team",
    "designer",
    "deploy",
    "ruby",
    "python",
    "api",
    "schema",
    "index",
    "migration",
    "load",
    "test",
    "result",
    "users",
    "week",
    "shipped",
    "led",
    "reviewed",
    "compromise",
    "feature",
    "search",
    "scale",
    "memory",
    "profile",
    "async",
    "worker",
    "endpoint",
    "contract",
    "monitoring",
]
ITEMS = ["first-involved", "past-role", "language-limits", "five-years", "research-company/stack"]


def realistic_answer(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 4)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 62))) + ".")
    return "\n".join(lines)


def build_history(path: Path, rows: int, seed: int = 7) -> None:
    """Write `rows` realistic attempts straight to disk (40-250 words, multi-line)."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    chunks = [encode_row({c: c for c in COLUMNS}, COLUMNS)]
    for n in range(rows):
        attempt = Attempt(
            attempt_id=f"{n:032x}",
            recorded_at=start + timedelta(minutes=17 * n),
            item_id=rng.choice(ITEMS),
            answer=realistic_answer(rng),
            seconds=rng.choice([None, rng.randint(30, 240)]),
            confidence=rng.choice([None, 1, 2, 3, 4, 5]),
        )
        chunks.append(encode_row(attempt_fields(attempt), COLUMNS))
    path.write_bytes(b"".join(chunks))
    os.chmod(path, 0o600)


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def bare_append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000])
    args = parser.parse_args()
    rng = random.Random(11)
    answer = realistic_answer(rng)
    content = workbook.content()

    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        save = {}
        bare = {}
        for size in args.sizes:
            path = folder_path / f"history-{size}.csv"
            build_history(path, size)
            store = HistoryStore(path)
            store.record("past-role", answer)  # first save in a process checks the whole file
            save[size] = median_seconds(lambda s=store: s.record("past-role", answer), args.saves)
            row = encode_row(
                attempt_fields(Attempt("x" * 32, datetime.now(timezone.utc), "past-role", answer)),
                COLUMNS,
            )
            raw_path = folder_path / f"bare-{size}.csv"
            raw_path.write_bytes(path.read_bytes())
            bare[size] = median_seconds(lambda p=raw_path, r=row: bare_append(p, r), args.saves)

        largest = max(args.sizes)
        path = folder_path / f"history-{largest}.csv"
        size_mb = path.stat().st_size / 1e6
        read_csv = median_seconds(lambda: pd.read_csv(path, dtype=str, keep_default_na=False), 5)
        load = median_seconds(lambda: HistoryStore(path).load(), 5)

        def dashboard() -> None:
            summary = summarise(HistoryStore(path).load(), content, timezone.utc)
            for fig in figures(summary).values():
                png_bytes(fig)

        board = median_seconds(dashboard, 3)

    smallest = min(args.sizes)
    print(
        f"Practice history benchmark ({args.saves} saves a size; file at {largest:,} rows: "
        f"{size_mb:.1f} MB)\n"
    )
    print("| rows | save (median) | vs 100 rows | vs bare append+fsync |")
    print("|---:|---:|---:|---:|")
    for size in args.sizes:
        print(
            f"| {size:,} | {save[size] * 1000:.2f} ms | {save[size] / save[smallest]:.2f}x "
            f"| {save[size] / bare[size]:.2f}x |"
        )
    print()
    print(f"| at {largest:,} rows | time | vs pandas.read_csv |")
    print("|---|---:|---:|")
    print(f"| pandas.read_csv(dtype=str) | {read_csv * 1000:.0f} ms | 1.00x |")
    print(f"| prep history load | {load * 1000:.0f} ms | {load / read_csv:.2f}x |")
    board_row = f"load + summaries + {len(CHARTS)} charts"
    print(f"| {board_row} | {board * 1000:.0f} ms | {board / read_csv:.2f}x |")


if __name__ == "__main__":
    main()
