"""An erasure over the API and the uploads no run could read (api/erasure.py): a real server on 127.0.0.1, a real
SQLite file, the fake embedder (plumbing, not quality)."""

from __future__ import annotations

import json

import sqlite_utils
from conftest import COMPLAINTS

CUSTOMER = "CUST-7731"


def _records(n: int = 8) -> list[dict]:
    """`n` complaints, every other one of CUSTOMER's."""
    return [{"id": f"U{i}", "date": "2026-03-02", "customer_id": CUSTOMER if i % 2 else "CUST-1000",
             "text": COMPLAINTS[i % len(COMPLAINTS)]} for i in range(n)]  # fmt: skip


def test_an_upload_no_run_can_read_is_named_to_the_caller_not_counted_as_holding_nothing(tmp_path):
    """A stored upload that a run refuses (here: columns it was stored with that the file lacks, as a label a server
    upgrade reads otherwise would be) stays raw on the server; an erasure could not search it and answered 0, as if
    the customer were nowhere. It names the dataset and file, so the caller can delete it."""
    from api.testing import serve, wait_for_run

    db = tmp_path / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("w")) as c:
            readable = c.post("/v1/datasets", json={"name": "fine", "records": _records(4)}).json()
            made = c.post("/v1/datasets", json={"name": "stuck", "records": _records()})
            assert made.status_code == 201, made.text
            stuck, [file] = made.json()["id"], made.json()["files"]
            datasets = sqlite_utils.Database(db)["datasets"]  # columns no run can read the file with
            datasets.update(stuck, {"columns": json.dumps({"text": "comment"})})
            datasets.db.close()
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "failed", final  # the run refuses it too: the raw file stays
            uploads = tmp_path / "main.workspaces" / "w.uploads"
            assert [p.name for p in (uploads / stuck).iterdir()] == [file["name"]]
            assert CUSTOMER in (uploads / stuck / file["name"]).read_text(encoding="utf-8")

            unread = [{"dataset_id": stuck, "file": file["name"]}]
            dry = c.post("/v1/erasures", json={"customer": CUSTOMER, "dry_run": True})
            assert dry.status_code == 200 and dry.json()["unread_uploads"] == unread, dry.text
            resp = c.post("/v1/erasures", json={"customer": CUSTOMER})
            assert resp.status_code == 200, resp.text
            assert resp.json()["documents"] == 2 and resp.json()["unread_uploads"] == unread, resp.text  # `fine`'s
            assert c.delete(f"/v1/datasets/{stuck}").status_code == 200  # as the answer's description says to
            after = c.post("/v1/erasures", json={"customer": CUSTOMER, "dry_run": True}).json()
            assert after["unread_uploads"] == [] and not (uploads / stuck).exists(), after
            assert c.get(f"/v1/datasets/{readable['id']}").status_code == 200


def _chats(customer: str) -> bytes:
    """A chat export whose customer's turns are labelled by their id (`customer_speaker`), and another's."""
    chats = [{"conversation_id": "C1", "customer_id": customer, "started_at": "2026-03-02T10:00:00",
              "transcript": f"{customer}: {COMPLAINTS[0]}\nAgent: I am sorry.\n{customer}: {COMPLAINTS[1]}"},
             {"conversation_id": "C2", "customer_id": "CUST-1000", "started_at": "2026-03-03T10:00:00",
              "transcript": f"Customer: {COMPLAINTS[2]}\nAgent: A replacement is on its way."}]  # fmt: skip
    return "".join(json.dumps(c) + "\n" for c in chats).encode()


def _in_main_database(db) -> dict[str, int]:
    from reliability.erasure import found_in_database, read_database

    return found_in_database(*read_database(db), CUSTOMER)


def test_the_main_database_keeps_no_speaker_label_of_a_forgotten_customer(tmp_path):
    """An upload's `customer_speaker` (an author's id or e-mail) was kept in the dataset's row of the main database
    for good, which no erasure read: the customer's id stayed there after POST /v1/erasures. A run that has imported
    the upload drops its labels, and an erasure those of datasets an older server imported."""
    from api.testing import serve, wait_for_run

    db = tmp_path / "main.db"
    labels = {"customer_speaker": [CUSTOMER]}
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("w")) as c:
            made = c.post("/v1/datasets", params=labels, files={"file": ("chats.jsonl", _chats(CUSTOMER))})
            assert made.status_code == 201, made.text
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "complete", final
            assert c.post("/v1/erasures", json={"customer": CUSTOMER.lower()}).json()["documents"] == 1
            assert _in_main_database(db) == {"rows": 0, "bytes": 0}  # read as the server leaves it, logs and all
            # a dataset an older server imported kept its labels: the erasure drops those naming the customer
            datasets = sqlite_utils.Database(db)["datasets"]
            kept = {"customer_speakers": [CUSTOMER, "@buyer.org"], "agent_speakers": ["Rep"]}
            datasets.update(made.json()["id"], {"columns": json.dumps(kept)})
            datasets.db.close()
            assert c.post("/v1/erasures", json={"customer": CUSTOMER}).json()["documents"] == 0
            columns = json.loads(sqlite_utils.Database(db)["datasets"].get(made.json()["id"])["columns"])
            assert (columns["customer_speakers"], columns["agent_speakers"]) == (["@buyer.org"], ["Rep"])
            assert _in_main_database(db) == {"rows": 0, "bytes": 0}


def test_a_failed_runs_error_keeps_no_id_of_a_forgotten_customer(tmp_path):
    """A run's error can quote a value of the file: a speaker label that names nobody lists the author ids it holds
    (an Intercom user's id is the customer's), a file read with its first row as the header lists that row. It is
    stored in the main database (jobs.error), which no erasure read: the customer's id stayed there."""
    from api.testing import serve, wait_for_run

    user, admin = {"type": "user", "id": CUSTOMER}, {"type": "admin", "id": "a9"}
    conversation = {
        "id": "c1",
        "source": {"body": f"<p>{COMPLAINTS[0]}</p>", "author": user},
        "conversation_parts": [{"part_type": "comment", "body": "<p>Booked.</p>", "author": admin}],
    }
    db = tmp_path / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("w")) as c:
            made = c.post("/v1/datasets", params={"agent_speaker": ["a9"]},
                          files={"file": ("intercom.json", json.dumps([conversation]).encode())})  # fmt: skip
            assert made.status_code == 201, made.text
            datasets = sqlite_utils.Database(db)["datasets"]  # a label no author has, as the run will read it
            datasets.update(made.json()["id"], {"columns": json.dumps({"agent_speakers": ["rep"]})})
            datasets.db.close()
            final, _ = wait_for_run(c, c.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "failed" and CUSTOMER in final["error"], final
            erased = c.post("/v1/erasures", json={"customer": CUSTOMER.lower()}).json()
            assert erased["unread_uploads"] == [{"dataset_id": made.json()["id"], "file": "intercom.json"}], erased
            error = c.get(f"/v1/runs/{final['id']}").json()["error"]
            assert CUSTOMER not in error and "'a9', 'admin', '<erased>', 'user'" in error, error
            assert c.delete(f"/v1/datasets/{made.json()['id']}").status_code == 200  # the upload, as the answer said
            assert _in_main_database(db) == {"rows": 0, "bytes": 0}
