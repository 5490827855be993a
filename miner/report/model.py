"""The report as data: every figure the HTML shows, computed once from a run and a filter."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlite_utils

from miner.report.impact import MIN_AFFECTED, add_impact
from miner.report.method import method
from miner.report.nps import add_nps
from miner.report.quotes import quote
from miner.report.rating_trend import rating_trend, thin_ratings_warning
from miner.report.respondents import Respondent, answered_twice, complaint_rate, group
from miner.report.sentences import sentence
from miner.report.skipped import with_skipped
from miner.report.together import together
from miner.report.trends import (
    choose_granularity,
    correction,
    emerging_pain_points,
    partial_first_period,
    partial_period,
    period_of,
    period_range,
    touchpoint_trends,
)
from miner.report.unread import read_overview, unread_fields, unread_warnings
from miner.store.filters import Filters, last_day
from miner.store.painpoints import refit_note
from miner.store.report import RunData, load_quotes, load_run_data, pain_points_before
from miner.store.runs import run_fit, run_provenance
from miner.store.top import top_pain_points
from miner.touchpoints.taxonomy import NONE, STAGES
from miner.wording import counted

MIN_ITEMS = 30  # fewer items than this behind a rate or a test: warn
MIN_COMPLAINTS = 10  # fewer complaints than this behind a touchpoint's figures: warn
ONE_ITEM_SHARE = 0.1  # one item making this share of a report's complaint mentions: warn
QUOTES = 3

# 20 distinguishable colours, given to touchpoints in taxonomy order so a touchpoint keeps its colour
# across charts and across reports made with the same taxonomy.
PALETTE = [
    "#B07AA1", "#FF9DA7", "#9C755F", "#4E79A7", "#76B7B2", "#D4A6C8", "#EDC948", "#A0CBE8", "#8CD17D", "#B6992D",
    "#D37295", "#59A14F", "#E15759", "#499894", "#2F4B7C", "#F28E2B", "#FFBE7D", "#79706E", "#17BECF", "#BCBD22",
]  # fmt: skip
NONE_COLOUR = "#BAB0AC"


@dataclass
class Tally:
    """Complaint assignments of one run, grouped by touchpoint and pain point."""

    complaints: Counter = field(default_factory=Counter)
    docs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    subs: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    pain_points: Counter = field(default_factory=Counter)
    pain_point_docs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    filed: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))  # (touchpoint, item)

    @classmethod
    def of(cls, assignments: list[dict]) -> Tally:
        tally = cls()
        for row in assignments:
            tp = row["touchpoint"]
            tally.complaints[tp] += 1
            tally.docs[tp].add(row["document_id"])
            tally.filed[tp, row["document_id"]].add(row["segment_id"])
            if row["subtouchpoint"]:
                tally.subs[tp][row["subtouchpoint"]] += 1
            if row["pain_point_id"]:
                pp = row["pain_point_id"]
                tally.pain_points[pp] += 1
                tally.pain_point_docs[pp].add(row["document_id"])
        return tally


def colours(data: RunData) -> dict[str, str]:
    out = {tp.id: PALETTE[i % len(PALETTE)] for i, tp in enumerate(data.taxonomy.touchpoints)}
    out[NONE] = NONE_COLOUR
    return out


def _sub_name(data: RunData, sub_id: str) -> str:
    try:
        return data.taxonomy.get(sub_id).name
    except KeyError:
        return sub_id


def touchpoint_entries(data: RunData, tally: Tally, top: list[dict]) -> list[dict]:
    """One entry per touchpoint with complaints in the filter, worst first; its pain points are those of the
    shared top pain points query (`top`, miner.store.top), in its order."""
    total = sum(tally.complaints.values())
    n_docs = len(data.documents)
    palette = colours(data)
    by_tp: dict[str, list[dict]] = defaultdict(list)
    for point in top:
        by_tp[point["touchpoint"]].append(point)
    entries: list[dict] = []
    for tp in data.taxonomy.touchpoints:
        n = tally.complaints.get(tp.id, 0)
        if not n:
            continue
        entries.append(
            {
                "id": tp.id,
                "name": tp.name,
                "stage": tp.stage,
                "colour": palette[tp.id],
                "complaints": n,
                "documents": len(tally.docs[tp.id]),
                "share": n / total if total else 0.0,
                "rate": len(tally.docs[tp.id]) / n_docs if n_docs else 0.0,
                "thin": n < MIN_COMPLAINTS,
                "subtouchpoints": [
                    {"id": s, "name": _sub_name(data, s), "complaints": c} for s, c in tally.subs[tp.id].most_common()
                ],
                "pain_points": [
                    {"id": p["id"], "label": p["label"], "complaints": p["complaints"], "quote_ids": p["quote_ids"]}
                    for p in by_tp[tp.id]
                ],
            }
        )
    entries.sort(key=lambda e: (-e["complaints"], e["id"]))
    return entries


def journey(entries: list[dict]) -> list[dict]:
    """Complaints by journey stage, with the touchpoints inside each."""
    total = sum(e["complaints"] for e in entries)
    out = []
    for stage in STAGES:
        inside = [e for e in entries if e["stage"] == stage]
        n = sum(e["complaints"] for e in inside)
        out.append(
            {
                "stage": stage,
                "complaints": n,
                "share": n / total if total else 0.0,
                "touchpoints": [{"id": e["id"], "name": e["name"], "complaints": e["complaints"]} for e in inside],
            }
        )
    return out


def trend_span(db: sqlite_utils.Database, run: dict, filters: Filters, first: str, last: str) -> tuple[str, str]:
    """The days the trend periods span: the filter's bounds where given, so a quiet first or last week still shows
    as zero (months before the data start as blank ones, named in Data quality), but no more than a year before the
    data (`since=0001-01-01` is no reason for 700,000 empty weeks), and never past the last day of the items `run`
    analysed of the filter's sources, kinds and kept values, as a pain point's trend ends (`Filters.previous_span`).
    A quarter asked for of data exported on December 6th ran to the 31st: its December was called whole, not "6 of
    31 days", and a window past the data closed on a month of no items, every change "too few items"."""
    lo, hi = date.fromisoformat(first[:10]), date.fromisoformat(last[:10])
    if filters.since and lo.year > 2:
        lo = max(filters.since, lo - timedelta(days=366))
    if filters.until and (end := last_day(db, filters, run)):
        hi = min(filters.until, end)
    return lo.isoformat(), hi.isoformat()


