"""The right to erasure: forgetting a dataset or a customer on a real SQLite file, through the CLI and the API
(fake embedder: plumbing and bookkeeping, not quality)."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from typer.testing import CliRunner

from miner.cli import app
from miner.pipeline import MineOptions, mine
from miner.report import top_pain_points
from miner.report.exports import export
from miner.report.html import write_report
from miner.segment.segmenter import text_hash
from miner.store import open_db
from miner.store.erasure import value_hash
from miner.store.pii_key import pii_key
from tests.conftest import COMPLAINTS, DATA

CUSTOMER = "CUST-4417"
NAMED = "jesse.pinkman@example.com"  # an upload named by its customer's email


def _write(path, prefix: str, n: int, marker: str = "", customer_rows: int = 0) -> None:
    """`n` complaints; the first `customer_rows` belong to CUSTOMER (one by id, one in the text, the rest by
    the customer column). Another customer, CUST-44170, shares a prefix with CUSTOMER and must stay."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "date", "rating", "customer", "review"])
        for i in range(n):
            text = f"{COMPLAINTS[i % len(COMPLAINTS)]}, order {prefix}{i} was awful {marker}".strip()
            rid, who = f"{prefix}{i}", "CUST-44170"
            if i < customer_rows:
                who = CUSTOMER if i % 3 == 0 else "someone"
                if i % 3 == 1:
                    text += f" (account {CUSTOMER.lower()})"
                if i % 3 == 2:
                    rid = CUSTOMER
            w.writerow([rid, "2026-01-03", 1, who, text])


@pytest.fixture(scope="module")
def template(tmp_path_factory, segmenter):
    """Mined once for the module (clustering is the slow part): keep.csv (with CUSTOMER's rows) and gone.csv
    (marked 'wombatish') in one run, then later.csv (marked too) in a nightly run that carries the first forward.
    Each test works on a copy."""
    from miner.embed.fake import HashingEmbedder
    from miner.touchpoints import load_taxonomy

    folder = tmp_path_factory.mktemp("template")
    _write(folder / "keep.csv", "K", 36, customer_rows=9)  # 3 by column, 3 in the text, 3 by id (one stored)
    _write(folder / "gone.csv", "G", 36, marker="wombatish")
    _write(folder / "later.csv", "L", 12, marker="wombatish")
    options = MineOptions(taxonomy=load_taxonomy(DATA / "mini_taxonomy.yaml"), embedder=HashingEmbedder(dim=128),
                          segmenter=segmenter, redact_pii=False)  # fmt: skip
    db = open_db(folder / "t.db")
    mine(db, [folder / "keep.csv", folder / "gone.csv"], options)
    options.incremental = True
    mine(db, [folder / "later.csv"], options)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"folder": folder, "options": options}


@pytest.fixture
def mined(template, tmp_path) -> Path:
    path = tmp_path / "t.db"
    shutil.copy(template["folder"] / "t.db", path)
    return path


def _consistent(db) -> None:
    """Every complete run's stored counts equal its rows, and its quotes are stored segments."""
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []  # erasure deletes children by hand
    segment_ids = {r[0] for r in db.execute("SELECT id FROM segments")}
    for run in db.query("SELECT * FROM runs WHERE status = 'complete'"):
        rid = run["id"]
        n, complaints = db.execute(
            "SELECT COUNT(*), coalesce(SUM(complaint), 0) FROM segment_results WHERE run_id = ?", [rid]
        ).fetchone()
        assert (run["segments"], run["complaints"]) == (n, complaints), run
        for p in db.query("SELECT * FROM pain_points WHERE run_id = ?", [rid]):
            sql = "SELECT COUNT(*) FROM assignments WHERE run_id = ? AND pain_point_id = ?"
            assert p["complaints"] == db.execute(sql, [rid, p["id"]]).fetchone()[0] > 0, p["id"]
            assert set(json.loads(p["representatives"] or "[]")) <= segment_ids


def _everything(db, tmp_path) -> str:
    """Every table's rows, `top` as JSON, the HTML report and a CSV export of the latest run, as one text."""
    parts = [json.dumps(list(db.query(f"SELECT * FROM [{t}]")), default=repr) for t in db.table_names()]
    parts.append(json.dumps(top_pain_points(db, limit=50, pain_points=50, quotes=50)))
    parts.append(write_report(db, tmp_path / "r.html").read_text(encoding="utf-8"))
    for table in ("pain_points", "assignments"):
        parts.append(export(db, tmp_path / f"{table}.csv", "csv", table=table).read_text(encoding="utf-8"))
    return "\n".join(parts)


