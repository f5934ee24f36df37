"""Measure the practice history's speed at 100, 10,000 and 100,000 rows, in one run.

Prints ratios, so the figures compare like with like on whatever machine runs it:
- save latency (median of N saves) at each size, and its ratio to the 100-row case;
- save latency as a ratio to a bare append + fsync of the same bytes;
- `HistoryStore.load()` as a ratio to `pandas.read_csv(dtype=str, keep_default_na=False)`,
  with the automatic backup current (the usual case) and without one (every row's check
  computed), and the one-off first automatic backup;
- the whole progress dashboard (load, summaries, every chart, the widgets), as a ratio to
  that same read_csv;
- the dashboard's peak memory as a ratio to the CSV's size on disk (and read_csv's, for
  scale), each measured in a fresh process as the rise of its peak resident set.

Run: `.venv/bin/python benchmarks/bench_history.py [--saves 200]`
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from prep import workbook
from prep.coach.textstats import word_count
from prep.insight.progress import CHARTS
from prep.models import Attempt
from prep.store.backups import Backups
from prep.store.history import COLUMNS, HistoryStore, attempt_fields, encode_row
from prep.widgets import ProgressView

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


def coach_fields(rng: random.Random, item_id: str, answer: str, progress: float) -> dict:
    """The coach's columns as the card saves them: questions only, scores rising with time."""
    if "/" in item_id:
        return {}
    steps = (0.0, 0.25, 0.5, 0.75, 1.0)
    coverage = steps[min(4, max(0, round(progress * 4 + rng.uniform(-1.5, 1.5))))]
    star = [e for e in ("situation", "task", "action", "result") if rng.random() < 0.6]
    return {
        "coverage": f"{coverage:.2f}",
        "word_count": str(word_count(answer)),
        "fillers_per_100": f"{rng.uniform(0, 6):.1f}",
        "star_elements": " ".join(star),
    }


def build_history(
    path: Path,
    rows: int,
    seed: int = 7,
    *,
    items: list[str] = ITEMS,
    heavy: tuple[str, float] | None = None,
) -> None:
    """Write `rows` realistic attempts straight to disk (40-250 words, multi-line).

    Question rows carry the coach's figures, as every save since the coach does; tip rows
    leave them blank, as the tip cards do. `heavy=(item, share)` puts that share of the
    rows on one item; the rest are spread over `items`.
    """
    rng = random.Random(seed)
    start = datetime.now(timezone.utc) - timedelta(minutes=17 * rows)  # ends today
    chunks = [encode_row({c: c for c in COLUMNS}, COLUMNS)]
    for n in range(rows):
        on_heavy = heavy is not None and rng.random() < heavy[1]
        item_id = heavy[0] if heavy is not None and on_heavy else rng.choice(items)
        answer = realistic_answer(rng)
        attempt = Attempt(
            attempt_id=f"{n:032x}",
            recorded_at=start + timedelta(minutes=17 * n),
            item_id=item_id,
            answer=answer,
            seconds=rng.choice([None, rng.randint(30, 240)]),
            confidence=rng.choice([None, 1, 2, 3, 4, 5]),
            extra=coach_fields(rng, item_id, answer, n / max(1, rows)),
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


def build_dashboard(path: Path) -> ProgressView:
    """What `prep.progress()` does: read the file, summarise, draw every chart.

    The learner's own store checks every row and keeps the automatic backup current, as
    `prep.progress()` does.
    """
    store = HistoryStore(path, auto_backup=True)
    return ProgressView(store.read, workbook.content(), tz=timezone.utc)


def first_backup(path: Path) -> float:
    """Seconds for the one-off first automatic backup of the whole file."""
    shutil.rmtree(path.parent / "backups", ignore_errors=True)
    began = time.perf_counter()
    Backups(path, lambda: datetime.now(timezone.utc)).keep_up(path.stat().st_size)
    return time.perf_counter() - began


def _kilobytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def peak_memory_child(what: str, path: Path) -> None:
    """Run in a fresh process: print how far the peak resident set rises during `what`."""
    workbook.content()  # imports and content are loaded before measuring
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from here
    before = _kilobytes("VmRSS")
    if what == "dashboard":
        build_dashboard(path)
    else:
        pd.read_csv(path, dtype=str, keep_default_na=False)
    print((_kilobytes("VmHWM") - before) * 1024)


def peak_memory(what: str, path: Path) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", what, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000])
    parser.add_argument("--memory-child", nargs=2, metavar=("WHAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        peak_memory_child(args.memory_child[0], Path(args.memory_child[1]))
        return
    rng = random.Random(11)
    answer = realistic_answer(rng)

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
        size_bytes = path.stat().st_size
        backup_once = first_backup(path)
        build_dashboard(path)  # warm: fonts, content and the first figure are one-off costs
        read_csv = median_seconds(lambda: pd.read_csv(path, dtype=str, keep_default_na=False), 5)
        load = median_seconds(lambda: HistoryStore(path, auto_backup=True).load(), 5)
        # a store without automatic backups computes every row's check
        load_cold = median_seconds(lambda: HistoryStore(path).load(), 5)
        board = median_seconds(lambda: build_dashboard(path), 5)
        board_memory = peak_memory("dashboard", path)
        read_memory = peak_memory("read_csv", path)

    smallest = min(args.sizes)
    print(
        f"Practice history benchmark ({args.saves} saves a size; file at {largest:,} rows: "
        f"{size_bytes / 1e6:.1f} MB)\n"
    )
    print("| rows | save (median) | vs 100 rows | vs bare append+fsync |")
    print("|---:|---:|---:|---:|")
    for size in args.sizes:
        print(
            f"| {size:,} | {save[size] * 1000:.2f} ms | {save[size] / save[smallest]:.2f}x "
            f"| {save[size] / bare[size]:.2f}x |"
        )
    print()
    print(f"| at {largest:,} rows | time | vs pandas.read_csv | peak memory | vs file size |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| pandas.read_csv(dtype=str) | {read_csv * 1000:.0f} ms | 1.00x "
        f"| {read_memory / 1e6:.0f} MB | {read_memory / size_bytes:.2f}x |"
    )
    print(
        f"| prep history load (rows compared with the automatic backup) | {load * 1000:.0f} ms "
        f"| {load / read_csv:.2f}x | | |"
    )
    print(
        f"| prep history load, no backup yet (every row's check computed) "
        f"| {load_cold * 1000:.0f} ms | {load_cold / read_csv:.2f}x | | |"
    )
    print(
        f"| first automatic backup (one-off copy of the file) | {backup_once * 1000:.0f} ms "
        f"| {backup_once / read_csv:.2f}x | | |"
    )
    print(
        f"| dashboard: load + summaries + {len(CHARTS)} charts + widgets | {board * 1000:.0f} ms "
        f"| {board / read_csv:.2f}x | {board_memory / 1e6:.0f} MB "
        f"| {board_memory / size_bytes:.2f}x |"
    )


if __name__ == "__main__":
    main()
