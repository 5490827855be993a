"""The second process as a second encoder (miner/pipeline/partner.py), with the real packaged MiniLM: what it
encodes equals what this process encodes, a second process that cannot encode leaves the work here, and a `mine`
that shares its encoding stores the vectors and results a one-process `mine` stores."""

from __future__ import annotations

from functools import partial
from itertools import groupby

import numpy as np
import pytest

from miner.embed.sentence_transformers import SentenceTransformerEmbedder
from miner.embed.spans import SUFFIX, as_read, span_keys
from miner.pipeline.partner import Partner, encoder_spec
from miner.segment.pii import Redactor, redact_records
from miner.segment.rules import RuleSegmenter
from miner.touchpoints.normalise import for_mapping

PHRASES = [
    "the driver left the food at the wrong door",
    "refund took three weeks",
    "I could not find the delivery charge anywhere on the website",
    "support never answered my email",
    "the app crashed at checkout",
    "great pizza, cold fries",
]


def _texts(n: int) -> list[str]:
    """Distinct texts of different lengths (so the batches differ in width)."""
    return [" and ".join(PHRASES[(i + k) % len(PHRASES)] for k in range(1 + i % 4)) + f" #{i}" for i in range(n)]


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_the_second_process_encodes_what_this_one_would(minilm):
    import torch

    texts = _texts(700)  # 11 batches: both processes take some
    threads = torch.get_num_threads()
    partner = Partner(RuleSegmenter(), minilm)
    try:
        partner.pool(encode=True)
        assert partner.spec == encoder_spec(minilm) and partner.splits(minilm)
        assert torch.get_num_threads() == 1  # this process leaves the other core to the second one
        seen: list[int] = []
        shared = partner.embed(minilm, texts, seen.append)
        assert partner.shared > 0  # the second process did part of it
    finally:
        partner.close()
    assert torch.get_num_threads() == threads
    alone = minilm.embed(texts)
    # float16 from the second process (what the cache stores anyway), float32 here
    assert np.abs(shared - alone).max() < 2e-3
    assert sum(seen) == len(texts)
    assert not partner.splits(minilm)  # closed: the next embedding is this process's alone


def test_a_second_process_that_cannot_encode_leaves_the_work_to_this_one(minilm, tmp_path):
    """A model folder the second process cannot load: every task fails there, and this process embeds it all."""
    from dataclasses import replace

    texts = _texts(300)
    partner = Partner(RuleSegmenter(), minilm)
    try:
        partner.pool(encode=True)
        assert partner.spec is not None
        partner.spec = replace(partner.spec, path=str(tmp_path / "gone"))
        vectors = partner.embed(minilm, texts)
        assert partner.shared == 0
    finally:
        partner.close()
    # Within bfloat16's batch noise: the failed tasks are redone here in their own calls, whose shapes (and so
    # the products' rounding) depend on when each failure came back, which varies with the machine's load.
    assert np.abs(vectors - minilm.embed(texts)).max() < 2e-3


def test_only_a_sentence_transformers_model_on_the_cpu_is_shared(fake_embedder, minilm):
    assert encoder_spec(fake_embedder) is None
    assert encoder_spec(SentenceTransformerEmbedder(device="cuda")) is None
    partner = Partner(RuleSegmenter(), fake_embedder)
    try:
        partner.pool(encode=True)
        assert partner.spec is None and not partner.splits(fake_embedder)
    finally:
        partner.close()


def test_a_mine_that_shares_its_encoding_stores_what_a_one_process_mine_stores(tmp_path, minilm, monkeypatch):
    from miner.pipeline import LocalEngine, MineOptions, build_pipeline
    from miner.store import open_db
    from miner.store.embeddings import load_vectors

    feed = tmp_path / "feed.csv"
    rows = [f'"{t}. {t[::-1]}"\n' for t in _texts(240)]
    # complaints of short clauses only: no clause is read inside the item, so the analysis reads their context
    rows += [f'"Still waiting on order {i}. No refund yet."\n' for i in range(40)]
    feed.write_text("text\n" + "".join(rows), encoding="utf-8")
    monkeypatch.setattr("miner.pipeline.overlap.PIECE_ENCODED", 60)  # four pieces, shared by the two processes
    monkeypatch.setattr("miner.pipeline.imports.ENCODE_BYTES", 0)
    embed = Partner.embed
    asked: list[bool] = []  # per call of the analysis: whether the second process shared it
    monkeypatch.setattr(
        Partner,
        "embed",
        lambda self, embedder, texts, progress=None: (
            asked.append(self.splits(embedder)) or embed(self, embedder, texts, progress)
        ),
    )
    from miner.embed.cache import EmbeddingCache

    put = EmbeddingCache.put
    handed: list[int] = []
    monkeypatch.setattr(
        EmbeddingCache, "put", lambda self, texts, vectors: handed.append(len(texts)) or put(self, texts, vectors)
    )

    def mine(name: str, parallel_bytes: int) -> tuple:
        db = open_db(tmp_path / name)
        options = MineOptions(embedder=minilm, segmenter=RuleSegmenter(), redact_pii=False,
                              engine=LocalEngine(parallel_bytes=parallel_bytes))  # fmt: skip
        pipeline = build_pipeline(db, options)
        # redaction by patterns: without any, a piece costs so little to prepare that the import runs here
        # (test_a_light_import_runs_here_and_the_analysis_shares_its_reading)
        pipeline.redactor = partial(redact_records, redactor=Redactor(names=None))
        _, run_id = pipeline.mine([feed])
        assert pipeline.engine.partner is None and pipeline.cache.helper is None  # closed after the run
        rows = list(db.query("SELECT document_id, text, hash FROM segments ORDER BY id"))
        items = [[r["text"] for r in group] for _, group in groupby(rows, key=lambda r: r["document_id"])]
        keys = span_keys(as_read(items, for_mapping))  # clauses read inside their items (as the default
        # mapper reads them): cached by span; the others alone, as they are
        plain = load_vectors(db, minilm.vector_key, [r["hash"] for r in rows])
        spans = load_vectors(db, minilm.vector_key + SUFFIX, [k for k in keys if k is not None])
        assert spans and len(spans) < len(rows)  # both readings are in this feed
        vectors = [plain[r["hash"]] if k is None else spans[k] for r, k in zip(rows, keys, strict=True)]
        run = db["runs"].get(run_id)
        return [r["text"] for r in rows], np.stack(vectors), run["complaints"]

    shared = mine("two.db", parallel_bytes=0)
    assert handed  # the second process embedded the pieces it prepared
    assert asked and all(asked)  # the analysis asked it too
    alone = mine("one.db", parallel_bytes=1 << 30)
    assert shared[0] == alone[0] and shared[2] == alone[2]
    assert np.abs(shared[1] - alone[1]).max() < 2e-3


