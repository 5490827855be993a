"""One row per value of a kept column (`Market`, `Brand`, a survey's `Channel` tag) inside a `Filters`: its items,
those read, those with a complaint, the complaint rate over the items read (the overview's rate,
miner/report/unread.py) and its top touchpoint. The export held complaints only, so a market's base was nowhere and
the docs said to mine one file per market; `top --by` and `GET /v1/breakdown` read it here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from miner.store.filters import KEPT_VALUE, Filters, kept_path, run_items
from miner.store.kept import check_column
from miner.store.read_table import READ
from miner.store.reads import JOIN
from miner.store.runs import run_taxonomy
from miner.touchpoints.taxonomy import NONE

SHOWN_VALUES = 20  # values with the most items shown one a row; the rest are summed as OTHER
OTHER, NO_VALUE = "other", "(none)"


@dataclass
class _Tally:
    """What one value (or several summed) counts."""

    values: int = 0
    items: int = 0
    read: int = 0
    complained: int = 0
    read_complained: int = 0
    touchpoints: Counter[str] = field(default_factory=Counter)

    def add(self, other: _Tally) -> None:
        self.values += other.values
        self.items, self.read = self.items + other.items, self.read + other.read
        self.complained += other.complained
        self.read_complained += other.read_complained
        self.touchpoints.update(other.touchpoints)


def breakdown(db: sqlite_utils.Database, run: dict, filters: Filters, column: str, option: str = "--by") -> dict:
    """{"column", "filter", "items", "read_items", "complaint_items", "read_complaint_items", "read_complaint_rate",
    "values", "rows": [...]}: per value, most items first (then by value), the first SHOWN_VALUES one a row, the
    rest summed as "other", the items without the column as "(none)" last. A row's `read_complaint_rate` is its read
    items with a complaint over its read items, null where none was read (a market in German is not the happiest);
    its top touchpoint counts complaint mentions, as `top` does, the unmapped aside. A column no item kept is a
    MinerError naming `option` and listing those there are."""
    check_column(db, column, option)
    tallies = _tallies(db, run, filters, column)
    named = sorted((v for v in tallies if v is not None), key=lambda v: (-tallies[v].items, v))
    groups: list[tuple[str, str, list[str | None]]] = [("value", v, [v]) for v in named[:SHOWN_VALUES]]
    if rest := named[SHOWN_VALUES:]:
        groups.append(("other", OTHER, list(rest)))
    if None in tallies:
        groups.append(("none", NO_VALUE, [None]))
    names = {tp.id: tp.name for top in run_taxonomy(run).touchpoints for tp in top.walk()}
    rows, whole = [], _Tally()
    for group, label, values in groups:
        tally = _Tally()
        for value in values:
            tally.add(tallies[value])
        whole.add(tally)
        rows.append({"value": label, "group": group, **_figures(tally, names)})
    totals = {k: v for k, v in _figures(whole, names).items() if not k.startswith("top_") and k != "values"}
    return {"column": column, "filter": filters.describe(), **totals, "values": len(named), "rows": rows}


def _figures(tally: _Tally, names: dict[str, str]) -> dict:
    top = min(tally.touchpoints.items(), key=lambda kv: (-kv[1], kv[0]), default=None)
    return {
        "values": tally.values,
        "items": tally.items,
        "read_items": tally.read,
        "unread_items": tally.items - tally.read,
        "complaint_items": tally.complained,
        "read_complaint_items": tally.read_complained,
        "read_complaint_rate": round(tally.read_complained / tally.read, 4) if tally.read else None,
        "top_touchpoint": top[0] if top else None,
        "top_touchpoint_name": names.get(top[0], top[0]) if top else None,
        "top_touchpoint_complaints": top[1] if top else 0,
    }


def _tallies(db: sqlite_utils.Database, run: dict, filters: Filters, column: str) -> dict[str | None, _Tally]:
    """Each value's tally (None: the items without it), in three GROUP BYs: the run's items and those read, the
    items with a complaint (the overview's: a complaint clause, mapped or not), the complaint mentions per
    touchpoint."""
    kept, path = KEPT_VALUE.format(alias="d"), kept_path(column)
    where, params = filters.where()
    rsql, rparams = run_items(run)
    out: dict[str | None, _Tally] = {}
    items = f"SELECT {kept}, COUNT(*), SUM({READ}) FROM documents d WHERE {where}{rsql} GROUP BY 1"
    for value, n, read in db.execute(items, [path, *params, *rparams]):
        out[value] = _Tally(0 if value is None else 1, n, int(read or 0))
    complained = f"""SELECT {kept}, COUNT(DISTINCT d.id), COUNT(DISTINCT CASE WHEN {READ} THEN d.id END)
                     FROM segment_results r JOIN segments s ON s.id = r.segment_id
                     JOIN documents d ON d.id = s.document_id
                     WHERE r.run_id = ? AND r.complaint = 1 AND {where} GROUP BY 1"""
    for value, n, read in db.execute(complained, [path, run["id"], *params]):
        tally = out.setdefault(value, _Tally())
        tally.complained, tally.read_complained = n, read
    mentions = f"""SELECT {kept}, a.touchpoint, COUNT(*) {JOIN}
                   WHERE a.run_id = ? AND a.touchpoint != ? AND {where} GROUP BY 1, 2"""
    for value, touchpoint, n in db.execute(mentions, [path, run["id"], NONE, *params]):
        out.setdefault(value, _Tally()).touchpoints[touchpoint] = n
    return out
