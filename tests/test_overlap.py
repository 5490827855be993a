"""A large import on both cores (miner/pipeline/overlap.py): a second process redacts and segments while this one
stores and embeds ahead; what is stored is what the one-process import stores, and nothing is stored twice."""

from __future__ import annotations

from concurrent.futures import Future
from functools import partial

import pytest

from miner.embed.fake import HashingEmbedder
from miner.pipeline import LocalEngine, MineOptions, build_pipeline
from miner.pipeline.partner import _LOADED, EncoderSpec, Partner
from miner.segment.pii import Redactor
from miner.segment.rules import RuleSegmenter

ROWS = [
    "the app crashed at checkout, call me on 07700 900123",
    "the driver left the food at the wrong door and it was cold",
    "refund took three weeks to arrive, so i gave up",
    "the app crashed at checkout, call me on 07700 900123",  # the first row's words again, in another piece: with
    # no id, date or rating to tell them apart, a second answer in the same words (an item of its own)
    "support never answered my email and the chat closed on me",
]


@pytest.fixture
def feed(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("text\n" + "".join(f'"{r}"\n' for r in ROWS), encoding="utf-8")
    return path


def _import(db, feed, mini_taxonomy, fake_embedder, parallel_bytes: int):
    options = MineOptions(
        taxonomy=mini_taxonomy,
        embedder=fake_embedder,
        segmenter=RuleSegmenter(),
        engine=LocalEngine(parallel_bytes=parallel_bytes),
    )
    pipeline = build_pipeline(db, options)
    return pipeline, pipeline.import_paths([feed])


def _stored(db):
    docs = sorted(r["text"] for r in db.query("SELECT text FROM documents"))
    segs = sorted(r["text"] for r in db.query("SELECT text FROM segments"))
    return docs, segs


def test_two_processes_store_what_one_stores_once_and_embed_ahead(
    tmp_path, feed, mini_taxonomy, fake_embedder, monkeypatch
):
    from miner.store import open_db

    monkeypatch.setattr("miner.pipeline.overlap.PIECE", 2)  # three pieces: the repeated row lands in another
    one = open_db(tmp_path / "one.db")
    _import(one, feed, mini_taxonomy, fake_embedder, parallel_bytes=1 << 30)
    two = open_db(tmp_path / "two.db")
    pipeline, [result] = _import(two, feed, mini_taxonomy, fake_embedder, parallel_bytes=0)
    assert (result.rows, result.added) == (5, 5)
    assert _stored(two) == _stored(one)
    assert "<PHONE>" in " ".join(_stored(two)[0])  # redacted in the other process
    texts = _stored(two)[1]
    pipeline.cache.embed(texts)
    assert pipeline.cache.misses == 0  # every segment was embedded while the import ran
    _, [again] = _import(two, feed, mini_taxonomy, fake_embedder, parallel_bytes=0)
    assert again.added == 0 and _stored(two) == _stored(one)


def test_a_second_process_that_died_leaves_the_work_to_this_one(tmp_path, feed):
    from concurrent.futures.process import BrokenProcessPool

    from miner.ingest import ColumnMap, iter_file
    from miner.pipeline.overlap import in_process, overlapped
    from miner.store import open_db

    class Broken:
        def submit(self, *args, **kwargs):
            raise BrokenProcessPool("the worker was killed")

    def prepared(pieces):
        return [(rows, [r.text for r in recs], [[s.text for s in segs] for segs in segments])
                for rows, recs, segments in pieces]  # fmt: skip

    db = open_db(tmp_path / "t.db")
    broken = prepared(overlapped(db, iter_file(feed, ColumnMap()), RuleSegmenter(), None, Broken()))  # type: ignore[arg-type]
    alone = prepared(in_process(db, iter_file(feed, ColumnMap()), RuleSegmenter(), None))
    assert broken == alone and alone[0][0] == 5


class _Lazy(Future):
    """A second process's work that is done only when its result is asked for: a process always behind."""

    def __init__(self, fn, args) -> None:  # noqa: ANN001
        super().__init__()
        self.fn, self.args = fn, args

    def result(self, timeout=None):  # noqa: ANN001, ANN201
        if not self.done():
            self.set_result(self.fn(*self.args))
        return super().result()


class _Pool:
    def __init__(self, behind: bool) -> None:
        self.behind, self.pieces = behind, 0

    def submit(self, fn, *args):  # noqa: ANN001, ANN201
        self.pieces += 1
        future = _Lazy(fn, args)
        if not self.behind:
            future.result()  # done before this process looks at it
        return future


def _flat(pieces) -> tuple[int, list]:
    """Rows read, and each distinct record's text with its segments, in order (nothing is stored between pieces
    here, so a repeated row is dropped only when it is stored: test_two_processes_store_what_one_stores...)."""
    pieces = list(pieces)
    done = {
        r.text: [s.text for s in segs] for _, recs, segments in pieces for r, segs in zip(recs, segments, strict=True)
    }
    return sum(rows for rows, _, _ in pieces), list(done.items())


@pytest.mark.parametrize("behind", [True, False])
def test_this_process_prepares_pieces_only_while_the_second_is_behind(tmp_path, feed, monkeypatch, behind):
    from miner.ingest import ColumnMap, iter_file
    from miner.pipeline.overlap import in_process, overlapped
    from miner.segment.pii import redact_records
    from miner.store import open_db

    monkeypatch.setattr("miner.pipeline.overlap.PIECE", 1)  # five pieces
    redactor = partial(redact_records, redactor=Redactor(names=None))
    db = open_db(tmp_path / "t.db")
    pool = _Pool(behind)
    shared = _flat(overlapped(db, iter_file(feed, ColumnMap()), RuleSegmenter(), redactor, pool))  # type: ignore[arg-type]
    alone = _flat(in_process(db, iter_file(feed, ColumnMap()), RuleSegmenter(), redactor))
    assert shared == alone  # the same records and segments, in file order, whoever prepared them
    assert "<PHONE>" in shared[1][0][0]
    # behind: the first two pieces, then one more once the first was done; this process prepared the other two
    assert pool.pieces == (3 if behind else 5)


def test_the_second_process_starts_without_torch_and_on_one_thread():
    """With the packaged spaCy model the second process never reads torch, so it does not import it (thinc would)."""
    from miner.pipeline.overlap import worker_pool
    from miner.segment import Segmenter

    pool = worker_pool(Segmenter())
    try:
        state = "repr(__import__('sys').modules.get('torch', 'absent')), __import__('os').environ['OMP_NUM_THREADS']"
        assert pool.submit(eval, state).result() == ("None", "1")  # None in sys.modules: `import torch` fails
        blas = "__import__('numpy') and [p['num_threads'] for p in __import__('threadpoolctl').threadpool_info()]"
        assert set(pool.submit(eval, blas).result()) == {1}  # set before numpy loaded, so it took
    finally:
        pool.shutdown()
    pool = worker_pool(Segmenter("my_spacy_model_on_a_transformer"))
    try:
        assert pool.submit(eval, "'torch' in __import__('sys').modules").result() is False  # importable if needed
    finally:
        pool.shutdown()


def test_this_process_works_meanwhile_once_where_it_would_wait(tmp_path, feed):
    """With nothing left to prepare itself (one piece, in the second process), this process runs `meanwhile`
    (the local engine fits its models there) before it waits, and only once; what is yielded is unchanged."""
    from miner.ingest import ColumnMap, iter_file
    from miner.pipeline.overlap import in_process, overlapped
    from miner.store import open_db

    db = open_db(tmp_path / "t.db")
    calls: list[int] = []
    shared = _flat(overlapped(db, iter_file(feed, ColumnMap()), RuleSegmenter(), None, _Pool(behind=True),  # type: ignore[arg-type]
                              meanwhile=lambda: calls.append(1)))  # fmt: skip
    assert calls == [1]
    assert shared == _flat(in_process(db, iter_file(feed, ColumnMap()), RuleSegmenter(), None))
    overlapped_ahead = overlapped(db, iter_file(feed, ColumnMap()), RuleSegmenter(), None, _Pool(behind=False),  # type: ignore[arg-type]
                                  meanwhile=lambda: calls.append(2))  # fmt: skip
    list(overlapped_ahead)
    assert calls == [1]  # the second process was never behind: no wait, so nothing done meanwhile


def test_a_fresh_cli_mine_sends_even_a_small_file_to_the_second_process_while_spacy_is_not_loaded(monkeypatch):
    """`LocalEngine(start_up=True)` (the CLI's) uses the second process for any file while spaCy is not imported
    here and the import needs it; a loaded spaCy, or rules without redaction, keep a small file in this process."""
    import sys

    from miner.pipeline.overlap import needs_spacy
    from miner.segment import Segmenter
    from miner.segment.pii import redact_records

    monkeypatch.delitem(sys.modules, "spacy", raising=False)
    assert needs_spacy(Segmenter(), None) and needs_spacy(RuleSegmenter(), redact_records)
    assert not needs_spacy(RuleSegmenter(), None)
    monkeypatch.setitem(sys.modules, "spacy", object())
    assert not needs_spacy(Segmenter(), redact_records)


def test_mine_fits_its_models_while_the_second_process_prepares(tmp_path, feed, mini_taxonomy, fake_embedder):
    """A start-up `mine` of a small file: prepared in the second process, the detector and mapper fitted meanwhile,
    and the run the same as a one-process mine's."""
    from miner.store import open_db

    runs = {}
    for name, engine in (("one", LocalEngine()), ("two", LocalEngine(parallel_bytes=0))):
        db = open_db(tmp_path / f"{name}.db")
        options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=RuleSegmenter(), engine=engine)
        pipeline = build_pipeline(db, options)
        fitted: list[bool] = []
        pipeline.import_paths([feed], meanwhile=lambda p=pipeline, f=fitted: f.append(bool(p.fit())))
        assert fitted == ([True] if name == "two" else [])
        run_id = pipeline.analyze()
        runs[name] = [
            (r["text"], r["complaint"], r["complaint_score"], r["touchpoint"])
            for r in db.query(
                "SELECT s.text, r.complaint, r.complaint_score, r.touchpoint FROM segment_results r JOIN segments s "
                "ON s.id = r.segment_id WHERE r.run_id = ? ORDER BY s.text",
                [run_id],
            )
        ]
    assert runs["two"] == runs["one"] and runs["one"]