def test_span_reading_shared_with_the_second_process_gives_what_this_one_reads(minilm):
    """`Partner.read_spans` hands some of `spans.read_spans`' calls to the second process: the same calls, on one
    thread each, in float32, so the same vectors to the bit, and which process made a call does not show."""
    from miner.embed.spans import read_spans

    bert = minilm.bert()
    items = [[t, f"and then {t[::-1]} went wrong", "I asked twice and nobody answered me at all"] for t in _texts(900)]
    partner = Partner(RuleSegmenter(), minilm, spans=lambda: True)
    try:
        partner.pool(encode=True)
        shared, past = partner.read_spans(bert, items)
        assert partner.shared > 0  # the second process made some of the calls
    finally:
        partner.close()
    alone, past_alone = read_spans(bert, items)  # this process alone, on the thread count it had
    assert past == past_alone == []
    assert shared.spans == alone.spans and shared.texts == alone.texts
    assert np.array_equal(shared.span_vectors, alone.span_vectors) and np.array_equal(shared.vectors, alone.vectors)


def test_a_light_import_runs_here_and_the_analysis_shares_its_reading(tmp_path, minilm, monkeypatch):
    """Without redaction and with the rules' clauses, a large file is imported in this process (preparing it costs
    little) and the second process, which loaded the encoder meanwhile, shares the analysis's reading of the whole
    corpus instead: spans and texts read alone. The results are those of a one-process mine."""
    from miner.pipeline import LocalEngine, MineOptions, build_pipeline, overlap
    from miner.store import open_db

    feed = tmp_path / "feed.csv"
    rows = [f'"{t}. I asked twice and nobody answered me at all. {t[::-1]}"\n' for t in _texts(400)]
    feed.write_text("text\n" + "".join(rows), encoding="utf-8")
    monkeypatch.setattr("miner.pipeline.imports.ENCODE_BYTES", 0)
    from miner.embed import bert

    chunks = bert.token_chunks
    monkeypatch.setattr(bert, "token_chunks", lambda texts, budget=2048: chunks(texts, budget))  # calls to share
    sent: list[str] = []
    monkeypatch.setattr(overlap, "_submit", lambda *a: sent.append("piece"))  # no piece may go there
    spans = Partner.read_spans
    shares: list[int] = []  # per span reading of the analysis: texts the second process had embedded after it

    def spy(self, bert, items):  # noqa: ANN001, ANN202
        out = spans(self, bert, items)
        shares.append(self.shared)
        return out

    monkeypatch.setattr(Partner, "read_spans", spy)

    def mine(name: str, parallel_bytes: int) -> list:
        db = open_db(tmp_path / name)
        options = MineOptions(embedder=minilm, segmenter=RuleSegmenter(), redact_pii=False,
                              engine=LocalEngine(parallel_bytes=parallel_bytes))  # fmt: skip
        build_pipeline(db, options).mine([feed])
        return list(db.query("SELECT segment_id, complaint, touchpoint, complaint_score FROM segment_results"))

    shared = mine("two.db", parallel_bytes=0)
    assert not sent and shares and shares[-1] > 0
    alone = mine("one.db", parallel_bytes=1 << 30)
    assert [r["complaint"] for r in shared] == [r["complaint"] for r in alone]
    assert np.abs(np.array([r["complaint_score"] for r in shared]) - [r["complaint_score"] for r in alone]).max() < 0.02


class _Refusing:
    """A process pool that runs `works` tasks, then refuses every submit, as a pool whose process died does."""

    def __init__(self, works: int) -> None:
        self.works = works

    def submit(self, fn, *args):  # noqa: ANN001, ANN202 - the ProcessPoolExecutor.submit signature
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        if self.works <= 0:
            raise BrokenProcessPool("the second process died")
        self.works -= 1
        done: Future = Future()
        done.set_result(fn(*args))
        return done


@pytest.mark.parametrize("works", [0, 1])
def test_a_task_the_dead_second_process_refused_is_done_here(works):
    """A submit the broken pool refuses leaves its task to this process, like a task it accepted and then failed:
    it was dropped, and the analysis stopped on a TypeError (one reading missing)."""
    import time

    def here(task: int) -> tuple[str, int]:
        time.sleep(0.005)  # long enough for the feeder to reach the pool
        return "here", task

    partner = Partner(RuleSegmenter(), None)
    partner._pool, partner.spec = _Refusing(works), object()  # type: ignore[assignment]
    tasks = list(range(40))
    done = partner._share(tasks, here, lambda _spec, t: ("there", t), [1] * len(tasks))
    assert None not in done and [t for _, t in done] == tasks
    assert sum(where == "there" for where, _ in done) <= works  # a result still pending when the pool broke: redone
