"""Reading one run's results for the report and the exports, restricted by date, source and kind."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from miner.errors import MinerError
from miner.store.runs import latest_run
from miner.touchpoints.taxonomy import Taxonomy


@dataclass
class ReportFilter:
    """Which feedback items a report covers; None means no restriction. Dates are ISO, both ends inclusive."""

    since: str | None = None
    until: str | None = None
    source: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                date.fromisoformat(value[:10])
            except ValueError:
                raise MinerError(f"--{name} '{value}' is not a date: use YYYY-MM-DD (e.g. 2026-01-31)") from None

    def where(self, alias: str = "d") -> tuple[str, list]:
        """An SQL condition on the documents table and its parameters."""
        parts, params = ["1 = 1"], []
        if self.since:
            parts.append(f"{alias}.date >= ?")
            params.append(self.since[:10])
        if self.until:
            parts.append(f"substr({alias}.date, 1, 10) <= ?")
            params.append(self.until[:10])
        for column, values in (("source", self.source), ("kind", self.kind)):
            if values:
                parts.append(f"{alias}.{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        return " AND ".join(parts), params

    def describe(self) -> str:
        bits = []
        if self.since or self.until:
            bits.append(f"{self.since or 'start'} to {self.until or 'end'}")
        if self.source:
            bits.append("source " + ", ".join(self.source))
        if self.kind:
            bits.append("kind " + ", ".join(self.kind))
        return "; ".join(bits) or "all feedback"


@dataclass
class RunData:
    """One run's rows within a filter: plain dicts, small enough for memory at report scale."""

    run: dict
    taxonomy: Taxonomy
    documents: dict[str, dict]
    segments: int
    complaints: list[dict]
    assignments: list[dict]
    pain_points: dict[str, dict]


def resolve_run(db: sqlite_utils.Database, run_id: int | None = None) -> dict:
    run = latest_run(db) if run_id is None else db.table("runs").get(run_id)
    if run is None:
        raise MinerError("the database has no completed run yet: mine some feedback first (touchpoints mine FILE)")
    return run


def load_run_data(db: sqlite_utils.Database, filters: ReportFilter | None = None, run_id: int | None = None) -> RunData:
    """The documents, complaint segments, assignments and pain points of a run, within `filters`."""
    filters = filters or ReportFilter()
    run = resolve_run(db, run_id)
    where, params = filters.where()
    documents = {
        row["id"]: row
        for row in db.query(
            f"""SELECT d.id, d.source, d.kind, d.date, d.rating, d.rating_raw, d.rating_scale
                FROM documents d WHERE {where} ORDER BY d.date, d.id""",
            params,
        )
    }
    (segments,) = db.execute(
        f"""SELECT COUNT(*) FROM segment_results r JOIN segments s ON s.id = r.segment_id
            JOIN documents d ON d.id = s.document_id WHERE r.run_id = ? AND {where}""",
        [run["id"], *params],
    ).fetchone()
    complaints = list(
        db.query(
            f"""SELECT r.segment_id, s.document_id, r.touchpoint, r.complaint_score
                FROM segment_results r JOIN segments s ON s.id = r.segment_id
                JOIN documents d ON d.id = s.document_id
                WHERE r.run_id = ? AND r.complaint = 1 AND {where}""",
            [run["id"], *params],
        )
    )
    assignments = list(
        db.query(
            f"""SELECT a.segment_id, s.document_id, a.touchpoint, a.subtouchpoint, a.score, a.rank,
                       a.pain_point_id, s.text
                FROM assignments a JOIN segments s ON s.id = a.segment_id
                JOIN documents d ON d.id = s.document_id
                WHERE a.run_id = ? AND {where} ORDER BY a.segment_id, a.rank""",
            [run["id"], *params],
        )
    )
    pain_points = {
        row["id"]: {
            **row,
            "keywords": json.loads(row["keywords"] or "[]"),
            "representatives": json.loads(row["representatives"] or "[]"),
        }
        for row in db.query(
            "SELECT id, touchpoint, label, keywords, complaints, representatives FROM pain_points WHERE run_id = ?",
            [run["id"]],
        )
    }
    taxonomy = Taxonomy.model_validate_json(run["taxonomy"])
    return RunData(run, taxonomy, documents, segments, complaints, assignments, pain_points)


def load_quotes(db: sqlite_utils.Database, segment_ids: list[int]) -> dict[int, dict]:
    """Segments with their document's text, source, date and rating, by segment id."""
    if not segment_ids:
        return {}
    out: dict[int, dict] = {}
    for start in range(0, len(segment_ids), 500):
        chunk = segment_ids[start : start + 500]
        rows = db.query(
            f"""SELECT s.id, s.start, s."end", s.text AS segment, d.id AS document_id, d.text, d.source, d.kind,
                       d.date, d.rating_raw, d.rating_scale
                FROM segments s JOIN documents d ON d.id = s.document_id
                WHERE s.id IN ({",".join("?" * len(chunk))})""",
            chunk,
        )
        out.update({row["id"]: row for row in rows})
    return out
