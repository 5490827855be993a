"""Which meta columns hold a person's name or a phone number (miner/segment/redact.py `_walk`): a Google Play export
had its `App Version Name` and `Brand` stored as <PERSON> and its epoch millis as <PHONE:...>."""

import pytest

from miner.ingest.records import Record
from miner.segment.pii import Redactor, redact_records


@pytest.fixture(scope="module")
def redactor():
    return Redactor()


def _meta(redactor, meta):
    [rec] = redact_records([Record("r.csv", 2, "The app crashes since the update", meta=meta)], redactor, key="k")
    return rec.meta


def test_columns_that_name_things_keep_their_values(redactor):
    meta = {"App Version Name": "5.2.0", "Product Name": "Slim Jeans", "Brand Name": "Ribera", "File Name": "q1.csv",
            "Package Name": "com.northline.shop", "Brand": "Maison Vera", "Store": "Lotte Berlin"}  # fmt: skip
    assert _meta(redactor, dict(meta)) == meta


def test_epoch_millis_are_no_phone_numbers(redactor):
    meta = {"Review Submit Millis Since Epoch": 1773600000000, "Review Last Update Millis Since Epoch": "1773600000000",
            "created_timestamp": 1773600000, "unix_time": "1773600000"}  # fmt: skip
    assert _meta(redactor, dict(meta)) == meta


def test_person_columns_emails_and_phones_are_still_redacted(redactor):
    out = _meta(
        redactor,
        {"Reviewer Name": "Anna Schmidt", "Customer Name": "Jo Bloggs", "first_name": "Priya", "Author": "Tom",
         "Brand": "Ribera, ask anna.s@example.com", "notes": "call 07700 900123", "Phone Timestamp": 7700900123,
         "Contact Epoch": "07700900123"},
    )  # fmt: skip
    assert out["Reviewer Name"] == out["Customer Name"] == out["first_name"] == out["Author"] == "<PERSON>"
    assert out["Brand"] == "Ribera, ask <EMAIL>"
    assert out["notes"] == "call <PHONE>"
    assert out["Phone Timestamp"].startswith("<PHONE:") and out["Contact Epoch"].startswith("<PHONE:")


def test_a_camel_case_name_column_is_a_persons_name():
    """App Store Connect's `reviewerNickname` kept "JohnSmith88" (the name columns were matched on separators only),
    and the assignments export now carries an item's kept columns to BI tools."""
    from miner.segment.redact import _person_field

    assert _person_field("reviewerNickname") and _person_field("customerName") and _person_field("authorName")
    assert not _person_field("appVersionName") and not _person_field("packageName") and not _person_field("fileName")
