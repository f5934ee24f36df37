"""Measure cards and the views around them at 100, 10,000 and 100,000 rows, in one run.

For two distributions of the rows (spread over every question and tip; 90 % on one
question, as a learner who drills one question hard or a cohort file), each size runs in
a fresh process with the workbook's real store (`PREP_DATA_DIR` at a temp folder) and
prints ratios, so the figures compare like with like on any machine:

- the first card in a fresh process, against `pandas.read_csv(dtype=str,
  keep_default_na=False)` of the same file as the first read of a fresh process too (the
  automatic backup is already current, as it is after the learner's first session);
- each further card in the same process, in ms and against that read_csv;
- a re-read after one appended row, against that read_csv;
- a keystroke's feedback and a Save through the card, against the 100-row case;
- `prep.next_up()` (a session's first call, starting from the replay the last session
  saved, and after a save), the mock interview's start after a save, the answer book, and
  a full FSRS replay for comparison, against read_csv.

Run: `.venv/bin/python benchmarks/bench_cards.py [--sizes 100 10000 100000]`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_history import median_seconds as median  # noqa: E402

HEAVY = "past-role"  # the question that gets 90 % of the rows in the "one question" case
GOALS = {
    "first card": 1.3,
    "further card ms": 50.0,
    "further card": 0.1,
    "re-read": 0.05,
    "keystroke": 1.5,
    "save": 1.5,
    "next_up": 1.5,
    "mock start": 1.5,
    "answer book": 5.0,
}


def build(path: Path, rows: int, distribution: str) -> None:
    """Realistic rows as the workbook saves them (see bench_history.build_history)."""
    from bench_history import ITEMS, build_history

    heavy = (HEAVY, 0.9) if distribution == "one question" else None
    build_history(path, rows, 5, items=[*ITEMS, "five-years", "language-limits"], heavy=heavy)


def child(folder: Path, first_only: bool = False) -> dict[str, float]:
    """Run in a fresh process whose PREP_DATA_DIR is `folder`; time everything once warm."""
    import pandas as pd

    import prep
    from prep import workbook

    workbook.content()  # imports and content are loaded before timing, as in a notebook
    path = workbook.store().path
    out: dict[str, float] = {}
    began = time.perf_counter()
    card = prep.card(HEAVY)
    out["first card s"] = time.perf_counter() - began
    out["read_csv s"] = median(lambda: pd.read_csv(path, dtype=str, keep_default_na=False), 5)
    if first_only:
        return out
    others = ["five-years", "research-company", "first-involved", HEAVY]
    out["further card s"] = median(lambda: [prep.card(i) for i in others], 3) / len(others)

    def append_and_reread() -> float:
        workbook.store().record("first-involved", "one more answer")
        began = time.perf_counter()
        workbook.store().read()
        return time.perf_counter() - began

    out["re-read s"] = statistics.median(append_and_reread() for _ in range(5))
    sentence = "I led the rebuild of our search service and cut p95 latency by a third. "
    texts = [sentence * (n % 8 + 1) for n in range(60)]
    out["keystroke s"] = median(lambda: setattr(card.answer, "value", texts.pop()), 55)
    answers = iter(f"An answer saved for the benchmark, number {n}." for n in range(10**6))

    def save() -> None:
        card.answer.value = next(answers)
        card.save()

    card.autosave.flush()  # no draft write from the keystrokes may land among the saves
    out["save s"] = median(save, 40)
    card.autosave.flush()
    began = time.perf_counter()
    prep.next_up()
    out["next_up first s"] = time.perf_counter() - began  # from the last session's replay
    from prep.practice.schedule import replay

    ids = [q.id for q in workbook.content().questions]
    frame = workbook.store().load()
    out["full replay s"] = median(lambda: replay(frame, ids), 1)  # with no saved replay

    def after_a_save(action) -> float:
        workbook.store().record(HEAVY, "saved before pressing Refresh", confidence=3)
        began = time.perf_counter()
        action()
        return time.perf_counter() - began

    out["next_up s"] = statistics.median(after_a_save(prep.next_up) for _ in range(3))
    mock = lambda: prep.mock_interview(questions=3, seed=1)  # noqa: E731
    out["mock start s"] = statistics.median(after_a_save(mock) for _ in range(3))
    book = folder / "answer-book.md"
    out["answer book s"] = median(lambda: prep.export_answer_book(str(book)), 1)
    return out


def run_child(folder: Path, *extra: str) -> dict[str, float]:
    env = {**os.environ, "PREP_DATA_DIR": str(folder), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), *extra],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


FIRST_READ_CSV = """
import sys, time
import pandas as pd
began = time.perf_counter()
pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
print(time.perf_counter() - began)
"""


def first_card_ratio(folder: Path, runs: int = 3) -> float:
    """The first card in a fresh process against read_csv as the first read of a fresh process.

    Like with like: a process's first large read also pays for growing its memory, so
    both sides are timed as the first thing a new process reads (median of `runs` each).
    """
    cards, reads = [], []
    for _ in range(runs):
        cards.append(run_child(folder, "--first-only")["first card s"])
        path = str(folder / "practice_history.csv")
        out = subprocess.run(
            [sys.executable, "-c", FIRST_READ_CSV, path], check=True, capture_output=True
        )
        reads.append(float(out.stdout.decode().split()[-1]))
    return statistics.median(cards) / statistics.median(reads)


def warm_backup(folder: Path) -> None:
    """An earlier session in another process: the backup is current, the replay saved."""
    code = "import prep; prep.next_up()"
    env = {**os.environ, "PREP_DATA_DIR": str(folder)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--first-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):  # the workbook's own messages
            figures = child(Path(args.child), args.first_only)
        print(json.dumps(figures))
        return

    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for distribution in ("spread", "one question"):
            for size in args.sizes:
                folder = Path(tmp) / f"{distribution.replace(' ', '-')}-{size}"
                folder.mkdir()
                build(folder / "practice_history.csv", size, distribution)
                warm_backup(folder)
                results[distribution, size] = run_child(folder)
                results[distribution, size]["first card x"] = first_card_ratio(folder)
                mb = (folder / "practice_history.csv").stat().st_size / 1e6
                results[distribution, size]["MB"] = mb

    smallest, largest = min(args.sizes), max(args.sizes)
    print(
        "Cards benchmark (each size in a fresh process; ratios to read_csv of the same file; "
        "the first card is the median of three fresh processes)\n"
    )
    print(
        "| rows (distribution) | file | read_csv | first card | further card | re-read after "
        "1 row | keystroke vs 100 rows | Save vs 100 rows |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (distribution, size), r in results.items():
        base = results[distribution, smallest]
        print(
            f"| {size:,} ({distribution}) | {r['MB']:.1f} MB | {r['read_csv s'] * 1000:.0f} ms "
            f"| {r['first card x']:.2f}x "
            f"| {r['further card s'] * 1000:.1f} ms = {r['further card s'] / r['read_csv s']:.3f}x "
            f"| {r['re-read s'] / r['read_csv s']:.3f}x "
            f"| {r['keystroke s'] * 1000:.1f} ms = {r['keystroke s'] / base['keystroke s']:.2f}x "
            f"| {r['save s'] * 1000:.1f} ms = {r['save s'] / base['save s']:.2f}x |"
        )
    print()
    print(
        f"| at {largest:,} rows | next_up(), first in a session | next_up() after a save "
        "| mock start after a save | answer book | full FSRS replay (no saved one) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for distribution in ("spread", "one question"):
        r = results[distribution, largest]
        cells = [
            f"{r[k + ' s'] * 1000:.0f} ms = {r[k + ' s'] / r['read_csv s']:.2f}x"
            for k in ("next_up first", "next_up", "mock start", "answer book", "full replay")
        ]
        print(f"| {distribution} | {' | '.join(cells)} |")
    print()
    print(
        "Goals: first card <= 1.3x; further card <= 50 ms and <= 0.1x; re-read <= 0.05x; "
        "keystroke and Save <= 1.5x the 100-row case; next_up and mock start <= 1.5x; "
        "answer book <= 5x."
    )


if __name__ == "__main__":
    main()
