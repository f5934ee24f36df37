"""Keep the learner's own copy of the notebooks (``my-workbook/``) in step with ``notebooks/``.

``make lab`` runs this before starting JupyterLab and serves the copy, so running the
notebooks (and JupyterLab's autosave) never touches the committed ones: ``git status`` stays
clean and ``git pull`` can bring newer pages. The copy is git-ignored.

Usage::

    python tools/workcopy.py            # create or bring up to date ./my-workbook

What a run does, page by page (a page is a notebook in ``notebooks/``):

- not in the copy yet (or deleted from it): copied;
- changed upstream, and the learner's copy differs from what was copied only by outputs,
  execution counts or metadata: replaced by the new page, keeping the learner's outputs for
  cells whose id and source are unchanged;
- changed upstream, but the learner edited its cells: left alone, and the new page is written
  beside it as ``NAME.updated.ipynb``;
- removed upstream: left in place.

Whether a page was edited is decided against the version it was copied from, recorded as a
hash of its cells in ``my-workbook/.workbook-versions.json``. Other files in the copy are the
learner's and are never touched. One line is printed per change, nothing when nothing changed.

Every page written, and every page the learner has not edited, carries the ``language_info``
of the kernel it will run on (this Python's). JupyterLab writes what the kernel reports into
a page's metadata as soon as the kernel connects, and a page that said anything else (the
committed pages say only ``python``) is then marked modified the moment it opens.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM_DIR = "notebooks"
WORKCOPY_DIR = "my-workbook"
MANIFEST_NAME = ".workbook-versions.json"
UPDATED_SUFFIX = ".updated.ipynb"

# What `decide` can ask for.
COPY = "copy"  # write the upstream page into the copy
UPDATE = "update"  # write the upstream page with the learner's outputs carried over
OFFER = "offer"  # write the upstream page beside the learner's, as NAME.updated.ipynb
ADOPT = "adopt"  # the learner's page already has the upstream cells: only record that
KEEP = "keep"  # nothing to do


@dataclass(frozen=True)
class Entry:
    """What the manifest remembers about one page of the copy.

    ``base`` is the fingerprint of the upstream page the copy was made from; ``offered`` the
    fingerprint of the upstream page last written beside it as ``.updated``, if any.
    """

    base: str | None = None
    offered: str | None = None


def kernel_language_info() -> dict[str, object]:
    """Return the ``language_info`` ipykernel reports when it runs on this Python.

    ``make lab`` runs this script with the venv's Python, which its kernel runs on too. The
    dict is ipykernel's ``IPythonKernel.language_info`` (a test keeps the two equal), written
    out here because importing ipykernel would cost ``make lab`` half a second.
    """
    return {
        "name": "python",
        "version": sys.version.split()[0],
        "mimetype": "text/x-python",
        "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
        "pygments_lexer": "ipython3",
        "nbconvert_exporter": "python",
        "file_extension": ".py",
    }


def for_this_kernel(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` whose ``language_info`` is the kernel's (see the module notes).

    A page for another language (its kernelspec says so) is returned unchanged.
    """
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    if language != "python":
        return nb
    page = copy.deepcopy(nb)
    page.metadata["language_info"] = nbformat.from_dict(kernel_language_info())
    return page


def fingerprint(nb: nbformat.NotebookNode) -> str:
    """Hash what a learner edits in ``nb``: the type and source of each cell, in order.

    Outputs, execution counts, cell ids and all metadata are left out, so running a page
    or JupyterLab saving it does not change its fingerprint.
    """
    cells = [[cell.get("cell_type"), cell.get("source", "")] for cell in nb.cells]
    text = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decide(upstream: str, current: str | None, exists: bool, entry: Entry) -> str:
    """Choose what to do with one page, from fingerprints alone.

    ``upstream`` is the fingerprint of the page in ``notebooks/``; ``current`` that of the
    learner's copy (``None`` if it cannot be read); ``exists`` whether the copy is there.
    """
    if not exists:
        return COPY
    if current == upstream:
        return KEEP if entry.base == upstream and entry.offered is None else ADOPT
    if entry.base is not None and current == entry.base:
        return UPDATE
    if upstream in (entry.base, entry.offered):
        return KEEP
    return OFFER


def carry_outputs(
    upstream: nbformat.NotebookNode, learner: nbformat.NotebookNode
) -> nbformat.NotebookNode:
    """Return a copy of ``upstream`` with ``learner``'s outputs where a cell is unchanged.

    A code cell keeps the learner's outputs and execution count when the learner's page has
    a code cell with the same id and the same source. Saved widget state goes along, since
    widget outputs refer to it.
    """
    merged = copy.deepcopy(upstream)
    theirs = {
        cell.get("id"): cell
        for cell in learner.cells
        if cell.get("cell_type") == "code" and cell.get("id")
    }
    for cell in merged.cells:
        old = theirs.get(cell.get("id"))
        if cell.get("cell_type") != "code" or old is None or old.get("source") != cell.source:
            continue
        cell["outputs"] = copy.deepcopy(old.get("outputs", []))
        cell["execution_count"] = old.get("execution_count")
    if "widgets" in learner.get("metadata", {}):
        merged.metadata["widgets"] = copy.deepcopy(learner.metadata["widgets"])
    return merged


