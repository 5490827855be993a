"""A market's NPS counts the survey respondents of that market who only scored (miner/ingest/silent.py,
miner/store/scores.py): a score kept none of its row's columns, so `--where Market=DE` and the API's
`where=Market=DE` counted the market's commenters alone, who skew towards the detractors. Real SQLite files, the
fake embedder (plumbing, not quality)."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import COMPLAINTS
from typer.testing import CliRunner

from miner.cli import app

# (response id, NPS answer, wrote a comment, market), a day each in March 2026. By hand:
#   DE: commenters 2, 4, 6 (3 detractors): NPS -100 of them alone; with its 6 who only scored (9, 10, 10, 9, 10: 5
#       promoters; 8: a passive) 5 promoters, 1 passive, 3 detractors of 9: NPS (5 - 3) / 9 = +22.2
#   FR: commenters 10 and 3: NPS 0 of them alone; with its 2 who only scored (0: a detractor, 7: a passive)
#       1 promoter, 1 passive, 2 detractors of 4: NPS (1 - 2) / 4 = -25
#   R_14 only scored (10) and has no market: in neither, in the whole survey's 7 promoters, 5 detractors of 14
RESPONDENTS = [
    ("R_1", 2, True, "DE"), ("R_2", 4, True, "DE"), ("R_3", 6, True, "DE"),
    ("R_4", 9, False, "DE"), ("R_5", 10, False, "DE"), ("R_6", 10, False, "DE"), ("R_7", 9, False, "DE"),
    ("R_8", 10, False, "DE"), ("R_9", 8, False, "DE"),
    ("R_10", 10, True, "FR"), ("R_11", 3, True, "FR"), ("R_12", 0, False, "FR"), ("R_13", 7, False, "FR"),
    ("R_14", 10, False, ""),
]  # fmt: skip
DE = {"nps": pytest.approx(200 / 9), "promoters": 5, "passives": 1, "detractors": 3, "respondents": 9}
FR = {"nps": -25.0, "promoters": 1, "passives": 1, "detractors": 2, "respondents": 4}


def survey_csv(path, rows=RESPONDENTS, contact: str = "") -> None:
    """A Qualtrics export with an embedded `Market` column (and a `Store contact` of `contact` on every row)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["RecordedDate", "ResponseId", "Q1", "Q2_TEXT", "Market", "Store contact"])
        w.writerow(["Recorded Date", "Response ID", "How likely are you to recommend us to a friend?",
                    "What could we do better?", "Market", "Store contact"])  # fmt: skip
        ids = ["recordedDate", "_recordId", "QID1", "QID2_TEXT", "Market", "Store contact"]
        w.writerow([f'{{"ImportId":"{i}"}}' for i in ids])
        for i, (rid, score, wrote, market) in enumerate(rows):
            comment = COMPLAINTS[i % len(COMPLAINTS)] if wrote else ""
            w.writerow([f"2026-03-{1 + i:02d} 10:00:00", rid, score, comment, market, contact])


def _mine(db, path, mini_taxonomy, fake_embedder, segmenter, **kw) -> int:
    from miner.pipeline import MineOptions, mine

    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, **kw)
    return mine(db, [path], options)[1]


def _report_nps(db_path, tmp_path, *where: str) -> dict:
    """`touchpoints report --where ...` as written to JSON: its overview's NPS."""
    out = tmp_path / "report.json"
    args = [arg for value in where for arg in ("--where", value)]
    result = CliRunner().invoke(app, ["report", "--db", str(db_path), *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())["overview"]["nps"]


def _trend_nps(db, filters) -> dict:
    """`GET /v1/trends`' NPS periods (from the run's respondent table in memory) summed."""
    from api.queries.trends import trends
    from miner.store.runs import find_run

    periods = trends(db, find_run(db), filters, period="month")["nps"]
    return {k: sum(p[k] for p in periods) for k in ("promoters", "passives", "detractors", "respondents")}


def test_a_markets_nps_counts_its_respondents_who_only_scored(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.store.erasure import forget_customer
    from miner.store.filters import Filters

    survey_csv(tmp_path / "q.csv")
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter)
    db_path = tmp_path / "t.db"
    assert _report_nps(db_path, tmp_path, "Market=DE") | {"without_comment": 6} == DE | {"without_comment": 6}
    assert {k: v for k, v in _report_nps(db_path, tmp_path, "Market=FR").items() if k in FR} == FR
    both = _report_nps(db_path, tmp_path, "Market=DE", "Market=FR")
    assert (both["respondents"], both["without_comment"]) == (13, 8)  # R_14, of no market, in neither
    whole = _report_nps(db_path, tmp_path)
    assert (whole["promoters"], whole["detractors"], whole["respondents"]) == (7, 5, 14)
    counts = {k: v for k, v in DE.items() if k != "nps"}
    assert _trend_nps(db, Filters(kept=[("Market", "DE")])) == counts  # the API's `where=Market=DE`
    # mined again (a nightly job reading the same export): no score twice, the same markets
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter, incremental=True)
    assert db.execute("SELECT COUNT(*) FROM silent_scores").fetchone()[0] == 9
    assert _report_nps(db_path, tmp_path, "Market=DE")["respondents"] == 9
    # a German respondent who only scored (a promoter) asks to be forgotten: gone from the market's NPS
    assert forget_customer(db, "R_5").scores == 1
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter, incremental=True)
    after = _report_nps(db_path, tmp_path, "Market=DE")
    assert (after["promoters"], after["respondents"]) == (4, 8)
    assert _trend_nps(db, Filters(kept=[("Market", "DE")]))["respondents"] == 8


