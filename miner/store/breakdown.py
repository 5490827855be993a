"""One row per value of a kept column (`Market`, `Brand`, a survey's `Channel` tag) inside a `Filters`: its items,
those read, those with a complaint, the complaint rate over the items read (the overview's rate,
miner/report/unread.py) and its top touchpoint. The export held complaints only, so a market's base was nowhere and
the docs said to mine one file per market; `top --by` and `GET /v1/breakdown` read it here, from the run's table
of the column in memory (miner/store/column_table.py)."""

from __future__ import annotations

import sqlite_utils

from miner.store.column_table import Tally, column_table
from miner.store.filters import Filters
from miner.store.kept import check_column
from miner.store.runs import run_taxonomy

SHOWN_VALUES = 20  # values with the most items shown one a row; the rest are summed as OTHER
OTHER, NO_VALUE = "other", "(none)"


def breakdown(db: sqlite_utils.Database, run: dict, filters: Filters, column: str, option: str = "--by") -> dict:
    """{"column", "filter", "items", "read_items", "complaint_items", "read_complaint_items", "read_complaint_rate",
    "values", "rows": [...]}: per value, most items first (then by value), the first SHOWN_VALUES one a row, the
    rest summed as "other", the items without the column as "(none)" last. A row's `read_complaint_rate` is its read
    items with a complaint over its read items, null where none was read (a market in German is not the happiest);
    its top touchpoint counts complaint mentions, as `top` does, the unmapped aside. A column no item kept is a
    MinerError naming `option` and listing those there are."""
    check_column(db, column, option)
    tallies = column_table(db, run, column, filters.kept).tallies(filters)
    named = sorted((v for v in tallies if v is not None), key=lambda v: (-tallies[v].items, v))
    groups: list[tuple[str, str, list[str | None]]] = [("value", v, [v]) for v in named[:SHOWN_VALUES]]
    if rest := named[SHOWN_VALUES:]:
        groups.append(("other", OTHER, list(rest)))
    if None in tallies:
        groups.append(("none", NO_VALUE, [None]))
    names = {tp.id: tp.name for top in run_taxonomy(run).touchpoints for tp in top.walk()}
    rows, whole = [], Tally()
    for group, label, values in groups:
        tally = Tally()
        for value in values:
            tally.add(tallies[value])
        whole.add(tally)
        rows.append({"value": label, "group": group, **_figures(tally, names)})
    totals = {k: v for k, v in _figures(whole, names).items() if not k.startswith("top_") and k != "values"}
    return {"column": column, "filter": filters.describe(), **totals, "values": len(named), "rows": rows}


def _figures(tally: Tally, names: dict[str, str]) -> dict:
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
