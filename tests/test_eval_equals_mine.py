"""`touchpoints eval` scores what `mine` stores: its predictions are those read back from a `mine` of the same file."""

from __future__ import annotations

import json

import pytest

from miner.eval.predict import item_prediction
from miner.eval.run import Evaluator, load_items
from miner.pipeline import MineOptions, mine
from miner.touchpoints.taxonomy import NONE


@pytest.fixture
def labelled(tmp_path, data_dir):
    """The first 40 items of the team-written sample, as a labelled file (with its gold fields)."""
    path = tmp_path / "labelled.jsonl"
    lines = (data_dir / "eval_sample.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stored_predictions(db, run_id: int) -> dict[str, tuple[bool, str]]:
    """Per item, read straight from the run's tables: is any clause a complaint, and the rank-0 touchpoint of its
    complaint clause with the highest rank-0 score (the first on a tie); an item with no complaint, the touchpoint
    stored on its lead clause's result."""
    rows = db.query(
        """SELECT d.source_id AS item, r.complaint, r.touchpoint AS stored, a.touchpoint, a.score
           FROM segments s JOIN documents d ON d.id = s.document_id
           JOIN segment_results r ON r.segment_id = s.id AND r.run_id = :run
           LEFT JOIN assignments a ON a.segment_id = s.id AND a.run_id = :run AND a.rank = 0
           ORDER BY s.id""",
        {"run": run_id},
    )
    out: dict[str, tuple[bool, str, float]] = {}
    leads: dict[str, str] = {}
    for r in rows:
        complaint, top, best = out.get(r["item"], (False, NONE, -1.0))
        if r["complaint"] and r["touchpoint"] not in (None, NONE) and r["score"] > best:
            top, best = r["touchpoint"], r["score"]
        if not r["complaint"] and r["stored"] != NONE:
            assert r["item"] not in leads, "one lead clause per item"
            leads[r["item"]] = r["stored"]
        out[r["item"]] = (complaint or bool(r["complaint"]), top, best)
    return {item: (c, t if c else leads.get(item, NONE)) for item, (c, t, _) in out.items()}


def test_eval_predicts_what_mine_stores(labelled, tmp_path, db):
    evaluator = Evaluator(embedding_model="fake", segmenter="rules", cache=tmp_path / "cache.db")
    preds = evaluator.predict(load_items(labelled))

    from miner.segment import get_segmenter

    options = MineOptions(embedding_model="fake", segmenter=get_segmenter("rules"))
    _, run_id = mine(db, [labelled], options)
    stored = _stored_predictions(db, run_id)

    assert len(preds) == 40 and set(stored) == {p["id"] for p in preds}
    assert {p["id"]: (p["complaint"], p["touchpoint"]) for p in preds} == stored
    # not a vacuous match: the fake encoder still finds complaints and maps some of them
    assert sum(p["complaint"] for p in preds) >= 10
    assert len({p["touchpoint"] for p in preds} - {NONE}) >= 2
    assert all(p["touchpoints"][0] == p["touchpoint"] for p in preds)
    # items with no complaint have a touchpoint too (their lead clause's), but not on the end-to-end reading
    assert any(not p["complaint"] and p["touchpoint"] != NONE for p in preds)
    assert all(p["detected_touchpoint"] == NONE for p in preds if not p["complaint"])
    assert not list(
        db.query("""SELECT 1 FROM assignments a JOIN segment_results r ON r.segment_id = a.segment_id
                                AND r.run_id = a.run_id WHERE r.complaint = 0""")
    )  # counts are complaints' only


def test_an_items_touchpoint_is_that_of_its_surest_complaint_clause():
    clauses = [
        {"segment_id": 1, "complaint": 1, "complaint_score": 0.9, "assignments": [("delivery", 0.41, 0)]},
        {"segment_id": 2, "complaint": 0, "complaint_score": 0.2, "assignments": []},
        {"segment_id": 3, "complaint": 1, "complaint_score": 0.6,
         "assignments": [("billing", 0.55, 0), ("checkout", 0.52, 1)]},
    ]  # fmt: skip
    pred = item_prediction("x", clauses)
    assert pred["touchpoint"] == "billing" and pred["touchpoints"] == ["billing", "checkout", "delivery"]
    assert pred["complaint"] and pred["lead"] == pytest.approx(0.03) and pred["complaint_score"] == 0.9


def test_an_item_with_no_mapped_complaint_clause_is_none():
    clauses = [
        {"segment_id": 1, "complaint": 1, "complaint_score": 0.7, "assignments": [(NONE, 0.2, 0)]},
        {"segment_id": 2, "complaint": 0, "complaint_score": 0.1, "assignments": []},
    ]
    pred = item_prediction("y", clauses)
    assert pred["touchpoint"] == NONE and pred["touchpoints"] == [NONE] and pred["complaint"]
    assert not item_prediction("z", [clauses[1]])["complaint"]


def test_eval_skips_nothing_it_cannot_mine_silently(tmp_path):
    """An item with no customer words left to mine is predicted `none`, not dropped from the scores."""
    path = tmp_path / "odd.jsonl"
    path.write_text(
        "\n".join(json.dumps(it) for it in [{"id": 1, "text": "The courier left my parcel in the rain."},
                                            {"id": 2, "text": "!!!"}]) + "\n", encoding="utf-8")  # fmt: skip
    preds = Evaluator(embedding_model="fake", segmenter="rules", cache=tmp_path / "c.db").predict(load_items(path))
    assert [p["id"] for p in preds] == ["1", "2"]
    assert preds[1]["touchpoint"] == NONE and not preds[1]["complaint"]


def test_an_id_the_redactor_rewrites_still_finds_its_prediction(tmp_path):
    """`mine` redacts ids that look like personal data (banking77's `train:3018995434` reads as a phone number), so
    eval mines the items under their row numbers and gives each prediction back its own id."""
    text = "The courier left my parcel in the rain and nobody answered the phone."
    items = [{"id": "train:3018995434", "text": text}, {"id": "plain", "text": text}]
    preds = Evaluator(embedding_model="fake", segmenter="rules", cache=tmp_path / "c.db").predict(items)
    assert [p["id"] for p in preds] == ["train:3018995434", "plain"]
    assert preds[0]["complaint_score"] > 0 and {k: v for k, v in preds[0].items() if k != "id"} == {
        k: v for k, v in preds[1].items() if k != "id"
    }


def test_a_sample_spreads_over_a_file_sorted_by_label_and_is_the_same_each_time(tmp_path):
    """`make bench` scores a seeded sample of each set, not its first items: in a file sorted by label (banking77)
    the first items are a few labels only."""
    from miner.eval.run import sample_items

    path = tmp_path / "sorted.jsonl"
    rows = [{"id": i, "text": f"query {i}", "label": f"intent{i // 100}"} for i in range(1000)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    sample = sample_items(path, 100)
    assert len(sample) == 100 and len({r["id"] for r in sample}) == 100
    assert {r["label"] for r in load_items(path, 100)} == {"intent0"}
    assert len({r["label"] for r in sample}) == 10
    assert sample == sample_items(path, 100) and sample != sample_items(path, 100, seed=1)
    assert sample_items(path, 5000) == load_items(path)


def test_an_item_with_no_complaint_clause_takes_its_lead_clauses_touchpoint():
    clauses = [
        {"segment_id": 1, "complaint": 0, "complaint_score": 0.3, "top": NONE, "top_score": 0.0, "assignments": []},
        {"segment_id": 2, "complaint": 0, "complaint_score": 0.4, "top": "delivery", "top_score": 0.5,
         "assignments": []},
    ]  # fmt: skip
    pred = item_prediction("z", clauses)
    assert pred["touchpoint"] == "delivery" and pred["touchpoints"] == ["delivery"] and not pred["complaint"]
    assert pred["detected_touchpoint"] == NONE and pred["score"] == 0.5


def test_a_complaint_the_mapper_abstained_on_stays_none_whatever_the_other_clauses():
    clauses = [
        {"segment_id": 1, "complaint": 1, "complaint_score": 0.7, "top": NONE, "top_score": 0.2,
         "assignments": [(NONE, 0.2, 0)]},
        {"segment_id": 2, "complaint": 0, "complaint_score": 0.1, "top": "billing", "top_score": 0.6,
         "assignments": []},
    ]  # fmt: skip
    assert item_prediction("w", clauses)["touchpoint"] == NONE


def test_a_gold_written_as_one_id_is_that_touchpoint_not_its_letters(tmp_path):
    """`"gold": "delivery"` was iterated as a list: scored against d, e, l, i... (accuracy 1.000 from `"d" in
    "delivery"`, per-touchpoint rows e, i, l). It is one touchpoint; a list and null read as before."""
    from typer.testing import CliRunner

    from miner.cli import app

    path = tmp_path / "ev.jsonl"
    rows = [
        {"id": "e1", "text": "The driver was an hour late.", "complaint": True, "gold": "delivery"},
        {"id": "e2", "text": "The website does not show the fee.", "complaint": True, "gold": ["website"]},
        {"id": "e3", "text": "Lovely food, thanks!", "complaint": False, "gold": None},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert [it["gold"] for it in load_items(path)] == [["delivery"], ["website"], None]
    out = tmp_path / "scores.json"
    args = ["eval", str(path), "--embedding-model", "fake", "--segmenter", "rules", "--cache", str(tmp_path / "c.db")]
    result = CliRunner().invoke(app, [*args, "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    assert set(json.loads(out.read_text())["per_touchpoint"]) == {"delivery", "website"}


def test_a_sub_touchpoints_gold_is_scored_as_its_top_level_touchpoint(tmp_path, data_dir):
    # predictions name top-level touchpoints: gold 'packaging/leaking' was never hit, even by 'packaging'
    from miner.eval.run import load_items
    from miner.touchpoints import load_taxonomy

    taxonomy = load_taxonomy(data_dir / "mini_taxonomy.yaml")
    ids = {tp.id for top in taxonomy.touchpoints for tp in top.walk()}
    child = next(t for t in ids if "/" in t)
    path = tmp_path / "sub.jsonl"
    path.write_text(json.dumps({"id": "s1", "text": "it leaked", "complaint": True, "gold": [child, "billing"]}) + "\n")
    [item] = load_items(path, touchpoints=ids, own_ids=True)
    assert item["gold"] == [child.split("/")[0], "billing"]


@pytest.mark.parametrize(
    ("second", "words"),
    [
        ({"gold": "deliverz"}, "field 'gold': gold names 'deliverz', which is no touchpoint"),
        ({"gold": 3}, "field 'gold': gold is not a touchpoint id or a list"),
        ({"complaint": "yes"}, "field 'complaint': complaint is not true, false or null"),  # a traceback, after the run
        ({"id": "e1"}, "field 'id': the id 'e1' is the item's of line 1 too"),  # scored with the first's prediction
    ],
)
def test_a_bad_item_is_refused_naming_its_line_and_field(tmp_path, second, words):
    from typer.testing import CliRunner

    from miner.cli import app

    path = tmp_path / "ev.jsonl"
    rows = [{"id": "e1", "text": "late", "complaint": True, "gold": "delivery"},
            {"id": "e2", "text": "late", "complaint": True, "gold": "delivery", **second}]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    args = ["eval", str(path), "--embedding-model", "fake", "--segmenter", "rules", "--cache", str(tmp_path / "c.db")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"{path}, line 2, {words}" in " ".join(result.output.split())
