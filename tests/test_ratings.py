"""Rating scales come from the values' distribution: one stray value is rejected, not a new scale for the file."""

from __future__ import annotations

import pytest

from miner.errors import InputError
from miner.ingest import ColumnMap, iter_file, read_file
from miner.ingest.ratings import infer_scale


def _stars(path, values: list[object]) -> None:
    rows = [f"r{i},{v},the courier was late again ({i})" for i, v in enumerate(values)]
    path.write_text("id,rating,review\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_one_ten_in_a_file_of_stars_is_rejected_not_nps(tmp_path):
    path = tmp_path / "stars.csv"
    values = [1, 2, 3, 4, 5] * 8
    values[17] = 10
    _stars(path, values)
    recs = read_file(path, on_error="skip")
    assert {r.rating_scale for r in recs} == {"stars5"} and len(recs) == 39
    assert recs[0].rating == 0.0 and recs[4].rating == 1.0
    rejected = recs[0].meta["_rejected"]
    assert len(rejected) == 1 and "line 19" in rejected[0] and "field 'rating'" in rejected[0]
    problem = rejected[0].split("field 'rating': ", 1)[1]
    assert "1-5 scale" in problem and "10" not in problem  # the value is not quoted
    with pytest.raises(InputError) as err:
        read_file(path)
    assert err.value.line == 19 and err.value.field == "rating" and "--on-error skip" in str(err.value)


def test_a_real_nps_column_stays_nps(tmp_path):
    path = tmp_path / "nps.csv"
    _stars(path, [0, 3, 6, 7, 8, 9, 10, 10, 9, 2, 5, 8])
    recs = read_file(path)
    assert {r.rating_scale for r in recs} == {"nps"} and recs[0].rating == 0.0 and recs[6].rating == 1.0


def test_infer_scale_by_distribution():
    assert infer_scale("rating", [1, 2, 3, 4, 5] * 4 + [10]) == "stars5"  # one stray value of 21
    assert infer_scale("rating", [1, 2, 3, 4, 5, 10]) == "nps"  # too few to call 10 a stray
    assert infer_scale("rating", [1, 2, 3] * 10 + [10, 10, 10]) == "nps"  # 9% above 5: not strays
    assert infer_scale("csat", [1, 2, 6, 7] * 5) == "csat7" and infer_scale("satisfaction", [1, 5, 3]) == "csat5"
    assert infer_scale("likely_to_recommend", [1, 2, 3]) == "nps"  # the name says so
    assert infer_scale("rating", [0, 1, 2, 5] * 5) == "nps"  # a quarter are 0: not a 1-5 scale
    assert infer_scale("score", [12, 55, 80, 99] * 5) is None
    assert infer_scale("rating", []) == "stars5"


def test_ratings_that_fit_no_scale(tmp_path):
    path = tmp_path / "pct.csv"
    _stars(path, [12, 55, 80, 99, 40])
    assert all(r.rating is None and r.rating_raw is None for r in read_file(path))  # a detected column: unread
    with pytest.raises(InputError, match="fit no scale") as err:
        read_file(path, ColumnMap(rating="rating"))
    # the values stay out of the message (the file's path may hold digits of its own: pytest-255)
    assert err.value.field == "rating" and "55" not in str(err.value).replace(str(path), "")


def test_na_dash_and_none_mean_no_rating_not_a_bad_row(tmp_path):
    path = tmp_path / "na.csv"
    _stars(path, [1, "N/A", 3, "n/a", 5, "NA", 2, "-", 4, "none", 5, ""])
    recs = read_file(path)
    assert len(recs) == 12 and {r.rating_scale for r in recs if r.rating is not None} == {"stars5"}
    assert [r.rating_raw for r in recs] == [1, None, 3, None, 5, None, 2, None, 4, None, 5, None]
    assert "rating" not in recs[1].meta  # the mark is not kept as a field either


def test_satisfaction_labels_are_a_five_point_scale(tmp_path):
    path = tmp_path / "csat.csv"
    labels = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very  satisfied"]
    path.write_text("id,CSAT,comment\n" + "".join(f"{i},{v},the app froze ({i})\n" for i, v in enumerate(labels)))
    recs = read_file(path)
    assert [r.rating_raw for r in recs] == [1, 2, 3, 4, 5] and {r.rating_scale for r in recs} == {"csat5"}


def test_qualtrics_seven_point_labels_are_a_seven_point_scale(tmp_path):
    # "Moderately dissatisfied" fit no scale and the column was left unread; "Extremely satisfied" read as 5 of 5
    path = tmp_path / "csat7.csv"
    labels = ["Extremely dissatisfied", "Moderately dissatisfied", "Slightly dissatisfied",
              "Neither satisfied nor dissatisfied", "Slightly satisfied", "Moderately satisfied",
              "Extremely satisfied"]  # fmt: skip
    path.write_text("id,CSAT,comment\n" + "".join(f"{i},{v},the app froze ({i})\n" for i, v in enumerate(labels)))
    recs = read_file(path)
    assert [r.rating_raw for r in recs] == [1, 2, 3, 4, 5, 6, 7] and {r.rating_scale for r in recs} == {"csat7"}
    assert recs[0].rating == 0.0 and recs[-1].rating == 1.0


def test_a_detected_column_of_other_labels_is_left_unread_not_every_row_refused(tmp_path):
    path = tmp_path / "agree.csv"
    answers = ["Strongly disagree", "Agree", "Disagree", "Strongly agree"]
    path.write_text("id,rating,comment\n" + "".join(f"{i},{v},the app froze ({i})\n" for i, v in enumerate(answers)))
    notes: list[str] = []
    recs = [r for chunk in iter_file(path, notes=notes) for r in chunk]
    assert len(recs) == 4 and all(r.rating is None for r in recs)
    assert "the ratings in 'rating' fit no scale and are left unread" in " ".join(notes)
    with pytest.raises(InputError, match="the rating is not a number"):  # named with --rating-col: refused
        read_file(path, ColumnMap(rating="rating"))