def _forget(path: Path, *args: str, stdin: str | None = None):
    out = CliRunner().invoke(app, ["forget", "--db", str(path), *args], input=stdin)
    return out


def test_forget_waits_for_a_run_being_made(mined):
    """An erasure while an incremental run was being made left that run counting the erased items (3,250 items of
    3,050 stored): refused until the run ends, and a crashed run's 'running' does not block it."""
    import socket

    from miner.store.runs import start_run

    db = open_db(mined)
    n = db["documents"].count
    live = start_run(db, mapper="examples")  # this process: alive, as another `touchpoints mine` would be
    refused = _forget(mined, "--dataset", "gone.csv")
    assert refused.exit_code == 2 and f"run {live} is still being made" in " ".join(refused.output.split())
    assert open_db(mined)["documents"].count == n
    db.execute("UPDATE runs SET owner = ? WHERE id = ?", [f"{socket.gethostname()}:999999999", live])  # gone
    db.conn.commit()
    assert _forget(mined, "--dataset", "gone.csv").exit_code == 0 and open_db(mined)["documents"].count < n


def test_forget_dataset_takes_it_out_of_every_run(mined, template, tmp_path):
    db = open_db(mined)
    _consistent(db)
    gone = "SELECT id FROM documents WHERE source IN ('gone.csv', 'later.csv')"
    gone_hashes = {r[0] for r in db.execute(f"SELECT hash FROM segments WHERE document_id IN ({gone})")}
    assert "wombatish" in _everything(db, tmp_path)
    assert gone_hashes & {r[0] for r in db.execute("SELECT hash FROM embeddings")}
    before = {r["id"]: r["complaints"] for r in db.query("SELECT * FROM runs")}
    assert all(r["fit"] for r in db.query("SELECT fit FROM runs"))
    kept = db["documents"].count - 48

    out = _forget(mined, "--dataset", str(template["folder"] / "gone.csv"))
    assert out.exit_code == 0, out.output
    assert "36 documents" in out.output and "2 runs recounted" in out.output
    out = _forget(mined, "--dataset", "later.csv")
    assert out.exit_code == 0 and "12 documents" in out.output, out.output

    db = open_db(mined)
    assert db["documents"].count == kept and not db.execute(gone).fetchall()
    kept_hashes = {r[0] for r in db.execute("SELECT hash FROM segments")}
    cached = {r[0] for r in db.execute("SELECT hash FROM embeddings")}
    assert not (gone_hashes - kept_hashes) & cached  # their vectors are gone, shared ones stay
    assert {r[0] for r in db.execute("SELECT source FROM imports")} == {"keep.csv"}
    _consistent(db)
    after = {r["id"]: r for r in db.query("SELECT * FROM runs")}
    assert all(after[i]["complaints"] < before[i] and after[i]["erased_at"] for i in before)
    # Its figures counted the erased complaints and cannot be recomputed without them (their scores are not stored).
    assert all(after[i]["fit"] is None for i in before)
    assert after[max(after)]["documents"] == kept
    assert "wombatish" not in _everything(db, tmp_path).lower()


def test_forget_needs_a_match_and_one_choice(mined):
    n = open_db(mined)["documents"].count
    none = _forget(mined, "--dataset", "other.csv")
    assert none.exit_code == 2 and "no mined file matches" in none.output and "keep.csv, later.csv" in none.output
    both = _forget(mined, "--dataset", "keep.csv", "--customer", CUSTOMER)
    assert both.exit_code == 2 and "one of" in both.output
    short = _forget(mined, "--customer", "ab")
    assert short.exit_code == 2 and "at least 3 characters" in short.output
    assert open_db(mined)["documents"].count == n


