"""One self-contained HTML report: plotly.js inline (no CDN), so the file opens offline and can be mailed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import sqlite_utils

from miner.errors import MinerError
from miner.report.charts import STAGE_NAMES, impact_chart, journey_chart, touchpoint_rows, trends_chart
from miner.report.inert import script_json
from miner.report.model import MIN_ITEMS, build_report
from miner.report.render import percent
from miner.report.together import MIN_ITEMS as TOGETHER_MIN
from miner.report.together import MIN_LIFT
from miner.report.trends import MIN_NEW, MIN_PERIOD_ITEMS, MIN_RISING, SMALL_COUNT, fell_silent, p_text
from miner.store.filters import Filters, no_match
from miner.store.runs import find_run
from miner.wording import counted

TEMPLATES = Path(str(resources.files("miner.report").joinpath("templates")))  # package data


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle shipped inside the plotly Python package."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise MinerError("the HTML report needs plotly: pip install plotly") from None
    return get_plotlyjs()


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.filters["pct"] = _pct
    env.filters["num"] = lambda v: f"{v:,}"
    env.filters["counted"] = counted
    env.filters["signed"] = _signed
    env.filters["p"] = p_text  # "p = 0.048", "p < 0.001"
    return env


def _pct(value: float | None, digits: int = 0) -> str:
    """'22%'; a share under 1% keeps a decimal ('0.2%', as `top` prints it: the KPI said 0% beside 0.2%)."""
    if value is None:
        return "–"
    return percent(value) if digits == 0 else f"{value * 100:.{digits}f}%"


def _signed(value: float | None, digits: int = 1) -> str:
    """'+4.1', '-0.3'; a value that rounds to zero is '0.0', not '-0.0'."""
    if value is None:
        return "–"
    rounded = round(value, digits)
    return f"{0.0:.{digits}f}" if rounded == 0 else f"{rounded:+.{digits}f}"


def report_title(report: dict) -> str:
    """'Touchpoint report', with the filter where one narrows it: saved pages and tabs of two reports differ."""
    shown = report.get("filter") or "all feedback"
    return "Touchpoint report" if shown == "all feedback" else f"Touchpoint report · {shown}"


def chart_texts(report: dict, shown: int = 8) -> dict[str, str]:
    """Each chart in words, for a screen reader (the chart's `aria-label`, with `role="img"`): its largest values,
    and where the table that gives all of them is. A chart was a blank to anyone who could not see it."""
    tps = report["touchpoints"]

    def listed(pairs: list[tuple[str, str]]) -> str:
        more = f"; and {counted(len(pairs) - shown, 'other')}" if len(pairs) > shown else ""
        return "; ".join(f"{name} {value}" for name, value in pairs[:shown]) + more

    stages = [(STAGE_NAMES[s["stage"]], f"{s['complaints']:,} ({_pct(s['share'])})") for s in report["journey"]]
    out = {
        "journey": f"Complaints by journey stage: {listed(stages)}. The lists below name each stage's touchpoints.",
    }
    volumes = [(t["name"], f"{t['complaints']:,}") for t in tps]
    out["touchpoints"] = f"Complaints per touchpoint, most first: {listed(volumes)}."
    trends = report["trends"]
    if trends["periods"]:
        unit, periods = trends["unit"], trends["periods"]
        last = sorted((t for t in tps if t.get("trend")), key=lambda t: -t["trend"]["complaints"][-1])
        latest = [(t["name"], f"{t['trend']['complaints'][-1]:,}") for t in last]
        partial = trends.get("partial")
        cut = f" ({partial['days']} of its {partial['of_days']} days)" if partial else ""
        first = trends.get("partial_first")
        begun = f" ({first['days']} of its {first['of_days']} days)" if first else ""
        out["trends"] = (
            f"Complaints per {unit} and touchpoint, {periods[0]}{begun} to {periods[-1]}. In the latest {unit}{cut}, "
            f"most first: {listed(latest)}. The table below compares the latest {unit} with the one before."
        )
    rated = sorted((t for t in tps if t.get("impact")), key=lambda t: t["impact"]["points"])  # most lost: lowest
    if rated:
        lost = [(t["name"], _signed(-t["impact"]["points"])) for t in rated]  # points lost, as the table gives them
        out["impact"] = (
            f"Rating points lost against complaints, per touchpoint, most lost first: {listed(lost)}. The table "
            "below gives each with its 95% interval."
        )
    return out


def render_html(report: dict, *, title: str | None = None) -> str:
    """The report (from `build_report`) as one HTML page."""
    emerging = {e["id"]: e for e in report["trends"]["emerging"]}
    trend_rows = [
        tp
        for i, tp in enumerate(report["touchpoints"])
        if (change := (tp.get("trend") or {}).get("change"))
        # no mention in either period: nothing to compare, unless it fell silent against all earlier periods
        and (change["status"] != "none" or fell_silent(change, tp["trend"].get("baseline")))
        and (i < 10 or change["significant"])
    ]
    charts = {
        "journey": journey_chart(report),
        "trends": trends_chart(report),
        "impact": impact_chart(report),
        "touchpoints": touchpoint_rows(report),
    }
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title or report_title(report),
            r=report,
            emerging=emerging,
            trend_rows=trend_rows,
            min_period_items=MIN_PERIOD_ITEMS,
            small_count=SMALL_COUNT,
            min_new=MIN_NEW,
            min_rising=MIN_RISING,
            together_min=TOGETHER_MIN,
            together_lift=MIN_LIFT,
            min_items=MIN_ITEMS,
            stage_names=STAGE_NAMES,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            charts_json=script_json(charts),
            chart_text=chart_texts(report),
            plotly_js=plotly_js(),
        )
    )


def write_report(
    db: sqlite_utils.Database,
    out: Path | str,
    filters: Filters | None = None,
    *,
    granularity: str = "auto",
    run_id: int | None = None,
) -> Path:
    """Build the report of a run within `filters` and write it to `out`: one HTML page, or for a `.json` file what
    the page shows as plain data (the same `build_report` dict)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in ("", ".html", ".htm", ".json"):
        tables = (".xlsx", ".csv", ".parquet")
        instead = (
            f"for a table ({suffix}) use touchpoints export --out {out.name}"
            if suffix in tables
            else "for a PDF, open the .html page in a browser and print it"
        )
        raise MinerError(f"{out}: the report is written as .html or .json; {instead}")
    report = build_report(db, filters, granularity=granularity, run_id=run_id)
    if not report["overview"]["items"]:
        raise MinerError(no_match(db, filters or Filters(), find_run(db, report["quality"]["run"]["id"])))
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    else:
        out.write_text(render_html(report), encoding="utf-8")
    return out
