"""Ingest: read feedback exports (CSV/TSV, XLSX, Parquet, JSON, JSONL, text) into validated records."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import InputError
from miner.ingest.columns import ColumnMap
from miner.ingest.readers import READERS
from miner.ingest.records import KINDS, Record, Respondents, Turn
from miner.ingest.rows import CHUNK_ROWS, iter_records, records_from_table
from miner.ingest.table import Table

if TYPE_CHECKING:
    from miner.progress import Progress

__all__ = ["ColumnMap", "KINDS", "Record", "Turn", "discover", "has_rows", "iter_file", "read_file", "read_paths"]

SKIP_NAMES = {"readme.md", "readme.txt", "license", "license.txt"}


def discover(paths: Iterable[Path | str], skipped: list[Path] | None = None) -> list[Path]:
    """Files to read: the files given, and the supported files inside the folders given. A folder's walk never
    leaves it: a link to a file or folder outside is an error, as is a named pipe, device or socket anywhere.
    Hidden files and folders, Excel lock files (`~$book.xlsx`) and files of a type no reader reads in a folder are
    left out and appended to `skipped`; named on the command line they are read (or refused)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += _walk(path, skipped if skipped is not None else [])
        elif path.is_file():
            found.append(path)
        elif special := _special(path):
            raise special
        else:
            raise InputError(str(path), "no such file or folder", hint="check the path")
    if not found:
        raise InputError(
            ", ".join(map(str, paths)), "no feedback files found", hint=f"supported types: {', '.join(sorted(READERS))}"
        )
    return found


def _special(path: Path) -> InputError | None:
    """The error for a path that exists but is no regular file or folder (reading a FIFO would block)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
             (stat.S_ISSOCK, "a socket"))  # fmt: skip
    for test, kind in kinds:
        if test(mode):
            return InputError(str(path), f"is {kind}, not a regular file", hint="copy its contents into a file")
    return None


def hidden(name: str) -> bool:
    """A dot-file or an Excel lock file (`~$book.xlsx`, a few bytes that are no spreadsheet): never feedback."""
    return name.startswith((".", "~$"))


def _walk(folder: Path, skipped: list[Path]) -> list[Path]:
    """Supported files under `folder`, not following links out of it (they once read /etc/passwd); hidden ones and
    files of another type are appended to `skipped`."""
    root = folder.resolve()
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):  # os.walk does not descend into linked folders
        here = Path(dirpath)
        skipped += [here / d for d in sorted(dirnames) if hidden(d)]
        dirnames[:] = [d for d in dirnames if not hidden(d)]  # .git, .cache: not walked
        for name in sorted(filenames + [d for d in dirnames if (here / d).is_symlink()]):
            path = here / name
            if hidden(name):
                skipped.append(path)
                continue
            wanted = path.suffix.lower() in READERS and name.lower() not in SKIP_NAMES
            if path.is_symlink() and (wanted or path.is_dir()) and not path.resolve().is_relative_to(root):
                raise InputError(str(path), f"is a link to something outside {folder}; it is not read",
                                 hint="copy the file into the folder, or name it on the command line")  # fmt: skip
            if not wanted or path.is_dir():
                if not wanted and name.lower() not in SKIP_NAMES and path.is_file():
                    skipped.append(path)  # an old .xls or a .docx beside the exports: said, not silently left
                continue
            if special := _special(path):
                raise special
            if path.is_file():
                out.append(path)
    return sorted(out)


def read_paths(
    paths: Iterable[Path | str],
    columns: ColumnMap | None = None,
    *,
    on_error: str = "fail",
    progress: Progress | None = None,
    orders: dict[str, bool] | None = None,
    respondents: dict[Path, Respondents] | None = None,
    skipped: dict[Path, int] | None = None,
    shown: Callable[[Path], Path] | None = None,
) -> list[tuple[Path, list[Record]]]:
    """Read and validate every file before anything is stored, so one bad file stops the whole import.
    `progress` (a miner.progress.Progress) shows a bar per large file and notes the rows left out. `orders`: each
    date column's day-first order as earlier files showed it (`miner.store.documents.date_orders`), updated with
    what these files show. `respondents` gets, by file, what each survey's reading says of its respondents (how
    many, the scores of those who wrote nothing), and `skipped` the count of each file's rows left out under
    `on_error="skip"`. `shown` names each file in the stage and notes as the import stores it (PII pseudonymised).
    """
    out = []
    for path in discover(paths):
        name = (shown or Path)(path).name
        rejected: list[InputError] = []
        notes: list[str] = []
        kept = respondents.setdefault(path, Respondents()) if respondents is not None else None
        size = path.stat().st_size
        if progress is None:
            chunks = iter_file(path, columns, on_error=on_error, rejected=rejected, orders=orders, respondents=kept)
            records = [r for c in chunks for r in c]
        else:
            from miner.progress import Bytes, label

            with progress.stage(label("Reading", name), Bytes(size) if size > 1 << 24 else None) as advance:
                chunks = iter_file(path, columns, on_error=on_error, rejected=rejected, progress=advance, notes=notes,
                                   orders=orders, respondents=kept)  # fmt: skip
                records = [r for c in chunks for r in c]
            for note in notes:
                progress.note(f"{name}: {note}")
            for err in rejected[:20]:
                progress.note(f"skipped: {err}")
            if len(rejected) > 20:
                progress.note(f"... and {len(rejected) - 20} more rows of {name} skipped")
        if rejected:
            records[0].meta.setdefault("_rejected", [str(e) for e in rejected[:1000]])
        if skipped is not None:
            skipped[path] = len(rejected)
        out.append((path, records))
    return out


def read_file(path: Path | str, columns: ColumnMap | None = None, *, on_error: str = "fail") -> list[Record]:
    """Read one file into records; raises InputError naming the file, line and field."""
    path = Path(path)
    return records_from_table(path, open_table(path, columns), columns or ColumnMap(), on_error=on_error)


def open_table(path: Path, columns: ColumnMap | None = None, progress: Callable[[int], None] | None = None) -> Table:
    """The file's reader's Table; a workbook's reader is told the sheet asked for (--sheet) and the text columns, a
    reader of conversations the speaker labels given a side (--customer-speaker), which the table keeps for
    `rows.iter_records` to read the other shapes' labels with and to check that the file used them."""
    from miner.ingest.readers import CONVERSATION_FORMATS, reader_for
    from miner.ingest.speakers import Speakers
    from miner.ingest.tabular import WORKBOOKS

    speakers = Speakers.of(columns) if columns is not None else None
    suffix = path.suffix.lower()
    if suffix in WORKBOOKS:
        table = reader_for(path)(path, progress=progress, columns=columns)
    elif columns is not None and columns.sheet is not None:
        raise InputError(str(path), f"--sheet {columns.sheet} names a workbook's sheet, and this file is no workbook",
                         hint="leave out --sheet, or mine the workbook on its own")  # fmt: skip
    elif suffix in CONVERSATION_FORMATS:
        table = reader_for(path)(path, progress=progress, speakers=speakers)
    else:
        table = reader_for(path)(path, progress=progress)
    table.extra["speakers"] = speakers
    return table


