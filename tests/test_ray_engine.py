"""`--engine ray` on a local Ray cluster (2 CPUs) gives the same counts as the single-process run."""

import pytest

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _counts(db, run_id) -> dict:
    run = db["runs"].get(run_id)
    by_tp = dict(db.execute(
        "SELECT touchpoint, count(*) FROM assignments WHERE run_id = ? GROUP BY touchpoint", [run_id]
    ).fetchall())  # fmt: skip
    return {"documents": run["documents"], "segments": run["segments"], "complaints": run["complaints"], **by_tp}


def test_ray_engine_counts_equal_the_single_process_run(local_ray, tmp_path, data_dir, mini_taxonomy, segmenter):
    from miner.embed import get_embedder
    from miner.engines.ray import mine_ray
    from miner.pipeline import MineOptions, mine
    from miner.store import open_db

    files = [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"]
    single = open_db(tmp_path / "single.db")
    options = MineOptions(taxonomy=mini_taxonomy, embedder=get_embedder("fake"), segmenter=segmenter, redact_pii=False)
    _, single_run = mine(single, files, options)
    distributed = open_db(tmp_path / "ray.db")
    options = MineOptions(taxonomy=mini_taxonomy, segmenter=segmenter, redact_pii=False)
    imports, ray_run = mine_ray(distributed, files, options, embedding_model="fake", actors=1)
    assert [i.added for i in imports] == [5, 2]
    assert _counts(distributed, ray_run) == _counts(single, single_run)
    texts = lambda db: sorted(r[0] for r in db.execute("SELECT text FROM segments"))  # noqa: E731
    assert texts(distributed) == texts(single)


def test_ray_engine_reads_clauses_in_their_items_as_the_local_run_does(
    local_ray, tmp_path, data_dir, segmenter, monkeypatch
):
    """With the default encoder the actors read each item once (miner/embed/spans.py) and the analysis reads only
    the cache: the same span vectors and counts as the single-process run."""
    from miner.defaults import DEFAULT_EMBEDDING
    from miner.engines.ray import mine_ray
    from miner.pipeline import MineOptions, mine
    from miner.store import open_db

    files = [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"]
    options = MineOptions(segmenter=segmenter, redact_pii=False)
    single = open_db(tmp_path / "single.db")
    _, single_run = mine(single, files, options)
    distributed = open_db(tmp_path / "ray.db")

    def driver_reads(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the driver read spans: the actors left some undone")

    monkeypatch.setattr("miner.embed.cache.read_spans", driver_reads)  # this process only, not the actors
    _, ray_run = mine_ray(distributed, files, options, embedding_model=DEFAULT_EMBEDDING, actors=1)
    spans = "SELECT count(*) FROM embeddings WHERE model LIKE '%@span'"
    assert distributed.execute(spans).fetchone()[0] == single.execute(spans).fetchone()[0] > 0
    assert _counts(distributed, ray_run) == _counts(single, single_run)
