"""The exercise pages run end to end with the model solutions typed in, as a learner would.

The committed notebooks hold no solutions: this test copies each page, adds below every
`prep.exercise(...)` cell a cell with the model solution and one that checks it, runs the
copy in a real kernel against a throwaway data folder, and reads the results back.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from prep import workbook

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("25-python-exercises.ipynb", "26-sql-exercises.ipynb")


def _exercise_id(source: str) -> str | None:
    call = ast.parse(source).body[0]
    if (
        isinstance(call, ast.Expr)
        and isinstance(call.value, ast.Call)
        and getattr(call.value.func, "attr", "") == "exercise"
    ):
        return call.value.args[0].value
    return None


def _with_solutions(page: str, results: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    nb = nbformat.read(ROOT / "notebooks" / page, as_version=4)
    catalog = workbook.all_exercises()
    cells, checked = [], []
    for cell in nb.cells:
        cells.append(cell)
        ident = _exercise_id(cell.source) if cell.cell_type == "code" else None
        if ident is None:
            continue
        ex = catalog.get(ident)
        if ex.kind == "python":
            cells.append(nbformat.v4.new_code_cell(ex.solution))
            solution = ex.name
        else:
            solution = json.dumps(ex.solution)
        # results go to a file, not stdout: a busy machine may deliver printed output late
        cells.append(
            nbformat.v4.new_code_cell(
                f"report = prep.check({ident!r}, {solution})\n"
                f"with open({str(results)!r}, 'a', encoding='utf-8') as out:\n"
                f"    out.write(' '.join(map(str, ({ident!r}, report.passed, "
                "report.tests_passed, report.total))) + '\\n')"
            )
        )
        checked.append(ident)
    nb.cells = cells
    return nb, checked


@pytest.mark.parametrize("page", PAGES)
def test_every_exercise_on_the_page_passes_with_its_model_solution(page, tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_DATA_DIR", str(tmp_path / "data"))
    written = tmp_path / "results.txt"
    nb, checked = _with_solutions(page, written)
    assert checked, f"{page} shows no exercise"
    NotebookClient(
        nb, timeout=120, resources={"metadata": {"path": str(ROOT / "notebooks")}}
    ).execute()
    results = {}
    for line in written.read_text(encoding="utf-8").splitlines():
        ident, passed, got, total = line.split()
        results[ident] = (passed, got, total)
    assert set(results) == set(checked)
    failed = {i: r for i, r in results.items() if r[0] != "True"}
    assert not failed, f"model solutions that did not pass: {failed}"
    history = (tmp_path / "data" / "practice_history.csv").read_text(encoding="utf-8")
    assert all(ident in history for ident in checked)  # every check was saved
