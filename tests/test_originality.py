"""Every sentence a learner reads is the workbook's own: no 8 words in a row from a public text.

The public texts are kept as fingerprints only (`tests/originality/*.txt`, written by
`tools/originality.py`): the Coursera article the workbook started from (the part of it
this workplace could retrieve) and the best-known public list of back-end interview
questions. Allowed to match: the article's four questions as it asks them, and the names
of courses and certificates, which are names, not prose.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import originality  # noqa: E402

NOT_PROSE = {"id", "signals", "source", "schema", "topic", "level", "kind", "composer", "order"}
ALLOWED = [  # exact wording that may be shared: the article's questions, course names
    "How did you first get involved in computer science?",
    "What has been your role in development projects in the past?",
    "What are the limitations of your preferred language?",
    "Where do you see yourself in five years?",
    "Meta Back-End Developer Professional Certificate",
    "4 Common Back-End Developer Interview Questions",
]


def strings(value, key: str | None = None) -> Iterator[str]:
    """Every text in a YAML document except ids, signals and other non-prose fields."""
    if key in NOT_PROSE:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key)


def learner_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text the learner reads in the workbook."""
    shipped = ["questions.yaml", "tips.yaml", "guides.yaml", "coach.yaml"]  # not your own files
    files = [ROOT / "data" / n for n in shipped] + sorted((ROOT / "data/questions").glob("*.yaml"))
    files += sorted((ROOT / "data/exercises").glob("*.yaml"))  # tasks, hints, explanations
    for path in files:
        for text in strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield str(path.relative_to(ROOT)), text
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                yield str(path.relative_to(ROOT)), "".join(cell["source"])
    yield "README.md", (ROOT / "README.md").read_text(encoding="utf-8")


def without_allowed(text: str) -> str:
    for phrase in ALLOWED:
        text = text.replace(phrase, " | ")
    return text


def copied_runs(reference: set[str]) -> list[str]:
    found = []
    for where, text in learner_texts():
        # a break where an allowed phrase was, so no run spans it
        for part in without_allowed(text).split(" | "):
            for run in originality.runs(part):
                if originality.fingerprint(run) in reference:
                    found.append(f"{where}: “{run}”")
    return found


SOURCES = sorted((ROOT / "tests" / "originality").glob("*.txt"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_no_eight_words_in_a_row_from_a_public_text(source):
    reference = originality.read_fingerprints(source)
    assert len(reference) > 500, f"{source.name} holds too few fingerprints to mean anything"
    copied = copied_runs(reference)
    assert not copied, f"text shared with {source.stem}:\n" + "\n".join(sorted(set(copied)))


def test_the_check_finds_a_copied_sentence(tmp_path):
    """The test above can fail: a sentence from the article's opening is found."""
    reference = originality.read_fingerprints(ROOT / "tests/originality/coursera-article.txt")
    copied = "there will be many opportunities for a back-end developer to interview"
    assert any(originality.fingerprint(r) in reference for r in originality.runs(copied))
    ours = "Prepare a story for each question and tie it to work you have shipped."
    assert not any(originality.fingerprint(r) in reference for r in originality.runs(ours))


def test_every_learner_facing_source_is_read():
    places = {where.split("/")[0] for where, _ in learner_texts()}
    assert {"data", "notebooks", "README.md"} <= places
