"""A date column's cells as ISO 8601. Whether `03/04/2026` is day-first or month-first is decided once per column,
from the cells that can only be one way (`13/04/2026`), and applied to every cell: guessed cell by cell, one
column held 3 April as 4 March beside 13 April. Excel serial numbers (`46082`) are read as the days they count."""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from miner.errors import InputError, describe

_NUMERIC = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})(?!\d)")  # day and month first, year last
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 is 1900-01-01 in Excel's (leap-year-1900) count
SERIALS = (32874, 73051)  # 1990-01-01 up to 2100-01-01: a five-digit number in a date column outside is no date
# `GMT+1`, `UTC+05:30` as Google Forms and many exports write them: dateutil reads the sign the POSIX way (`GMT+1` as
# an hour behind UTC), so 09:00 GMT+1 was stored as 10:00 UTC instead of 08:00
_NAMED_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)
# A date later than now by more than this is no feedback's date: a wrong column or a wrong Unix-time unit (9999999999
# seconds is 2286). Two days, not zero: a local time written without its offset reads as UTC and may run up to 14 h
# ahead (UTC+14), and the exporting system's clock may be a little ahead of this one's.
FUTURE_MARGIN = timedelta(days=2)
ORDERS = ("dmy", "mdy")  # --date-order: day-first (03/04/2026 is 3 April) or month-first (4 March)
_DECIMAL_COMMA = re.compile(r"-?\d+,\d{1,2}")  # 20,00 or 4,5; not 1,000 (a thousands separator)


def order_of(value: str) -> str | None:
    """'dmy' or 'mdy' for a numeric date that can only be read one way (`13/04/2026`, `04/13/2026`), else None."""
    match = _NUMERIC.match(value)
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def parse_date(value: str, dayfirst: bool = False) -> str:
    """ISO 8601 from the usual export formats, Unix seconds or milliseconds and Excel serial numbers; `dayfirst`
    reads a numeric `03/04/2026` as 3 April. Raises ValueError otherwise."""
    if re.fullmatch(r"\d{10}(?:\.\d+)?|\d{13}", value):
        stamp = float(value) / (1000 if len(value) == 13 else 1)
        return datetime.fromtimestamp(stamp, UTC).isoformat()
    if _SERIAL.fullmatch(value) and SERIALS[0] <= float(value) < SERIALS[1]:
        return (EXCEL_EPOCH + timedelta(days=float(value))).isoformat()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        from dateutil import parser

        value = _NAMED_OFFSET.sub(lambda m: f" {m[1]}{int(m[2]):02d}:{m[3] or '00'}", value)
        # dayfirst only where the day or month leads: dateutil reads 2026/03/04 as year-day-month with it
        return parser.parse(value, dayfirst=dayfirst and bool(_NUMERIC.match(value))).isoformat()


def impossible(value: str, dayfirst: bool, err: Exception) -> str | None:
    """What is wrong with a cell written as a date that names no day ("31 Feb 2026": "February 2026 has 28 days"),
    or None where it is no date at all; the day itself is not repeated (errors never quote a cell). Such a cell
    was told to "use a format like 2026-03-31, or pass --date-col", and neither helps."""
    said = str(err)
    if said.startswith("month must be in 1..12"):
        return "its month is not one of 1 to 12"
    if not said.startswith("day is out of range for month"):
        return None
    from dateutil import parser

    try:  # the fields as read, before the date is built: the public `parse` raises without them
        fields = parser.parser()._parse  # type: ignore[attr-defined]
        read = fields(value, dayfirst=dayfirst and bool(_NUMERIC.match(value)))[0]
    except (AttributeError, ValueError, OverflowError, TypeError):
        read = None
    month = getattr(read, "month", None)
    if not month or not 1 <= month <= 12:
        return "its day is past the end of its month"
    year = getattr(read, "year", None)
    name = calendar.month_name[month]
    if year is None:
        days = "28 or 29" if month == 2 else str(calendar.monthrange(2001, month)[1])
        return f"{name} has {days} days"
    return f"{name} {year} has {calendar.monthrange(year, month)[1]} days"


def european(delimiter: object, rows: list[dict]) -> bool:
    """Whether a file bears a continental European export's signs: fields split by ';' and a column of numbers with
    a decimal comma ("20,00"). Excel writes both where the decimal separator is a comma, and every such locale
    writes dates day-first; a file of days 1-12 alone (eu_april.csv: 1-12 April) was read month-first, its 30
    answers spread over January to December."""
    if delimiter != ";" or not rows:
        return False
    for column in rows[0]:
        values = [v for r in rows[:200] if (v := str(r.get(column) or "").strip())]
        if values and sum(bool(_DECIMAL_COMMA.fullmatch(v)) for v in values) >= 0.8 * len(values):
            return True
    return False


