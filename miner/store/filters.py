"""The one filter every read takes: a window of days, sources, kinds and kept column values (`Market=DE`) of the
documents behind the complaints.

The date rule, everywhere (CLI, report, API, the run index): a document's day is the first 10 characters of its
stored date (`2026-03-05T23:30:00+05:00` is on 2026-03-05); `since` keeps days on or after it and `until` days on
or before it, so `until` includes the whole of its day. A document without a date is outside every window that has
a bound. Any valid date works as a bound, 0001-01-01 and 9999-12-31 included: no bound is ever computed by adding
a day to another.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlite_utils

from miner.errors import MinerError

SHOWN_SOURCES = 20  # source names an unknown --source error lists


# A day, optionally with a time and a zone after it ("2026-03-31", "2026-03-31T23:59:59", "2026-03-31 10:00+02:00")
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?[0-5]\d)?))?")


def parse_day(value: str) -> date:
    """The day a bound names: the date as written, a time and zone after it ignored (items are counted by the day
    they were written on, the module's date rule). Anything else is refused, not cut to its first ten characters
    ('2026-03-31garbage' counted March 31st), an impossible time included ('2026-06-30T25:00' counted June 30th);
    the CLI and the API read a bound alike."""
    hint = "use YYYY-MM-DD (e.g. 2026-01-31); a time after it is ignored"
    match = _DAY.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        day = date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(f"'{value}' is not a date: {hint}") from None
    if match.group(2):
        try:
            time.fromisoformat(match.group(2))
        except ValueError as err:
            said = f"{match.group(2)} is not a time of day ({err})"
            raise ValueError(f"'{value}' is not a date: {said}; {hint}") from None
    return day


def _day(value: date | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return parse_day(value)
    except ValueError as err:
        raise MinerError(f"--{name} {err}") from None


def parse_where(text: str) -> tuple[str, str]:
    """`COLUMN=VALUE`, split at the first '=': a column the items kept from their file (`Market`) and one value of
    it, as `--where` and the API's `where=` take it (a value may hold '=' itself)."""
    column, equals, value = text.partition("=")
    column = column.strip()
    if not equals or not column or not value:
        raise ValueError(f"'{text}' is not COLUMN=VALUE: name a column the items kept from their file and a value of "
                         "it, e.g. Market=DE")  # fmt: skip
    if '"' in column:  # SQLite's JSON paths cannot name such a key
        raise ValueError(f"'{column}': a column whose name holds a double quote cannot be filtered; rename it")
    return column, value


def kept_path(column: str) -> str:
    """The JSON path of a kept column in a document's `meta` (quoted: `Touchpoint/Channel`, `a.b`, `Q4 Channel`)."""
    return f'$."{column}"'


# A kept column's value as text (12 and "12" alike), its JSON path the one parameter: what a filter compares and a
# breakdown groups by (miner/store/breakdown.py).
KEPT_VALUE = "CAST(json_extract({alias}.meta, ?) AS TEXT)"
DOCUMENT_VALUE = KEPT_VALUE.format(alias="d")  # of a document `d`


def _columns(pairs: Iterable[tuple[str, str | Iterable[str]]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(column, values) pairs, one per column, both sorted: `Market=DE` and `Market=FR` are one column's values."""
    grouped: dict[str, set[str]] = {}
    for column, values in pairs or ():
        grouped.setdefault(column, set()).update((values,) if isinstance(values, str) else values)
    return tuple((column, tuple(sorted(values))) for column, values in sorted(grouped.items()))


def _names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True, init=False)
class Filters:
    """Which documents a read covers; an empty bound or list means no restriction (see the module's date rule).

    `since` and `until` take a date or an ISO string (a time after the day is ignored); `source` and `kind` take
    one name or several; `kept` (column, value) pairs of the columns the items kept from their files: an item
    matches with any of a column's values, and all the columns named (`Market=DE`, `Market=FR` and `Brand=X`: DE
    or FR, and X). Instances are hashable, so the run index caches what a filter selects."""

    since: date | None
    until: date | None
    source: tuple[str, ...]
    kind: tuple[str, ...]
    kept: tuple[tuple[str, tuple[str, ...]], ...]

    def __init__(
        self,
        since: date | str | None = None,
        until: date | str | None = None,
        source: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        kept: Iterable[tuple[str, str | Iterable[str]]] | None = None,
    ) -> None:
        object.__setattr__(self, "since", _day(since, "since"))
        object.__setattr__(self, "until", _day(until, "until"))
        object.__setattr__(self, "source", _names(source))
        object.__setattr__(self, "kind", _names(kind))
        object.__setattr__(self, "kept", _columns(kept))

    def sql(self, alias: str = "d") -> tuple[str, list]:
        """` AND ...` conditions on the documents table (`alias`) and their parameters; '' with no filter."""
        clauses, params = [], []
        if self.since:
            # Equal to comparing the first 10 characters, and the date index can serve it.
            clauses.append(f"{alias}.date >= ?")
            params.append(self.since.isoformat())
        if self.until:
            clauses.append(f"substr({alias}.date, 1, 10) <= ?")
            params.append(self.until.isoformat())
        for column, values in (("source", self.source), ("kind", self.kind)):
            if values:
                clauses.append(f"{alias}.{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        for column, values in self.kept:
            clauses.append(f"{KEPT_VALUE.format(alias=alias)} IN ({','.join('?' * len(values))})")
            params.extend([kept_path(column), *values])
        return "".join(f" AND {c}" for c in clauses), params

    def dates_aside(self) -> Filters:
        """The same sources, kinds and kept values over every day: where a filter's data lies."""
        return Filters(source=self.source, kind=self.kind, kept=self.kept)

    def where(self, alias: str = "d") -> tuple[str, list]:
        """The same conditions as a whole WHERE body ('1 = 1' with no filter)."""
        fsql, params = self.sql(alias)
        return "1 = 1" + fsql, params

    def previous(self, db: sqlite_utils.Database, run: dict | None = None) -> Filters | None:
        """The period a trend compares this one with; None without `since`, when the window starts after the last
        item inside the sources and kinds, or when it would start before year 1.

        The window ends on `until` or on the latest day of the documents `run` analysed (`run_items`), whichever is
        earlier (a window that runs past the data covers only the days up to it; whole months asked for, the months
        up to its month). When it covers whole calendar months (the 1st to a month's last day) the previous period
        is the same number of calendar months just before (March against February, as the report's monthly trends);
        otherwise it is the same number of days just before (whole ISO weeks, Monday to Sunday, are then the same
        number of weeks). A previous period that starts before the first item inside the sources and kinds starts
        on that item's day (`previous_span` says how long it would have been)."""
        span = self.previous_span(db, run)
        return span[0] if span else None

    def previous_span(self, db: sqlite_utils.Database, run: dict | None = None) -> tuple[Filters, date] | None:
        """`previous`, and the day it would start on were there items before the first: its own `since` unless it
        was cut to the first item's day (February and March of data starting on January 1st were compared with
        December and January, 66 items against 134: December held none)."""
        if self.since is None:
            return None
        latest = last_day(db, self, run)  # of the filtered sources and kinds: a source that ends in March ends there
        until = self.until or latest or self.since
        if latest is not None and self.since <= latest < until:
            # whole months asked for end with the month of the last item, not its day: November with no item on the
            # 30th was compared with October 3rd to 31st, where the report compares it with October
            until = _month_end(latest) if self.until and _whole_months(self.since, self.until) else latest
        if until < self.since:  # the window starts after the last item: no period to compare it with
            return None
        months = _whole_months(self.since, until)
        try:
            end = self.since - timedelta(days=1)
            start = self.since - timedelta(days=(until - self.since).days + 1)
        except OverflowError:
            return None
        if months:
            first = self.since.year * 12 + self.since.month - 1 - months  # months since year 0's January
            if first < 12:  # before year 1
                return None
            start = date(first // 12, first % 12 + 1, 1)
        earliest = first_day(db, self, run)
        # a previous period with no item at all keeps its days: it holds too few items for a trend, whatever its length
        cut = earliest if earliest is not None and start < earliest <= end else start
        return Filters(cut, end, self.source, self.kind, self.kept), start

    def ends_early(self, db: sqlite_utils.Database, run: dict | None = None) -> tuple[date, date] | None:
        """(the last item's day, the day the window's months end on) when whole months asked for end after the last
        item of the sources, kinds and values, inside its month: December of data to the 6th covers 6 of its 31
        days, where the previous period, November, covers all of its own (`previous_span`); None otherwise, any
        other window being compared with as many days before as it covers up to the last item."""
        if self.since is None or self.until is None or not _whole_months(self.since, self.until):
            return None
        latest = last_day(db, self, run)
        if latest is None or not self.since <= latest < self.until or latest == _month_end(latest):
            return None
        return latest, _month_end(latest)

    def describe(self) -> str:
        bits = []
        if self.since or self.until:
            bits.append(f"{self.since or 'start'} to {self.until or 'end'}")
        if self.source:
            bits.append("source " + ", ".join(self.source))
        if self.kind:
            bits.append("kind " + ", ".join(self.kind))
        bits += [f"{column} = {' or '.join(values)}" for column, values in self.kept]
        return "; ".join(bits) or "all feedback"


def check(db: sqlite_utils.Database, filters: Filters, prefix: str = "--") -> Filters:
    """`filters`, if it can match: a misspelt kind or source, or a window that ends before it starts, raises a
    MinerError in one sentence instead of reading as "no feedback" (`top`, `report`, `export` and the API's reads
    share this; `prefix` is how the options are written: "--" on the command line, "" for query parameters)."""
    from miner.ingest.records import KINDS

    if filters.since and filters.until and filters.since > filters.until:
        raise MinerError(
            f"{prefix}since {filters.since} is after {prefix}until {filters.until}: give the earlier day as "
            f"{prefix}since"
        )
    for kind in filters.kind:
        if kind not in KINDS:
            raise MinerError(f"unknown {prefix}kind '{kind}': use one of {', '.join(KINDS)}")
    if (filters.since or filters.until) and prefix and _undated(db):
        # `top` printed an empty table, `report` "no feedback matches", `export` a header: none said why
        raise MinerError(
            "no item in the database has a date (its files had no date column, or it was not found): --since and "
            "--until match nothing; mine the files into a new database with --date-col naming their date column"
        )
    if filters.source:
        # the imports' names first (a small table); the documents' only for a name no import holds
        known = [row[0] for row in db.execute("SELECT DISTINCT source FROM imports ORDER BY source")]
        for source in filters.source:
            if source in known or db.execute("SELECT 1 FROM documents WHERE source = ? LIMIT 1", [source]).fetchone():
                continue
            stored = db.execute("SELECT DISTINCT source FROM documents")  # the error's list only: a scan is fine
            known = sorted(set(known) | {row[0] for row in stored})
            shown = ", ".join(known[:SHOWN_SOURCES]) or "none yet"
            more = f" and {len(known) - SHOWN_SOURCES} more" if len(known) > SHOWN_SOURCES else ""
            raise MinerError(f"unknown {prefix}source '{source}': the database holds {shown}{more}")
    if filters.kept:
        from miner.store.kept import check_column

        for column, _ in filters.kept:
            check_column(db, column, f"{prefix}where")
    return filters


def no_match(db: sqlite_utils.Database, filters: Filters, run: dict | None = None, prefix: str = "--") -> str:
    """Why `filters` matched no item, in one sentence: what they asked for, the days the items of their sources and
    kinds (of `run` where given) span, and what to widen. `top` printed an empty table and exited 0 for a window
    after the data where `report` refused, and neither said where the data lies."""
    names = ("since", "until", "source", "kind", "where") if filters.kept else ("since", "until", "source", "kind")
    return f"no feedback matches {filters.describe()}: {data_span(db, filters, run)}; widen " + "/".join(
        f"{prefix}{name}" for name in names
    )


def data_span(db: sqlite_utils.Database, filters: Filters, run: dict | None = None) -> str:
    """'the feedback runs from 2026-01-01 to 2026-12-31' (of the filters' sources, kinds and kept values, their dates
    aside)."""
    whose = filters.dates_aside()
    of = f" of {whose.describe()}" if whose != Filters() else ""
    first, last = first_day(db, whose, run), last_day(db, whose, run)
    if (first is None or last is None) and run is not None and first_day(db, whose) is not None:
        # stored, and dated, but not in the run read (mined after it, or with --run N of an earlier one)
        return f"run {run['id']} analysed no feedback{of}: a later run did (leave out --run, or mine again)"
    if (first is None or last is None) and whose != Filters() and not _any_stored(db, whose):
        return f"there is no feedback{of}"  # not "none has a date": there is none at all
    if first is None or last is None:
        return f"no feedback{of} has a date"
    return f"the feedback{of} runs from {first} to {last}"


def _any_stored(db: sqlite_utils.Database, within: Filters) -> bool:
    """Whether any stored item is of `within`'s sources, kinds and kept values (its dates aside)."""
    where, params = within.dates_aside().where()
    return bool(db.execute(f"SELECT EXISTS(SELECT 1 FROM documents d WHERE {where})", params).fetchone()[0])


def _undated(db: sqlite_utils.Database) -> bool:
    """Whether the database holds items and none has a date (a scan where none has: the command line's check)."""
    has = db.execute("SELECT EXISTS(SELECT 1 FROM documents), EXISTS(SELECT 1 FROM documents WHERE date IS NOT NULL)")
    items, dated = has.fetchone()
    return bool(items) and not dated


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _whole_months(since: date, until: date) -> int:
    """How many calendar months `since` to `until` covers, when it is whole months (the 1st to a month's last day);
    0 otherwise."""
    if since.day != 1 or until.day != calendar.monthrange(until.year, until.month)[1]:
        return 0
    return (until.year - since.year) * 12 + until.month - since.month + 1


def last_day(db: sqlite_utils.Database, within: Filters | None = None, run: dict | None = None) -> date | None:
    """The latest document's day, of those `within`'s sources, kinds and kept values where given (its dates aside)
    and of those `run` analysed (`run_items`); None when no stored date starts with a valid day. From the run's
    table in memory where it has one (miner/store/item_table.py)."""
    return _edge_day(db, within, run, last=True)


def first_day(db: sqlite_utils.Database, within: Filters | None = None, run: dict | None = None) -> date | None:
    """The earliest document's day, read as `last_day` reads the latest."""
    return _edge_day(db, within, run, last=False)


def _edge_day(db: sqlite_utils.Database, within: Filters | None, run: dict | None, last: bool) -> date | None:
    if run is not None:
        from miner.store.read_table import counted_items

        if (table := counted_items(db, run, within.kept if within else ())) is not None:
            return table.edge_day(within, last)
    fsql, params = within.dates_aside().sql() if within else ("", [])
    rsql, rparams = run_items(run)
    order = "DESC" if last else "ASC"
    sql = f"""SELECT substr(d.date, 1, 10) FROM documents d WHERE d.date IS NOT NULL{fsql}{rsql}
              ORDER BY d.date {order} LIMIT 50"""
    for (day,) in db.execute(sql, [*params, *rparams]):
        try:
            return date.fromisoformat(day)
        except (TypeError, ValueError):
            continue
    return None


def run_items(run: dict | None, alias: str = "d") -> tuple[str, list]:
    """An ` AND ...` condition on the documents table (`alias`) keeping the items `run` analysed, and its parameters:
    those of the imports its snapshot held (`runs.last_import`), less those forgotten since (an erasure deletes
    them). Every denominator and period bound read for a run takes it: run 1 of 99 items, read after a second
    import, gave March 38 items instead of 33, and the latest run counted the items of an import no run has analysed
    yet (a cancelled run's). '' for no run, or one that recorded no import (written by hand): every document."""
    bound = run.get("last_import") if run else None
    if bound is None:
        return "", []
    return f" AND {alias}.import_id <= ?", [bound]
