"""Own the workbook's notebook order and keep each notebook's navigation cell in step with it.

Every notebook ends with a markdown cell tagged ``navigation`` that links to the previous and
next page. That cell is generated from ``ORDER`` below, never edited by hand.

Usage::

    python tools/notebooks.py           # rewrite navigation cells and strip outputs
    python tools/notebooks.py --check   # list problems and exit 1 if there are any

Writing keeps everything else in a notebook as it is, and always writes it clean: no outputs,
no execution counts, no ``widgets`` metadata.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = "notebooks"
NAV_TAG = "navigation"
NAV_CELL_ID = "navigation"

ORDER: list[tuple[str, str]] = [
    ("00-start-here.ipynb", "Start here"),
    ("01-first-involved.ipynb", "How you got into computer science"),
    ("02-past-role.ipynb", "Your role in past projects"),
    ("03-language-limits.ipynb", "Limits of the languages you prefer"),
    ("04-five-years.ipynb", "Where you'll be in five years"),
    ("05-research-company.ipynb", "Research the company"),
    ("06-come-prepared.ipynb", "Come prepared"),
    ("07-ask-questions.ipynb", "Ask questions"),
    ("08-follow-up-email.ipynb", "Follow up with an email"),
    ("09-certifications.ipynb", "Certifications and certificates"),
    ("10-progress.ipynb", "Your progress"),
    ("11-mock-interview.ipynb", "Mock interview"),
    # one page per topic of the question bank, in data/questions/index.yaml's order
    ("12-http-apis.ipynb", "HTTP and REST APIs"),
    ("13-databases.ipynb", "Databases and SQL"),
    ("14-nosql.ipynb", "NoSQL and consistency"),
    ("15-caching.ipynb", "Caching"),
    ("16-concurrency.ipynb", "Concurrency and async"),
    ("17-distributed.ipynb", "Distributed systems and messaging"),
    ("18-architecture.ipynb", "Architecture and scaling"),
    ("19-security.ipynb", "Security and authentication"),
    ("20-testing.ipynb", "Testing and quality"),
    ("21-design.ipynb", "Code design and patterns"),
    ("22-operations.ipynb", "Deployment, observability and incidents"),
    ("23-behavioural.ipynb", "Behavioural and situational questions"),
    ("24-my-questions.ipynb", "Your own questions"),
    # exercises checked in the notebook, one page per kind
    ("25-python-exercises.ipynb", "Coding exercises in Python"),
    ("26-sql-exercises.ipynb", "SQL exercises"),
]


def navigation_markdown(index: int) -> str:
    """Return the navigation line for the notebook at ``index`` in ``ORDER``.

    The first notebook links only forward and the last only back. Links are relative file
    names, since every notebook sits in the same folder: JupyterLab opens such a link as the
    notebook, and Voilà serving the folder (`make app`) renders each page at
    /voila/render/NAME.ipynb, where the same link resolves to the next page's address.
    """
    if not 0 <= index < len(ORDER):
        raise IndexError(f"no notebook at position {index}; ORDER has {len(ORDER)}")
    links = []
    if index > 0:
        name, title = ORDER[index - 1]
        links.append(f"[← Previous: {title}]({name})")
    if index < len(ORDER) - 1:
        name, title = ORDER[index + 1]
        links.append(f"[Next: {title} →]({name})")
    return " | ".join(links)


def expected_navigation() -> dict[str, str]:
    """Map each notebook's repo-relative path (``notebooks/NN-name.ipynb``) to its nav line."""
    return {f"{NOTEBOOK_DIR}/{name}": navigation_markdown(i) for i, (name, _) in enumerate(ORDER)}


def _is_nav_cell(cell: dict) -> bool:
    """Say whether ``cell`` is a generated navigation cell."""
    return cell.get("cell_type") == "markdown" and NAV_TAG in cell.get("metadata", {}).get(
        "tags", []
    )


def _dirt(nb: nbformat.NotebookNode) -> list[str]:
    """Describe what keeps ``nb`` from being clean (outputs, execution counts, widget state)."""
    found = []
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    if any(c.get("outputs") for c in code_cells):
        found.append("outputs present")
    if any(c.get("execution_count") is not None for c in code_cells):
        found.append("execution counts present")
    if "widgets" in nb.get("metadata", {}):
        found.append("widgets metadata present")
    return found


def _clean(nb: nbformat.NotebookNode) -> None:
    """Strip outputs, execution counts and widget state from ``nb`` in place."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)


def _set_navigation(nb: nbformat.NotebookNode, markdown: str) -> None:
    """Make the last cell of ``nb`` the navigation cell with ``markdown``, in place.

    An existing navigation cell anywhere in the notebook is removed first, so moving a
    notebook in ``ORDER`` never leaves a stale one behind; its id is reused.
    """
    old = [c for c in nb.cells if _is_nav_cell(c)]
    nb.cells = [c for c in nb.cells if not _is_nav_cell(c)]
    cell = nbformat.v4.new_markdown_cell(source=markdown)
    cell["metadata"] = {"tags": [NAV_TAG]}
    if old and old[-1].get("id"):
        cell["id"] = old[-1]["id"]
    elif NAV_CELL_ID not in {c.get("id") for c in nb.cells}:
        cell["id"] = NAV_CELL_ID
    nb.cells.append(cell)


def apply(root: Path = ROOT) -> list[Path]:
    """Rewrite the navigation cell of every notebook in ``ORDER`` under ``root`` and clean it.

    Returns the notebooks whose file content changed. Missing notebooks are skipped; run
    ``check`` to list them.
    """
    changed = []
    for rel, markdown in expected_navigation().items():
        path = Path(root) / rel
        if not path.exists():
            continue
        before = path.read_text(encoding="utf-8")
        nb = nbformat.reads(before, as_version=4)
        _set_navigation(nb, markdown)
        _clean(nb)
        after = nbformat.writes(nb)
        if not after.endswith("\n"):
            after += "\n"
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    return changed


def check(root: Path = ROOT) -> list[str]:
    """List what is wrong with the notebooks under ``root``; an empty list means all is well.

    Reports notebooks in ``ORDER`` that are missing, notebooks in the folder that ``ORDER``
    does not list, navigation cells that are missing or stale, and notebooks that are not clean.
    """
    problems = []
    expected = expected_navigation()
    for rel, markdown in expected.items():
        path = Path(root) / rel
        if not path.exists():
            problems.append(f"{rel}: missing")
            continue
        nb = nbformat.read(path, as_version=4)
        last = nb.cells[-1] if nb.cells else {}
        if not _is_nav_cell(last):
            problems.append(f"{rel}: last cell is not a navigation cell")
        elif last.get("source") != markdown:
            problems.append(f"{rel}: navigation is stale")
        if sum(_is_nav_cell(c) for c in nb.cells) > 1:
            problems.append(f"{rel}: more than one navigation cell")
        problems.extend(f"{rel}: {dirt}" for dirt in _dirt(nb))
    folder = Path(root) / NOTEBOOK_DIR
    if folder.is_dir():
        for path in sorted(folder.glob("*.ipynb")):
            rel = f"{NOTEBOOK_DIR}/{path.name}"
            if rel not in expected:
                problems.append(f"{rel}: not listed in ORDER (tools/notebooks.py)")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run the command line: rewrite navigation, or with ``--check`` only report problems."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="report problems and exit 1 instead of writing"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.root)
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    for path in apply(args.root):
        print(f"updated {path.relative_to(args.root)}")
    problems = check(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
