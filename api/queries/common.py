"""What every read query shares: the document filters, the run to read, counting complaints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import sqlite_utils

from api.errors import ApiError
from miner.touchpoints import Taxonomy
from miner.touchpoints.taxonomy import NONE

RUN_FIELDS = ("id", "finished_at", "embedding_model", "mapper", "taxonomy_name", "taxonomy_version",
              "taxonomy_fingerprint", "documents", "segments", "complaints")  # fmt: skip
JOIN = "FROM assignments a JOIN segments s ON s.id = a.segment_id JOIN documents d ON d.id = s.document_id"


@dataclass
class Filters:
    """Filters on the documents behind the complaints: a date window (inclusive days), source and kind."""

    since: date | None = None
    until: date | None = None
    source: str | None = None
    kind: str | None = None

    def sql(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.since:
            clauses.append("d.date >= ?")
            params.append(self.since.isoformat())
        if self.until:
            # Dates are ISO strings, some with a time: everything before the next day is in.
            clauses.append("d.date < ?")
            params.append((self.until + timedelta(days=1)).isoformat())
        if self.source:
            clauses.append("d.source = ?")
            params.append(self.source)
        if self.kind:
            clauses.append("d.kind = ?")
            params.append(self.kind)
        return "".join(f" AND {c}" for c in clauses), params

    def previous(self, db: sqlite_utils.Database) -> Filters | None:
        """The period of the same length just before this one; None without a start date."""
        if self.since is None:
            return None
        until = self.until or _last_date(db) or self.since
        length = max(1, (until - self.since).days + 1)
        try:
            start, end = self.since - timedelta(days=length), self.since - timedelta(days=1)
        except OverflowError:  # a window reaching back before year 1
            return None
        return Filters(start, end, self.source, self.kind)


def _last_date(db: sqlite_utils.Database) -> date | None:
    row = db.execute("SELECT MAX(date) FROM documents").fetchone()
    return date.fromisoformat(row[0][:10]) if row and row[0] else None


def find_run(db: sqlite_utils.Database, run_id: int | None = None, taxonomy_version: str | None = None) -> dict | None:
    """A completed run: the given one, else the latest (for a taxonomy version, when given)."""
    if run_id is not None:
        rows = list(db.query("SELECT * FROM runs WHERE id = ? AND status = 'complete'", [run_id]))
    elif taxonomy_version is not None:
        sql = "SELECT * FROM runs WHERE status = 'complete' AND taxonomy_version = ? ORDER BY id DESC LIMIT 1"
        rows = list(db.query(sql, [taxonomy_version]))
        if not rows:
            raise ApiError(404, "not_found", f"no completed run used taxonomy version '{taxonomy_version}'",
                           field="taxonomy_version")  # fmt: skip
    else:
        rows = list(db.query("SELECT * FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1"))
    return rows[0] if rows else None


def run_public(run: dict | None) -> dict | None:
    return {k: run[k] for k in RUN_FIELDS} if run else None


def run_taxonomy(run: dict) -> Taxonomy:
    return _parse_taxonomy(run["taxonomy"])


@lru_cache(maxsize=16)
def _parse_taxonomy(payload: str) -> Taxonomy:
    # Validating the default taxonomy (1,400+ examples) on every request would cost more than the query.
    return Taxonomy.model_validate_json(payload)


def count_by(db: sqlite_utils.Database, run_id: int, column: str, filters: Filters, where: str = "",
              params: list | None = None) -> dict[str, int]:  # fmt: skip
    fsql, fparams = filters.sql()
    sql = f"SELECT {column} AS k, COUNT(*) AS n {JOIN} WHERE a.run_id = ?{where}{fsql} GROUP BY {column}"
    return {r["k"]: r["n"] for r in db.query(sql, [run_id, *(params or []), *fparams])}


def total_complaints(db: sqlite_utils.Database, run_id: int, filters: Filters) -> int:
    fsql, fparams = filters.sql()
    return db.execute(f"SELECT COUNT(*) {JOIN} WHERE a.run_id = ?{fsql}", [run_id, *fparams]).fetchone()[0]


def check_touchpoint(taxonomy: Taxonomy, touchpoint: str | None) -> None:
    """Touchpoint filters take a top-level id (or 'none'); anything else is a 400 naming the field."""
    if touchpoint is None or touchpoint == NONE or touchpoint in {t.id for t in taxonomy.touchpoints}:
        return
    known = ", ".join(t.id for t in taxonomy.touchpoints)
    raise ApiError(400, "unknown_touchpoint", f"unknown touchpoint '{touchpoint}': use one of {known}, or none",
                   field="touchpoint")  # fmt: skip
