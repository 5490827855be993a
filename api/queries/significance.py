"""The pain points' trends adjusted for each other, as the report adjusts its trends: of 40 pain points that did not
change, about two pass p < 0.05 by chance, so `significant` alone called noise a change on most dashboards.

The family is every pain point with a complaint in the period inside the filters (of every touchpoint, `none`'s
too), whatever the page: adjusted over the page alone, a pain point's `p_adjusted` moved with `limit`, `offset`,
`touchpoint` and `stage`. Its exact tests cost 25-70 ms a request on the 1M-segment workspace of `make bench-api`
(285 pain points), so each family is kept per run and filters, as the run's index is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlite_utils

from miner.report.stats import SIGNIFICANCE, adjusted
from miner.report.trends import MIN_PERIOD_ITEMS, exact_tests, p_rounded
from miner.store.filters import Filters
from miner.store.item_table import RunCache
from miner.store.reads import items_inside
from miner.store.top import pain_point_counts, pain_point_items

FAMILIES_KEPT = 128  # periods and filters per run, about 20 KB each


@dataclass(frozen=True)
class Family:
    tests: int  # the pain points tested (0 under MIN_PERIOD_ITEMS items in either period)
    p_adjusted: dict[str, float | None]  # per pain point of the period, as the report's `correct` gives it
    significant: frozenset[str]  # those whose adjusted p is under 0.05
    items: dict[str, int]  # distinct items with a complaint in each pain point, in the period (those with some)
    items_before: dict[str, int]  # the same in the previous period

    def fields(self, point_id: str) -> dict:
        """The pain point's `p_adjusted`, `significant_adjusted` and `tests`, for its trend."""
        p = self.p_adjusted[point_id]
        return {"p_adjusted": p, "significant_adjusted": point_id in self.significant,
                "tests": 0 if p is None else self.tests}  # fmt: skip


def family(db: sqlite_utils.Database, run: dict, filters: Filters, previous: Filters) -> Family:
    """Every pain point with a complaint inside the filters: its change on the `previous` period (Fisher's exact
    test, as `change` judges the page's trend, all in one numpy pass), adjusted with the others' (Benjamini-Hochberg,
    as the report's `correct`)."""
    kept = _families.get(db, run, dict)
    if kept is not None and (found := kept.get(filters)) is not None:
        return found
    ids = list(pain_point_counts(db, run, filters)[0])
    docs, docs_before = pain_point_items(db, run, filters), pain_point_items(db, run, previous)
    items, items_before = items_inside(db, run, filters), items_inside(db, run, previous)
    last = np.array([docs.get(pid, 0) for pid in ids], dtype=np.int64)
    earlier = np.array([docs_before.get(pid, 0) for pid in ids], dtype=np.int64)
    # tested as `change` tests: both periods with MIN_PERIOD_ITEMS items, and a complaint in either
    tested = (last + earlier > 0) & (min(items, items_before) >= MIN_PERIOD_ITEMS)
    raw = [p_rounded(float(p)) for p in exact_tests(earlier[tested], items_before, last[tested], items)]
    tested_ids = [pid for pid, t in zip(ids, tested, strict=True) if t]
    family_p = dict(zip(tested_ids, adjusted(raw), strict=True))
    found = Family(len(raw), {pid: p_rounded(family_p[pid]) if pid in family_p else None for pid in ids},
                   frozenset(pid for pid, p in family_p.items() if p < SIGNIFICANCE), docs, docs_before)  # fmt: skip
    if kept is not None:
        if len(kept) >= FAMILIES_KEPT:
            kept.clear()
        kept[filters] = found
    return found


_families: RunCache[dict] = RunCache()