def test_a_plain_word_is_refused_and_a_dry_run_deletes_nothing(mined):
    n = open_db(mined)["documents"].count
    word = _forget(mined, "--customer", "order")  # in every item's text: not a customer
    assert word.exit_code == 2 and "plain word" in word.output and "<PERSON>" not in word.output
    name = _forget(mined, "--customer", "Priyanka Sharma")  # stored as <PERSON>: say so, and what to give
    assert name.exit_code == 2 and "stored as <PERSON>" in " ".join(name.output.split())
    dry = _forget(mined, "--customer", CUSTOMER, "--dry-run")
    assert dry.exit_code == 0 and "Would forget customer: 7 documents" in dry.output, dry.output
    # a word that is some item's whole column names a customer (the `customer` column of four items)
    column = _forget(mined, "--customer", "someone", "--dry-run")
    assert column.exit_code == 0 and "4 documents" in column.output, column.output
    files = _forget(mined, "--dataset", "gone.csv", "--dry-run")
    assert files.exit_code == 0 and "36 documents" in files.output, files.output
    assert open_db(mined)["documents"].count == n


def test_forget_customer_by_id_text_and_meta_and_it_stays_forgotten(mined, template, tmp_path, caplog):
    db = open_db(mined)
    total = db["documents"].count
    assert CUSTOMER in _everything(db, tmp_path).upper()

    with caplog.at_level(logging.INFO, logger="touchpoints.erasure"):
        out = _forget(mined, "--customer", "-", stdin=f"{CUSTOMER.lower()}\n")
    assert out.exit_code == 0, out.output
    # The three rows with CUSTOMER as review id share one document id: the first is stored, the rest skipped.
    assert "7 documents" in out.output
    assert CUSTOMER.lower() not in (out.output + caplog.text).lower() and "erased customer #" in caplog.text

    db = open_db(mined)
    assert db["documents"].count == total - 7
    everything = _everything(db, tmp_path)
    assert CUSTOMER not in everything.upper().replace("CUST-44170", "")
    assert everything.count("CUST-44170") >= 27  # a longer id is another customer
    _consistent(db)
    # Mining the same file again does not bring the customer back.
    imports, _ = mine(db, [template["folder"] / "keep.csv"], template["options"])
    assert imports[0].added == 0 and CUSTOMER not in _everything(db, tmp_path).upper().replace("CUST-44170", "")


def test_forget_zeroes_the_deleted_rows_in_the_file(mined):
    assert b"wombatish" in mined.read_bytes()
    for name in ("gone.csv", "later.csv"):
        out = _forget(mined, "--dataset", name)
        assert out.exit_code == 0, out.output
    blob = b"".join(p.read_bytes() for p in mined.parent.glob("t.db*"))
    assert b"wombatish" not in blob


def test_an_erasure_is_seen_by_the_api_run_index(mined, template):
    """The API keeps a run's index in memory; an erasure stamps the run so the index is rebuilt."""
    from miner.store.erasure import forget_files
    from miner.store.filters import Filters
    from miner.store.index import run_index
    from miner.store.runs import find_run

    db = open_db(mined)
    _, total = run_index(db, find_run(db)).counts(Filters())
    forget_files(db, [str(template["folder"] / "gone.csv")])
    _, after = run_index(db, find_run(db)).counts(Filters())
    assert 0 < after < total
    assert after == db.execute("SELECT COUNT(*) FROM assignments WHERE run_id = ?", [find_run(db)["id"]]).fetchone()[0]


def test_vectors_of_items_are_dropped(mined, template):
    """The clusterer also caches each item's joined text; those vectors go with the item."""
    from miner.store.erasure import forget_files

    db = open_db(mined)
    texts: dict[str, list[str]] = {}
    for doc, text in db.execute("SELECT document_id, text FROM segments ORDER BY document_id, id"):
        texts.setdefault(doc, []).append(text)
    items = {d: text_hash(" ".join(t)) for d, t in texts.items() if len(t) > 1}
    assert set(items.values()) & {r[0] for r in db.execute("SELECT hash FROM embeddings")}
    erased = forget_files(db, [str(template["folder"] / "gone.csv")])
    left = {r[0] for r in db.execute("SELECT hash FROM segments")}
    gone = {h for d, h in items.items() if not db["documents"].count_where("id = ?", [d])}
    assert erased.documents == 36 and erased.embeddings > 0 and gone
    assert not (gone - left) & {r[0] for r in db.execute("SELECT hash FROM embeddings")}


