"""Check tools/workcopy.py: the learner's copy of the notebooks that `make lab` serves.

The first half tests the sync decisions on small throwaway notebooks. The second half clones
the repository, runs notebooks in the clone's working copy the way JupyterLab saves them,
and checks that `git status` stays empty and that `git pull` of a newer page just works.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path, name: str) -> ModuleType:
    """Import a script from tools/ by path: tools/ is a folder of scripts, not a package."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


wc = _load(ROOT / "tools" / "workcopy.py", "workbook_workcopy_tool")
v4 = nbformat.v4


def _page(*cells: tuple[str, str, str]) -> nbformat.NotebookNode:
    """Build a clean notebook from (id, type, source) triples."""
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    for cell_id, kind, source in cells:
        cell = v4.new_code_cell(source) if kind == "code" else v4.new_markdown_cell(source)
        cell["id"] = cell_id
        nb.cells.append(cell)
    return nb


def _first() -> nbformat.NotebookNode:
    return _page(
        ("intro", "markdown", "# One"),
        ("imp", "code", "import prep"),
        ("card", "code", 'prep.card("one")'),
        ("nav", "markdown", "[Next](02-two.ipynb)"),
    )


def _write(path: Path, nb: nbformat.NotebookNode) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _run(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every code cell an output and a count, as running the page in JupyterLab does."""
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
        cell.outputs = [v4.new_output("stream", text=f"ran {cell.id}\n")]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def _copied_from(path: Path, upstream_path: Path) -> bool:
    """True when the page at `path` is the upstream page with the kernel's language_info."""
    page, upstream = _read(path), _read(upstream_path)
    if page.metadata.pop("language_info", None) != wc.kernel_language_info():
        return False
    upstream.metadata.pop("language_info", None)
    return page == upstream


@pytest.fixture
def repo(tmp_path):
    """An upstream notebooks/ folder with two pages, and where the working copy goes."""
    upstream = tmp_path / "notebooks"
    _write(upstream / "01-one.ipynb", _first())
    _write(upstream / "02-two.ipynb", _page(("intro", "markdown", "# Two")))
    return upstream, tmp_path / "my-workbook"


def test_first_run_copies_every_page_then_prints_nothing(repo):
    upstream, copy = repo
    assert wc.sync(upstream, copy) == ["created my-workbook/ with 2 notebooks: your own copy"]
    for name in ("01-one.ipynb", "02-two.ipynb"):
        assert _copied_from(copy / name, upstream / name)
    assert (copy / wc.MANIFEST_NAME).is_file()
    manifest = (copy / wc.MANIFEST_NAME).read_bytes()
    assert wc.sync(upstream, copy) == []
    assert (copy / wc.MANIFEST_NAME).read_bytes() == manifest


def test_new_upstream_page_is_copied(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    _write(upstream / "03-three.ipynb", _page(("intro", "markdown", "# Three")))
    assert wc.sync(upstream, copy) == ["copied 03-three.ipynb"]
    assert _copied_from(copy / "03-three.ipynb", upstream / "03-three.ipynb")
    assert wc.sync(upstream, copy) == []


def test_run_page_is_updated_and_keeps_outputs_of_unchanged_cells(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    _write(copy / "01-one.ipynb", _run(_read(copy / "01-one.ipynb")))
    new = _first()
    new.cells[0].source = "# One, reworded"
    new.cells[2].source = 'prep.card("one-renamed")'
    _write(upstream / "01-one.ipynb", new)

    assert wc.sync(upstream, copy) == [
        "updated 01-one.ipynb to the new version (your outputs kept)"
    ]
    page = _read(copy / "01-one.ipynb")
    assert [c.source for c in page.cells] == [c.source for c in new.cells]
    imp, card = page.cells[1], page.cells[2]
    assert imp.outputs[0].text == "ran imp\n" and imp.execution_count == 1
    assert card.outputs == [] and card.execution_count is None
    assert "widgets" in page.metadata
    nbformat.validate(page)
    assert wc.sync(upstream, copy) == []


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda nb: setattr(nb.cells[0], "source", "# My notes"), id="source"),
        pytest.param(lambda nb: nb.cells.append(v4.new_code_cell("prep.next_up()")), id="added"),
        pytest.param(lambda nb: nb.cells.pop(1), id="deleted"),
    ],
)
def test_edited_page_is_left_alone_and_new_version_written_beside(repo, edit):
    upstream, copy = repo
    wc.sync(upstream, copy)
    mine = _run(_read(copy / "01-one.ipynb"))
    edit(mine)
    _write(copy / "01-one.ipynb", mine)
    before = (copy / "01-one.ipynb").read_bytes()
    new = _first()
    new.cells[0].source = "# One, reworded"
    _write(upstream / "01-one.ipynb", new)

    assert wc.sync(upstream, copy) == [
        "kept your 01-one.ipynb (you edited it); the new version is 01-one.updated.ipynb"
    ]
    assert (copy / "01-one.ipynb").read_bytes() == before
    beside = copy / "01-one.updated.ipynb"
    assert _copied_from(beside, upstream / "01-one.ipynb")
    assert wc.sync(upstream, copy) == []
    beside.unlink()  # read and merged by hand: not offered again
    assert wc.sync(upstream, copy) == []

    new.cells[0].source = "# One, reworded again"
    _write(upstream / "01-one.ipynb", new)
    assert wc.sync(upstream, copy) == [
        "kept your 01-one.ipynb (you edited it); the new version is 01-one.updated.ipynb"
    ]
    assert _read(beside).cells[0].source == "# One, reworded again"
    assert (copy / "01-one.ipynb").read_bytes() == before