def test_the_second_process_exits_when_the_mine_that_started_it_is_killed(tmp_path):
    """A `mine` killed with SIGKILL runs no clean-up: its second process notices the parent is gone and exits,
    instead of waiting for work (and holding its memory) for ever."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from miner.pipeline.overlap import worker_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = worker_pool()\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    time.sleep(600)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # alive while its parent is
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.2)
        assert not _alive(child)
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, exited but not yet reaped by init, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False


class _BatchBound(HashingEmbedder):
    """A vector that depends on the batch it was computed in, as a real encoder's does a little (bfloat16, padding):
    here through the batch's size."""

    def embed_batch(self, texts):  # noqa: ANN001, ANN201
        out = super().embed_batch(texts)
        out[:, 0] += len(texts)
        return out


class _Sharing(Partner):
    """A partner whose second process encodes, run as `_Pool`: always behind (this process then prepares pieces of
    its own) or never."""

    def __init__(self, embedder: HashingEmbedder, behind: bool) -> None:
        super().__init__(RuleSegmenter(), embedder)
        self.behind = behind
        self.pools: list[_Pool] = []

    def pool(self, encode: bool) -> _Pool:  # type: ignore[override]
        self.spec = EncoderSpec("batch-bound", None, 32)
        self.pools.append(_Pool(self.behind))
        return self.pools[-1]


