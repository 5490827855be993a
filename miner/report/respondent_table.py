"""A run's respondents held in memory, for `GET /v1/trends`' mean rating and NPS per period: read and grouped per
request (`load_documents` and `load_silent`, then `group`), they took 4-5 s of each request on the 1M-segment
workspace of `make bench-api` (337,154 items, each made a respondent in Python).

Which respondent an item or score answers for is a key of its own row (`respondent_key`), so a filter only leaves
some of a respondent's rows out: one with all of its rows inside is the one made once per run, one with some (a
source filter keeping one of two files' answers) is made again from those, as `group` does. Respondents come in the
order of their first row inside, as `group` gives them, so each period's mean sums its ratings in the same order.
Kept as the run's item table is (miner/store/item_table.py: a run's items change only with an erasure, which stamps
the run). A filter on kept columns (`Market=DE`) reads the run's table, its other items and scores left out as a
source filter leaves them (`respondent_trend`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlite_utils

from miner.report.nps import period_nps
from miner.report.rating_trend import period_ratings, shared_range
from miner.report.respondents import Respondent, respondent, respondent_key
from miner.report.trends import period_of
from miner.store.filters import Filters
from miner.store.item_table import UNDATED, ItemTable, RunCache
from miner.store.report import kept_rows, load_documents
from miner.store.scores import kept_scores, load_silent

# What `respondent` reads of a row, as numbers (`_answer`; a survey's 300,000 answers kept as the rows read would
# take 400 MB): its import (0: none), its source id's code (its own id's where it has none: the question it answers),
# its rating and answer (NaN: none), the codes of its scale, day (-1: undated) and source, and whether it is a score
ANSWER = {"imported": np.int64, "question": np.int64, "rating": np.float64, "raw": np.float64, "scale": np.int64,
          "day": np.int64, "source": np.int64, "silent": np.bool_}  # fmt: skip


@dataclass(frozen=True)
class RespondentTable:
    cells: ItemTable  # the rows' distinct (day, source, kind), as the item table's: which lie inside a filter
    cell: np.ndarray  # per row (the items, then the scores, in the order `load_documents` and `load_silent` give)
    respondent: np.ndarray  # per row: its respondent, numbered by first row
    size: np.ndarray  # per respondent: its rows, and its first
    first: np.ndarray
    rating: np.ndarray  # its rating (NaN: none), its NPS answer (NaN: not on the `nps` scale), its scale's code
    nps: np.ndarray
    scale: np.ndarray
    day: np.ndarray  # the code of its rated answer's day (-1: undated)
    scales: list[str | None]
    days: list[str]
    sources: list[str]
    # The rows of the respondents with several (respondent c's: offset[c]:offset[c + 1]), by respondent then row,
    # and what `respondent` reads of each (ANSWER: columns, codes into `scales`, `days` and `sources`)
    offset: np.ndarray
    rows: np.ndarray
    answers: dict[str, np.ndarray]
    items: int  # its first rows, the items' (the scores' follow)

    def trend(self, filters: Filters, periods: list[str], unit: str, among: np.ndarray | None = None) -> dict:
        """`ratings`, `rating_range` and `nps` as `rating_trend` and `nps_trend` give them of `group` over the items
        and scores inside the filters; of the rows of `among` only (a mask over the items, then the scores) where
        given: those of a market, read from the run's own table as a source filter is."""
        inside = self.cells.rows(filters)[self.cell]
        if among is not None:
            inside &= among
        counts = np.bincount(self.respondent[inside], minlength=len(self.size))
        order = np.flatnonzero(counts)  # by first row: where a respondent with all of its rows inside comes
        rating, nps, scale, day = (a[order] for a in (self.rating, self.nps, self.scale, self.day))
        split = np.flatnonzero(counts[order] != self.size[order])
        if len(split):  # the filter left some of their rows out: made again from the rest, at the first of those
            first = self.first[order]
            scales, days = {s: i for i, s in enumerate(self.scales)}, {d: i for i, d in enumerate(self.days)}
            for at in split.tolist():
                rows = self._rows(int(order[at]), inside)  # by row, in order
                first[at] = int(next(iter(rows)))
                rating[at], nps[at], scale[at], day[at] = _fields(respondent(rows, list(rows), True), scales, days)
            moved = np.argsort(first, kind="stable")
            rating, nps, scale, day = (a[moved] for a in (rating, nps, scale, day))
        rated = ~np.isnan(rating)
        used = {self.scales[c] for c in np.unique(scale[rated]).tolist()}
        by_period = self._by_period(rating, rated & (day >= 0), day, unit)
        scored = self._by_period(nps, ~np.isnan(nps) & (day >= 0), day, unit)
        return {**period_ratings(by_period, shared_range(used), periods), "nps": period_nps(scored, periods)}

    def _rows(self, code: int, inside: np.ndarray) -> dict[str, dict]:
        """A respondent's rows inside a filter, by row (as a string, an id), with the fields `respondent` reads."""
        out = {}
        for i in range(int(self.offset[code]), int(self.offset[code + 1])):
            if inside[row := int(self.rows[i])]:
                a = {name: values[i].item() for name, values in self.answers.items()}
                out[str(row)] = {
                    "import_id": a["imported"],
                    "source_id": f"q{a['question']}",
                    "rating": None if np.isnan(a["rating"]) else a["rating"],
                    "rating_raw": None if np.isnan(a["raw"]) else a["raw"],
                    "rating_scale": self.scales[a["scale"]],
                    "date": self.days[a["day"]] if a["day"] >= 0 else None,
                    "source": self.sources[a["source"]],
                    "silent": a["silent"],
                }
        return out

    def _by_period(self, values: np.ndarray, chosen: np.ndarray, day: np.ndarray, unit: str) -> dict[str, list]:
        """The chosen respondents' values per period of their day, in their order."""
        codes, values = day[chosen], values[chosen]
        names = {c: period_of(self.days[c], unit) for c in np.flatnonzero(np.bincount(codes)).tolist()}
        ordered = {name: i for i, name in enumerate(sorted(set(names.values())))}
        lookup = np.zeros(len(self.days), dtype=np.min_scalar_type(len(ordered)))  # 16 bits: a radix sort below
        for code, name in names.items():
            lookup[code] = ordered[name]
        period = lookup[codes]
        order = np.argsort(period, kind="stable")
        bounds = np.searchsorted(period[order], np.arange(len(ordered) + 1))
        values = values[order]
        return {name: values[bounds[i] : bounds[i + 1]].tolist() for name, i in ordered.items()}


