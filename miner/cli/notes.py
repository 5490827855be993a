"""What `touchpoints mine` says beside its table: files a folder held that are not read, files stored as one
source, the taxonomy it kept, and how a refit's pain points changed since the run before."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

    from miner.progress import Progress
    from miner.touchpoints import Taxonomy


def note_skipped(skipped: list[Path], progress: Progress, redact: bool) -> None:
    """One line per hidden file or folder, Excel lock file and file of another type a folder held, which is not
    read."""
    from miner.ingest import hidden
    from miner.ingest.readers import READERS
    from miner.segment.pii import pseudonymise_path

    for path in skipped:
        if path.name.startswith("~$"):
            why = "an Excel lock file"
        elif hidden(path.name):
            why = "hidden"
        elif path.suffix.lower() == ".xls":
            why = "an old Excel workbook: save it as .xlsx or .csv"
        else:
            why = f"{path.suffix or 'no extension'}: not one of {', '.join(sorted(READERS))}"
        progress.note(f"{pseudonymise_path(str(path)) if redact else path}: not read ({why})")


def note_same_names(files: list[Path], progress: Progress, redact: bool) -> None:
    """A warning for files of one name in different folders: they are stored as one source (its file name, which
    a nightly export's folders should not change), so `--source`, `forget --dataset NAME` and row ids join them."""
    from collections import defaultdict

    from miner.segment.pii import pseudonymise_path

    by_name: dict[str, list[Path]] = defaultdict(list)
    for path in files:
        by_name[path.name].append(path)
    for name, same in by_name.items():
        if len(same) > 1:
            shown = " and ".join(str(pseudonymise_path(str(p)) if redact else p) for p in same)
            apart = ", ".join(f"{p.parent.name}-{name}" for p in same[:2])
            # a .txt file's id is its name, and one in other words is another item (`Record.id_from_name`)
            txt = Path(name).suffix.lower() == ".txt"
            kept = "" if txt else ", and a row whose id an earlier one holds is kept once"
            progress.note(
                f"warning: {shown} are stored as one source, '{name}': top, report and export --source count them "
                f"together{kept}. If they are different sources, rename them apart ({apart}) before mining; forget "
                "--dataset takes a folder or a full path"
            )


def note_changes(database, run_id: int, progress) -> None:  # noqa: ANN001 - lazily imported types
    """After a refit, say whether the taxonomy and the pain points changed, and map old pain points to new ones,
    each with its label and complaints (bare ids said nothing)."""
    from miner.store.painpoints import changes_of, labels_of, refit_note

    run = database["runs"].get(run_id)
    if run.get("mode") == "incremental":
        progress.note(f"Incremental run {run_id} on run {run['base_run_id']}: pain points kept, no refit.")
        if note := refit_note(database, run):  # a nightly database never refit: its pain points are the first night's
            progress.note(note)
        return
    changes = [c for c in changes_of(database, run_id) if c["change"] != "kept"]
    if not run.get("base_run_id"):
        return
    base = database["runs"].get(run["base_run_id"])
    if base.get("taxonomy_fingerprint") != run.get("taxonomy_fingerprint"):
        old, new = (f"{r['taxonomy_name']} {r['taxonomy_version']}" for r in (base, run))
        progress.note(f"Refit with taxonomy {new}, " + (f"edited since run {base['id']}" if old == new else
                      f"where run {base['id']} used {old}") + ".")  # fmt: skip
    if not changes:
        progress.note(f"Refit: the pain points of run {run['base_run_id']} are unchanged (same ids).")
        return
    was, now = labels_of(database, base["id"]), labels_of(database, run_id)

    def said(pid: str | None, labels: dict[str, tuple[str, int]]) -> str:
        return "(gone)" if pid is None else f"{pid} {labels[pid][0]} ({labels[pid][1]})" if pid in labels else pid

    progress.note(f"Refit: pain points changed since run {run['base_run_id']}:")
    for c in changes:
        progress.note(
            f"  {c['change']:<8} {said(c['old_id'], was) if c['old_id'] else '':<40} -> {said(c['new_id'], now)}"
        )


def stored_taxonomy(database: sqlite_utils.Database, progress: Progress) -> Taxonomy | None:
    """The taxonomy of the database's latest run, for a `mine` given no --taxonomy (None: the bundled one). A nightly
    job that left --taxonomy out went back to the bundled taxonomy and refit everything; a line says which one is
    kept where it is not the bundled one, and how to choose another."""
    from miner.store.runs import latest_run, run_taxonomy
    from miner.touchpoints import load_taxonomy

    run = latest_run(database)
    if run is None or not run.get("taxonomy"):
        return None
    bundled = load_taxonomy()
    if run["taxonomy_fingerprint"] == bundled.fingerprint():
        return None
    taxonomy = run_taxonomy(run)
    progress.note(
        f"Taxonomy: {taxonomy.name} {taxonomy.version}, the one run {run['id']} used (stored in the database); "
        f"--taxonomy FILE for another, --taxonomy default for the bundled {bundled.name} {bundled.version}."
    )
    return taxonomy
