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


def test_google_plays_at_is_the_date_column_where_its_cells_are_dates():
    """google-play-scraper writes the review's date as `at`: mined, its reviews had no date and left every trend."""
    rows = [{"reviewId": "gp_1", "content": "Still waiting in the queue.", "score": 2, "at": "2026-01-06T08:46:00",
             "replyContent": "Sorry", "repliedAt": "2026-01-07T09:00:00"},
            {"reviewId": "gp_2", "content": "Fine.", "score": 3, "at": "2026-01-21T21:57:00"}]  # fmt: skip
    assert detect(list(rows[0]), rows).date == "at"
    assert detect(["repliedAt", "content"], rows).date is None  # the company's reply's date is not the review's
    words = [{"at": "home", "content": "Late"}, {"at": "work", "content": "Cold"}]
    assert detect(["at", "content"], words).date is None  # a short name is judged by its cells