def add_trends(
    db: sqlite_utils.Database,
    data: RunData,
    tally: Tally,
    entries: list[dict],
    granularity: str,
    filters: Filters,
    before: dict[str, str] | None = None,
) -> dict:
    """Counts per period, changes, and the emerging pain points; `before`: each pain point's first day before the
    filter's window (`pain_points_before`), so none the run saw earlier is called new."""
    dated = {d: doc["date"] for d, doc in data.documents.items() if doc["date"]}
    if not dated:
        return {
            "unit": choose_granularity([], granularity),
            "periods": [],
            "items": [],
            "emerging": [],
            "correction": None,
            "partial": None,
            "partial_first": None,
        }
    # The periods span the filter's dates where given, so a quiet first or last week still shows as zero.
    first, last = trend_span(db, data.run, filters, min(dated.values()), max(dated.values()))
    unit = choose_granularity([first, last], granularity, items=len(dated))
    doc_periods = {d: period_of(v, unit) for d, v in dated.items()}
    periods = period_range(first, last, unit)
    items, per_tp = touchpoint_trends(doc_periods, tally.docs, data.assignments, periods)
    for e in entries:
        e["trend"] = per_tp.get(e["id"])
    seen = {pp: period_of(day, unit) for pp, day in (before or {}).items()}
    emerging, tested = emerging_pain_points(doc_periods, tally.pain_point_docs, periods, seen=seen)
    names = {e["id"]: e["name"] for e in entries}
    for item in emerging:
        pp = data.pain_points.get(item["id"], {})
        item["label"] = pp.get("label", item["id"])
        item["touchpoint"] = names.get(pp.get("touchpoint", ""), pp.get("touchpoint", ""))
    return {
        "unit": unit,
        "periods": periods,
        "items": [items[p] for p in periods],
        "emerging": emerging,
        "correction": correction(per_tp, tested),  # what the p-values were adjusted for (trends.py `correct`)
        "partial": partial_period(last, unit) if len(periods) >= 2 else None,
        "partial_first": partial_first_period(first, unit) if len(periods) >= 2 else None,
    }


def add_quotes(db: sqlite_utils.Database, entries: list[dict]) -> None:
    """The quotes the shared query picked, with their item's text around the highlighted segment."""
    rows = load_quotes(db, sorted({s for e in entries for pp in e["pain_points"] for s in pp["quote_ids"]}))
    for e in entries:
        for pp in e["pain_points"]:
            pp["quotes"] = [quote(rows[s]) for s in pp.pop("quote_ids") if s in rows]