def test_edited_page_is_kept_silently_while_upstream_does_not_change(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    mine = _read(copy / "01-one.ipynb")
    mine.cells.append(v4.new_code_cell("prep.backup_history()"))
    _write(copy / "01-one.ipynb", mine)
    assert wc.sync(upstream, copy) == []
    assert not (copy / "01-one.updated.ipynb").exists()


def test_page_removed_upstream_stays_in_the_copy(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    kept = (copy / "02-two.ipynb").read_bytes()
    (upstream / "02-two.ipynb").unlink()
    assert wc.sync(upstream, copy) == []
    assert (copy / "02-two.ipynb").read_bytes() == kept


def test_page_deleted_from_the_copy_comes_back_fresh(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    (copy / "02-two.ipynb").unlink()
    assert wc.sync(upstream, copy) == ["copied 02-two.ipynb"]
    assert _copied_from(copy / "02-two.ipynb", upstream / "02-two.ipynb")


def test_language_info_is_what_the_kernel_reports():
    from ipykernel.ipkernel import IPythonKernel

    assert wc.kernel_language_info() == IPythonKernel.language_info


def test_unedited_pages_get_the_kernels_language_info_once(repo):
    """JupyterLab marks a page modified on opening when its language_info differs from the
    kernel's; an unedited page from an older copy gets it filled in, an edited one never."""
    upstream, copy = repo
    wc.sync(upstream, copy)
    for name, edited in (("01-one.ipynb", False), ("02-two.ipynb", True)):
        page = _run(_read(copy / name))  # language_info as another Python wrote it
        if edited:
            page.cells.append(v4.new_markdown_cell("My notes"))
        _write(copy / name, page)
    edited_before = (copy / "02-two.ipynb").read_bytes()

    assert wc.sync(upstream, copy) == []
    page = _read(copy / "01-one.ipynb")
    assert page.metadata.language_info == wc.kernel_language_info()
    assert page.cells[1].outputs[0].text == "ran imp\n"  # only the metadata changed
    assert (copy / "02-two.ipynb").read_bytes() == edited_before
    settled = (copy / "01-one.ipynb").stat().st_mtime_ns
    assert wc.sync(upstream, copy) == []
    assert (copy / "01-one.ipynb").stat().st_mtime_ns == settled  # not rewritten again


def test_learners_own_files_are_never_touched(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    own = {
        copy / "Untitled.ipynb": nbformat.writes(_run(_page(("x", "code", "1 + 1")))),
        copy / "answer-book.md": "# My answers\n",
        copy / "notes" / "01-one.ipynb": "not even a notebook",
    }
    for path, text in own.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamps = {path: path.stat().st_mtime_ns for path in own}
    new = _first()
    new.cells[0].source = "# One, reworded"
    _write(upstream / "01-one.ipynb", new)
    _write(upstream / "Untitled.ipynb", _page(("y", "markdown", "upstream page, same name")))

    assert wc.sync(upstream, copy) == [
        "updated 01-one.ipynb to the new version (your outputs kept)",
        "kept your Untitled.ipynb (you edited it); the new version is Untitled.updated.ipynb",
    ]
    for path, text in own.items():
        assert path.read_text(encoding="utf-8") == text
        assert path.stat().st_mtime_ns == stamps[path]


def test_page_that_is_not_a_notebook_any_more_is_left_alone(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    (copy / "01-one.ipynb").write_text("{ broken", encoding="utf-8")
    assert wc.sync(upstream, copy) == []
    new = _first()
    new.cells[0].source = "# One, reworded"
    _write(upstream / "01-one.ipynb", new)
    assert len(wc.sync(upstream, copy)) == 1
    assert (copy / "01-one.ipynb").read_text(encoding="utf-8") == "{ broken"
    assert (copy / "01-one.updated.ipynb").is_file()


def test_unreadable_manifest_counts_as_every_page_edited(repo):
    upstream, copy = repo
    wc.sync(upstream, copy)
    _write(copy / "01-one.ipynb", _run(_read(copy / "01-one.ipynb")))
    (copy / wc.MANIFEST_NAME).write_text("not json", encoding="utf-8")
    messages = wc.sync(upstream, copy)
    assert len(messages) == 1 and "could not be read" in messages[0]
    assert _read(copy / "01-one.ipynb").cells[1].outputs  # the learner's run is kept
    assert wc.sync(upstream, copy) == []


def test_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "page.ipynb"
    path.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(wc.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        wc.write_atomically(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.ipynb"]


def test_written_files_get_usual_permissions_and_keep_existing_ones(tmp_path):
    fresh, kept = tmp_path / "fresh.ipynb", tmp_path / "kept.ipynb"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o640)
    wc.write_atomically(fresh, "new")
    wc.write_atomically(kept, "new")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~wc._umask()
    assert kept.stat().st_mode & 0o777 == 0o640
    assert kept.read_text(encoding="utf-8") == "new"


def test_fingerprint_ignores_what_running_a_page_changes():
    clean = _first()
    assert wc.fingerprint(_run(_first())) == wc.fingerprint(clean)
    renumbered = _first()
    renumbered.cells[0]["id"] = "other"
    assert wc.fingerprint(renumbered) == wc.fingerprint(clean)
    retyped = _first()
    retyped.cells[3] = v4.new_raw_cell(retyped.cells[3].source)
    assert wc.fingerprint(retyped) != wc.fingerprint(clean)


UP, BASE, OFFERED, EDITED = "upstream", "base", "offered", "edited"


@pytest.mark.parametrize(
    ("current", "exists", "entry", "action"),
    [
        (None, False, wc.Entry(), wc.COPY),
        (None, False, wc.Entry(base=BASE), wc.COPY),
        (UP, True, wc.Entry(base=UP), wc.KEEP),
        (UP, True, wc.Entry(), wc.ADOPT),
        (UP, True, wc.Entry(base=BASE, offered=UP), wc.ADOPT),
        (BASE, True, wc.Entry(base=BASE), wc.UPDATE),
        (EDITED, True, wc.Entry(base=BASE), wc.OFFER),
        (EDITED, True, wc.Entry(), wc.OFFER),
        (None, True, wc.Entry(base=BASE), wc.OFFER),
        (EDITED, True, wc.Entry(base=BASE, offered=UP), wc.KEEP),
        (EDITED, True, wc.Entry(base=UP), wc.KEEP),
        (None, True, wc.Entry(base=UP), wc.KEEP),
    ],
)
def test_decide(current, exists, entry, action):
    assert wc.decide(UP, current, exists, entry) == action


def test_main_prints_one_line_per_change(tmp_path, capsys):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    pages = len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert wc.main(["--root", str(tmp_path)]) == 0
    created = capsys.readouterr().out
    assert created == f"created my-workbook/ with {pages} notebooks: your own copy\n"
    assert wc.main(["--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


def test_main_says_what_went_wrong_instead_of_a_traceback(tmp_path, capsys):
    assert wc.main(["--root", str(tmp_path)]) == 1
    assert "no notebooks folder at" in capsys.readouterr().err


def test_make_lab_syncs_then_serves_the_copy():
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(
        [make, "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    sync, _, lab = plan.partition("tools/workcopy.py --dest my-workbook")
    assert sync and lab, plan
    assert "--ServerApp.root_dir=my-workbook" in lab
    assert "--LabApp.default_url=/lab/tree/00-start-here.ipynb" in lab
    assert "--ip=127.0.0.1" in lab


def test_make_app_syncs_then_serves_the_copy_in_voila_from_the_start_page():
    """`make app` serves the same copy as `make lab` (its data folder handling is shared,
    below), with Voilà's settings, opening the start page that Voilà renders."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(
        [make, "-n", "app"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    sync, _, app = plan.partition("tools/workcopy.py --dest my-workbook")
    assert sync and app, plan
    assert "jupyter server" in app
    assert "--ServerApp.root_dir=my-workbook" in app
    assert "--ServerApp.default_url=/voila/render/00-start-here.ipynb" in app
    assert "--config=jupyter_app_config.py" in app
    assert "--ip=127.0.0.1" in app


def test_make_help_lists_each_learner_command_and_each_exists():
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    shown = subprocess.run(
        [make, "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    targets = re.findall(r"^make (\w+)\s+- ", shown, flags=re.MULTILINE)
    assert targets[:2] == ["lab", "test"] and "app" in targets, shown
    for target in targets:
        dry = subprocess.run([make, "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert dry.returncode == 0, (target, dry.stderr)


@pytest.mark.parametrize(
    ("given", "kernel_sees"),
    [("interview-data", ROOT / "interview-data"), ("/srv/answers", Path("/srv/answers"))],
)
def test_make_lab_hands_the_kernel_an_absolute_data_folder(given, kernel_sees):
    """The kernel runs inside my-workbook/, so `make lab PREP_DATA_DIR=rel` must not mean
    my-workbook/rel: the README's instruction would then silently start a new history."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    probe = "include Makefile\nprobe:\n\t@echo $$PREP_DATA_DIR\n"
    for how in ("argument", "environment"):
        args = [make, "--no-print-directory", "-f", "-", "probe"]
        env = dict(os.environ)
        if how == "argument":
            args.append(f"PREP_DATA_DIR={given}")
        else:
            env["PREP_DATA_DIR"] = given
        out = subprocess.run(
            args, cwd=ROOT, input=probe, capture_output=True, text=True, check=True, env=env
        ).stdout
        assert out.strip() == str(kernel_sees), how


# --- the repository stays clean: a real clone, a real kernel, a real `git pull` ---------------

EXECUTED = ["01-first-involved.ipynb", "08-follow-up-email.ipynb", "10-progress.ipynb"]


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def _current_env_kernel(folder: Path) -> Path:
    """Write a `python3` kernelspec for this interpreter under ``folder``, for JUPYTER_PATH.

    JUPYTER_PATH comes first in Jupyter's search, so the kernel is the one running the tests
    (as nbval's `--nbval-current-env`), whatever other `python3` kernels are installed.
    """
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return folder


def _execute_and_save(path: Path) -> None:
    """Run a page with a kernel and save it with its outputs, as JupyterLab's autosave does."""
    from nbclient import NotebookClient

    nb = _read(path)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def clones(tmp_path_factory):
    """An upstream clone of this repository and a learner's clone of it, pages already run.

    The learner has synced the working copy and run a few of its pages with a kernel whose
    data folder is a temp dir; the run pages are saved with outputs and widget state.
    """
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of the workbook")
    base = tmp_path_factory.mktemp("clones")
    upstream, learner = base / "upstream", base / "learner"
    _git(base, "clone", "--quiet", str(ROOT), str(upstream))
    _git(base, "clone", "--quiet", str(upstream), str(learner))
    copy = learner / wc.WORKCOPY_DIR
    wc.sync(learner / wc.UPSTREAM_DIR, copy)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREP_DATA_DIR", str(base / "data"))
        mp.setenv("MPLBACKEND", "Agg")
        # The kernel imports the clone's own `prep`, as the learner's editable install would,
        # not whatever this checkout's working tree holds.
        mp.setenv("PYTHONPATH", str(learner))
        mp.setenv("JUPYTER_PATH", str(_current_env_kernel(base / "jupyter")))
        for name in EXECUTED:
            _execute_and_save(copy / name)
    return upstream, learner


def test_running_the_working_copy_leaves_git_status_empty(clones):
    _, learner = clones
    copy = learner / wc.WORKCOPY_DIR
    for name in EXECUTED:
        page = _read(copy / name)
        assert any(c.get("outputs") for c in page.cells if c.cell_type == "code"), name
    assert _git(learner, "status", "--porcelain") == ""
    tool = _load(learner / "tools" / "notebooks.py", "workbook_notebooks_tool_clone")
    assert tool.check(learner) == []


def test_git_pull_brings_a_new_page_into_the_working_copy(clones):
    upstream, learner = clones
    copy = learner / wc.WORKCOPY_DIR
    ran = {c.id: c.outputs for c in _read(copy / EXECUTED[0]).cells if c.cell_type == "code"}
    mine = _read(copy / "02-past-role.ipynb")
    mine.cells.insert(1, v4.new_markdown_cell("My own notes"))
    _write(copy / "02-past-role.ipynb", mine)

    for name in (EXECUTED[0], "02-past-role.ipynb"):
        path = upstream / "notebooks" / name
        nb = _read(path)
        prose = next(c for c in nb.cells if c.cell_type == "markdown")
        prose.source += "\n\nA sentence added upstream."
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    _git(upstream, "commit", "--quiet", "-am", "Reword two pages")

    _git(learner, "pull", "--quiet", "--ff-only")
    assert _git(learner, "status", "--porcelain") == ""
    assert wc.sync(learner / "notebooks", copy) == [
        "updated 01-first-involved.ipynb to the new version (your outputs kept)",
        "kept your 02-past-role.ipynb (you edited it); "
        "the new version is 02-past-role.updated.ipynb",
    ]
    page = _read(copy / EXECUTED[0])
    assert "A sentence added upstream." in page.cells[0].source
    kept = {c.id: c.outputs for c in page.cells if c.cell_type == "code"}
    assert kept == ran and any(kept.values())
    assert _read(copy / "02-past-role.ipynb").cells[1].source == "My own notes"
    offered = _read(copy / "02-past-role.updated.ipynb")
    assert "A sentence added upstream." in offered.cells[0].source
    assert _git(learner, "status", "--porcelain") == ""
