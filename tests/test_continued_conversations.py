"""Chat exports of the messages since the last export ("messages since last run"): night 2's messages of a stored
conversation extend it (miner/store/continued.py), where message ids tell them apart or `--append` says so, instead
of being stored as a second conversation of the same id, counted twice."""

from __future__ import annotations

import pytest

from miner.ingest import ColumnMap
from miner.pipeline import MineOptions, mine

NIGHT1 = [
    ("A", "A-1", "customer", "My parcel 77120 says delivered but nothing arrived."),
    ("A", "A-2", "agent", "Let me check with the courier."),
    ("A", "A-3", "customer", "The courier app shows a photo of someone else's door."),
    ("B", "B-1", "customer", "The checkout page keeps failing on my card."),
    ("B", "B-2", "agent", "Please try another browser."),
    ("B", "B-3", "customer", "Another browser fails the same way."),
]
NIGHT2 = [
    ("A", "A-4", "customer", "Still no answer from the courier, call me on 07700 900123."),
    ("A", "A-5", "agent", "I have refunded the order."),
    ("C", "C-1", "customer", "I was promised a callback and nobody called."),
    ("C", "C-2", "agent", "Sorry about that."),
]


@pytest.fixture
def options(mini_taxonomy, fake_embedder, segmenter):
    return MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)


def _export(path, rows, ids: bool = True):
    """One row per message, as the platform exports it each night: the messages since the last export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["conversation_id,message_id,timestamp,speaker,text" if ids else "conversation_id,timestamp,speaker,text"]
    for n, (cid, mid, who, said) in enumerate(rows):
        lines.append(f'{cid},{mid + "," if ids else ""}2026-03-12T09:{n:02d}:00Z,{who},"{said}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _conversations(db) -> dict[str, list[str]]:
    """Each stored conversation's turns, by id: a conversation stored twice is listed twice."""
    out: dict[str, list[str]] = {}
    for row in db.query("SELECT source_id, text FROM documents ORDER BY source_id, import_id"):
        key = row["source_id"] if row["source_id"] not in out else f"{row['source_id']} again"
        out[key] = row["text"].split("\n")
    return out


def _counted(db, run_id: int) -> int:
    sql = """SELECT COUNT(DISTINCT s.document_id) FROM segment_results r JOIN segments s ON s.id = r.segment_id
             WHERE r.run_id = ?"""
    return db.execute(sql, [run_id]).fetchone()[0]


@pytest.mark.parametrize(
    ("names", "redact"), [(("d12/messages.csv", "d13/messages.csv"), False), (("m-12.csv", "m-13.csv"), False),
                          (("d12/messages.csv", "d13/messages.csv"), True)],
    ids=["one-name-a-folder-a-night", "dated-names", "redacted"],
)  # fmt: skip
def test_a_nights_messages_since_extend_the_stored_conversation(db, tmp_path, options, names, redact):
    options.redact_pii = redact
    night1, night2 = _export(tmp_path / names[0], NIGHT1), _export(tmp_path / names[1], NIGHT2)
    mine(db, [night1], options)
    options.incremental = True
    (second,), run2 = mine(db, [night2], options)
    assert (second.rows, second.added, second.grown, second.diverged) == (2, 2, 1, 0)
    stored = _conversations(db)
    assert sorted(stored) == ["A", "B", "C"]  # A once, not a second A of messages 4-5, nor 4-5 alone
    assert stored["A"][0] == "Customer: My parcel 77120 says delivered but nothing arrived."
    assert stored["A"][3].startswith("Customer: Still no answer from the courier, call me on")
    assert len(stored["A"]) == 5 and ("07700 900123" in stored["A"][3]) is not redact
    assert _counted(db, run2) == 3 and db.execute("SELECT documents FROM runs WHERE id = ?", [run2]).fetchone()[0] == 3
    [meta] = [m for (m,) in db.execute("SELECT meta FROM documents WHERE source_id = 'A'")]
    assert '"messages": 5' in meta and '"message": "A-5"' in meta and db["replaced_documents"].count == 0
    for night in (night2, night1, night2):  # read again, or an older night (a backfill): nothing added
        (again,), _ = mine(db, [night], options)
        assert again.added == 0 and _conversations(db) == stored


def test_an_export_that_repeats_a_message_holds_it_once_and_the_turns_keep_their_order(db, tmp_path, options):
    mine(db, [_export(tmp_path / "m-12.csv", NIGHT1)], options)
    (second,), _ = mine(db, [_export(tmp_path / "m-13.csv", [NIGHT1[2], *NIGHT2[:2]])], options)  # A-3 again
    assert second.grown == 1
    assert [t.split(": ")[1][:14] for t in _conversations(db)["A"]] == [
        "My parcel 7712", "Let me check w", "The courier ap", "Still no answe", "I have refunde",
    ]  # fmt: skip


