"""Source ids under redaction: a number read from an id column is the survey tool's or the CRM's key and stays;
an id that is, or holds, an email or a phone number, or one from a phone column, takes its keyed token."""

import re

from miner.ingest import read_file
from miner.ingest.columns import numbering
from miner.ingest.records import Record
from miner.segment.pii import Redactor, pseudonymise, redact_records

TOKEN = re.compile(r"<[A-Z]+:[0-9a-f]{16}>")


def _redacted(source_id, column, meta=None, values=None):
    """The record as stored, its id read from `column`, whose sampled ids are `values` (else its own)."""
    column = numbering(column, values or [source_id])
    rec = Record(source="x.csv", line=1, text="fine", source_id=source_id, id_column=column, meta=meta or {})
    return redact_records([rec], Redactor(names=None), key="k")[0]


def test_a_number_from_an_id_column_is_no_phone_number():
    # SurveyMonkey's respondent ids and an order system's numbers were stored as <PHONE:...>: the link back lost
    assert _redacted("114230987000:Q12", "Respondent ID").source_id == "114230987000:Q12"
    assert _redacted("4500123400", "Response ID").source_id == "4500123400"
    for column in ("order_number", "Ticket #", "OrderId", "External Reference", "Collector ID", "uuid", "id"):
        assert _redacted("4500123400", column).source_id == "4500123400", column
    rec = _redacted("114230987000:Q12", "Respondent ID", {"response_id": "114230987000", "Collector ID": 431122334})
    assert rec.meta == {"response_id": "114230987000", "Collector ID": 431122334}
    assert rec.token_id == pseudonymise("114230987000:Q12", "k")  # what an older database holds it under


def test_a_phone_number_in_an_id_stays_redacted():
    # a column named for a phone holds one, whatever else its name says
    for column in ("caller_id", "Phone", "Mobile number", "MSISDN", "cell", "ANI", "whatsapp_id"):
        assert numbering(column, ["447700900123"]) is None
        assert TOKEN.fullmatch(_redacted("447700900123", column).source_id), column
    # a column whose name says nothing of ids
    assert TOKEN.fullmatch(_redacted("447700900123", "customer").source_id)
    assert TOKEN.fullmatch(_redacted("447700900123", None).source_id)
    # an id column that holds emails for some rows and numbers for others holds each customer's contact
    mixed = ["r1", "ann@example.com", "447700900002"]
    assert TOKEN.fullmatch(_redacted("447700900002", "id", values=mixed).source_id)
    # written as a phone number: not digits alone
    for value in ("+447700900123", "07700 900123", "(415) 555-0132", "415-555-0132"):
        assert TOKEN.search(_redacted(value, "Response ID", values=["4500123400", value]).source_id), value
    # an email, or a card number, in an id column is still one
    assert TOKEN.fullmatch(_redacted("ann@example.com", "Response ID", values=["1", "2"]).source_id)
    assert TOKEN.fullmatch(_redacted("4111111111111111", "order_id").source_id)
    assert TOKEN.search(_redacted("114230987000:ann@example.com", "id").source_id)
    # a prefixed id is judged as before (banking77's train:3018995434 is mined under row numbers by eval)
    assert TOKEN.search(_redacted("tel:07700900123", "id").source_id)
    # a survey's id read from a phone column stands in meta as its response_id too: no number there stays
    rec = _redacted("447700900123:Q2", "Phone", {"response_id": "447700900123", "order_id": "4500123400"})
    assert TOKEN.fullmatch(rec.meta["response_id"]) and TOKEN.fullmatch(rec.meta["order_id"])
    assert TOKEN.fullmatch(_redacted("1", "id", {"phone_id": "447700900123"}).meta["phone_id"])


def test_survey_and_order_exports_keep_their_ids(tmp_path):
    monkey = tmp_path / "surveymonkey.csv"
    monkey.write_text(
        "Respondent ID,Collector ID,Email Address,How likely are you to recommend us?,What did you like least?\n"
        ",,,Response,Open-Ended Response\n"
        "114230987000,431122334,,1,The refund never came and nobody answers the phone.\n"
        "114230987001,431122334,,9,Delivery was late but the food was good.\n"
    )
    orders = tmp_path / "orders.csv"
    orders.write_text("Response ID,Comment\n4500123400,You took payment after I cancelled.\n")
    recs = redact_records(read_file(monkey) + read_file(orders), Redactor(names=None), key="k")
    assert [r.source_id.split(":")[0] for r in recs] == ["114230987000", "114230987001", "4500123400"]
    assert [r.meta.get("response_id") for r in recs] == ["114230987000", "114230987001", None]
    assert [r.id_column for r in recs] == ["Respondent ID", "Respondent ID", "Response ID"]


def test_a_database_that_holds_the_ids_as_tokens_stores_nothing_twice(
    db, tmp_path, mini_taxonomy, fake_embedder, monkeypatch
):
    from miner.ingest import rows
    from miner.pipeline import MineOptions, import_paths
    from miner.segment import get_segmenter

    path = tmp_path / "orders.csv"
    path.write_text("order_id,text\n4500123400,charged twice\n4500123401,late again\n")
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=get_segmenter("rules"))
    options.redact_pii = True
    with monkeypatch.context() as m:  # as redaction stored them before: every number a phone's keyed token
        m.setattr(rows, "numbering", lambda name, values: None)
        first = import_paths(db, [path], options)
    assert all(TOKEN.fullmatch(r["source_id"]) for r in db["documents"].rows)
    second = import_paths(db, [path], options)
    assert [r.added for r in first + second] == [2, 0] and db["documents"].count == 2


def test_a_customer_forgotten_under_a_token_id_stays_forgotten(tmp_path, monkeypatch):
    from functools import partial

    from miner.ingest import rows as read
    from miner.pipeline.imports import import_files
    from miner.segment.rules import RuleSegmenter
    from miner.store import open_db
    from miner.store.erasure import forget_customer
    from miner.store.pii_key import pii_key

    rows = "order_id,date,text\n4500123400,2026-03-01,charged twice\n4500123401,2026-03-02,late again\n"
    (tmp_path / "orders.csv").write_text(rows)
    (tmp_path / "orders_again.csv").write_text(rows)
    db = open_db(tmp_path / "t.db")
    redactor = partial(redact_records, redactor=Redactor(names=None), key=pii_key(db))
    with monkeypatch.context() as m:
        m.setattr(read, "numbering", lambda name, values: None)
        import_files(db, [tmp_path / "orders.csv"], RuleSegmenter(), redactor)
    assert forget_customer(db, "4500123400").documents == 1
    # the same file, and the same rows under another name: the forgotten order's row is not stored again
    again = import_files(db, [tmp_path / "orders.csv", tmp_path / "orders_again.csv"], RuleSegmenter(), redactor)
    assert [r.added for r in again] == [0, 0] and db["documents"].count == 1
