"""Rendering the top pain points as a terminal table or CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter

from miner.report.inert import terminal_text
from miner.report.quotes import shorten
from miner.segment.language import named
from miner.wording import counted

UNMAPPED_NAME = "No touchpoint (none)"
NARROW = 110  # terminal columns under which the table folds the stage into the touchpoint cell


def rows_of(result: dict, unmapped: bool = False) -> list[dict]:
    """The touchpoints a table or CSV lists; with `unmapped` (`top --touchpoint none`), the complaints that fit no
    touchpoint as one more row, which the JSON keeps apart under `unmapped`."""
    rows = list(result["touchpoints"])
    extra = result.get("unmapped")
    if unmapped and extra:
        rows.append({**extra, "name": UNMAPPED_NAME, "stage": None})
    return rows


def print_table(result: dict, unmapped: bool = False) -> None:
    """The top pain points as a rich table (`unmapped`: see `rows_of`). Every value from feedback or a taxonomy
    goes in as `Text`, never as markup, and without control characters: `[/dim]` or an escape code in a review
    prints as it reads."""
    from rich.console import JustifyMethod
    from rich.table import Table
    from rich.text import Text

    from miner.report.console import cli_console, say

    console = cli_console()  # a pipe or a log: the table in 140 columns, sentences whole
    run = result["run"]
    shown = result.get("filter", "all feedback")
    inside = (f"{counted(result['mentions'], 'complaint mention')} in {counted(result['items'], 'item')}"
              if "mentions" in result else "")  # fmt: skip
    # a Text, not markup: the title holds the taxonomy's name and the filter's sources, which may hold "[/dim]"
    table = Table(
        title=Text(
            terminal_text(
                f"Top pain points by touchpoint (run {run['id']}, taxonomy {run.get('taxonomy_name')} "
                f"{run.get('taxonomy_version')}: {counted(run['complaints'], 'complaint')} "
                f"in {counted(run['segments'], 'segment')} of {counted(run['documents'], 'item')})"
                + (f"; shares are of its {inside}" if shown == "all feedback" and inside else "")
                + (
                    f"; the table counts {shown} only" + (f": {inside}, the shares' whole" if inside else "")
                    if shown != "all feedback"
                    else ""
                )
            )
        )  # fmt: skip
    )
    # On a narrow terminal the stage goes under the touchpoint's name: at 80 columns its own column left the pain
    # points and quotes 20 characters, two or three words a line.
    narrow = console.width < NARROW
    columns: list[tuple[str, JustifyMethod]] = [
        ("Touchpoint", "left"),
        ("Stage", "left"),
        ("Complaints", "right"),
        ("Share", "right"),
        ("Pain points (complaints) and a quote", "left"),
    ]
    if narrow:
        del columns[1]
    for col, justify in columns:
        table.add_column(col, justify=justify)
    for tp in rows_of(result, unmapped):
        cell = Text()
        for i, pp in enumerate(tp["pain_points"]):  # as many as --pain-points asked (the table showed 3 at most)
            quote = terminal_text(pp["examples"][0]["text"]) if pp["examples"] else ""
            cell.append("\n" if i else "")
            cell.append(terminal_text(pp["label"]), style="bold")
            cell.append(f" ({pp['complaints']})\n  ")
            cell.append(f"“{shorten(quote, 90)}”", style="dim")
        if not tp["pain_points"] and tp["complaints"]:
            # an incremental run's complaints about a touchpoint the refit found no pain point for: said, not blank
            cell.append("no pain point yet: the next full `touchpoints mine` (without --incremental) groups these",
                        style="dim")  # fmt: skip
        name, stage = Text(terminal_text(tp["name"])), Text(terminal_text(tp["stage"] or ""))
        if narrow:
            name.append(f"\n{stage}" if tp["stage"] else "", style="dim")
        table.add_row(*([name] if narrow else [name, stage]), str(tp["complaints"]), percent(tp["share"]), cell)
    console.print(table)
    none = result.get("unmapped")
    if none and none["complaints"] and not unmapped:
        if shown == "all feedback":
            # of the complaints, as the HTML report counts it (the share column counts mentions: a clause can touch
            # two)
            share = none["complaints"] / max(result["run"]["complaints"], 1)
            said = f"{none['complaints']} of {result['run']['complaints']} complaints fit no touchpoint ({share:.1%})"
        else:  # the run's total is the whole run's: the filter's share is of its complaint mentions
            said = (f"{none['complaints']} complaints of {shown} fit no touchpoint ({none['share']:.1%} of its "
                    "complaint mentions)")  # fmt: skip
        say(console, f"{said}: see `touchpoints top --touchpoint none`.")
    if line := unread_line(result):
        say(console, line)
    print_fit(console, result.get("fit"))


def unread_line(result: dict) -> str | None:
    """Under the table, the items of its count whose text was not read: 164 of 436 in German, French, Spanish or
    emoji only sat in "of 436 items" unsaid, and a market whose feedback was unread looked the happiest."""
    if not (unread := result.get("unread_items")):
        return None
    tongues = Counter(result.get("unread_languages") or {})
    shown = f" ({named(tongues)} in another language)" if tongues else ""
    return (
        f"{unread:,} of the {result['items']:,} items ({unread / max(result['items'], 1):.0%}) were not read{shown}: "
        "the models read English only, so they add no complaint (an English title over them aside): the table's "
        f'complaints are of the {result["read_items"]:,} read. See docs/guide/input.md, "Languages: English only".'
    )


def percent(share: float) -> str:
    """'22%', or '0.2%' under 1%: a whole percent called 2 of 812 '0%'."""
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def print_fit(console, fit: dict | None) -> None:  # noqa: ANN001 - a rich Console, imported lazily
    """A yellow panel when the corpus does not fit its taxonomy well (miner/touchpoints/fit.py); nothing when it
    fits, was too small to judge, or the run is older than the measure."""
    from rich.panel import Panel
    from rich.text import Text

    if not fit or fit.get("verdict") not in ("weak fit", "does not fit"):
        return
    body = Text("\n".join(f"• {terminal_text(w)}" for w in fit.get("warnings") or []))
    title = f"Taxonomy fit: {fit['verdict']}"
    console.print(Panel(body, title=title, title_align="left", border_style="yellow", style="yellow"))


def _safe(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(result: dict, unmapped: bool = False) -> str:
    """One row per touchpoint and pain point (`unmapped`: see `rows_of`), with the shares the JSON gives: the pain
    point's of its touchpoint's complaints and of all complaint mentions; `mentions` and `items` are the filter's
    whole (the touchpoints' denominator). That column was named `share_of_mentions` and held the count, and the CSV
    had no pain point share at all."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "touchpoint",
            "name",
            "stage",
            "touchpoint_complaints",
            "touchpoint_share",  # of `mentions`
            "pain_point_id",
            "pain_point",
            "pain_point_complaints",
            "pain_point_share",  # of its touchpoint's complaints (the JSON's `share`)
            "pain_point_share_of_total",  # of `mentions` (the JSON's `share_of_total`)
            "example",
            "mentions",  # the complaint mentions inside the filters: the touchpoint shares' denominator
            "items",  # the feedback items inside the filters
        ]
    )
    for tp in rows_of(result, unmapped):
        for pp in tp["pain_points"] or [{"id": "", "label": "", "complaints": 0, "examples": []}]:
            example = pp["examples"][0]["text"] if pp["examples"] else ""
            writer.writerow(
                [
                    _safe(v)
                    for v in (
                        tp["id"],
                        tp["name"],
                        tp["stage"],
                        tp["complaints"],
                        tp["share"],
                        pp["id"],
                        pp["label"],
                        pp["complaints"],
                        pp.get("share", ""),
                        pp.get("share_of_total", ""),
                        example,
                        result.get("mentions", ""),
                        result.get("items", ""),
                    )
                ]
            )
    return out.getvalue()
