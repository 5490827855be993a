"""`touchpoints top --by COLUMN`: the rate per value of a kept column (a market, a brand, a survey's channel tag) as
a terminal table, JSON or CSV; the counts are miner.store.breakdown's, as `GET /v1/breakdown` gives them."""

from __future__ import annotations

import csv
import io

import sqlite_utils

from miner.report.exports import neutralise
from miner.report.render import percent
from miner.report.top import RUN_FIELDS
from miner.store.breakdown import breakdown
from miner.store.filters import Filters
from miner.store.runs import resolve_run, run_provenance

CSV_COLUMNS = ("value", "group", "values", "items", "read_items", "unread_items", "complaint_items",
               "read_complaint_items", "read_complaint_rate", "top_touchpoint", "top_touchpoint_name",
               "top_touchpoint_complaints")  # fmt: skip


def by_column(db: sqlite_utils.Database, column: str, filters: Filters, run_id: int | None = None) -> dict:
    """The breakdown of the latest run (or `run_id`) by `column`, with the run it read, as `top --format json`
    gives its run."""
    run = resolve_run(db, run_id)
    return {"run": {k: run[k] for k in RUN_FIELDS} | run_provenance(run)} | breakdown(db, run, filters, column)


def print_breakdown(result: dict) -> None:
    """One row per value: items, read, with a complaint, the rate over those read and the top touchpoint. Every
    value from the feedback goes in as `Text`, never as markup."""
    from rich.table import Table
    from rich.text import Text

    from miner.report.console import cli_console, say
    from miner.report.inert import terminal_text

    console = cli_console()
    run, shown = result["run"], result["filter"]
    within = "" if shown == "all feedback" else f", {shown}"
    title = f"Complaint rate by {result['column']} (run {run['id']}{within}): items with a complaint of the items read"
    table = Table(title=Text(terminal_text(title)))
    table.add_column(Text(terminal_text(result["column"])))
    for name in ("Items", "Read", "With a complaint", "Rate (of read)"):
        table.add_column(name, justify="right")
    table.add_column("Top touchpoint")
    for row in result["rows"]:
        rate = "-" if row["read_complaint_rate"] is None else percent(row["read_complaint_rate"])
        top = f"{row['top_touchpoint_name']} ({row['top_touchpoint_complaints']:,})" if row["top_touchpoint"] else ""
        label = f"{row['value']} ({row['values']} values)" if row["group"] == "other" else row["value"]
        table.add_row(Text(terminal_text(label)), f"{row['items']:,}", f"{row['read_items']:,}",
                      f"{row['read_complaint_items']:,}", rate, Text(terminal_text(top)))  # fmt: skip
    console.print(table)
    if unread := [r for r in result["rows"] if r["unread_items"]]:
        said = ", ".join(f"{terminal_text(r['value'])} {r['unread_items']:,} of {r['items']:,}" for r in unread[:5])
        say(console, f"Items not read (another language, no English text): {said}; a rate is over the items read "
                     "only, and '-' where none was.")  # fmt: skip


def breakdown_csv(result: dict) -> str:
    """One row per value, the JSON's figures (`value` holds the column's value); cells that start a formula
    neutralised, as the exports'."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in result["rows"]:
        writer.writerow([neutralise(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()