def quality(
    data: RunData,
    tally: Tally,
    entries: list[dict],
    trends: dict,
    impact: dict,
    respondents: list[Respondent] | None = None,
    refit: str | None = None,
) -> dict:
    complaint_segments = len(data.complaints)
    warnings = answered_twice(respondents or []) + ([refit] if refit else [])  # `refit_note`: pain points gone stale
    if len(data.documents) < MIN_ITEMS:
        warnings.append(f"Only {len(data.documents)} items in this report: every figure is fragile.")
    thin = [e["name"] for e in entries if e["thin"]]
    if thin:
        warnings.append(f"Fewer than {MIN_COMPLAINTS} complaints behind: {', '.join(thin)}.")
    warnings += one_item_heavy(data.assignments, entries)
    empty = [p for p, n in zip(trends["periods"], trends["items"], strict=True) if n == 0]
    if empty:
        shown = ", ".join(empty[:6]) + (f" and {len(empty) - 6} more" if len(empty) > 6 else "")
        warnings.append(
            f"{counted(len(empty), trends['unit'])} without any item ({shown}): no feedback then, or an export that "
            "misses it; the trend chart leaves them blank rather than showing no complaints."
        )
    small = [p for p, n in zip(trends["periods"], trends["items"], strict=True) if n < MIN_ITEMS]
    if small:
        warnings.append(
            f"{len(small)} of {len(trends['periods'])} {trends['unit']}s have fewer than {MIN_ITEMS} items "
            f"(e.g. {small[-1]}): changes between them are unlikely to be significant."
        )
    warnings += thin_ratings_warning(trends, "respondents" if impact["rated_respondents"] else "items")
    if partial := trends.get("partial"):
        warnings.append(
            f"The latest {trends['unit']}, {partial['period']}, holds {partial['days']} of its {partial['of_days']} "
            f"days (the report's days end on {partial['last_day']}): its counts are lower than a whole "
            f"{trends['unit']}'s would be; the changes compare rates of items, which a part-period does not lower."
        )
    if first := trends.get("partial_first"):
        warnings.append(
            f"The first {trends['unit']}, {first['period']}, holds {first['days']} of its {first['of_days']} days "
            f"(the report's days start on {first['first_day']}): its counts are lower than a whole "
            f"{trends['unit']}'s would be; the changes compare rates of items, which a part-period does not lower."
        )
    weak = [e["name"] for e in entries if e.get("impact") and e["impact"]["thin"]]
    if weak:
        unit = "respondents" if impact["rated_respondents"] else "items"
        warnings.append(f"Rating impact rests on fewer than {MIN_AFFECTED} rated {unit} for: {', '.join(weak)}.")
    if impact["rated_items"] == 0:
        warnings.append("No item has a rating, so rating impact cannot be estimated.")
    if data.documents and not any(d["date"] for d in data.documents.values()):
        warnings.append(
            "No item has a date, so there are no trends: mine the export into a new database with "
            "--date-col naming its date column (or forget it here first)."
        )
    warnings += unread_warnings(data)
    run = data.run
    return {
        "items": len(data.documents),
        "segments": data.segments,
        "complaint_segments": complaint_segments,
        "unmapped": tally.complaints.get(NONE, 0),
        "unmapped_share": tally.complaints.get(NONE, 0) / complaint_segments if complaint_segments else 0.0,
        "rated_items": sum(d["rating"] is not None for d in data.documents.values()),  # items, as dated_items
        "dated_items": sum(1 for d in data.documents.values() if d["date"]),
        "rated_respondents": impact["rated_respondents"],  # survey respondents, each counted once
        "survey_respondents": sum(r.survey for r in respondents or []),  # their whole: those who only scored too
        **unread_fields(data),
        "sources": Counter(d["source"] for d in data.documents.values()).most_common(),
        "kinds": Counter(d["kind"] for d in data.documents.values()).most_common(),
        "run": {k: run.get(k) for k in ("id", "finished_at", "embedding_model", "segmenter", "mapper",
                                        "taxonomy_name", "taxonomy_version", "taxonomy_fingerprint")}
        | run_provenance(run),  # the tool's version, the encoders' precision, the complaint threshold
        "warnings": warnings,
    }  # fmt: skip


