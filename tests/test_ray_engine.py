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


def test_ray_engine_remembers_a_date_columns_order_across_nights(local_ray, tmp_path, mini_taxonomy, segmenter):
    """A nightly file of days 1-12 read month-first under Ray after a night that showed day-first (the local
    engine remembered it; tests/test_date_orders.py)."""
    from miner.engines.ray import mine_ray
    from miner.pipeline import MineOptions
    from miner.store import open_db

    def night(name: str, rows: list[tuple[int, str]]):  # noqa: ANN202
        path = tmp_path / name
        lines = "".join(f"{i},{d},1,The courier was late again ({i})\n" for i, d in rows)
        path.write_text("review_id,date,rating,review\n" + lines, encoding="utf-8")
        return path

    db = open_db(tmp_path / "ray.db")
    options = MineOptions(taxonomy=mini_taxonomy, segmenter=segmenter, redact_pii=False)
    mine_ray(db, [night("n1.csv", [(1, "28/02/2026")])], options, embedding_model="fake", actors=1)
    mine_ray(db, [night("n2.csv", [(3, "03/04/2026")])], options, embedding_model="fake", actors=1)
    dates = {r["source_id"]: r["date"][:10] for r in db.query("SELECT source_id, date FROM documents")}
    assert dates == {"1": "2026-02-28", "3": "2026-04-03"}  # 3 April, as night 1 showed, not 4 March


def test_an_address_where_no_cluster_answers_is_one_line_at_once(tmp_path):
    """Ray retries a GCS address where nothing listens for about 14 minutes, then prints a traceback: a nightly
    job's `--address` to a head that was down hung instead of failing."""
    import subprocess
    import sys
    from pathlib import Path

    db = tmp_path / "ray.db"
    args = ["mine", "tests/data/reviews_small.csv", "--db", str(db), "--engine", "ray", "--address", "127.0.0.1:1",
            "--embedding-model", "fake", "--segmenter", "rules"]  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "miner", *args], capture_output=True, text=True, cwd=root, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("Error: --address 127.0.0.1:1: no Ray cluster answers there (")
    assert "leave out --address for a local Ray" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not db.exists()  # a first mine that failed leaves no database behind


def test_ray_engine_pseudonymises_a_file_name_as_the_local_engine_does(local_ray, tmp_path, mini_taxonomy, segmenter):
    """Under Ray a file name's e-mail address was stored in the clear (`imports.path` and `source`, which reports
    and `runs` read) and written to the job's log, where the local engine stores and says its token."""
    from contextlib import contextmanager

    from miner.engines.ray import mine_ray
    from miner.pipeline import MineOptions
    from miner.progress import Progress
    from miner.store import open_db

    said: list[str] = []

    class Said(Progress):
        @contextmanager
        def stage(self, name, total=None):  # noqa: ANN001, ANN202
            said.append(name)
            yield lambda n=1: None

        def note(self, message: str) -> None:
            said.append(message)

    path = tmp_path / "chats-jane.doe@example.com.csv"
    path.write_text("review_id,review\n1,The courier was late again\n2,The refund never came\n", encoding="utf-8")
    db = open_db(tmp_path / "ray.db")
    options = MineOptions(taxonomy=mini_taxonomy, segmenter=segmenter)  # redaction on, the default
    ([imported], _) = mine_ray(db, [path], options, Said(), embedding_model="fake", actors=1)
    [stored] = db.query("SELECT path, source FROM imports")
    [(source,)] = db.execute("SELECT DISTINCT source FROM documents").fetchall()
    assert stored["source"] == source and source.startswith("<EMAIL:") and source.endswith(".csv")
    assert "jane" not in " ".join([stored["path"], imported.path, *said]) and any(source in s for s in said)


def test_ray_engine_keeps_ray_datas_progress_out_of_the_jobs_log(local_ray, tmp_path, data_dir, mini_taxonomy,
                                                                 segmenter, capfd):  # fmt: skip
    """Where stdout is no terminal (a cron job), Ray Data logged its progress line by line on stderr, about 20 lines
    a night ("Running Dataset", "Total Progress: 0/?") beside `mine`'s one line a stage."""
    from miner.engines.ray import mine_ray
    from miner.pipeline import MineOptions
    from miner.store import open_db

    options = MineOptions(taxonomy=mini_taxonomy, segmenter=segmenter, redact_pii=False)
    capfd.readouterr()
    mine_ray(open_db(tmp_path / "ray.db"), [data_dir / "reviews_small.csv"], options, embedding_model="fake", actors=1)
    err = capfd.readouterr().err
    assert "Dataset" not in err and "Progress" not in err and " INFO " not in err, err[:2000]
