"""Span reading (miner/embed/spans.py) with the real packaged MiniLM: a long clause of a several-clause item is read
inside it and cached by its place in that item, short clauses and one-clause items are read alone, the item read once
gives its context, an item past the window falls back to reading alone, and what the second process reads for a
piece is what the run would read."""

from __future__ import annotations

import numpy as np
import pytest

from miner.embed import EmbeddingCache
from miner.embed.sentence_transformers import SentenceTransformerEmbedder
from miner.embed.spans import SUFFIX, as_read, joined, read_items, span_hash, span_keys, spanned
from miner.segment.segmenter import text_hash
from miner.store.embeddings import load_vectors
from miner.touchpoints.normalise import for_mapping

LONG = "The app crashed at checkout twice this morning"
OTHER = "and nobody answered the phone for an hour"
ITEMS = [[LONG, OTHER, "Great."], ["Refund please"], ["thanks", "my parcel went to the wrong address again today"]]
F16 = 2e-3  # the cache keeps float16


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_which_clauses_are_read_inside_their_item():
    assert spanned([LONG]) == []  # a one-clause item: its span is the whole text, read alone
    assert spanned([LONG, OTHER, "Great."]) == [0, 1]  # "Great." is short: read alone
    keys = span_keys(ITEMS)
    assert [k is not None for k in keys] == [True, True, False, False, False, True]
    assert span_hash([LONG, OTHER], 0) != span_hash([LONG, "and the driver was rude to me too"], 0)
    assert span_hash([LONG, OTHER], 0) != span_hash([LONG, OTHER], 1)
    assert joined(["ab", "cde"]) == ("ab cde", [(0, 2), (3, 6)])


def test_embed_items_reads_spans_once_and_caches_them_by_place(minilm, db):
    cache = EmbeddingCache(minilm, db)
    vectors = cache.embed_items(ITEMS)
    assert cache.spans and vectors.shape == (6, minilm.dim)
    flat = [c for clauses in ITEMS for c in clauses]
    alone = minilm.embed(flat)
    # short clauses and one-clause items: as read alone
    assert np.abs(vectors[[2, 3, 4]] - alone[[2, 3, 4]]).max() < F16
    # long clauses of several-clause items: their tokens' states inside the item, near but not equal to alone
    bert = minilm.bert()
    text, spans = joined(ITEMS[0])
    parts, own = bert.encode_spans([text], [spans[:2]])
    assert np.abs(vectors[:2] - parts[0]).max() < F16
    cosines = np.sum(vectors[[0, 1, 5]] * alone[[0, 1, 5]], axis=1)
    assert np.all(cosines > 0.5) and np.all(cosines < 0.99)
    # the item read whole is cached under its text: the context the mapper asks for costs nothing more
    item = load_vectors(db, minilm.vector_key, [text_hash(text)])[text_hash(text)]
    assert np.abs(item - minilm.embed([text])[0]).max() < F16
    assert len(load_vectors(db, minilm.vector_key + SUFFIX, [k for k in span_keys(ITEMS) if k])) == 3
    # a second read: everything from the cache, nothing embedded
    before = db["embeddings"].count
    again = cache.embed_items(ITEMS)
    assert db["embeddings"].count == before and cache.misses == 0
    assert np.array_equal(again, vectors)


def test_an_item_past_the_window_is_read_clause_by_clause(minilm, db):
    long_item = [f"my order number {i} arrived late and cold again this week" for i in range(40)]  # > 256 tokens
    cache = EmbeddingCache(minilm, db)
    vectors = cache.embed_items([long_item])
    assert np.abs(vectors - minilm.embed(long_item)).max() < F16
    assert not load_vectors(db, minilm.vector_key + SUFFIX, [k for k in span_keys([long_item]) if k])


def test_with_spans_off_every_clause_is_read_alone(minilm, db):
    cache = EmbeddingCache(minilm, db)
    cache.spans = False
    vectors = cache.embed_items(ITEMS)
    assert np.abs(vectors - minilm.embed([c for clauses in ITEMS for c in clauses])).max() < F16
    assert db["embeddings"].count == 6


def test_what_the_second_process_reads_is_what_the_run_reads(minilm, db, tmp_path):
    from miner.store import open_db

    read = read_items(minilm, ITEMS, spans=True)  # the second process's task for a piece
    cache = EmbeddingCache(minilm, db)
    cache.take(read)
    before = db["embeddings"].count
    vectors = cache.embed_items(ITEMS)
    assert db["embeddings"].count == before and cache.misses == 0  # nothing left to read
    fresh = EmbeddingCache(minilm, open_db(tmp_path / "fresh.db")).embed_items(ITEMS)
    assert np.abs(vectors - fresh).max() < F16


def test_with_normalise_items_are_read_as_the_mapper_reads_them(minilm, db):
    """The default mapper reads clauses and items without handles and links (`for_mapping`): span reading reads
    them so, once, and the item's own vector is cached under the text the mapper's context asks for."""
    items = [
        ["@united my flight was cancelled and nobody told me why", "I want all of my money back today http://t.co/x1"]
    ]
    cache = EmbeddingCache(minilm, db)
    cache.read_as = for_mapping
    vectors = cache.embed_items(items)
    assert cache.reads_normalised
    norm = as_read(items, for_mapping)
    assert norm == [["my flight was cancelled and nobody told me why", "I want all of my money back today"]]
    text, spans = joined(norm[0])
    parts, _ = minilm.bert().encode_spans([text], [spans])
    assert np.abs(vectors - parts[0]).max() < F16
    assert text_hash(text) in load_vectors(db, minilm.vector_key, [text_hash(text)])
    assert np.abs(read_items(minilm, items, spans=True, clause=for_mapping).span_vectors - parts[0]).max() < F16
