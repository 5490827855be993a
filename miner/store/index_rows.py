"""A run's assignments as arrays of codes, and the run index's tables made from them (miner/store/index.py).

The run's own index keeps its rows, so the index of the items with some kept values (`Market=DE`) is cut from them
with a mask over the items, not read again: reading a market's complaints (the join filtered on each item's meta,
every row made a code in Python) took 1.5-2.3 s a market on the 1M-segment workspace of `make bench-api`, the mask
and the tables 0.2-0.4 s. A subset keeps the whole run's codes (its days, sources, touchpoints), which answer as a
subset's own would: a code with no row counts nothing, as an unknown name selects nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace

import numpy as np
import sqlite_utils

from miner.store.filters import DOCUMENT_VALUE, Filters, kept_path
from miner.store.read_table import ENGLISH_SQL
from miner.store.reads import JOIN
from miner.store.touchpoint_items import touchpoint_items

_CHUNK = 20_000


@dataclass(frozen=True)
class Rows:
    """One entry per assignment, in segment order (codes into the tables below; 44 bytes an assignment)."""

    point: np.ndarray  # into `point_ids`
    score: np.ndarray
    segment: np.ndarray
    bucket: np.ndarray  # the day's bucket: 0 for no date, b for days[b - 1]
    source: np.ndarray
    kind: np.ndarray
    touchpoint: np.ndarray
    document: np.ndarray
    sub: np.ndarray
    point_ids: list[str | None]  # the pain points' ids (the run's rows first, then None, then ids they lack)
    days: list[str]  # sorted
    sources: dict[str, int]
    kinds: dict[str, int]
    touchpoints: dict[str, int]
    subs: dict[str | None, int]
    document_ids: list[str]  # by code
    # Per kept column read so far: each item's value code (by document code), and the codes by value
    values: dict[str, tuple[np.ndarray, dict[str | None, int]]] = field(default_factory=dict, init=False)
    unread: list[np.ndarray] = field(default_factory=list, init=False)  # once read: which items name a language

    def where(self, keep: np.ndarray) -> Rows:
        """The rows of a mask, with the same codes."""
        per_row = {f.name: getattr(self, f.name)[keep] for f in fields(self) if f.type == "np.ndarray"}
        return replace(self, **per_row)

    def column(self, db: sqlite_utils.Database, column: str) -> tuple[np.ndarray, dict[str | None, int]]:
        """Each item's value of a kept column (by document code) and the codes by value: one read of the items'
        meta per column and run (0.4 s for 337k items), where each market read its items' ids (0.2 s a market)."""
        if (found := self.values.get(column)) is None:
            sql = f"SELECT d.id, {DOCUMENT_VALUE} FROM documents d"
            by_id = dict(db.execute(sql, [kept_path(column)]).fetchall())
            table: dict[str | None, int] = {}
            codes = (table.setdefault(by_id.get(d), len(table)) for d in self.document_ids)
            found = self.values[column] = (np.fromiter(codes, np.int32, len(self.document_ids)), table)
        return found

    def read(self, db: sqlite_utils.Database) -> np.ndarray:
        """Whether each item (by document code) was read: no other language named in its meta (its complaint is a
        segment it gave). One read of the few that name one, once per run."""
        if not self.unread:
            named = {d for (d,) in db.execute(f"SELECT d.id FROM documents d WHERE NOT {ENGLISH_SQL}")}
            self.unread.append(np.fromiter((d in named for d in self.document_ids), bool, len(self.document_ids)))
        return ~self.unread[0]

    def having(self, db: sqlite_utils.Database, kept: tuple) -> np.ndarray:
        """Which items (by document code) have the kept values (`Filters.kept`): any of a column's, every column's."""
        mask = np.ones(len(self.document_ids), dtype=bool)
        for column, wanted in kept:
            codes, table = self.column(db, column)
            mask &= np.isin(codes, [table[v] for v in wanted if v in table])
        return mask


def _codes(values: tuple, table: dict) -> np.ndarray:
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int32, count=len(values))