def test_new_messages_in_words_the_conversation_said_before_extend_it(db, tmp_path, options):
    """An agent's canned reply and a customer's "Still nothing." again, under new message ids: the part was taken for
    a slice of the stored conversation read again (`held`) and its messages were lost; a night read again still adds
    nothing."""
    again = [("B", "B-4", "agent", "Please try another browser."), ("B", "B-5", "customer", NIGHT1[5][3])]
    mine(db, [_export(tmp_path / "d12" / "messages.csv", NIGHT1)], options)
    night2 = _export(tmp_path / "d13" / "messages.csv", again)
    for _ in range(2):
        (second,), _ = mine(db, [night2], options)
        stored = _conversations(db)
        assert sorted(stored) == ["A", "B"] and stored["B"][3:] == ["Agent: " + again[0][3], "Customer: " + again[1][3]]
    assert len(stored["B"]) == 5 and (second.added, second.grown) == (0, 0)


def test_a_message_id_stored_with_other_words_is_another_conversations(db, tmp_path, options):
    """Two tools numbering conversations and messages alike: neither continues the other."""
    mine(db, [_export(tmp_path / "a.csv", NIGHT1[:3])], options)
    other = [("A", "A-1", "customer", "The hotel room was not cleaned."), ("A", "A-4", "agent", "Sorry.")]
    (second,), _ = mine(db, [_export(tmp_path / "b.csv", other)], options)
    assert (second.added, second.grown, second.diverged) == (1, 0, 1)
    assert sorted(_conversations(db)) == ["A", "A again"]


def test_a_crash_before_or_after_the_import_commits_leaves_no_duplicate(db, tmp_path, options, monkeypatch):
    import miner.store.versions as versions

    night1, night2 = _export(tmp_path / "m-12.csv", NIGHT1), _export(tmp_path / "m-13.csv", NIGHT2)
    broken = tmp_path / "m-13-part2.csv"
    broken.write_text('conversation_id,message_id,timestamp,speaker,text\nD,D-1,x,customer,"late",extra\n')
    mine(db, [night1], options)
    options.incremental = True
    with pytest.raises(Exception, match="fields but the header has"):  # the import is all or nothing
        mine(db, [night2, broken], options)
    assert sorted(_conversations(db)) == ["A", "B"] and len(_conversations(db)["A"]) == 3
    retire = versions.retire_replaced
    calls: list[int] = []

    def killed_after_the_commit(database):
        calls.append(1)
        if len(calls) == 2:  # the one after the import: the process dies before the replaced version is forgotten
            raise KeyboardInterrupt
        return retire(database)

    monkeypatch.setattr(versions, "retire_replaced", killed_after_the_commit)
    with pytest.raises(KeyboardInterrupt):
        mine(db, [night2], options)
    monkeypatch.setattr(versions, "retire_replaced", retire)
    assert db["replaced_documents"].count == 1  # night 2 committed; the next mine finishes the forgetting
    (again,), _ = mine(db, [night2], options)
    stored = _conversations(db)
    assert again.added == 0 and sorted(stored) == ["A", "B", "C"] and len(stored["A"]) == 5


def test_an_export_without_message_ids_is_joined_with_append_and_kept_apart_without(db, tmp_path, options):
    from miner.store import open_db

    night1 = _export(tmp_path / "d12" / "messages.csv", NIGHT1, ids=False)
    night2 = _export(tmp_path / "d13" / "messages.csv", [NIGHT1[2], *NIGHT2], ids=False)  # A-3 again, then 4-5
    night3 = _export(tmp_path / "d14" / "messages.csv", [("A", "", "customer", "The refund is not on my card.")], False)
    apart = open_db(tmp_path / "apart.db")
    for database in (db, apart):
        mine(database, [night1], options)
    options.incremental = True
    (second,), _ = mine(apart, [night2], options)  # no id tells a part from another tool's conversation: both kept
    assert (second.grown, second.diverged) == (0, 1) and sorted(_conversations(apart)) == ["A", "A again", "B", "C"]
    assert "mine such an export with --append" in second.summary()
    options.columns = ColumnMap(append=True)
    for _ in range(2):  # read twice: the second adds nothing
        mine(db, [night2], options)
        stored = _conversations(db)
        assert sorted(stored) == ["A", "B", "C"] and len(stored["A"]) == 5  # the repeated message held once
    # a database that kept the parts apart has them joined by the next night's part, read with --append
    (third,), _ = mine(apart, [night3], options)
    assert third.grown == 1 and _conversations(apart)["A"] == [*stored["A"], "Customer: The refund is not on my card."]
    assert sorted(_conversations(apart)) == ["A", "B", "C"]


def test_a_message_list_whose_messages_carry_ids_is_extended_too(db, tmp_path, options):
    import json

    def night(path, said):
        messages = [{"Id": mid, "ParticipantId": who, "Content": text} for _, mid, who, text in said]
        path.write_text(json.dumps({"ContactId": "A", "Transcript": messages}), encoding="utf-8")
        return path

    mine(db, [night(tmp_path / "contact-12.json", NIGHT1[:3])], options)
    (second,), _ = mine(db, [night(tmp_path / "contact-13.json", NIGHT2[:2])], options)
    assert second.grown == 1 and [len(turns) for turns in _conversations(db).values()] == [5]