def _fields(r: Respondent, scales: dict, days: dict) -> tuple[float, float, int, int]:
    """A respondent's rating, NPS answer, scale code and day code, as the table holds them."""
    return _codes(r.rating, r.raw if r.scale == "nps" else None, r.scale, r.date, scales, days)


def _codes(rating: float | None, raw: float | None, scale: str | None, date: str | None, scales: dict,
           days: dict) -> tuple[float, float, int, int]:  # fmt: skip
    """A rating and an answer (NaN: none), a scale's code and a day's (-1 where `date` is none or empty)."""
    day = days.setdefault(date[:10], len(days)) if date else -1
    return (np.nan if rating is None else rating, np.nan if raw is None else raw, scales.setdefault(scale, len(scales)),
            day)  # fmt: skip


def build_respondent_table(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> RespondentTable:
    """The run's table (of the items and scores with the `kept` values, `Filters.kept`), read now."""
    part = Filters(kept=kept)
    documents = load_documents(db, part, run)
    rows = documents | load_silent(db, part, run)
    cells: dict[tuple, int] = {}
    keys: dict[tuple, int] = {}
    members: list[list[str]] = []  # each respondent's ids
    codes: dict[str, dict] = {"scale": {}, "day": {}, "source": {}, "question": {}}
    cell, code, answers = [], [], []
    for d, f in rows.items():
        day = UNDATED if f["date"] is None else f["date"][:10]
        cell.append(cells.setdefault((day, f["source"], f["kind"]), len(cells)))
        code.append(keys.setdefault(respondent_key(d, f), len(keys)))
        if code[-1] == len(members):
            members.append([])
        members[code[-1]].append(d)
        answers.append(_answer(d, f, codes))
    respondents = np.array(code, dtype=np.int32)
    size = np.bincount(respondents, minlength=len(keys))
    by_respondent = np.argsort(respondents, kind="stable")
    first = by_respondent[np.cumsum(size) - size]
    columns: dict[str, np.ndarray] = {
        name: np.array([a[i] for a in answers], dtype=dtype) for i, (name, dtype) in enumerate(ANSWER.items())
    }
    rating, raw, scale, day = (columns[name][first] for name in ("rating", "raw", "scale", "day"))  # one row's own
    nps = np.where(scale == codes["scale"].get("nps", -1), raw, np.nan)
    for c in np.flatnonzero(size > 1).tolist():  # made from their rows (a key of several rows holds a response id)
        one = respondent({d: rows[d] for d in members[c]}, members[c], True)
        rating[c], nps[c], scale[c], day[c] = _fields(one, codes["scale"], codes["day"])
    several = by_respondent[size[respondents[by_respondent]] > 1]
    n = np.bincount(np.array(cell, dtype=np.int64), minlength=len(cells))
    day_of, source, kind = (np.array(v, dtype=object) for v in (zip(*cells, strict=True) if cells else ((),) * 3))
    return RespondentTable(
        cells=ItemTable(day_of, source, kind, n, kept),
        cell=np.array(cell, dtype=np.int32),
        respondent=respondents,
        size=size.astype(np.int32),
        first=first.astype(np.int32),
        rating=rating,
        nps=nps,
        scale=scale.astype(np.int32),
        day=day.astype(np.int32),
        scales=list(codes["scale"]),
        days=list(codes["day"]),
        sources=list(codes["source"]),
        offset=np.concatenate([[0], np.cumsum(np.where(size > 1, size, 0))]).astype(np.int32),
        rows=several.astype(np.int32),
        answers={name: values[several] for name, values in columns.items()},
        items=len(documents),
    )


def _answer(d: str, f: dict, codes: dict[str, dict]) -> tuple:
    """What `respondent` reads of row `d` (ANSWER), as numbers."""
    question = codes["question"].setdefault(f.get("source_id") or d, len(codes["question"]))
    rating, raw, scale, day = _codes(f["rating"], f.get("rating_raw"), f["rating_scale"], f.get("date"),
                                     codes["scale"], codes["day"])  # fmt: skip
    source = codes["source"].setdefault(f["source"], len(codes["source"]))
    return f.get("import_id") or 0, question, rating, raw, scale, day, source, bool(f.get("silent"))


_tables: RunCache[RespondentTable] = RunCache()


def respondent_table(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> RespondentTable | None:
    """The run's table (of the items with the `kept` values when given), from memory or read (one read of its items
    and scores: 3-4 s on 1M segments, so the job that made the run reads it); None for a database not on a file."""
    return _tables.get(db, run, lambda: build_respondent_table(db, run, kept), kept)


def respondent_trend(db: sqlite_utils.Database, run: dict, filters: Filters, periods: list[str], unit: str) -> dict:
    """`RespondentTable.trend` from the run's table in memory (read now for a database not on a file); a market's
    (`Filters.kept`) from the run's own table and a mask over its items and scores (`kept_rows`, `kept_scores`): a
    table of its own took 1.5-2 s a market to read on the 1M-segment workspace of `make bench-api`."""
    if filters.kept and (whole := respondent_table(db, run)) is not None:
        items = kept_rows(db, run, filters.kept)  # the items in `load_documents`' order, as the table's rows
        scores = kept_scores(db, run, filters.kept)  # then the scores, in `load_silent`'s
        if items is not None and scores is not None and len(items) == whole.items:
            among = np.concatenate([items, scores])
            if len(among) == len(whole.cell):
                unkept = Filters(filters.since, filters.until, filters.source, filters.kind)
                return whole.trend(unkept, periods, unit, among)
    table = respondent_table(db, run, filters.kept) or build_respondent_table(db, run, filters.kept)
    return table.trend(filters, periods, unit)