def test_vectors_of_clauses_read_in_their_items_are_dropped(mined, template):
    """Span reading (miner/embed/spans.py) caches a clause read inside its item by its place there: those vectors
    go with the item too."""
    import numpy as np

    from miner.embed.spans import SUFFIX, erasable_hashes
    from miner.store.embeddings import save_vectors
    from miner.store.erasure import forget_files

    db = open_db(mined)
    texts: dict[str, list[str]] = {}
    for doc, text in db.execute("SELECT document_id, text FROM segments ORDER BY document_id, id"):
        texts.setdefault(doc, []).append(text)
    derived = {d: erasable_hashes(t) for d, t in texts.items()}
    vector = np.ones(4, np.float32)
    save_vectors(db, "minilm" + SUFFIX, {h: vector for hs in derived.values() for h in hs})
    forget_files(db, [str(template["folder"] / "gone.csv")])
    cached = {r[0] for r in db.execute("SELECT hash FROM embeddings")}
    gone = [d for d in derived if not db["documents"].count_where("id = ?", [d])]
    assert gone and len(gone) < len(derived)
    assert not {h for d in gone for h in derived[d]} & cached  # spans and the item read whole
    assert {h for d in derived if d not in gone for h in derived[d]} <= cached  # the rest stay


def test_customer_pattern_is_a_whole_token():
    from miner.store.erasure_lookup import customer_pattern

    p = customer_pattern("ann@example.com")
    assert p.search("mail ANN@example.com now") and p.search("(ann@example.com).")
    assert not p.search("joann@example.com") and not p.search("ann@example.com.au")
    assert customer_pattern("C-12").search("order C-12 late") and not customer_pattern("C-12").search("C-123")


def test_a_customer_id_stored_as_a_keyed_token_is_found(tmp_path, monkeypatch):
    """PII redaction may store an email used as an id as a keyed token: the customer is matched on it too."""
    from miner.segment import pii
    from miner.store.erasure_lookup import documents_of_customer

    monkeypatch.setattr(
        pii, "pseudonymise", lambda v, key=None: "<EMAIL:3f0c1a9be2d4aa01>" if "@" in v else v, raising=False
    )
    db = open_db(tmp_path / "t.db")
    db["imports"].insert({"id": 1, "path": "a.csv", "source": "a.csv", "sha256": "", "rows": 2, "added": 2,
                          "imported_at": ""})  # fmt: skip
    for i, sid in enumerate(["<EMAIL:3f0c1a9be2d4aa01>", "<EMAIL:99990000aaaabbbb>"]):
        db["documents"].insert({"id": f"d{i}", "import_id": 1, "source": "a.csv", "source_id": sid, "kind": "review",
                                "text": "The refund never came"})  # fmt: skip
    assert documents_of_customer(db, "Ann.Lee@example.com") == ["d0"]


def test_an_email_column_is_found_after_redaction(tmp_path):
    """Redaction stores an email or phone column as a keyed token (like an id), so erasure by the email finds the
    item; an email inside the text is a plain <EMAIL> and names nobody."""
    from functools import partial

    from miner.pipeline.imports import import_files
    from miner.segment.pii import Redactor, redact_records
    from miner.segment.rules import RuleSegmenter
    from miner.store.erasure_lookup import documents_of_customer
    from miner.store.pii_key import pii_key

    export = tmp_path / "cust.csv"
    export.write_text(
        "review_id,customer_email,date,rating,text\n"
        "R1,mary.jones@example.com,2026-03-01,1,The delivery was two hours late and the food was cold.\n"
        "R2,tom@example.com,2026-03-02,2,Write to me at mary.jones@example.com about the refund.\n",
        encoding="utf-8",
    )
    db = open_db(tmp_path / "t.db")
    import_files(db, [export], RuleSegmenter(), partial(redact_records, redactor=Redactor(names=None), key=pii_key(db)))
    assert "mary.jones" not in json.dumps(list(db.query("SELECT * FROM documents")))
    found = documents_of_customer(db, "Mary.Jones@example.com")
    assert [db["documents"].get(d)["source_id"] for d in found] == ["R1"]
    # a phone column: found as written with other spacing, and with the trunk 0 written in ("+44 (0)161...": none)
    calls = tmp_path / "calls.csv"
    calls.write_text("review_id,customer_phone,date,rating,text\nR9,+441614960000,2026-03-03,1,Cold food again.\n")
    import_files(db, [calls], RuleSegmenter(), partial(redact_records, redactor=Redactor(names=None), key=pii_key(db)))
    for written in ("+44 161 496 0000", "+44 (0)161 496 0000", "+44 0161-496-0000"):
        assert [db["documents"].get(d)["source_id"] for d in documents_of_customer(db, written)] == ["R9"], written