@dataclass
class DateColumn:
    """How one file's date column is read: day-first or month-first, decided from a sample of its cells."""

    column: str
    given: bool  # named with --date-col, not guessed from its name
    dayfirst: bool = False
    decided: bool = False  # some cells could only be read one way
    ambiguous: int = 0  # cells like 03/04/2026 in the sample
    remembered: bool = False  # undecidable here, read as earlier files of the same column were (`orders`)
    order: str | None = None  # given with --date-order: 'dmy' or 'mdy'
    european: bool = False  # undecidable here, read day-first on the file's European signs (`european`)

    @classmethod
    def from_sample(
        cls,
        column: str,
        values: list[str],
        given: bool,
        orders: dict[str, bool] | None = None,
        order: str | None = None,
        european: bool = False,
    ) -> DateColumn:
        """The order given with --date-order (`order`), else the one most of the unambiguous cells take; a cell of
        the other order is an error at its own line. Where no cell decides, the order `orders` holds for the column
        (what earlier files of the same database showed: a nightly file of the 1st to the 12th alone was read
        month-first, the next night's day-first), else day-first where the file is `european`, else month-first. An
        order given or decided is written into `orders`; one from European signs is a guess, and is not."""
        counted = Counter(order_of(v) for v in values)
        ambiguous = sum(1 for v in values if _NUMERIC.match(v) and order_of(v) is None)
        decided = bool(counted["dmy"] or counted["mdy"])
        if order is not None or decided:
            dayfirst = order == "dmy" if order is not None else counted["dmy"] > counted["mdy"]
            if orders is not None:
                orders[column] = dayfirst
            return cls(column, given, dayfirst, decided, ambiguous, order=order)
        if orders is not None and column in orders and ambiguous:
            return cls(column, given, orders[column], False, ambiguous, remembered=True)
        return cls(column, given, european and ambiguous > 0, False, ambiguous, european=european and ambiguous > 0)

    def note(self) -> str | None:
        """A line for the user when the order matters: decided day-first, or not decidable at all."""
        way = "day-first (03/04/2026 is 3 April)" if self.dayfirst else "month-first (03/04/2026 is 4 March)"
        other = "--date-order mdy" if self.dayfirst else "--date-order dmy"
        if self.order is not None:
            return None  # as the user said
        if self.remembered:
            return (f"dates in '{self.column}' could be day-first or month-first (no day is over 12): read {way}, "
                    f"as earlier files of this database showed; if they are not, pass {other}")  # fmt: skip
        if self.european:
            return (f"dates in '{self.column}' could be day-first or month-first (no day is over 12): read {way}, "
                    f"as the file's ';' separator and decimal commas (20,00) suggest; if they are not, pass "
                    f"{other}")  # fmt: skip
        if self.decided and self.dayfirst:
            return f"dates in '{self.column}' are read day-first (03/04/2026 is 3 April), as its dates over 12 show"
        if not self.decided and self.ambiguous:
            return (f"dates in '{self.column}' could be day-first or month-first (no day is over 12): read {way}; "
                    f"if they are day-first, pass {other} (or save them as 2026-04-03)")  # fmt: skip
        return None

    def parse(self, path: Path, line: int, value: str) -> str:
        """The cell as ISO 8601, or the InputError naming the file, line and column (never the value)."""
        order = order_of(value)
        if order is not None and (order == "dmy") != self.dayfirst:
            column_order = "day-first" if self.dayfirst else "month-first"
            said = f"--date-order {self.order} says" if self.order else "the column's other dates are"
            raise InputError(
                str(path),
                f"the date can only be {'day' if order == 'dmy' else 'month'}-first, but {said} {column_order}",
                line=line,
                field=self.column,
                hint="write it as 2026-03-31, or pass --on-error skip",
            )
        try:
            iso = parse_date(value, self.dayfirst)
        except (ValueError, OverflowError) as err:
            if (wrong := impossible(value, self.dayfirst, err)) is not None:  # a date, but none of the calendar
                raise InputError(str(path), f"the date is no day of the calendar: {wrong}", line=line,
                                 field=self.column, hint="correct it, or pass --on-error skip") from None  # fmt: skip
            # named by the user: perhaps the wrong column; guessed: name the right one
            also = "check that --date-col names the date column" if self.given else "pass --date-col"
            raise InputError(
                str(path),
                f"the date does not parse (the cell holds {describe(value)})",
                line=line,
                field=self.column,
                hint=f"use a format like 2026-03-31, or {also}",
            ) from None
        if (year := future_year(iso)) is not None:
            check = "check that --date-col names the date column" if self.given else "check it is the date column"
            raise InputError(
                str(path),
                f"the date is in the future (the year {year}; more than {FUTURE_MARGIN.days} days after today)",
                line=line,
                field=self.column,
                hint=f"{check}, and that a Unix time is 10 digits of seconds or 13 of milliseconds, or pass "
                "--on-error skip",
            )
        return iso


def future_year(iso: str, now: datetime | None = None) -> int | None:
    """The year of an ISO date later than `now` (default: this moment) plus FUTURE_MARGIN, else None. A date
    without an offset is taken as UTC."""
    when = datetime.fromisoformat(iso)
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return when.year if when > (now or datetime.now(UTC)) + FUTURE_MARGIN else None