def test_what_is_cached_does_not_depend_on_which_process_prepared_a_piece(tmp_path, monkeypatch):
    """Two runs of one file cache the same vectors to the bit however the pieces fell between the two processes:
    a piece this process prepares is read whole, as the second process reads one, and what each piece read is
    cached in file order."""
    from miner.embed.cache import EmbeddingCache
    from miner.pipeline.imports import import_files
    from miner.segment.pii import redact_records
    from miner.store import open_db

    feed = tmp_path / "feed.csv"
    # one clause in items of two to four clauses, one item a piece: its vector depends on the piece that read it
    rows = [". ".join([f"order {i} was late", "thanks for nothing"] + ["the app crashed"] * (i % 3)) for i in range(9)]
    feed.write_text("text\n" + "".join(f'"{r}"\n' for r in rows), encoding="utf-8")
    monkeypatch.setattr("miner.pipeline.overlap.PIECE_ENCODED", 1)
    monkeypatch.setattr("miner.pipeline.imports.ENCODE_BYTES", 0)
    embedder = _BatchBound(dim=32)
    monkeypatch.setitem(_LOADED, EncoderSpec("batch-bound", None, 32), embedder)  # what the second process loads

    def cached(name: str, behind: bool) -> tuple[dict, int]:
        db = open_db(tmp_path / name)
        cache = EmbeddingCache(embedder, db)
        partner = _Sharing(embedder, behind)
        # with redaction (patterns here): without, a piece costs so little that the import runs here
        import_files(db, [feed], RuleSegmenter(), partial(redact_records, redactor=Redactor(names=None)),
                     stored=cache.embed_items, parallel_bytes=0, partner=partner, ahead=cache.take)  # fmt: skip
        vectors = {r["hash"]: r["vector"] for r in db.query("SELECT hash, vector FROM embeddings")}
        return vectors, partner.pools[0].pieces

    there, pieces = cached("there.db", behind=False)
    assert pieces == len(rows)  # the second process prepared every piece
    mixed, pieces = cached("mixed.db", behind=True)
    assert 0 < pieces < len(rows)  # ... and here only some: this process prepared the others
    assert len(there) > len(rows)  # every clause, the shared ones once
    assert mixed == there
