"""Span reading: each feedback item read once, each of its clauses pooled from the tokens inside it.

The tuned encoder used to read every clause alone, and then each complaint's whole item again as its context: on
42,500 airline conversations 1.84M clause tokens and 1.10M context tokens, against the 1.48M tokens of the items
themselves (docs/lab/spanship.md). Read once, an item gives both: a clause's vector is the mean of [CLS], [SEP] and
the token states inside its characters (`BertSentenceEncoder.encode_spans`), and the item's own vector, the mean of
all its tokens, is exactly the vector of the item's text read alone, the context the mapper asks for.

Clauses of fewer than `SHORT` words are still read alone ("Great.", "sent"): read inside a complaint they take on
its meaning, and the complaint head, fitted on clauses read alone, called them complaints (docs/lab/spanship.md,
section 3). So are the clauses of a one-clause item (its span is the whole text: the same vector) and those of an
item past the encoder's window.

A clause's vector now depends on its item, so the cache keeps span vectors under the encoder's name + `SUFFIX`,
keyed by `span_hash` (the clause's place and the item's clauses), beside the vectors of texts read alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from miner.segment.segmenter import text_hash

if TYPE_CHECKING:
    from miner.embed.base import Embedder
    from miner.embed.bert import BertSentenceEncoder

SHORT = 6  # clauses of fewer words (whitespace tokens) are read alone: docs/lab/spanship.md, section 4
SUFFIX = "@span"  # the cache's model name for span vectors: the encoder's name + this
READING = "span-short"  # how the default reads: "span-short" (this module) or "clauses" (each clause alone)
_MARK = "\u241f"  # joins a span key's parts; not whitespace, which `text_hash` folds


def joined(clauses: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """An item's text as the mapper reads it for context (its clauses joined by a space, `ItemRuns`) and each
    clause's characters in it."""
    spans, start = [], 0
    for clause in clauses:
        spans.append((start, start + len(clause)))
        start += len(clause) + 1
    return " ".join(clauses), spans


def span_hash(clauses: Sequence[str], j: int) -> str:
    """The cache key of clause `j` read inside the item of `clauses`."""
    return text_hash(f"{j}{_MARK}" + _MARK.join(clauses))


def spanned(clauses: Sequence[str]) -> list[int]:
    """Which clauses of an item span reading reads inside it: none of a one-clause item, else those of `SHORT`
    words or more."""
    if len(clauses) < 2:
        return []
    return [j for j, c in enumerate(clauses) if len(c.split()) >= SHORT]


def span_keys(items: Sequence[Sequence[str]]) -> list[str | None]:
    """Per clause of `items` (concatenated): its span key, or None where it is read alone."""
    keys: list[str | None] = []
    for clauses in items:
        row: list[str | None] = [None] * len(clauses)
        for j in spanned(clauses):
            row[j] = span_hash(clauses, j)
        keys.extend(row)
    return keys


def erasable_hashes(clauses: Sequence[str]) -> list[str]:
    """Every key an item's text may be cached under beyond its clauses' own: the item read whole, and its spans
    (miner/store/erasure.py drops them with the item)."""
    return [text_hash(joined(clauses)[0])] + [span_hash(clauses, j) for j in range(len(clauses)) if len(clauses) > 1]


@dataclass
class Read:
    """What a reading computed, for a cache to keep: texts read alone (clauses, and items read whole) and span
    vectors by `span_hash`."""

    texts: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    spans: list[str] = field(default_factory=list)
    span_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))


SpanCall = tuple[list[str], list[list[tuple[int, int]]]]  # one `encode_spans` call: texts, each text's spans
SpanOut = tuple[list[np.ndarray | None], np.ndarray]  # what it returns