def one_item_heavy(assignments: list[dict], entries: list[dict]) -> list[str]:
    """Warnings where one feedback item makes much of the counts: a long review files each complaint clause, and one
    of 2,800 words made 156 of a run's 298 complaints, 40 of a touchpoint's 45 ("Staff & agents", second) and all
    30 of another's, with no warning (the thin-touchpoint warning counts complaints, not items)."""
    per_item = Counter(row["document_id"] for row in assignments)
    total = sum(per_item.values())
    out = []
    if total >= MIN_COMPLAINTS and per_item:
        n = per_item.most_common(1)[0][1]
        if n >= ONE_ITEM_SHARE * total:
            out.append(
                f"One feedback item makes {n:,} of the {total:,} complaint mentions ({n / total:.0%}): each "
                "complaint clause of a long review or conversation counts. Read each touchpoint's items beside its "
                "complaints."
            )
    by_touchpoint = Counter((row["touchpoint"], row["document_id"]) for row in assignments)
    most: dict[str, int] = {}
    for (tp, _), n in by_touchpoint.items():
        most[tp] = max(most.get(tp, 0), n)
    led = [f"{e['name']} ({most[e['id']]} of {e['complaints']})" for e in entries
           if not e["thin"] and most.get(e["id"], 0) * 2 > e["complaints"]]  # fmt: skip
    if led:
        out.append(f"Half or more of a touchpoint's complaints come from one item: {', '.join(led)}.")
    return out


def build_report(
    db: sqlite_utils.Database,
    filters: Filters | None = None,
    *,
    granularity: str = "auto",
    run_id: int | None = None,
    seed: int = 0,
) -> dict:
    """Everything the report shows, as plain data (also what an API would serve as JSON)."""
    filters = filters or Filters()
    data = load_run_data(db, filters, run_id)
    tally = Tally.of(data.assignments)
    top = top_pain_points(db, data.run, filters, limit=None, quotes=QUOTES)["pain_points"]
    entries = touchpoint_entries(data, tally, top)
    trends = add_trends(db, data, tally, entries, granularity, filters, pain_points_before(db, filters, run_id))
    respondents = group(data.documents | data.scores)  # those who only scored too
    impact = add_impact(data, tally, entries, seed, respondents)
    net_promoter = add_nps(respondents, tally.docs, entries, trends)
    trends |= rating_trend(respondents, trends["periods"], trends["unit"])  # beside trends.nps, for every scale
    add_quotes(db, entries)
    complaint_docs = {row["document_id"] for row in data.complaints}
    names, n_items = {e["id"]: e["name"] for e in entries}, len(data.documents)
    pairs, pairs_tested, nearest_pair = together(tally.docs, tally.filed, names, n_items)
    dates = sorted(d["date"][:10] for d in data.documents.values() if d["date"])
    return {
        "filter": filters.describe(),
        "period": (dates[0], dates[-1]) if dates else None,
        "overview": {
            "items": len(data.documents),
            "complaints": len(data.complaints),
            "mentions": sum(tally.complaints.values()),  # the shares' denominator (a complaint counts per touchpoint)
            "complaint_items": len(complaint_docs),
            "complaint_rate": len(complaint_docs) / len(data.documents) if data.documents else 0.0,  # over all items
            **read_overview(db, data, filters, complaint_docs),  # over the items read, and the unread beside it
            **complaint_rate(respondents, complaint_docs),  # per survey respondent, beside per item
            "mean_rating": impact["mean_rating"],
            "nps": net_promoter,  # where ratings are 0-10 recommend answers (miner/report/nps.py)
            "worst": [{"id": e["id"], "name": e["name"], "sentence": sentence(e, trends["unit"])} for e in entries[:5]],
            "together": pairs,  # touchpoints the same items complain about in clauses of their own (together.py)
            "together_tests": pairs_tested,  # the pairs of touchpoints tested, which the adjusted p-values are over
            "together_nearest": nearest_pair,  # where no pair is listed, the large one nearest to it (together.py)
        },
        "touchpoints": entries,
        "journey": journey(entries),
        "trends": trends,
        "impact": impact,
        "fit": run_fit(data.run),  # how well the corpus fits the taxonomy (miner/touchpoints/fit.py); None before
        "quality": with_skipped(
            quality(data, tally, entries, trends, impact, respondents, refit_note(db, data.run)), db, data.run, filters
        )
        | {"method": method(db, data.run)},
        "colours": colours(data),
    }
