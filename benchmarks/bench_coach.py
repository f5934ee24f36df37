"""How good and how fast is the answer coach? Prints precision/recall and timings.

    .venv/bin/python benchmarks/bench_coach.py [--points]

Precision and recall of talking-point detection are measured on hand-labelled answers,
each written and labelled by someone who had not seen the signal lists:
- `tests/coach_eval/answers.yaml`, splits `dev` and `test`: both were used to tune the
  signals (first `dev` alone, then `test` too), so their figures are flattering;
- `tests/coach_eval/holdout.yaml`: written after tuning and never used for it, so its
  figures are the honest ones;
- `tests/coach_eval/bank_*.yaml`: blind-labelled answers to the bank's questions, one
  row per file (`bank_dev` may be used for tuning; `bank_holdout_*` never are) and one
  for all the bank's held-out answers together.
Speed is the median time to analyse a 500-word answer (its words seen before, as when a
learner pauses while typing), the same with the word caches emptied before each run, and
the first analysis in a fresh process, which loads the lemma dictionary once.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prep.coach import analysis, words  # noqa: E402
from prep.coach.analysis import analyse  # noqa: E402
from prep.content.loader import load_content  # noqa: E402

EVAL_DIR = ROOT / "tests" / "coach_eval"
EVAL_FILES = [EVAL_DIR / "answers.yaml", EVAL_DIR / "holdout.yaml"]
SPLITS = ("dev", "test", "holdout")  # shown first, in this order; then any others
FIRST_RUN = """
import sys, time
sys.path.insert(0, {root!r})
from prep.coach.analysis import analyse
from prep.content.loader import load_content
content = load_content(__import__("pathlib").Path({data!r}))
start = time.perf_counter()
analyse({answer!r}, content.get("past-role"), content.lexicon)
print(time.perf_counter() - start)
"""


def score(pairs: list[tuple[bool, bool]]) -> tuple[float, float, int, int, int]:
    """(precision, recall, true positives, false positives, false negatives)."""
    tp = sum(found and labelled for found, labelled in pairs)
    fp = sum(found and not labelled for found, labelled in pairs)
    fn = sum(labelled and not found for found, labelled in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def evaluate(content, answers, missing: list[str] | None = None):
    """Yield (split, question id, point id, found, labelled, answer id) for every pair.

    Answers to a question the content does not have (yet) go to `missing`.
    """
    known = {q.id for q in content.questions}
    for entry in answers:
        if entry["question"] not in known:
            if missing is not None:
                missing.append(entry["id"])
            continue
        question = content.get(entry["question"])
        feedback = analyse(entry["answer"], question, content.lexicon)
        labelled = set(entry["covers"])
        for point in feedback.points:
            yield (
                entry["split"],
                question.id,
                point.id,
                point.covered,
                point.id in labelled,
                entry["id"],
            )


def _sample() -> str:
    sample = next(a["answer"] for a in load_eval() if a["question"] == "past-role")
    words = sample.split()
    return " ".join((words * (500 // len(words) + 1))[:500])


def timing(content, runs: int = 200, *, cold_caches: bool = False) -> float:
    question = content.get("past-role")
    answer = _sample()
    analyse(answer, question, content.lexicon)  # warm up
    times = []
    for _ in range(runs):
        if cold_caches:
            words.key.cache_clear()
            analysis._compile.cache_clear()
        start = time.perf_counter()
        analyse(answer, question, content.lexicon)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def first_run(runs: int = 3) -> float:
    """The first analysis in a fresh process (median of `runs` processes), in ms."""
    code = FIRST_RUN.format(root=str(ROOT), data=str(ROOT / "data"), answer=_sample())
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times) * 1000


def load_eval() -> list[dict]:
    answers = []
    for path in [*EVAL_FILES, *sorted(EVAL_DIR.glob("bank_*.yaml"))]:
        if path.exists():
            for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]:
                bank = path.stem.startswith("bank_")
                answers.append({**entry, "split": path.stem if bank else entry["split"]})
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", action="store_true", help="per talking point, and misses")
    args = parser.parse_args()
    content = load_content(ROOT / "data")
    missing: list[str] = []
    rows = list(evaluate(content, load_eval(), missing))
    print(f"Answer coach: {len({r[5] for r in rows})} labelled answers, {len(rows)} point checks")
    if missing:
        print(f"Skipped {len(missing)} answers to questions not in the bank yet: {missing}")
    print()
    print("| split | precision | recall | TP | FP | FN |")
    print("|---|---:|---:|---:|---:|---:|")
    others = sorted({r[0] for r in rows} - set(SPLITS))
    for split in (*SPLITS, *others):
        pairs = [(r[3], r[4]) for r in rows if r[0] == split]
        if not pairs:
            continue
        p, r, tp, fp, fn = score(pairs)
        print(f"| {split} | {p:.2f} | {r:.2f} | {tp} | {fp} | {fn} |")
    held_out = [(r[3], r[4]) for r in rows if r[0].startswith("bank_holdout")]
    if len({r[0] for r in rows if r[0].startswith("bank_holdout")}) > 1:
        p, r, tp, fp, fn = score(held_out)
        print(f"| bank held out, together | {p:.2f} | {r:.2f} | {tp} | {fp} | {fn} |")
    if args.points:
        print()
        print("| point | precision | recall | false positives | misses |")
        print("|---|---:|---:|---|---|")
        for point in dict.fromkeys(r[2] for r in rows):
            mine = [r for r in rows if r[2] == point]
            p, r, *_ = score([(x[3], x[4]) for x in mine])
            fps = " ".join(x[5] for x in mine if x[3] and not x[4])
            fns = " ".join(x[5] for x in mine if x[4] and not x[3])
            print(f"| {point} | {p:.2f} | {r:.2f} | {fps} | {fns} |")
    print()
    print(f"Analysing a 500-word answer: {timing(content):.2f} ms (median of 200 runs)")
    cold = timing(content, 50, cold_caches=True)
    print(f"  with the word caches emptied before each run: {cold:.2f} ms (median of 50)")
    print(f"  the first analysis in a fresh process: {first_run():.0f} ms (median of 3)")


if __name__ == "__main__":
    main()
