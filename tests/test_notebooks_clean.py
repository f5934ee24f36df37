"""Check the committed notebooks: present, valid, clean, navigable, and thin callers of `prep`."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urljoin, urlsplit

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BANK_DIR = "data/questions"  # one file per topic; each topic has a notebook with its deck
OWN_TOPIC = "my-questions"  # the learner's own questions: a deck, but no file in the repo
CONTENT_FILES = {
    "data/questions.yaml": "questions",
    "data/tips.yaml": "tips",
    "data/guides.yaml": "guides",
}


def _load_tool() -> ModuleType:
    """Import tools/notebooks.py by path: tools/ is a folder of scripts, not a package."""
    path = ROOT / "tools" / "notebooks.py"
    spec = importlib.util.spec_from_file_location("workbook_notebooks_tool", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
NAMES = [name for name, _ in tool.ORDER]


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def _code_sources(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def _content_ids() -> set[str]:
    ids: set[str] = set(_bank())
    for rel, key in CONTENT_FILES.items():
        with open(ROOT / rel, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        ids.update(item["id"] for item in data[key])
    return ids


def _bank() -> dict[str, str]:
    """Every bank question's id and its topic, read from data/questions/<topic>.yaml."""
    found = {}
    for path in sorted((ROOT / BANK_DIR).glob("*.yaml")):
        if path.name == "index.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.update({q["id"]: data["topic"] for q in data["questions"]})
    return found


def _bank_order() -> list[str]:
    index = ROOT / BANK_DIR / "index.yaml"
    return yaml.safe_load(index.read_text(encoding="utf-8"))["order"] if index.exists() else []


def _calls(nb: nbformat.NotebookNode, function: str) -> list[object]:
    """The first argument of every `prep.<function>(...)` cell (ast: any literal)."""
    found = []
    for source in _code_sources(nb):
        call = ast.parse(source).body[0]
        if (
            isinstance(call, ast.Expr)
            and isinstance(call.value, ast.Call)
            and isinstance(call.value.func, ast.Attribute)
            and call.value.func.attr == function
        ):
            arg = call.value.args[0] if call.value.args else None
            found.append(arg.value if isinstance(arg, ast.Constant) else arg)
    return found


def test_order_has_unique_files_and_titles():
    assert len(set(NAMES)) == len(NAMES)
    assert len({title for _, title in tool.ORDER}) == len(tool.ORDER)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_exists_and_is_valid(name):
    path = ROOT / "notebooks" / name
    assert path.is_file(), f"{name} is listed in ORDER but missing"
    nbformat.validate(_read(name))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_clean(name):
    nb = _read(name)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {cell.get('id')} has outputs"
            assert cell.execution_count is None, f"{name}: cell {cell.get('id')} was executed"
    assert "widgets" not in nb.metadata, f"{name}: widgets metadata present"


def test_navigation_is_up_to_date():
    assert tool.check(ROOT) == []


@pytest.mark.parametrize("name", NAMES)
def test_first_code_cell_imports_prep(name):
    sources = _code_sources(_read(name))
    assert sources, f"{name} has no code cells"
    assert sources[0] == "import prep"


@pytest.mark.parametrize("name", NAMES)
def test_other_code_cells_are_one_prep_call(name):
    for source in _code_sources(_read(name))[1:]:
        assert "\n" not in source.strip(), f"{name}: {source!r} is more than one line"
        assert source.startswith("prep."), f"{name}: {source!r} does not call prep"


@pytest.mark.parametrize("name", NAMES)
def test_card_ids_exist_in_content(name):
    known = _content_ids()
    for item_id in _calls(_read(name), "card"):
        assert isinstance(item_id, str), f"{name}: card id must be a literal string"
        assert item_id in known, f"{name}: unknown card id {item_id!r}"


@pytest.mark.parametrize("name", NAMES)
def test_deck_topics_exist_in_content(name):
    known = {*_bank().values(), OWN_TOPIC}
    for topic in _calls(_read(name), "deck"):
        assert isinstance(topic, str), f"{name}: deck topic must be a literal string"
        assert topic in known, f"{name}: unknown topic {topic!r}"


def test_every_content_item_has_a_card():
    """Each question and tip is on a page: its own card, or its topic's deck."""
    cards, decks = set(), set()
    for name in NAMES:
        cards.update(_calls(_read(name), "card"))
        decks.update(_calls(_read(name), "deck"))
    in_decks = {item_id for item_id, topic in _bank().items() if topic in decks}
    assert cards | in_decks == _content_ids()


