"""The one pipeline: `Pipeline` holds its collaborators, `build_pipeline` makes one from `MineOptions`.

import (engine) -> segment -> embed -> detect complaints -> item context -> map -> corpus head -> cluster -> store.
`touchpoints mine`, `touchpoints eval` (miner/eval), `touchpoints taxonomy review`, the Ray engine and the API's runs
all go through a `Pipeline`; the steps themselves live in their stage packages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlite_utils

from miner.complaints.detector import SECOND_PASS
from miner.embed import Embedder, EmbeddingCache
from miner.embed.head import HeadCache, head_cache
from miner.ingest import ColumnMap
from miner.pipeline.classify import Classified, classify, fit_detector, fit_mapper, touchpoint_scores
from miner.pipeline.heap import release
from miner.pipeline.imports import Redactor, files_with_rows, import_files
from miner.pipeline.overlap import PARALLEL_BYTES, needs_spacy
from miner.progress import Progress
from miner.segment import SegmenterLike
from miner.store.documents import ImportResult
from miner.store.heads import head_row
from miner.touchpoints import Taxonomy
from miner.touchpoints.corpus import CorpusHead
from miner.touchpoints.mapper import NORMALISE, Mapper
from miner.touchpoints.normalise import for_mapping

if TYPE_CHECKING:
    from miner.complaints import ComplaintDetector
    from miner.pipeline.partner import Partner
    from miner.touchpoints.fit import Fit


@dataclass(frozen=True)
class Encoders:
    """The encoders a run reads with: `mapping` embeds every clause (and names the run's embedding cache),
    `complaint` is the complaint detector's second encoder, `cluster` the space pain points are clustered in
    (None: the detector reads `mapping` alone; pain points are clustered on `mapping`'s vectors)."""

    mapping: Embedder
    complaint: Embedder | None = None
    cluster: Embedder | None = None


class LocalEngine:
    """Imports in this process, streaming each file in chunks; a large file is redacted and segmented in a second
    process while this one embeds what is stored into the cache (miner/pipeline/overlap.py); the rest is embedded
    as the analysis needs it. With `start_up` (the CLI's `mine`, a fresh process) any file goes to the second
    process while spaCy is not loaded here: it loads spaCy and redacts while this process fits its models."""

    name = "local"

    def __init__(self, parallel_bytes: int = PARALLEL_BYTES, *, start_up: bool = False) -> None:
        self.parallel_bytes = parallel_bytes
        self.start_up = start_up
        self.holding = False  # within `hold`: the import's second process is kept for the analysis
        self.partner: Partner | None = None  # that process, kept

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the second process of the import for the analysis (it encodes there too, miner/pipeline/partner.py),
        and close it at the end."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.partner is not None:
                self.partner.close()
                self.partner = None

    def import_paths(
        self,
        p: Pipeline,
        paths: Iterable[Path | str],
        columns: ColumnMap,
        on_error: str,
        progress: Progress,
        meanwhile: Callable[[], object] | None = None,
    ) -> list[ImportResult]:
        """`meanwhile` runs (once) while this process would wait for the second one."""
        from miner.pipeline.partner import Partner

        parallel = 0 if self.start_up and needs_spacy(p.segmenter, p.redactor) else self.parallel_bytes
        partner = Partner(p.segmenter, p.encoders.mapping, spans=p.cache.reads_spans, read_as=p.cache.read_as)
        if self.holding:
            if self.partner is not None:
                self.partner.close()
            self.partner = partner
        try:
            return import_files(p.db, paths, p.segmenter, p.redactor, columns=columns, on_error=on_error,
                                progress=progress, stored=p.embed_ahead, parallel_bytes=parallel,
                                meanwhile=meanwhile, partner=partner, ahead=p.cache.take)  # fmt: skip
        finally:
            if not self.holding:
                partner.close()

    def embed_ahead(self, p: Pipeline, progress: Progress) -> None:
        """`classify` embeds through the cache; where the import's second process encodes, it shares that work."""
        if self.partner is not None and self.partner.splits(p.cache.embedder):
            p.cache.helper = self.partner


class Pipeline:
    """Every collaborator comes in through the constructor, so a test (or eval) can hand in its own; a detector
    or mapper not handed in fitted is fitted on first use (`fit`), from the taxonomy and the encoders."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        encoders: Encoders,
        taxonomy: Taxonomy,
        segmenter: SegmenterLike,
        *,
        redactor: Redactor | None = None,
        mapper: str | Mapper = "examples",
        detector: ComplaintDetector | None = None,
        clusterer: Callable[..., Any] | None = None,
        engine: Any = None,
        cache_db: sqlite_utils.Database | None = None,
    ) -> None:
        self.db = db
        self.encoders = encoders
        self.taxonomy = taxonomy
        self.segmenter = segmenter
        self.redactor = redactor
        self.mapper = mapper  # a mapper's registry name, or a fitted Mapper
        self.detector = detector  # a fitted complaint detector; fitted from the seeds and taxonomy when None
        self.clusterer = clusterer  # builds the pain-point model of a run (PainPointModel unless given)
        self.engine = engine or LocalEngine()
        self.cache_db = cache_db  # where embeddings are cached: the run's database unless given

    def _cache(self, embedder: Embedder | None) -> EmbeddingCache | None:
        """`embedder`'s vectors cached beside the mapping encoder's (a complaint head reads those: head.py)."""
        return head_cache(embedder, self.cache)

    @property
    def cache(self) -> EmbeddingCache:
        """The mapping encoder's embeddings, cached by content hash."""
        if not hasattr(self, "cache_"):
            self.cache_ = EmbeddingCache(self.encoders.mapping, self.cache_db or self.db)
            # what the mapper will read, so the import reads ahead what `classify` asks for (it sets it again)
            self.cache_.read_as = for_mapping if getattr(self.mapper, "normalise", NORMALISE) else None
        return self.cache_

    def embed_ahead(self, items: list[list[str]]) -> None:
        """Cache the mapping encoder's vectors of `items` (each a feedback item's clauses) before the analysis asks
        for them, read as it will read them (`EmbeddingCache.embed_items`); the complaint encoder's too where the
        detector reads every clause with it (second pass `full`; the cascade reads only the clauses it may change,
        miner/complaints/cascade.py). Nothing for an encoder whose vectors are not stored (`Embedder.cache_vectors`):
        the analysis encodes them as it reads."""
        if self.cache.stores:
            self.cache.embed_items(items)
            release()
        texts = [c for clauses in items for c in clauses]
        complaint = self._cache(self.encoders.complaint)
        detector = getattr(self, "detector_", self.detector)
        if complaint is None or isinstance(complaint, HeadCache) or not complaint.stores:
            return  # a head reads the vectors just cached; an encoder not stored reads them in the analysis
        if (detector.second_pass if detector else SECOND_PASS) == "full":
            complaint.embed(texts)

    @property
    def cluster_cache(self) -> EmbeddingCache | None:
        return self._cache(self.encoders.cluster)

    def fit(self, progress: Progress | None = None) -> Pipeline:
        """Fit the complaint detector and the touchpoint mapper (`detector_`, `mapper_`) once."""
        if not hasattr(self, "detector_"):
            from miner.embed.shared import shared_fit_vectors

            with (progress or Progress()).stage("Preparing models", 2) as advance:
                complaint = self._cache(self.encoders.complaint)
                with shared_fit_vectors([c for c in (self.cache, complaint) if c is not None]):
                    self.detector_ = self.detector or fit_detector(self.cache, complaint, self.taxonomy)
                    advance(1)
                    self._fitted_mapper()
                    advance(1)
        return self

    def run_head(self, run_id: int) -> CorpusHead | None:
        """The corpus head run `run_id` stored, to map as that run did (None: the run had none). The labelled
        head of the taxonomy's corrections is not stored: it is fitted again, the same as the run's."""
        row = head_row(self.db, run_id)
        mapper = self._fitted_mapper()
        head = CorpusHead.from_row(row, mapper.ids) if row else None
        fresh = mapper.corpus_head() if self.taxonomy.corrections else None
        if fresh is None or fresh.labelled is None:
            return head
        if head is None:
            return fresh  # unfitted itself: it adds only the labelled head's order
        head.labelled = fresh.labelled
        return head

    def _fitted_mapper(self) -> Mapper:
        if not hasattr(self, "mapper_"):
            mapper = self.mapper
            if isinstance(mapper, str):
                self.mapper_ = fit_mapper(self.cache, self.taxonomy, mapper, self.cluster_cache)
            else:
                self.mapper_ = mapper
        return self.mapper_

    @property
    def mapper_name(self) -> str:
        """The mapper's registry name, as a run records it."""
        from miner.touchpoints.mapper import MAPPERS

        if isinstance(self.mapper, str):
            return self.mapper
        return next(name for name, cls in MAPPERS.items() if type(self.mapper) is cls)

    def touchpoint_scores(self, segments: list[dict], positions: np.ndarray, head: CorpusHead | None) -> np.ndarray:
        """Touchpoint scores of the segments at `positions` as a run with corpus head `head` ranked them
        (`touchpoints taxonomy review` reads each complaint's lead over its runner-up from them)."""
        return touchpoint_scores(segments, positions, self.cache, self._fitted_mapper(), head)

    def classify(
        self,
        segments: list[dict],
        progress: Progress | None = None,
        base_head: CorpusHead | None = None,
        *,
        fit_head: bool = True,
        complaint_threshold: float | None = None,
    ) -> tuple[Classified, CorpusHead | None]:
        """Complaint and touchpoint scores of `segments`, in memory (see `miner.pipeline.classify.classify`)."""
        self.fit(progress)
        return classify(segments, self.cache, self.detector_, self.mapper_, progress, base_head, fit_head=fit_head,
                        complaint_threshold=complaint_threshold)  # fmt: skip

    def diagnose(self, result: Classified) -> Fit:
        """How well the corpus fits the taxonomy (miner/touchpoints/fit.py), from what `classify` gave back."""
        from miner.touchpoints.fit import diagnose, mapper_references

        best, margin = mapper_references(self._fitted_mapper())
        return diagnose(result.firsts(), result.top2, len(self.taxonomy.touchpoints), best, margin)

    def import_paths(
        self,
        paths: Iterable[Path | str],
        *,
        columns: ColumnMap | None = None,
        on_error: str = "fail",
        progress: Progress | None = None,
        meanwhile: Callable[[], object] | None = None,
    ) -> list[ImportResult]:
        """Import the files with the pipeline's engine: all or none. `meanwhile`: work the engine may do while it
        waits for its own (the local engine, for a second process)."""
        from miner.store.versions import retire_replaced

        progress = progress or Progress()
        retire_replaced(self.db)  # what a crash between an import and its retiring left (miner/store/versions.py)
        if meanwhile is None:
            results = self.engine.import_paths(self, paths, columns or ColumnMap(), on_error, progress)
        else:
            results = self.engine.import_paths(self, paths, columns or ColumnMap(), on_error, progress, meanwhile)
        retire_replaced(self.db)  # conversations that grew: the earlier versions leave every run's counts
        return results

    def analyze(self, progress: Progress | None = None, *, incremental: bool = False) -> int:
        """Analyse everything stored as a new run (miner/pipeline/analyze.py); returns the run id."""
        from miner.pipeline.analyze import analyze

        progress = progress or Progress()
        self.engine.embed_ahead(self, progress)
        return analyze(self, progress, incremental=incremental)

    def mine(
        self,
        paths: Iterable[Path | str],
        *,
        columns: ColumnMap | None = None,
        on_error: str = "fail",
        incremental: bool = False,
        progress: Progress | None = None,
    ) -> tuple[list[ImportResult], int | None]:
        """Import the files, then analyse everything stored as a new run. Returns the imports and the run id: with
        `incremental`, the last run's when nothing is new since it (no run is made), and empty or header-only files
        are left out with a warning (listed in the imports as such); None when nothing is stored at all (an empty
        first night: no run is made either, where a full run of 0 documents was)."""
        from miner.store.runs import latest_run
        from miner.store.segments import stored_documents

        progress = progress or Progress()
        left: list[ImportResult] = []
        if incremental:  # a header-only nightly export is a warning, not an error
            paths, left = files_with_rows(self.db, paths, progress, redact=self.redactor is not None)
            if not paths and latest_run(self.db) is None and not stored_documents(self.db):
                progress.note("Nothing stored yet to mine: no run made.")
                return left, None
        hold = getattr(self.engine, "hold", nullcontext)  # the local engine's second process serves the analysis too
        with hold():
            # The analysis fits the detector and the mapper first; the import does it while it waits, if it waits.
            imports = self.import_paths(paths, columns=columns, on_error=on_error, progress=progress,
                                        meanwhile=self.fit) if paths else []  # fmt: skip
            try:
                return imports + left, self.analyze(progress, incremental=incremental)
            finally:
                self.cache.helper = None  # the second process closes with `hold`