def test_a_scores_kept_columns_are_redacted_as_a_commenters(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """An email in a kept column is stored as the same keyed token for a commenter and for one who only scored: the
    raw address is stored nowhere, and a filter on the token counts both."""
    survey_csv(tmp_path / "q.csv", RESPONDENTS[:5], contact="berlin.store@example.com")
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter)
    read = "SELECT DISTINCT json_extract(meta, '$.\"Store contact\"') FROM {}"
    (stored,) = {value for (value,) in db.execute(read.format("documents"))}
    assert stored != "berlin.store@example.com" and "example.com" not in stored
    assert {value for (value,) in db.execute(read.format("silent_scores"))} == {stored}
    assert _report_nps(tmp_path / "t.db", tmp_path, f"Store contact={stored}")["respondents"] == 5


def test_scores_stored_before_their_columns_were_kept_are_in_no_market(tmp_path, mini_taxonomy, fake_embedder,
                                                                       segmenter):  # fmt: skip
    """A database written before scores kept their columns upgrades: its scores count in the whole survey and in no
    market (as an item without the column), until the file is mined again."""
    from miner.store import open_db
    from miner.store.filters import Filters
    from miner.store.runs import find_run
    from miner.store.scores import load_silent

    db = open_db(tmp_path / "t.db")
    survey_csv(tmp_path / "q.csv")
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter)
    db.execute("ALTER TABLE silent_scores DROP COLUMN meta")  # as the version before stored them
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm016_silent_score_columns'")
    db.conn.commit()
    db.close()
    db = open_db(tmp_path / "t.db")  # upgraded on open
    assert db.execute("SELECT COUNT(*) FROM silent_scores WHERE meta IS NULL").fetchone()[0] == 9
    run = find_run(db)
    assert len(load_silent(db, Filters(), run)) == 9 and load_silent(db, Filters(kept=[("Market", "DE")]), run) == {}
    assert _report_nps(tmp_path / "t.db", tmp_path, "Market=DE")["respondents"] == 3  # its commenters
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter, incremental=True)
    assert db.execute("SELECT COUNT(*) FROM silent_scores").fetchone()[0] == 9
    assert _report_nps(tmp_path / "t.db", tmp_path, "Market=DE")["respondents"] == 9


def test_the_apis_market_trend_counts_its_respondents_who_only_scored(tmp_path):
    """`GET /v1/trends?where=Market%3DDE` on a real server: the upload mined by its job, the NPS of the German
    respondents, those who only scored included (the run's respondent table held in memory)."""
    from api.testing import serve, wait_for_run

    survey_csv(tmp_path / "q.csv")
    with serve(tmp_path / "main.db", {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("survey")) as client:
            upload = {"file": ("q.csv", (tmp_path / "q.csv").read_bytes(), "text/csv")}
            dataset = client.post("/v1/datasets", files=upload)
            assert dataset.status_code == 201, dataset.text
            run = client.post("/v1/runs", json={"dataset_id": dataset.json()["id"]})
            final, _ = wait_for_run(client, run.json()["id"])
            assert final["status"] == "complete", final
            for market, expected in (("DE", DE), ("FR", FR)):
                got = client.get(f"/v1/trends?where=Market%3D{market}&period=month")
                assert got.status_code == 200, got.text
                (march,) = got.json()["nps"]
                assert {k: march[k] for k in expected} == expected