def has_rows(path: Path) -> bool:
    """Whether the file holds a row under its header: False for a header-only export (the import refuses it, "the
    file has no rows"). Reads one row; a file that cannot be read counts as having rows, for the import to report."""
    from miner.ingest.readers import reader_for

    try:
        return next(iter(reader_for(path)(path).rows), None) is not None
    except InputError:
        return True


def iter_file(
    path: Path | str,
    columns: ColumnMap | None = None,
    *,
    on_error: str = "fail",
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
    rejected: list[InputError] | None = None,
    notes: list[str] | None = None,
    orders: dict[str, bool] | None = None,
    respondents: Respondents | None = None,
    chosen: dict[str, object] | None = None,
) -> Iterator[list[Record]]:
    """Records of one file in chunks of `chunk_rows`, read lazily so memory stays bounded however large the
    file (CSV, XLSX and Parquet stream; JSON is parsed whole). `progress` is called with bytes read; `notes` gets
    lines for the user on the columns chosen and the rows dropped as repeats (`rows.iter_records`); `orders`, the
    day-first order each date column showed in earlier files, which a file that shows none takes and one that
    shows one updates (`dates.DateColumn.from_sample`); `respondents`, how many respondents a survey's rows were and
    the scores of those who wrote nothing (`rows.iter_records`); `chosen`, the columns read by role (the API's)."""
    path = Path(path)
    table = open_table(path, columns, progress)
    yield from iter_records(
        path,
        table,
        columns or ColumnMap(),
        on_error=on_error,
        chunk_rows=chunk_rows,
        rejected=rejected,
        notes=notes,
        orders=orders,
        respondents=respondents,
        columns=chosen,
    )