def test_each_topic_has_one_page_in_the_bank_order():
    """Pages 12 onward are the bank's topics in data/questions/index.yaml's order, one each."""
    decks = [(name, topic) for name in NAMES for topic in _calls(_read(name), "deck")]
    bank_pages = [(name, topic) for name, topic in decks if topic != OWN_TOPIC]
    assert [topic for _, topic in bank_pages] == _bank_order()
    for number, (name, topic) in enumerate(bank_pages, 12):
        assert name == f"{number:02d}-{topic}.ipynb"


def test_navigation_markdown_ends():
    assert "Previous" not in tool.navigation_markdown(0)
    assert "Next" not in tool.navigation_markdown(len(NAMES) - 1)
    assert tool.navigation_markdown(1) == (
        f"[← Previous: {tool.ORDER[0][1]}]({NAMES[0]}) | [Next: {tool.ORDER[2][1]} →]({NAMES[2]})"
    )


@pytest.mark.parametrize(
    "page_url",
    [
        "http://127.0.0.1:8888/lab/tree/{name}",  # make lab
        "http://127.0.0.1:8888/voila/render/{name}?token=abc",  # make app
    ],
    ids=["lab", "voila"],
)
def test_every_link_between_pages_resolves_to_the_page_it_names(page_url):
    """A link in a page opens the page it names wherever the page is shown. Voilà showing one
    notebook alone (`voila NAME.ipynb`, at /) sends every such link to /voila/files/, a 403."""
    for name in NAMES:
        here = page_url.format(name=name)
        prefix = urlsplit(here).path.removesuffix(name)
        text = "\n".join(c.source for c in _read(name).cells if c.cell_type == "markdown")
        targets = re.findall(r"\]\(([^)\s]+\.ipynb)\)", text)
        assert targets, f"{name} links to no other page"
        for target in targets:
            assert target in NAMES, f"{name} links to {target}, which is no page"
            assert urlsplit(urljoin(here, target)).path == prefix + target, (name, target)


def test_apply_repairs_and_preserves(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in NAMES:
        (tmp_path / "notebooks" / name).write_bytes((ROOT / "notebooks" / name).read_bytes())
    path = tmp_path / "notebooks" / NAMES[1]
    nb = nbformat.read(path, as_version=4)
    prose = [cell.source for cell in nb.cells if not tool._is_nav_cell(cell)]
    nb.cells[-1].source = "stale"
    code = next(cell for cell in nb.cells if cell.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, path)

    problems = tool.check(tmp_path)
    assert any("stale" in p for p in problems)
    assert any("outputs" in p for p in problems)

    assert tool.apply(tmp_path) == [path]
    assert tool.check(tmp_path) == []
    repaired = nbformat.read(path, as_version=4)
    assert [c.source for c in repaired.cells if not tool._is_nav_cell(c)] == prose
    assert tool.apply(tmp_path) == []


def test_check_reports_missing_and_unlisted(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99-extra.ipynb").write_text(
        nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8"
    )
    problems = tool.check(tmp_path)
    assert f"notebooks/{NAMES[0]}: missing" in problems
    assert any("99-extra.ipynb: not listed" in p for p in problems)


EXERCISE_PAGES = {"python": "25-python-exercises.ipynb", "sql": "26-sql-exercises.ipynb"}


@pytest.mark.parametrize("kind", sorted(EXERCISE_PAGES))
def test_every_exercise_has_one_cell_on_its_kinds_page_in_file_order(kind):
    data = yaml.safe_load((ROOT / "data" / "exercises" / f"{kind}.yaml").read_text("utf-8"))
    expected = [e["id"] for e in data["exercises"]]
    shown = {name: _calls(_read(name), "exercise") for name in NAMES}
    assert shown[EXERCISE_PAGES[kind]] == expected
    elsewhere = [
        n for n, ids in shown.items() if n != EXERCISE_PAGES[kind] and set(ids) & set(expected)
    ]
    assert not elsewhere, f"{kind} exercises also shown on {elsewhere}"


def test_the_start_page_points_the_habit_advice_at_the_exercise_pages():
    habit = next(c.source for c in _read(NAMES[0]).cells if c.source.startswith("## Make practice"))
    assert "25 and 26" in habit
