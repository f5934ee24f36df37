"""Fingerprints of public texts, so a test can prove the workbook's wording is its own.

The workbook's facts come from public sources, its sentences must not. This tool reads a
public text (the Coursera article the workbook started from, a public question list) and
writes the hashes of its 8-word sequences to `tests/originality/<name>.txt`: the hashes
alone, never the text, so the repository holds nothing of the source but can still tell
when a sentence of ours shares eight words in a row with it.

Usage::

    python tools/originality.py NAME SOURCE_FILE "Where the text came from"

`tests/test_originality.py` compares every learner-facing sentence against every file
there.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINGERPRINTS = ROOT / "tests" / "originality"
RUN = 8  # words in a row that count as copying
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lowercase words, apostrophes kept inside a word, everything else a break."""
    return _WORD.findall(text.lower().replace("’", "'").replace("‘", "'"))


def runs(text: str, length: int = RUN) -> Iterator[str]:
    """Every `length`-word sequence of `text`, words joined by one space."""
    found = words(text)
    for start in range(len(found) - length + 1):
        yield " ".join(found[start : start + length])


def fingerprint(run: str) -> str:
    return hashlib.blake2b(run.encode(), digest_size=8).hexdigest()


def fingerprints(texts: Iterable[str]) -> set[str]:
    return {fingerprint(r) for text in texts for r in runs(text)}


def read_fingerprints(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def write(name: str, source: Path, origin: str) -> Path:
    found = sorted(fingerprints([source.read_text(encoding="utf-8")]))
    out = FINGERPRINTS / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# {RUN}-word fingerprints (blake2b, 8 bytes) of: {origin}\n"
        f"# Written by tools/originality.py; {len(found)} sequences. The text itself is not kept.\n"
    )
    out.write_text(header + "\n".join(found) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("source", type=Path)
    parser.add_argument("origin")
    args = parser.parse_args()
    print(write(args.name, args.source, args.origin))


if __name__ == "__main__":
    main()
