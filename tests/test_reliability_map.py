"""docs/reliability.md maps every reliability case to tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = [f"L{n}" for n in range(1, 5)] + [f"F{n}" for n in range(1, 8)]
CASES += [f"B{n}" for n in range(1, 6)] + [f"S{n}" for n in range(1, 6)]


def table() -> dict[str, list[str]]:
    rows = {}
    for line in (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| ([LFBS]\d) \|", line)
        if match:
            rows[match.group(1)] = re.findall(r"`(test_\w+\.py::test_\w+)`", line)
    return rows


def test_every_case_has_a_test():
    rows = table()
    assert sorted(rows) == sorted(CASES)
    assert [case for case, tests in rows.items() if not tests] == []


def test_every_named_test_exists():
    missing = []
    for tests in table().values():
        for node in tests:
            file, name = node.split("::")
            source = (ROOT / "tests" / file).read_text(encoding="utf-8")
            if not re.search(rf"^def {name}\(", source, re.MULTILINE):
                missing.append(node)
    assert missing == []