def test_a_message_export_with_a_plain_id_and_a_conversation_id_joins_by_conversation(db, tmp_path, options):
    """`id, conversation_id, author, body`: the message's `id` was taken for the item's, no id repeated, and every
    message was an item of its own, the agent's mined as the customer's."""
    from miner.ingest import read_file

    def night(path, rows):
        lines = ["id,conversation_id,created_at,author,body"]
        lines += [f'{mid},{cid},2026-03-12T09:00:00Z,{who},"{said}"' for cid, mid, who, said in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    night1 = night(tmp_path / "m-12.csv", NIGHT1)
    recs = read_file(night1)
    assert [(r.source_id, len(r.turns or [])) for r in recs] == [("A", 3), ("B", 3)]
    assert "Let me check with the courier." not in [text for r in recs for _, text in r.mined_text()]
    mine(db, [night1], options)
    (second,), _ = mine(db, [night(tmp_path / "m-13.csv", NIGHT2)], options)
    assert second.grown == 1 and [len(turns) for turns in _conversations(db).values()] == [5, 3, 2]


def test_the_api_takes_append_with_the_upload_and_its_run_joins_the_parts(tmp_path):
    """POST /v1/datasets?append=true, as `mine --append`, on a real server: night 2's messages of A, without message
    ids, extend the stored A (one item, five messages); without it, the documented behaviour: the part is stored
    beside A, which then counts twice."""
    from api.testing import serve, wait_for_run
    from miner.store import open_db

    night1 = _export(tmp_path / "d12" / "messages.csv", NIGHT1, ids=False)
    night2 = _export(tmp_path / "d13" / "messages.csv", NIGHT2, ids=False)  # only the messages since, C
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}
    with serve(tmp_path / "main.db", env) as server:
        for workspace, joined in (("joined", {"append": "true"}), ("apart", {})):
            with server.client(server.key(workspace)) as client:
                for night, params in ((night1, {}), (night2, joined)):
                    with night.open("rb") as fh:
                        made = client.post("/v1/datasets", params=params, files={"file": (night.name, fh, "text/csv")})
                    assert made.status_code == 201, made.text
                    job = client.post("/v1/runs", json={"dataset_id": made.json()["id"]}).json()["id"]
                    final, _ = wait_for_run(client, job)
                    assert final["status"] == "complete", final
                database = open_db(server.db.with_name("main.workspaces") / f"{workspace}.db")
                stored = _conversations(database)
                database.close()
                if joined:
                    assert sorted(stored) == ["A", "B", "C"] and final["total_items"] == 3
                    assert len(stored["A"]) == 5 and stored["A"][4] == "Agent: I have refunded the order."
                else:
                    assert sorted(stored) == ["A", "A again", "B", "C"] and final["total_items"] == 4
                    assert len(stored["A"]) == 3 and len(stored["A again"]) == 2
        with server.client() as client:
            schema = client.get("/openapi.json").json()["paths"]["/v1/datasets"]["post"]["parameters"]
        [append] = [p for p in schema if p["name"] == "append"]
        assert append["schema"]["type"] == "boolean" and "mine --append" in append["description"]


def test_the_api_says_how_many_conversations_a_run_kept_apart_and_to_upload_with_append(tmp_path):
    """`mine` says of a part without message ids stored beside its conversation that it counts twice, and to use
    --append; an API run said nothing (its dataset's `new_items` only). The run and the dataset's file now count
    them (of its new items: the part of A and C, as with append the grown A and C), and the run says to upload with
    `append=true`; an upload with it keeps none apart."""
    from api.testing import serve, wait_for_run

    night1 = _export(tmp_path / "d12" / "messages.csv", NIGHT1, ids=False)
    night2 = _export(tmp_path / "d13" / "messages.csv", NIGHT2, ids=False)
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}
    with serve(tmp_path / "main.db", env) as server:
        for workspace, append, apart in (("apart", {}, 1), ("joined", {"append": "true"}, 0)):
            with server.client(server.key(workspace)) as client:
                for night, params in ((night1, {}), (night2, append)):
                    with night.open("rb") as fh:
                        made = client.post("/v1/datasets", params=params, files={"file": (night.name, fh, "text/csv")})
                    assert made.json()["files"][0]["kept_apart"] is None  # not imported yet
                    job = client.post("/v1/runs", json={"dataset_id": made.json()["id"]}).json()["id"]
                    final, _ = wait_for_run(client, job)
                    assert final["status"] == "complete", final
                    if night is night1:
                        assert (final["kept_apart"], final["kept_apart_note"]) == (0, None)
                [file] = client.get(f"/v1/datasets/{made.json()['id']}").json()["files"]
                assert (final["kept_apart"], file["kept_apart"], file["new_items"]) == (apart, apart, 2), file
                if apart:
                    assert final["kept_apart_note"].startswith("1 conversation shares an id with another export's")
                    assert "upload such an export with append=true" in final["kept_apart_note"]
                else:
                    assert final["kept_apart_note"] is None
        with server.client() as client:
            schemas = client.get("/openapi.json").json()["components"]["schemas"]
        for schema in (schemas["RunPublic"], schemas["DatasetFile"]):
            assert "append=true" in schema["properties"]["kept_apart"]["description"]
