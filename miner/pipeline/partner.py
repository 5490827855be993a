"""The second process as a second encoder, for the whole of a large `mine`.

Torch's two threads in one process cost about 28% more CPU than the same forward passes on one thread (5,000 airline
conversations, idle: 143.6 against 111.9 CPU s in the main process), and the second process, which only redacted
and segmented, was idle two thirds of the run (27 of 88 s). So where the mapping encoder is a sentence-transformers
model on the CPU, the second process loads it too (one thread) and both processes encode on one thread each:
- during the import it embeds the segments of each piece it prepares, and this process caches those vectors instead
  of embedding them (`prepare_ahead`); this process still prepares pieces itself while the second one is behind
  (miner/pipeline/overlap.py), so the work balances itself;
- during the analysis, `Partner.embed` splits what the cache has not seen (the items' contexts, mostly) between the
  two processes, in groups of a few batches, and `Partner.read_spans` the calls of span reading.

Where a piece costs little to prepare (no redaction, the rules' clauses), the import runs in this process alone and
reads nothing ahead: the analysis then reads the whole corpus, longest first over all of it and each text once, with
both processes (miner/pipeline/imports.py; docs/lab/compact.md, section 9). Read a piece at a time, as during an
import, the same file took about a sixth more CPU.

A vector is the same whichever process computed it: the same code on the same batch on one thread, stored as
float16 by the cache either way. Small files (the start-up path) keep the light second process: loading torch there
would cost more than it saves."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from miner.embed import Embedder
    from miner.embed.bert import BertSentenceEncoder
    from miner.embed.spans import Read, SpanCall, SpanOut
    from miner.segment import SegmenterLike

T = TypeVar("T")
R = TypeVar("R")

GROUP = 1  # batches per task: one, so that neither process waits long for the other at the end (the longest
# batches go first and take several times as long as the shortest)
IN_FLIGHT = 2  # tasks given to the second process at a time: it starts the next while this one collects the last


@dataclass(frozen=True)
class EncoderSpec:
    """What the second process needs to load the same encoder: its folder, checksum, batch size and precision."""

    path: str
    sha256: str | None
    batch_size: int
    precision: str = "fp32"  # resolved here (`fp32` or `bf16`), so that both processes compute alike
    spans: bool = False  # it reads a piece's clauses inside their items, as the run does (miner/embed/spans.py)
    read_as: Callable[[str], str] | None = None  # ... each clause through this, as the run's mapper (`spans.as_read`)


def encoder_spec(
    embedder: Embedder, spans: bool = False, read_as: Callable[[str], str] | None = None
) -> EncoderSpec | None:
    """The spec of `embedder` where the second process can encode with it: a sentence-transformers model (the
    packaged, tuned or a user's) on the CPU; None for the fast tier (too cheap to share) and anything else. `spans`
    and `read_as`: how the run's cache reads (`EmbeddingCache.reads_spans`, `read_as`)."""
    from miner.embed.sentence_transformers import SentenceTransformerEmbedder

    if not isinstance(embedder, SentenceTransformerEmbedder) or embedder.device != "cpu":
        return None
    return EncoderSpec(
        embedder.model_path(),
        embedder.sha256,
        embedder.batch_size,
        embedder.precision,
        spans,
        read_as if spans else None,
    )


_LOADED: dict[EncoderSpec, Embedder] = {}  # in the second process: the encoder, loaded once


def _encoder(spec: EncoderSpec) -> Embedder:
    if spec not in _LOADED:
        from miner.embed.sentence_transformers import SentenceTransformerEmbedder

        _LOADED[spec] = SentenceTransformerEmbedder(
            spec.path, sha256=spec.sha256, batch_size=spec.batch_size, precision=spec.precision
        )
    return _LOADED[spec]


def warm(spec: EncoderSpec) -> int:
    """Load the encoder (in the second process, while this one starts its own work); returns its width."""
    return _encoder(spec).dim


def encode(spec: EncoderSpec, texts: list[str]) -> np.ndarray:
    """`texts` embedded and normalised as `Embedder.embed` does, as float16 (what the cache stores anyway). The
    forward passes' buffers differ in shape from batch to batch and, freed, stay in the C heap: they go back to the
    system after each task (`release`), or the second process grew to 1.5 GB on 42.5k conversations."""
    from miner.pipeline.heap import release

    vectors = _encoder(spec).embed(texts).astype(np.float16)
    release()
    return vectors


def encode_spans(spec: EncoderSpec, call: SpanCall) -> SpanOut:
    """One `encode_spans` call of `spans.read_spans` (miner/embed/spans.py), in float32 as this process's own: the
    vectors are normalised again after the call, so float16 here would make them depend on which process read
    them."""
    from miner.pipeline.heap import release

    bert = _encoder(spec).bert()  # type: ignore[attr-defined]  # a partner encodes only a torch-only BERT's spans
    made = bert.encode_spans(*call)
    release()
    return made


_THREADS = {"partners": 0, "before": 0}  # partners alive in this process (the API runs several at once in threads)
_LOCK = threading.Lock()


def _one_thread(change: int) -> None:
    """Torch on one thread in this process while any partner lives (the other core is the partners'), and back to
    what it was when the last one closes."""
    import torch  # the encoder needs it here anyway

    with _LOCK:
        if change > 0 and _THREADS["partners"] == 0:
            _THREADS["before"] = torch.get_num_threads()
            torch.set_num_threads(1)
        _THREADS["partners"] += change
        if change < 0 and _THREADS["partners"] == 0:
            torch.set_num_threads(_THREADS["before"])


class Partner:
    """The second process of one `mine`, kept from the import to the end of the analysis (`close`). Where a file
    is large enough (`overlap.ENCODE_BYTES`) and the mapping encoder can be loaded there (`encoder_spec`), it
    encodes too, and this process encodes on one thread while it lives."""

    def __init__(
        self,
        segmenter: SegmenterLike,
        embedder: Embedder | None,
        *,
        spans: Callable[[], bool] = lambda: False,
        read_as: Callable[[str], str] | None = None,
    ) -> None:
        """`spans` (asked only where the second process encodes: it loads the encoder here) and `read_as`: how the
        run's cache reads (miner/embed/spans.py), which the second process follows."""
        self.segmenter, self.embedder = segmenter, embedder
        self.spans, self.read_as = spans, read_as
        self.spec: EncoderSpec | None = None
        self.shared = 0  # texts the second process has embedded for `embed`
        self._pool: ProcessPoolExecutor | None = None
        self._engaged = False  # this process is on one thread for it

    def pool(self, encode: bool) -> ProcessPoolExecutor:
        """The second process, started on first use; with `encode` (and an encoder it can load) it loads the
        encoder first, while this process goes on."""
        if self._pool is None:
            from miner.pipeline.overlap import worker_pool

            encodes = encode and self.embedder is not None
            self.spec = encoder_spec(self.embedder, self.spans(), self.read_as) if encodes else None  # type: ignore[arg-type]
            self._pool = worker_pool(self.segmenter, encoder=self.spec is not None)
            if self.spec is not None:
                self._pool.submit(warm, self.spec)  # starts the process now; it loads while this one goes on
                _one_thread(+1)
                self._engaged = True
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._engaged:
            _one_thread(-1)
            self._engaged = False

    def submit(self, fn: Callable, /, *args: object) -> Future | None:
        """`fn(*args)` in the second process (a module-level function, as the pool pickles it), or None where no
        second process runs for this `mine` (a small file) or it has died."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down
            return None

    def read(self, items: list[list[str]]) -> Read:
        """What the second process reads of a piece (`prepare_ahead`), read here with this process's encoder: for a
        piece this process prepared while the second one was behind, so that a vector does not depend on which
        process prepared its piece."""
        assert self.spec is not None and self.embedder is not None  # only asked where the second process encodes
        return read_piece(self.embedder, items, self.spec)

    def splits(self, embedder: Embedder) -> bool:
        """Whether `embed` shares `embedder`'s work with the second process."""
        return self.spec is not None and self._pool is not None and embedder is self.embedder

    def embed(
        self, embedder: Embedder, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """`embedder.embed(texts)`, its batches shared with the second process (`_share`), `GROUP` batches a task."""
        if not self.splits(embedder) or len(texts) <= 2 * GROUP * embedder.batch_size:
            return embedder.embed(texts, progress)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        groups = _groups(order, embedder.chunks([texts[i] for i in order]), GROUP * embedder.batch_size)
        sizes = [len(idx) for idx in groups]
        done = self._share([[texts[i] for i in idx] for idx in groups], embedder.embed, encode, sizes, progress)
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        for idx, vectors in zip(groups, done, strict=True):
            out[idx] = vectors
        return out

    def read_spans(self, bert: BertSentenceEncoder, items: Sequence[Sequence[str]]) -> tuple[Read, list[int]]:
        """`spans.read_spans`, its `encode_spans` calls shared with the second process (`_share`) where `bert` is
        this partner's encoder's and it reads spans there too."""
        from miner.embed.spans import read_spans

        mine = self.spec is not None and self.spec.spans and self.embedder is not None
        if not mine or bert is not getattr(self.embedder, "bert", lambda: None)() or self._pool is None:
            return read_spans(bert, items)

        def calls(asked: list[SpanCall]) -> list[SpanOut]:
            if len(asked) < 2:
                return [bert.encode_spans(*call) for call in asked]
            return self._share(asked, lambda call: bert.encode_spans(*call), encode_spans, [len(c[0]) for c in asked])

        return read_spans(bert, items, calls)

    def _share(
        self,
        tasks: list[T],
        here: Callable[[T], R],
        there: Callable[[EncoderSpec, T], R],
        sizes: list[int],
        progress: Callable[[int], None] | None = None,
    ) -> list[R]:
        """`[here(task) for task in tasks]`, shared with the second process, which runs `there(spec, task)` (a
        module-level function: the pool pickles it): this thread takes tasks from the front, a feeder thread hands
        the second process tasks from the back, `IN_FLIGHT` at a time, until they meet. Callers order the tasks
        longest first, so neither process waits long for the other at the end. Torch lets go of the GIL while it
        computes, so the feeder answers at once; a task the second process could not do (it died) is done here.
        `sizes`: each task's texts, for `progress` (called from this thread) and `shared`."""
        from miner.pipeline.heap import release

        pool, spec = self._pool, self.spec
        assert pool is not None and spec is not None
        out: list[R | None] = [None] * len(tasks)
        bounds = [0, len(tasks)]  # the next task from the front (this thread), the last one taken from the back
        lock = threading.Lock()
        there_done: list[int] = []  # tasks the second process has done, in the order it finished them
        failed: list[int] = []

        def take(front: bool) -> int | None:
            with lock:
                if bounds[0] >= bounds[1]:
                    return None
                if front:
                    bounds[0] += 1
                    return bounds[0] - 1
                bounds[1] -= 1
                return bounds[1]

        def feed() -> None:
            pending: deque[tuple[Future, int]] = deque()
            try:
                while True:
                    while len(pending) < IN_FLIGHT and (k := take(front=False)) is not None:
                        try:
                            future = pool.submit(there, spec, tasks[k])
                        except Exception:  # a pool already broken (the process died between tasks): refused
                            failed.append(k)
                            raise
                        pending.append((future, k))
                    if not pending:
                        return
                    future, k = pending[0]
                    out[k] = future.result()
                    pending.popleft()
                    there_done.append(k)
            except Exception:  # noqa: BLE001 - the second process died or failed: this thread does the rest
                failed.extend(k for _, k in pending)

        feeder = threading.Thread(target=feed, name="partner-feed", daemon=True)
        feeder.start()
        shown = 0
        while (k := take(front=True)) is not None:
            out[k] = here(tasks[k])
            release()  # as the second process does after each task: a forward pass's buffers differ in shape
            if progress:
                seen = len(there_done)
                progress(sizes[k] + sum(sizes[j] for j in there_done[shown:seen]))
                shown = seen
        feeder.join()
        self.shared += sum(sizes[k] for k in there_done)
        for k in failed:
            out[k] = here(tasks[k])
        if progress:
            progress(sum(sizes[j] for j in there_done[shown:]) + sum(sizes[k] for k in failed))
        return out  # type: ignore[return-value]  # every task was done, here or there


def _groups(order: list[int], chunks: list[list[int]], size: int) -> list[list[int]]:
    """`order`'s positions in tasks of whole chunks (`Embedder.chunks`, in `order`), at least `size` texts a task
    where the chunks allow: a task's texts are read in the same calls as one `embed` of them all reads them, so the
    vectors do not depend on how the work was shared."""
    groups: list[list[int]] = [[]]
    for chunk in chunks:
        if len(groups[-1]) >= size:
            groups.append([])
        groups[-1].extend(order[k] for k in chunk)
    return groups if groups[-1] else []


def prepare_ahead(records: list, segmenter: SegmenterLike, redactor: Callable | None, spec: EncoderSpec) -> tuple:
    """A piece redacted and segmented (`overlap.prepare`), and its clauses read as the run reads them (in their
    items where `spec.spans`, miner/embed/spans.py), vectors as float16: the second process's task when it has the
    encoder."""
    from miner.pipeline.overlap import items_of, prepare

    records, segments = prepare(records, segmenter, redactor)
    return records, segments, read_piece(_encoder(spec), items_of(segments), spec)


def read_piece(embedder: Embedder, items: list[list[str]], spec: EncoderSpec) -> Read:
    """A piece's clauses read as the run reads them (`spans.read_items`, as `spec` says), vectors as float16 (what
    the cache stores, and all that crosses between the processes), the C heap trimmed after: the one reading of a
    piece, whichever process makes it."""
    from miner.embed.spans import read_items
    from miner.pipeline.heap import release

    read = read_items(embedder, items, spec.spans, spec.read_as)
    read.vectors, read.span_vectors = read.vectors.astype(np.float16), read.span_vectors.astype(np.float16)
    release()
    return read
