"""A date column named otherwise than DATE_NAMES is found by a date word in its name and cells that read as dates:
"Submitted On" was no date column, and a newcomer's first run had no trends."""

from __future__ import annotations

import pytest

from miner.ingest.columns import detect


@pytest.mark.parametrize("name", ["Submitted On", "Submission Date", "Date Submitted", "Date of Review", "Posted"])
def test_a_date_word_and_date_cells_make_the_date_column(name):
    rows = [{name: "03/02/2026", "Comments": "Lockers broken again", "Star Rating": "2"},
            {name: "2026-03-04 10:15", "Comments": "Showers cold", "Star Rating": "1"}]  # fmt: skip
    assert detect([name, "Star Rating", "Comments"], rows).date == name


def test_a_date_word_over_cells_that_are_no_dates_is_no_date_column():
    rows = [{"Delivery day": "Monday", "Posted": "yes", "Date of Birth": "04/05/1981", "Comments": "Late"}] * 3
    assert detect(["Delivery day", "Posted", "Date of Birth", "Comments"], rows).date is None