def read_rows(db: sqlite_utils.Database, run_id: int, point_rows: list[dict], kept: tuple = ()) -> Rows:
    """The run's assignments (those of the items with the `kept` values, when given), one pass over the join."""
    codes: dict[str | None, int] = {p["id"]: i for i, p in enumerate(point_rows)} | {None: len(point_rows)}
    tables: list[dict] = [codes, {None: -1}, {}, {}, {}, {}, {}]  # point, day, source, kind, touchpoint, item, sub
    parts: list[list[np.ndarray]] = [[] for _ in range(9)]
    columns = """a.pain_point_id, a.score, a.segment_id, substr(d.date, 1, 10), d.source, d.kind, a.touchpoint,
                 s.document_id, a.subtouchpoint"""
    # In segment order: the planner then walks the assignments' primary key and the segments in step (0.9 s for
    # 470k assignments, not 3-4 s through the pain point index in random order).
    fsql, fparams = Filters(kept=kept).sql()
    cursor = db.execute(f"SELECT {columns} {JOIN} WHERE a.run_id = ?{fsql} ORDER BY a.segment_id", [run_id, *fparams])
    while chunk := cursor.fetchmany(_CHUNK):
        c_point, c_score, c_segment, *coded = zip(*chunk, strict=True)
        parts[0].append(_codes(c_point, codes))
        parts[1].append(np.array(c_score, dtype=np.float64))
        parts[2].append(np.array(c_segment, dtype=np.int64))
        for i, values in enumerate(coded):
            parts[3 + i].append(_codes(values, tables[1 + i]))
    cols = [np.concatenate(p) if p else np.zeros(0, np.int64) for p in parts]
    day_code = tables[1]
    days = sorted(d for d in day_code if d is not None)
    rank = np.zeros(len(day_code) + 1, dtype=np.int32)  # provisional code + 1 -> bucket (0: no date)
    for pos, d in enumerate(days):
        rank[day_code[d] + 1] = pos + 1
    point, score, segment, day, source, kind, touchpoint, document, sub = cols
    return Rows(point, score, segment, rank[day + 1], source, kind, touchpoint, document, sub,
                point_ids=sorted(codes, key=codes.__getitem__), days=days, sources=tables[2], kinds=tables[3],
                touchpoints=tables[4], subs=tables[6], document_ids=list(tables[5]))  # fmt: skip


def tables(rows: Rows, point_rows: list[dict], dense_cells: int) -> dict:
    """The run index's fields (miner/store/index.py `RunIndex`, less its run id and kept values) from its rows;
    counts in a dense table up to `dense_cells` keys x days."""
    n_points, bucket = len(point_rows), rows.bucket
    point, source, kind, touchpoint = (a.astype(np.int64) for a in (rows.point, rows.source, rows.kind,
                                                                     rows.touchpoint))  # fmt: skip
    # Cells: one key per (source, kind, pain point, touchpoint) present, running totals over (key, bucket).
    n_codes, n_tps, n_kinds = len(rows.point_ids), max(1, len(rows.touchpoints)), max(1, len(rows.kinds))
    combo = ((source * n_kinds + kind) * n_codes + point) * n_tps + touchpoint
    combos, key_of_row = np.unique(combo, return_inverse=True)
    stride = len(rows.days) + 1
    cell, per_cell = np.unique(key_of_row.astype(np.int64) * stride + bucket, return_counts=True)
    key_point = (combos // n_tps) % n_codes
    below: np.ndarray | None = None
    point_below: np.ndarray | None = None
    if len(combos) * (stride + 1) <= dense_cells:
        below = np.zeros((len(combos), stride + 1), dtype=np.int32)
        below[cell // stride, cell % stride + 1] = per_cell  # cells are distinct
        below = np.cumsum(below, axis=1, dtype=np.int32)
        point_below = np.zeros((n_codes, stride + 1), dtype=np.int32)
        np.add.at(point_below, key_point, below)
    # Quote order: pain point, score descending, segment id.
    order = np.lexsort((rows.segment, -rows.score, point))
    order = order[point[order] < n_points]
    point_start = np.searchsorted(point[order], np.arange(n_points + 1), "left")
    row_first = np.zeros(len(order), dtype=bool)
    pair = point[order] * (len(rows.document_ids) + 1) + rows.document[order]
    row_first[np.unique(pair, return_index=True)[1]] = True
    row_segment = rows.segment[order]
    rep_rows = {}
    for code, p in enumerate(point_rows):
        start, end = int(point_start[code]), int(point_start[code + 1])
        for sid in json.loads(p["representatives"] or "[]"):
            at = np.flatnonzero(row_segment[start:end] == sid)
            if len(at):
                rep_rows[(code, sid)] = start + int(at[0])
    return {
        "points": point_rows,
        "point_ids": rows.point_ids,
        "point_code": {p["id"]: i for i, p in enumerate(point_rows)},
        "days": np.array(rows.days, dtype=object),
        "source_code": rows.sources,
        "kind_code": rows.kinds,
        "key_source": combos // n_tps // n_codes // n_kinds,
        "key_kind": (combos // n_tps // n_codes) % n_kinds,
        "key_point": key_point,
        "key_touchpoint": combos % n_tps,
        "touchpoint_ids": sorted(rows.touchpoints, key=rows.touchpoints.__getitem__),
        "cell": cell,
        "cum": np.concatenate([[0], np.cumsum(per_cell)]).astype(np.int64),
        "below": below,
        "point_below": point_below,
        "row_segment": row_segment,
        "row_bucket": bucket[order],
        "row_source": source[order].astype(np.int32),
        "row_kind": kind[order].astype(np.int32),
        "row_document": rows.document[order].astype(np.int32),
        "row_first": row_first,
        "point_start": point_start,
        "rep_rows": rep_rows,
        "by_touchpoint": touchpoint_items(touchpoint, rows.sub, rows.subs, rows.document, bucket, source, kind),
    }
