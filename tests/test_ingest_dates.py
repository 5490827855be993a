"""Date columns: the day/month order decided once per column, Excel serial numbers, and the hints."""

import pytest

from miner.errors import InputError
from miner.ingest import ColumnMap, iter_file, read_file


def _csv(tmp_path, dates, name="d.csv"):
    path = tmp_path / name
    rows = "".join(f"{i},{d},the food was cold again\n" for i, d in enumerate(dates, 1))
    path.write_text("id,date,text\n" + rows)
    return path


def _read(path, **kw):
    notes: list[str] = []
    recs = [r for chunk in iter_file(path, notes=notes, **kw) for r in chunk]
    return recs, notes


def test_a_day_first_column_reads_every_cell_day_first(tmp_path):
    recs, notes = _read(_csv(tmp_path, ["03/04/2026", "13/04/2026", "2026/03/04", "05.06.2026 14:05"]))
    assert [r.date[:10] for r in recs] == ["2026-04-03", "2026-04-13", "2026-03-04", "2026-06-05"]
    assert any("read day-first" in n for n in notes)


def test_a_month_first_column_stays_month_first(tmp_path):
    recs, notes = _read(_csv(tmp_path, ["03/04/2026", "04/13/2026"]))
    assert [r.date[:10] for r in recs] == ["2026-03-04", "2026-04-13"]
    assert not any("day-first" in n for n in notes)


def test_an_ambiguous_column_is_noted(tmp_path):
    recs, notes = _read(_csv(tmp_path, ["03/04/2026", "05/06/2026"]))
    assert recs[0].date[:10] == "2026-03-04"
    assert any("could be day-first or month-first" in n for n in notes)


def test_date_order_says_how_ambiguous_dates_read_and_the_note_names_it(tmp_path):
    # 1-12 April read month-first, spread over January to December, and the note said to save them as 2026-04-03
    path = _csv(tmp_path, [f"{d:02d}/04/2026" for d in range(1, 13)])
    recs, notes = _read(path)
    assert recs[2].date[:10] == "2026-03-04"
    assert any("read month-first (03/04/2026 is 4 March); if they are day-first, pass --date-order dmy" in n
               for n in notes)  # fmt: skip
    recs, notes = _read(path, columns=ColumnMap(date_order="dmy"))
    assert {r.date[:7] for r in recs} == {"2026-04"} and not any("first" in n for n in notes)
    with pytest.raises(InputError, match=r"line 3, field 'date': the date can only be day-first, but --date-order "
                       "mdy says month-first"):  # fmt: skip
        read_file(_csv(tmp_path, ["03/04/2026", "13/04/2026"]), ColumnMap(date_order="mdy"))


def _european(tmp_path, amounts, dates=("01/04/2026", "03/04/2026", "12/04/2026")):
    path = tmp_path / "eu.csv"
    rows = "".join(f"{i};{d};{a};the box came late\n" for i, (d, a) in enumerate(zip(dates, amounts, strict=True), 1))
    path.write_text("\ufeffid;date;amount;text\n" + rows, encoding="utf-8")
    return path


def test_a_semicolon_file_with_decimal_commas_reads_ambiguous_dates_day_first(tmp_path):
    recs, notes = _read(_european(tmp_path, ["20,00", "31,5", "7,25"]))
    assert [r.date[:10] for r in recs] == ["2026-04-01", "2026-04-03", "2026-04-12"]
    assert any("read day-first (03/04/2026 is 3 April), as the file's ';' separator and decimal commas (20,00) "
               "suggest; if they are not, pass --date-order mdy" in n for n in notes)  # fmt: skip
    recs, _ = _read(_european(tmp_path, ["20,00", "31,5", "7,25"]), columns=ColumnMap(date_order="mdy"))
    assert recs[1].date[:10] == "2026-03-04"
    # dates over 12 decide whatever the file's signs; amounts with a thousands separator are no decimal commas
    recs, _ = _read(_european(tmp_path, ["20,00", "31,5", "7,25"], ["01/04/2026", "04/13/2026", "03/04/2026"]))
    assert recs[0].date[:10] == "2026-01-04"
    recs, _ = _read(_european(tmp_path, ["1,000", "2,500", "3,000"]))
    assert recs[1].date[:10] == "2026-03-04"


def test_a_date_order_given_is_remembered_for_the_column():
    from miner.ingest.dates import DateColumn

    orders: dict[str, bool] = {}
    DateColumn.from_sample("date", ["03/04/2026"], True, orders, order="dmy")
    assert orders == {"date": True}
    later = DateColumn.from_sample("date", ["05/04/2026"], True, orders)  # a later file of days 1-12 alone
    assert later.dayfirst and later.remembered
    guessed: dict[str, bool] = {}
    DateColumn.from_sample("date", ["03/04/2026"], True, guessed, european=True)
    assert guessed == {}  # a guess from the file's signs is not remembered