def updated_name(name: str) -> str:
    """Name the file the new version of an edited page is written to."""
    return name.removesuffix(".ipynb") + UPDATED_SUFFIX


def read_manifest(path: Path) -> tuple[dict[str, Entry], str | None]:
    """Read the manifest at ``path``; return its entries and a warning if it was unreadable.

    A missing or unreadable manifest counts as empty, which is safe: pages are then only
    replaced when they already match upstream, and otherwise offered beside.
    """
    if not path.exists():
        return {}, None
    try:
        pages = json.loads(path.read_text(encoding="utf-8"))["pages"]
        return {
            name: Entry(base=value.get("base"), offered=value.get("offered"))
            for name, value in pages.items()
        }, None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return {}, f"{path.name} could not be read ({exc}); treating every page as edited"


def manifest_text(entries: dict[str, Entry]) -> str:
    """Render ``entries`` as the manifest's JSON text."""
    pages = {}
    for name in sorted(entries):
        entry = entries[name]
        pages[name] = {"base": entry.base}
        if entry.offered is not None:
            pages[name]["offered"] = entry.offered
    note = "Written by tools/workcopy.py: the upstream version each page was copied from."
    return json.dumps({"note": note, "pages": pages}, indent=1) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and ``os.replace``.

    A reader (or JupyterLab) sees the old file or the new one, never half of one. A replaced
    file keeps its permissions; a new one gets the usual ones (``mkstemp`` alone gives 0600).
    """
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """Return the process umask (reading it means setting it, so set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _notebook_text(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _settle_language_info(path: Path, learner: nbformat.NotebookNode) -> None:
    """Give an unedited page of the copy the kernel's ``language_info``, if it differs.

    Only the metadata changes (the cells and outputs stay as they are), and only once: the
    first time, or after the venv's Python changed version.
    """
    settled = for_this_kernel(learner)
    if settled.metadata.get("language_info") != learner.metadata.get("language_info"):
        write_atomically(path, _notebook_text(settled))


def _read_learner(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    """Read the learner's page and its fingerprint; ``(None, None)`` if it is not a notebook."""
    if not path.exists():
        return None, None
    try:
        nb = nbformat.read(path, as_version=4)
        return nb, fingerprint(nb)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError):
        return None, None


def sync(upstream_dir: Path, workcopy_dir: Path) -> list[str]:
    """Bring ``workcopy_dir`` up to date with the notebooks in ``upstream_dir``.

    Returns one line per change made (empty when the copy was already up to date).
    """
    upstream_dir, workcopy_dir = Path(upstream_dir), Path(workcopy_dir)
    if not upstream_dir.is_dir():
        raise FileNotFoundError(f"no notebooks folder at {upstream_dir}")
    messages = []
    created = not workcopy_dir.exists()
    if created:
        workcopy_dir.mkdir(parents=True)
    manifest_path = workcopy_dir / MANIFEST_NAME
    entries, warning = read_manifest(manifest_path)
    if warning:
        messages.append(warning)
    before = dict(entries)
    for source in sorted(upstream_dir.glob("*.ipynb")):
        name = source.name
        upstream_text = source.read_text(encoding="utf-8")
        upstream = nbformat.reads(upstream_text, as_version=4)
        target = workcopy_dir / name
        learner, current = _read_learner(target)
        up_fp = fingerprint(upstream)
        action = decide(up_fp, current, target.exists(), entries.get(name, Entry()))
        page_text = _notebook_text(for_this_kernel(upstream))
        if action == COPY:
            write_atomically(target, page_text)
            if not created:
                messages.append(f"copied {name}")
        elif action == UPDATE:
            merged = for_this_kernel(carry_outputs(upstream, learner))
            write_atomically(target, _notebook_text(merged))
            messages.append(f"updated {name} to the new version (your outputs kept)")
        elif action == OFFER:
            write_atomically(workcopy_dir / updated_name(name), page_text)
            messages.append(
                f"kept your {name} (you edited it); the new version is {updated_name(name)}"
            )
            entries[name] = Entry(base=entries.get(name, Entry()).base, offered=up_fp)
            continue
        elif learner is not None and current == up_fp:
            _settle_language_info(target, learner)
        if action != KEEP:
            entries[name] = Entry(base=up_fp)
    if entries != before or not manifest_path.exists():
        write_atomically(manifest_path, manifest_text(entries))
    if created:
        count = sum(1 for _ in upstream_dir.glob("*.ipynb"))
        messages.insert(0, f"created {workcopy_dir.name}/ with {count} notebooks: your own copy")
    return messages


def main(argv: list[str] | None = None) -> int:
    """Run the command line: sync the working copy and print what changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: %(default)s)"
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=None,
        help=f"the working copy (default: ROOT/{WORKCOPY_DIR})",
    )
    args = parser.parse_args(argv)
    dest = args.dest if args.dest is not None else args.root / WORKCOPY_DIR
    try:
        lines = sync(args.root / UPSTREAM_DIR, dest)
    except OSError as exc:
        print(f"could not bring {dest} up to date: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