def test_a_label_loses_the_words_only_erased_items_held():
    from miner.store.erasure import _relabel

    allowed = {"damaged", "packaging", "torn", "box", "crushed"}
    assert _relabel("Damaged packaging (wombatish)", ["torn"], allowed) == "Damaged packaging"
    assert _relabel("Wombatish order", ["box crushed"], allowed) == "Box crushed"
    assert _relabel("Wombatish", [], allowed) == "Other issues"


# --- the API ------------------------------------------------------------------------------------------------------


def _records(prefix: str, marker: str, n: int = 12, customer_every: int = 0) -> list[dict]:
    out = []
    for i in range(n):
        rec = {"id": f"{prefix}{i}", "date": "2026-03-02", "rating": 1,
               "text": f"{COMPLAINTS[i % len(COMPLAINTS)]} {marker}"}  # fmt: skip
        if customer_every and i % customer_every == 0:
            rec["customer_email"] = "ann.lee@example.com"
            rec["customer_id"] = CUSTOMER
        out.append(rec)
    return out


def test_api_deletes_a_dataset_and_forgets_a_customer(tmp_path):
    from api.testing import serve, wait_for_run

    db = tmp_path / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        key = server.key("erin")
        with server.client(key) as c:
            keep = c.post("/v1/datasets", json={"name": "keep", "records": _records("K", "", 24, 4)}).json()
            # A JSON body's name is one value: the email took a token in the dataset's name but not in its file's
            # ("jesse.pinkman@example" + ".com"), which the answers, the control database and the disk showed.
            records = [*_records("G", "wombatish", 24), {"id": "G-bad", "text": ""}]
            gone = c.post("/v1/datasets", json={"name": NAMED, "records": records}).json()
            [file], [bad] = gone["files"], gone["rejected"]
            assert file["name"].startswith("EMAIL_") and bad["file"] == file["name"], gone
            assert NAMED not in c.get(f"/v1/datasets/{gone['id']}").text + c.get("/v1/datasets").text
            uploads = tmp_path / "main.workspaces" / "erin.uploads"
            assert [p.name for p in (uploads / gone["id"]).iterdir()] == [file["name"]]
            for path in (f"/v1/datasets/{NAMED}", "/v1/runs/07700900123", f"/v1/pain-points/{NAMED}/examples"):
                assert c.get(path).status_code == 404  # the access log shows neither (asserted below)
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "complete", final
            assert "wombatish" in c.get("/v1/pain-points?limit=50").text + c.get("/v1/report").text
            # Once a run has imported an upload, its items are stored (redacted) and the raw file is deleted.
            assert not [p for p in uploads.rglob("*") if p.is_file()]
            assert all(f["imported_at"] for d in c.get("/v1/datasets").json() for f in d["files"])

            resp = c.delete(f"/v1/datasets/{gone['id']}")
            assert resp.status_code == 200, resp.text
            assert resp.json()["documents"] == 24 and resp.json()["files"] == 1 and resp.json()["runs"] == 1
            assert c.get(f"/v1/datasets/{gone['id']}").status_code == 404
            assert c.delete(f"/v1/datasets/{gone['id']}").status_code == 404
            assert not (uploads / gone["id"]).exists() and c.get(f"/v1/datasets/{keep['id']}").status_code == 200
            # The control database zeroes a deleted row and empties its write-ahead log (the row was in both).
            control = b"".join(p.read_bytes() for p in tmp_path.glob("main.db*"))
            assert gone["id"].encode() not in control and file["name"].encode() not in control
            assert c.get("/v1/stats").json()["documents"] == 24
            points = c.get("/v1/pain-points?limit=50").json()["pain_points"]
            routes = ["/v1/pain-points?limit=50", "/v1/touchpoints", "/v1/report"]
            routes += [f"/v1/pain-points/{p['id']}/examples?limit=100" for p in points]
            for route in routes:
                assert "wombatish" not in c.get(route).text, route

            dry = c.post("/v1/erasures", json={"customer": CUSTOMER.lower(), "dry_run": True})
            assert dry.status_code == 200 and dry.json()["documents"] == 6 and dry.json()["dry_run"], dry.text
            assert c.get("/v1/stats").json()["documents"] == 24
            resp = c.post("/v1/erasures", json={"customer": CUSTOMER.lower()})
            assert resp.status_code == 200 and resp.json()["documents"] == 6, resp.text
            assert not resp.json()["dry_run"]
            assert c.post("/v1/erasures", json={"customer": "ab"}).status_code == 422
            word = c.post("/v1/erasures", json={"customer": "order"})
            assert word.status_code == 422 and "plain word" in word.json()["message"], word.text
            typo = c.post("/v1/erasures", json={"customer": CUSTOMER, "dryrun": True})
            assert typo.status_code == 422 and typo.json()["field"] == "dryrun", typo.text
            # The next run skips the upload it imported (and deleted): the customer stays forgotten.
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "complete", final
            assert c.get("/v1/stats").json()["documents"] == 18
        log = server.log.read_text(encoding="utf-8", errors="replace")
    assert CUSTOMER.lower() not in log.lower() and "jesse" not in log and "07700900123" not in log
    assert "erased dataset: 1 files, 24 documents" in log and "erased customer #" in log  # counts, a hash prefix
    # The prefix is keyed: an unkeyed sha256 let anyone holding a guess confirm who asked to be forgotten.
    assert hashlib.sha256(CUSTOMER.lower().encode()).hexdigest()[:8] not in log
    workspace = open_db(tmp_path / "main.workspaces" / "erin.db")
    assert f"erased customer #{value_hash(CUSTOMER, pii_key(workspace))}:" in log  # the workspace's own key
    assert CUSTOMER not in json.dumps(list(workspace.query("SELECT * FROM documents"))).upper()