def test_a_cell_against_the_columns_order_is_refused_at_its_line(tmp_path):
    path = _csv(tmp_path, ["13/04/2026", "14/04/2026", "04/15/2026"])
    with pytest.raises(InputError, match=r"line 4, field 'date': the date can only be month-first"):
        read_file(path)


def test_excel_serial_numbers_are_dates(tmp_path):
    recs, _ = _read(_csv(tmp_path, ["45999", "46082.5", "2026-03-01"]))
    assert [r.date for r in recs][:2] == ["2025-12-08T00:00:00", "2026-03-01T12:00:00"]
    with pytest.raises(InputError, match="the date does not parse"):
        read_file(_csv(tmp_path, ["12345"], "early.csv"))  # 1933: no plausible serial


def test_gmt_and_utc_offsets_keep_their_sign(tmp_path):
    # Google Forms writes "GMT+1"; dateutil alone reads it the POSIX way, as an hour behind UTC
    cells = [
        "2026/03/02 9:14:05 AM GMT+1",
        "2026-03-02 09:14 UTC+05:30",
        "2026-03-02 09:14 GMT-5",
        "2026-03-02 09:14 GMT",
    ]
    recs, _ = _read(_csv(tmp_path, cells))
    assert [r.date for r in recs] == [
        "2026-03-02T09:14:05+01:00",
        "2026-03-02T09:14:00+05:30",
        "2026-03-02T09:14:00-05:00",
        "2026-03-02T09:14:00+00:00",
    ]


def test_excel_serial_in_a_numeric_xlsx_cell(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Date", "Text"])
    book.active.append([46082, "the driver was late"])
    path = tmp_path / "s.xlsx"
    book.save(path)
    assert read_file(path)[0].date.startswith("2026-03-01")


def test_date_col_hint_only_when_the_column_was_guessed(tmp_path):
    path = _csv(tmp_path, ["soon"])
    with pytest.raises(InputError, match=r"or pass --date-col\)"):
        read_file(path)
    with pytest.raises(InputError) as err:
        read_file(path, ColumnMap(date="date"))
    assert "or pass --date-col" not in str(err.value) and "check that --date-col names the date column" in str(
        err.value
    )


@pytest.mark.parametrize(
    ("cell", "wrong"),
    [("31 Feb 2026", "February 2026 has 28 days"), ("2024-02-30", "February 2024 has 29 days"),
     ("31/04/2026", "April 2026 has 30 days"), ("2026-13-02", "its month is not one of 1 to 12")],
)  # fmt: skip
def test_a_date_no_calendar_has_says_what_is_wrong(tmp_path, cell, wrong):
    """'31 Feb 2026' was told to "use a format like 2026-03-31, or pass --date-col": neither helps."""
    path = _csv(tmp_path, ["04/01/2026", cell])
    with pytest.raises(InputError) as err:
        read_file(path)
    assert f"line 3, field 'date': the date is no day of the calendar: {wrong} (correct it, or pass --on-error " \
        "skip)" in str(err.value)  # fmt: skip
    assert len(read_file(path, on_error="skip")) == 1


def test_a_date_past_today_is_refused_at_its_line(tmp_path):
    """Epoch 9999999999 (2286, read as the seconds its ten digits are, not as milliseconds) and a 2031 timestamp were
    stored: the report's monthly trend then ran to 3,129 periods and called 2286-11 "the latest month"."""
    from datetime import UTC, datetime, timedelta

    from miner.ingest.dates import future_year, parse_date

    assert parse_date("9999999999").startswith("2286-11-20")  # seconds: ten digits
    assert parse_date("1774915200000").startswith("2026-03-31")  # milliseconds: thirteen
    path = _csv(tmp_path, ["2026-03-01", "9999999999", "2031-06-01T10:00:00+00:00"])
    with pytest.raises(InputError) as err:
        _read(path)
    assert str(err.value) == (
        f"{path}, line 3, field 'date': the date is in the future (the year 2286; more than 2 days after today) "
        "(check it is the date column, and that a Unix time is 10 digits of seconds or 13 of milliseconds, or pass "
        "--on-error skip)"
    )
    rejected: list[InputError] = []
    recs, _ = _read(path, on_error="skip", rejected=rejected)
    assert [r.source_id for r in recs] == ["1"] and [e.line for e in rejected] == [3, 4]
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    tomorrow = (now + timedelta(days=1)).isoformat()
    assert future_year(tomorrow, now) is None  # a time zone ahead of UTC, or a clock a little ahead: no error
    assert future_year("2026-03-02T23:00:00", now) is None and future_year("2026-03-04", now) == 2026
