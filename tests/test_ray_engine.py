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
