"""The items of a run the analysis read nothing of, inside a `Filters`: the base of a complaint rate that says what
it can. A fashion retailer's 436 items, 164 of them in German, French, Spanish or emoji only, gave "complaint rate
45%" where the 272 items read gave 72%, and a market whose text was unread looked the happiest."""

from __future__ import annotations

from collections import Counter

import sqlite_utils

from miner.segment.language import LANGUAGES
from miner.store.filters import Filters, run_items
from miner.store.read_table import READ_SQL, build_read_table, import_reads, read_table


def unread_texts(db: sqlite_utils.Database, run: dict, filters: Filters) -> tuple[list[str], Counter[str]]:
    """The texts of the items with no segment, other languages aside, and the items in another language by its name
    (an English title over such text is read, and counted here all the same)."""
    where, params = filters.where()
    rsql, rparams = run_items(run)
    texts = [
        text or ""
        for (text,) in db.execute(
            f"""SELECT d.text FROM documents d WHERE {where}{rsql} AND json_extract(d.meta, '$.language') IS NULL
                AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.document_id = d.id)""",
            [*params, *rparams],
        )
    ]
    tongues: Counter[str] = Counter()
    for code, n in db.execute(
        f"""SELECT json_extract(d.meta, '$.language') AS code, count(*) FROM documents d WHERE {where}{rsql}
            AND code IS NOT NULL GROUP BY code""",
        [*params, *rparams],
    ):
        tongues[LANGUAGES.get(code, code)] += n
    return texts, tongues


def _read(run: dict | None, filters: Filters) -> tuple[str, list]:
    """The WHERE body, and its parameters, of the items `run` analysed inside the filters that were read."""
    where, params = filters.where()
    rsql, rparams = run_items(run)
    return f"{where}{rsql} AND {READ_SQL}", [*params, *rparams]


def read_items(db: sqlite_utils.Database, run: dict | None, filters: Filters) -> int:
    """How many items were read (`_read`): the base of a complaint rate over what the analysis could read."""
    where, params = _read(run, filters)
    return int(db.execute(f"SELECT COUNT(*) FROM documents d WHERE {where}", params).fetchone()[0])


def read_ids(db: sqlite_utils.Database, run: dict | None, filters: Filters) -> set[str]:
    """The ids of the items read (`_read`)."""
    where, params = _read(run, filters)
    return {row[0] for row in db.execute(f"SELECT d.id FROM documents d WHERE {where}", params)}


def read_counts(db: sqlite_utils.Database, run: dict | None, filters: Filters, items: int) -> dict:
    """`read_items`, `unread_items` (the rest of the `items`: another language, no English text, no word; as the
    report's `quality.unread_items`) and `unread_languages` (by language) for an answer that counts items: the base
    a complaint rate over what was read is over, and what it leaves out."""
    if run is not None and (table := read_table(db, run, filters.kept)) is not None:  # in memory, as items_inside
        read = table.read_count(filters)
        languages = named(table.languages(filters))
    else:
        read = read_items(db, run, filters)
        languages = dict(unread_texts(db, run, filters)[1].most_common()) if run is not None else {}
    return {"read_items": read, "unread_items": items - read, "unread_languages": languages}


def named(codes: dict[str, int]) -> dict[str, int]:
    """Items by language code as `unread_languages` gives them: by the language's name, most first."""
    names: Counter[str] = Counter()
    for code, n in codes.items():
        names[LANGUAGES.get(code, code)] += n
    return dict(names.most_common())


def read_by_day(db: sqlite_utils.Database, run: dict, filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
    """Of the dated items inside the filters, those read per day, and those in another language by its name: what a
    trend's items per period leave unread. From the run's table in memory (read now for a database not on a file)."""
    table = read_table(db, run, filters.kept) or build_read_table(db, run, filters.kept)
    return table.read_by_day(filters), named(table.languages(filters, dated=True))


def run_read_counts(db: sqlite_utils.Database, run_id: int) -> dict | None:
    """A run's `total_items` (those it analysed, as `items_inside` counts them) with their `read_counts`, from the
    workspace's table per import in memory; None when there is no run `run_id`."""
    row = db.execute("SELECT last_import FROM runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        return None
    items, read, codes = import_reads(db).counts(row[0])
    return {"total_items": items, "read_items": read, "unread_items": items - read, "unread_languages": named(codes)}