def read_spans(
    bert: BertSentenceEncoder,
    items: Sequence[Sequence[str]],
    calls: Callable[[list[SpanCall]], list[SpanOut]] | None = None,
) -> tuple[Read, list[int]]:
    """Span reading of the `items` that have clauses to read inside them (`spanned`): their span vectors and their
    own (keyed by the item's text), L2-normalised as `Embedder.embed` gives them; and the positions in `items` of
    those past the window, whose clauses are left to be read alone. Longest first, about `CALL_TOKENS` tokens a call;
    `calls` makes them (one `bert.encode_spans` after the other unless given: a partner shares them between two
    processes, miner/pipeline/partner.py). The calls depend on the items alone, so the vectors do too."""
    from miner.embed.bert import token_chunks

    inside = {i: js for i, clauses in enumerate(items) if (js := spanned(clauses))}
    todo = list(inside)
    texts_spans = {i: joined(items[i]) for i in todo}
    todo.sort(key=lambda i: -len(texts_spans[i][0]))
    batches = [[todo[k] for k in chunk] for chunk in token_chunks([texts_spans[i][0] for i in todo])]
    asked = [
        ([texts_spans[i][0] for i in batch], [[texts_spans[i][1][j] for j in inside[i]] for i in batch])
        for batch in batches
    ]
    made = calls(asked) if calls is not None else [bert.encode_spans(*call) for call in asked]
    out = Read()
    own_texts: list[str] = []
    own: list[np.ndarray] = []
    keys: list[str] = []
    parts: list[np.ndarray] = []
    past: list[int] = []
    for batch, (vectors, whole) in zip(batches, made, strict=True):
        for i, spans, whole_k in zip(batch, vectors, whole, strict=True):
            if spans is None:
                past.append(i)
                continue
            own_texts.append(texts_spans[i][0])
            own.append(whole_k)
            for j, vector in zip(inside[i], spans, strict=True):
                keys.append(span_hash(items[i], j))
                parts.append(vector)
    out.texts, out.spans = own_texts, keys
    out.vectors = _unit(np.stack(own)) if own else np.zeros((0, bert.dim), np.float32)
    out.span_vectors = _unit(np.stack(parts)) if parts else np.zeros((0, bert.dim), np.float32)
    return out, sorted(past)


def as_read(items: Sequence[Sequence[str]], clause: Callable[[str], str] | None) -> list[list[str]]:
    """The items as the span pass reads them: each clause through `clause`, the way the run's mapper reads text
    (`for_mapping`: handles, links and hashtag signs out), so that neither the mapper's spanned clauses nor its
    contexts are read again. Clauses read alone are read as they are (the mapper re-reads the few it changes)."""
    if clause is None:
        return [list(clauses) for clauses in items]
    return [[clause(c) for c in clauses] for clauses in items]


@dataclass
class Plan:
    """How a run reads `items`: the items as the span pass reads them (`as_read`), and per clause (concatenated) its
    span key (None: read alone) and the text it is read alone as where it is (`alone_text`)."""

    read: list[list[str]]
    keys: list[str | None]
    flat: list[str]  # the clauses as they are
    as_read: list[str]  # the clauses as the span pass reads them

    def alone_text(self, j: int) -> str:
        """Clause `j` read alone: itself, or where it is spanned (its item past the window) as the span pass would
        have read it, so that whether the mapper must re-read it depends on the rule alone (`spanned`)."""
        return self.flat[j] if self.keys[j] is None else self.as_read[j]


def plan(items: Sequence[Sequence[str]], clause: Callable[[str], str] | None) -> Plan:
    """The `Plan` of reading `items` with the span pass reading each clause through `clause`."""
    read = as_read(items, clause)
    flat = [c for clauses in items for c in clauses]
    return Plan(read, span_keys(read), flat, [c for clauses in read for c in clauses])


def read_items(
    embedder: Embedder, items: Sequence[Sequence[str]], spans: bool, clause: Callable[[str], str] | None = None
) -> Read:
    """Every clause of `items` read as a run reads it (`spans`: span reading where `embedder` can, of the clauses
    `as_read` gives; else each clause alone, as it is), and each spanned item's own vector: what the second process
    computes for a piece of a file."""
    bert = embedder.bert() if spans and hasattr(embedder, "bert") else None
    if bert is None:
        texts = list(dict.fromkeys(c for clauses in items for c in clauses))
        return Read(texts, embedder.embed(texts))
    p = plan(items, clause)
    read, past = read_spans(bert, p.read)
    lost = {span_hash(p.read[i], j) for i in past for j in spanned(p.read[i])}
    alone = list(dict.fromkeys(p.alone_text(j) for j, k in enumerate(p.keys) if k is None or k in lost))
    vectors = embedder.embed(alone)
    read.texts = alone + read.texts
    read.vectors = np.concatenate([vectors, read.vectors]) if len(read.vectors) else vectors
    return read


def can_read_spans(embedder: Embedder) -> bool:
    """Whether `embedder` reads spans in a run: the torch-only BERT encoder (miner/embed/bert.py) and the default
    reading `span-short`."""
    bert = getattr(embedder, "bert", None)
    return READING == "span-short" and bert is not None and bert() is not None


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)
