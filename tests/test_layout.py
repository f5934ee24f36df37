"""The package layout tells where things live: each folder imports only from the ones below it.

Layers, lowest first: the shared records (`errors`, `models`, `paths`); then `coach` and
`store`, which know nothing of each other; `content` and `exercises`; `practice`;
`insight`; `widgets`; `workbook`, the one place where they all meet; and `coding`, the
exercise notebooks' functions, built on it. A module may import from its own
folder and from lower layers only, so there are no cycles and no upward imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "prep"
LAYER = {
    "errors": 0,
    "models": 0,
    "paths": 0,
    "coach": 1,
    "store": 1,
    "content": 2,
    "exercises": 2,
    "practice": 3,
    "insight": 4,
    "widgets": 5,
    "workbook": 6,
    "coding": 7,
    "__init__": 8,
}


def group_of(module: str) -> str:
    """`prep.store.history` → `store`; `prep.workbook` → `workbook`; `prep` → `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def package_of(path: Path) -> list[str]:
    """The package a file's relative imports start from: `prep/store/history.py` → prep.store."""
    return list(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])


def imports_of(source: str, package: list[str]) -> set[str]:
    """The `prep` modules some source imports, as absolute dotted names."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.startswith("prep"):
                names = [f"{target}.{a.name}" for a in node.names] if not node.module else []
                found.update(names or [target])
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("prep"))
    return found


def test_every_module_belongs_to_a_known_folder():
    groups = {
        group_of(".".join(p.relative_to(ROOT.parent).with_suffix("").parts))
        for p in ROOT.rglob("*.py")
    }
    assert groups <= set(LAYER), f"unknown folders or modules in prep/: {groups - set(LAYER)}"


def test_no_module_imports_from_a_layer_above_or_beside_its_own():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        me = group_of(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
        for target in imports_of(path.read_text(), package_of(path)):
            other = group_of(target)
            if other != me and LAYER[other] >= LAYER[me]:
                wrong.append(f"{path.relative_to(ROOT.parent)} imports {target}")
    assert not wrong, "imports that go up or sideways:\n" + "\n".join(wrong)


def test_the_checker_sees_upward_and_sideways_imports():
    """The rule above can fail: a store module reaching into widgets or coach is caught."""
    found = imports_of(
        "from ..widgets import QuestionCard\nfrom .. import coach\n", ["prep", "store"]
    )
    assert found == {"prep.widgets", "prep.coach"}
    assert all(LAYER[group_of(t)] >= LAYER["store"] for t in found)