def test_api_erasure_reaches_uploads_no_run_has_imported(tmp_path):
    # Before, an erasure between an upload and its run found nothing and the run stored the customer's rows.
    from api.testing import serve, wait_for_run

    records = [*_records("P", "", 12, 4), {"text": f"No refund yet for {CUSTOMER}, the courier never came."}]
    with serve(tmp_path / "main.db", {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("pat")) as c:
            assert c.post("/v1/datasets", json={"name": "pending", "records": records}).status_code == 201
            dry = c.post("/v1/erasures", json={"customer": CUSTOMER, "dry_run": True}).json()
            resp = c.post("/v1/erasures", json={"customer": CUSTOMER})
            assert resp.status_code == 200 and dry["documents"] == resp.json()["documents"] == 4, (dry, resp.text)
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "complete", final
            assert c.get("/v1/stats").json()["documents"] == 9  # 13 rows, 4 naming the customer: never stored
            after = c.post("/v1/erasures", json={"customer": CUSTOMER, "dry_run": True}).json()
            assert after["documents"] == 0, after


def test_api_erasure_waits_for_a_run_in_progress(tmp_path):
    from api.db import open_control
    from api.erasure import forget_customer_items, forget_dataset
    from api.errors import ApiError

    control = open_control(tmp_path / "c.db")
    control.table("datasets").insert({"id": "ds_1", "workspace": "w", "name": "x", "created_at": "", "files": "[]",
                                      "columns": "{}", "rows": 0, "accepted": 0, "rejected": "[]"})  # fmt: skip
    control.table("jobs").insert({"id": "run_1", "workspace": "w", "status": "running", "created_at": ""})
    db = open_db(tmp_path / "w.db")
    for call in (lambda: forget_dataset(control, db, tmp_path, "w", "ds_1"),
                 lambda: forget_customer_items(control, db, "w", CUSTOMER)):  # fmt: skip
        with pytest.raises(ApiError) as err:
            call()
        assert err.value.status == 409
    with pytest.raises(ApiError) as err:
        forget_dataset(control, db, tmp_path, "other", "ds_1")
    assert err.value.status == 404


def test_reliability_section_finds_no_trace_on_a_slice_of_the_corpus(tmp_path):
    """reliability/erasure.py on 30 rows per corpus file (the full corpus runs in `python -m reliability`)."""
    from reliability.erasure import erasure_test

    result = erasure_test(tmp_path / "rel", max_rows=30)
    assert result["documents"] == {"dataset": 30, "customer": 4} and result["probes"] >= 20
    assert set(result["traces"].values()) == {0}, result["traces"]
    assert set(result["customer_value_found"].values()) == {0}, result["customer_value_found"]
    assert result["count_mismatches"] == 0
    # over the API: the main database kept an upload's speaker label (the customer's id) after the erasure, and the
    # access log its query string
    api = result["api"]
    assert (api["run"], api["documents"]) == ("complete", 5), api
    assert set(api["customer_value_found"].values()) == {0}, api["customer_value_found"]


def test_the_reliability_section_reads_an_id_stored_beside_other_text(mined):
    """SQLite packs a row's values side by side ('reviewCUST-4417Stray'), and the section's whole-word search of the
    file's bytes said 0 while such a row remained. It reads the rows through SQLite, and still the bytes, for what
    only they hold (a row deleted without secure_delete); a longer id is another customer's, in both."""
    import sqlite3

    from reliability.erasure import found_in_database, read_database

    assert _forget(mined, "--customer", CUSTOMER).exit_code == 0
    rows, raw = read_database(mined)
    assert "CUST-44170" in rows and found_in_database(rows, raw, CUSTOMER) == {"rows": 0, "bytes": 0}
    stray = "INSERT INTO documents (id, source, kind, title, text) VALUES (?, 'keep.csv', 'review', ?, ?)"
    con = sqlite3.connect(mined)
    with con:  # what a missed delete would leave; a digit after the id hides it from the bytes, not the rows
        con.executemany(stray, [("s1", CUSTOMER, "Stray text"), ("s2", CUSTOMER, "2 stray pizzas"),
                                ("s3", "CUST-44170", "Stray text")])  # fmt: skip
    found = found_in_database(*read_database(mined), CUSTOMER)
    assert found["rows"] == 2 and found["bytes"] >= 1, found
    with con:
        con.execute("PRAGMA secure_delete = OFF")
        con.execute("DELETE FROM documents WHERE id IN ('s1', 's2', 's3')")
    con.close()
    found = found_in_database(*read_database(mined), CUSTOMER)
    assert found["rows"] == 0 and found["bytes"] >= 1, found


def test_a_customer_is_found_inside_an_id_and_a_column_and_the_dry_run_says_where(tmp_path):
    """The tester's chat export: 'conv-<email>' is stored as one token with its prefix, and 'acct-4482913' in clear;
    `forget --customer` given the email or the bare number finds them, and --dry-run says where it matched."""
    from functools import partial

    from miner.pipeline.imports import database_redactor, import_files
    from miner.segment.pii import Redactor
    from miner.segment.rules import RuleSegmenter
    from miner.store.erasure_lookup import customer_matches

    export = tmp_path / "chats.csv"
    export.write_text(
        "conversation_id,crm,text\n"
        "conv-0002,cust/1000,The parcel is missing.\n"
        "conv-hannah.baker@example.com,cust/4482913,My parcel never came.\n"
        "acct-4482913,none,The courier left it outside.\n"
        "conv-0003,cust/44829130,The refund took a month.\n",
        encoding="utf-8",
    )
    path = tmp_path / "t.db"
    db = open_db(path)
    import_files(db, [export], RuleSegmenter(), partial(database_redactor(db), redactor=Redactor(names=None)))
    assert "hannah" not in json.dumps(list(db.query("SELECT source_id, meta FROM documents")))
    ids = {d["source_id"]: d["id"] for d in db.query("SELECT id, source_id FROM documents")}
    [by_email] = [i for s, i in ids.items() if s.startswith("<EMAIL:")]
    assert customer_matches(db, "Hannah.Baker@example.com") == {"source id": [by_email]}
    assert customer_matches(db, "4482913") == {"column 'crm'": [by_email], "source id": [ids["acct-4482913"]]}
    db.close()
    dry = CliRunner().invoke(app, ["forget", "--db", str(path), "--customer", "4482913", "--dry-run"])
    assert dry.exit_code == 0 and "Would forget customer: 2 documents" in dry.output, dry.output
    assert "Found in: column 'crm' (1 item), source id (1 item)" in dry.output
    gone = CliRunner().invoke(app, ["forget", "--db", str(path), "--customer", "hannah.baker@example.com"])
    assert gone.exit_code == 0 and "1 document" in gone.output, gone.output


def test_deleting_one_of_two_uploads_of_the_same_file_keeps_what_the_other_holds(tmp_path):
    """A client retrying after a timeout posted one file twice; deleting the first dataset deleted its 3 items while
    the second still said it held them (its import had found them stored, and its raw file was gone)."""
    from api.testing import serve, wait_for_run

    with serve(tmp_path / "main.db", {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("erin")) as c:
            body = {"name": "dup", "records": _records("D", "", 3)}
            first, second = (c.post("/v1/datasets", json=body).json() for _ in range(2))
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "complete" and c.get("/v1/stats").json()["documents"] == 3
            assert c.delete(f"/v1/datasets/{first['id']}").status_code == 200
            assert c.get("/v1/stats").json()["documents"] == 3  # the second upload's
            assert c.delete(f"/v1/datasets/{second['id']}").json()["documents"] == 3
            assert c.get("/v1/stats").json()["documents"] == 0


def test_an_erased_customer_stays_forgotten_in_the_same_export_under_another_name(tmp_path):
    """A document's id holds its file's name: the month's export mined again as `march_export.csv` brought back the
    3 rows erased from `feedback.csv`, and only those (the others were found stored)."""
    from functools import partial

    from miner.pipeline.imports import import_files
    from miner.segment.pii import Redactor, redact_records
    from miner.segment.rules import RuleSegmenter
    from miner.store.erasure import forget_customer
    from miner.store.pii_key import pii_key

    rows = ("review_id,customer_email,date,rating,text\n"
            "R1,ann@example.com,2026-03-01,1,The courier left it in the rain.\n"
            "R2,bob@example.com,2026-03-02,2,Refund still not here - write to me at bob@example.com\n"
            "R3,ann@example.com,2026-03-03,1,Order 55990 never arrived.\n")  # fmt: skip
    (tmp_path / "feedback.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "march_export.csv").write_text(rows, encoding="utf-8")
    db = open_db(tmp_path / "t.db")
    redactor = partial(redact_records, redactor=Redactor(names=None), key=pii_key(db))
    import_files(db, [tmp_path / "feedback.csv"], RuleSegmenter(), redactor)
    assert forget_customer(db, "ann@example.com").documents == 2
    [again] = import_files(db, [tmp_path / "march_export.csv"], RuleSegmenter(), redactor)
    assert again.added == 0 and sorted(r[0] for r in db.execute("SELECT source_id FROM documents")) == ["R2"]


def test_a_phone_number_is_found_written_with_or_without_its_country_code(tmp_path):
    """Stored as '(415) 555-0142' and '+44 7700 900123', '+1 415 555 0142' and '07700 900123' found nothing, and
    the dry run said no stored item named the customer."""
    from functools import partial

    from miner.pipeline.imports import import_files
    from miner.segment.pii import Redactor, redact_records
    from miner.segment.rules import RuleSegmenter
    from miner.store.erasure_lookup import documents_of_customer
    from miner.store.pii_key import pii_key

    export = tmp_path / "calls.csv"
    export.write_text("review_id,customer_phone,date,rating,text\n"
                      "A1,(415) 555-0142,2026-03-01,1,Cold food again.\n"
                      "B2,+44 7700 900123,2026-03-02,1,Driver never came.\n", encoding="utf-8")  # fmt: skip
    db = open_db(tmp_path / "t.db")
    import_files(db, [export], RuleSegmenter(), partial(redact_records, redactor=Redactor(names=None), key=pii_key(db)))
    written = ("+1 415 555 0142", "415.555.0142", "07700 900123", "+447700900123", "0044 7700 900123")
    found = {w: [db["documents"].get(d)["source_id"] for d in documents_of_customer(db, w)] for w in written}
    assert found == {"+1 415 555 0142": ["A1"], "415.555.0142": ["A1"], "07700 900123": ["B2"],
                     "+447700900123": ["B2"], "0044 7700 900123": ["B2"]}  # fmt: skip


def test_a_dataset_is_found_by_its_full_path_or_folder_whatever_mine_was_given():
    """`mine data/` stored 'data/survey.xlsx'; '/tmp/h8/data/survey.xlsx', '$PWD/data' and './data/...' were refused
    with 'no mined file matches --dataset'."""
    from miner.store.erasure_lookup import import_paths_matching

    db = sqlite_utils.Database(memory=True)
    db["imports"].insert_all([{"path": "data/survey.xlsx", "source": "survey.xlsx"},
                              {"path": "other/notes.csv", "source": "notes.csv"}])  # fmt: skip
    for given in ("/tmp/h8/data/survey.xlsx", "/tmp/h8/data", "./data/survey.xlsx", "survey.xlsx", "data"):
        assert import_paths_matching(db, given) == ["data/survey.xlsx"], given
    assert import_paths_matching(db, "/tmp/h8/elsewhere/survey2.xlsx") == []
