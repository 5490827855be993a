"""BERTopic per touchpoint: deterministic clusters of complaint segments, each a labelled pain point."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from miner.complaints.phrases import complaint_parts
from miner.topics.labels import GENERIC, GENERIC_LABEL, dominant, key_phrase, make_label, phrases, supported

LARGE = 4000  # above this many complaints, UMAP + HDBSCAN; below, agglomerative on the embeddings
SAMPLE = 4000  # above this many, fit on a fixed-seed sample (agglomerative, no numba); the rest join the nearest
QUOTE_CONFIDENCE = 0.5  # how much a quote's complaint score counts against its centrality when picking evidence
SUB_MATCH = 0.2  # how much filing under the label's sub-touchpoint counts for a quote
PHRASE_MATCH = 0.1  # and how much holding the label's phrase does
EMPTY_DOC = "emptydoc"  # what BERTopic counts for a topic left with no text once cleaned
_BERTOPIC_DROPS = re.compile(r"[^A-Za-z0-9 ]+")  # what BERTopic removes from English documents before counting


@dataclass
class PainPoint:
    touchpoint: str
    label: str
    members: list[int]  # positions in the input
    keywords: list[str] = field(default_factory=list)
    representatives: list[int] = field(default_factory=list)  # positions, best first

    @property
    def size(self) -> int:
        return len(self.members)


class PainPointModel:
    """Clusters one touchpoint's complaints. Small sets use agglomerative clustering (exact, deterministic);
    large ones UMAP + HDBSCAN with a fixed random state. Labels come from BERTopic's c-TF-IDF."""

    def __init__(
        self,
        *,
        names: dict[str, str] | None = None,
        common_words: Mapping[str, float] | AbstractSet[str] = frozenset(),
        distance: float = 0.6,
        min_share: float = 0.04,
        min_size: int = 2,
        seed: int = 42,
    ) -> None:
        self.names = names or {}
        self.common_words = common_words
        self.distance = distance
        self.min_share = min_share
        self.min_size = min_size
        self.seed = seed

    def _cluster_models(self, n: int) -> tuple[Any, Any]:
        if n > LARGE:
            _numba_cache()
            from hdbscan import HDBSCAN
            from umap import UMAP

            umap = UMAP(n_neighbors=15, n_components=5, metric="cosine", random_state=self.seed, low_memory=True)
            return umap, HDBSCAN(min_cluster_size=max(10, n // 200), prediction_data=False)
        _bertopic_class()  # bertopic without plotly and transformers, before any of its modules loads
        from bertopic.dimensionality import BaseDimensionalityReduction

        return BaseDimensionalityReduction(), _cosine_agglomerative()(self.distance)

    def fit(
        self,
        touchpoint: str,
        texts: list[str],
        vectors: np.ndarray,
        subs: list[str | None] | None = None,
        confidence: np.ndarray | None = None,
    ) -> list[PainPoint]:
        """Pain points of one touchpoint, largest first; `subs` are the members' sub-touchpoints and
        `confidence` their complaint scores, which rank the quotes along with how central they are. The quotes are
        the clauses whole; the labels and key words read each clause's complaint (`complained_of`)."""
        n = len(texts)
        fragment = np.array([is_fragment(t) for t in texts], dtype=bool)
        texts = complained_of(texts)
        subs = subs or [None] * n
        confidence = np.ones(n) if confidence is None else np.asarray(confidence, dtype=float)
        if n == 0:
            return []
        if n < 3:
            words = self._keywords(texts)
            return [self._point(touchpoint, list(range(n)), texts, fragment, vectors, subs, confidence, words)]
        if n > SAMPLE:
            groups, topic_words = self._fit_sample(texts, vectors)
        else:
            labels, topic_words = self._bertopic(texts, vectors)
            groups = self._merge_small(labels, vectors)
        points = []
        for key, members in groups.items():
            words = topic_words.get(key, []) if key != -1 else self._keywords([texts[i] for i in members])
            point = self._point(touchpoint, members, texts, fragment, vectors, subs, confidence, words)
            if key == -1 and len(groups) > 1 and not point.label.startswith(GENERIC_LABEL):
                point.label = f"Other: {point.label}"  # ("Other: Other issues" read poorly: the label says it)
            points.append(point)
        _disambiguate(points, texts)
        points.sort(key=lambda p: (-p.size, p.label))
        return points

    def _bertopic(self, texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, dict[int, list[tuple[str, float]]]]:
        import warnings

        _numba_cache()  # before umap (the large path) loads its numba functions from the cache
        BERTopic = _bertopic_class()
        umap, cluster = self._cluster_models(len(texts))
        terms = _bertopic_terms(texts)
        if len(terms) < 2:
            # c-TF-IDF needs two terms: stop words only ("Never again.") or text in another script leave it no
            # vocabulary, and with one term BERTopic's idf squeezes to a scalar. Cluster without it; the one term,
            # if any, labels every cluster, else the plain label does (the sub-touchpoint's name, or "Other issues").
            labels = np.asarray(cluster.fit_predict(umap.fit(vectors).transform(vectors)))
            return labels, {k: [(w, 1.0) for w in terms] for k in set(labels.tolist())}
        vectorizer = _vectorizer()
        model = BERTopic(
            umap_model=umap,
            hdbscan_model=cluster,
            vectorizer_model=vectorizer,
            min_topic_size=2,
            top_n_words=10,
            calculate_probabilities=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            topics, _ = model.fit_transform(texts, embeddings=vectors)
        # BERTopic counts a topic whose text it cleaned away entirely as the word "emptydoc": no label
        words = {t: [(w, s) for w, s in model.get_topic(t) or [] if w != EMPTY_DOC] for t in set(topics)}
        return np.asarray(topics), words

    def _fit_sample(self, texts: list[str], vectors: np.ndarray) -> tuple[dict[int, list[int]], dict]:
        """Fit on SAMPLE items drawn with the fixed seed; every other item joins its nearest cluster."""
        rng = np.random.default_rng(self.seed)
        sample = np.sort(rng.choice(len(texts), SAMPLE, replace=False))
        labels, topic_words = self._bertopic([texts[i] for i in sample], vectors[sample])
        local = self._merge_small(labels, vectors[sample])
        keys = sorted(local)
        centroids = np.stack([vectors[sample[local[k]]].mean(axis=0) for k in keys])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        groups = {k: [int(sample[i]) for i in local[k]] for k in keys}
        rest = np.setdiff1d(np.arange(len(texts)), sample)
        for start in range(0, len(rest), 50_000):
            chunk = rest[start : start + 50_000]
            for i, j in zip(chunk, np.argmax(vectors[chunk] @ centroids.T, axis=1), strict=True):
                groups[keys[int(j)]].append(int(i))
        return groups, topic_words

    def _merge_small(self, labels: np.ndarray, vectors: np.ndarray) -> dict[int, list[int]]:
        """Clusters under the minimum size join the nearest large cluster, or an 'other' group (-1)."""
        n = len(labels)
        floor = max(self.min_size, int(round(self.min_share * n)))
        sizes = {k: int((labels == k).sum()) for k in set(labels.tolist())}
        big = [k for k, s in sorted(sizes.items()) if s >= floor and k != -1]
        groups: dict[int, list[int]] = {k: [int(i) for i in np.where(labels == k)[0]] for k in big}
        if not big:
            return {-1: list(range(n))}
        centroids = np.stack([vectors[groups[k]].mean(axis=0) for k in big])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        for i in np.where(~np.isin(labels, big))[0]:
            sims = centroids @ vectors[i]
            j = int(np.argmax(sims))
            target = big[j] if sims[j] >= 1 - self.distance - 0.1 else -1
            groups.setdefault(target, []).append(int(i))
        return groups

    def _keywords(self, texts: list[str]) -> list[tuple[str, float]]:
        try:
            cv = _vectorizer().fit(texts)
        except ValueError:
            return []
        counts = np.asarray(cv.transform(texts).sum(axis=0)).ravel()
        vocab = cv.get_feature_names_out()
        return [(vocab[i], float(counts[i])) for i in np.argsort(-counts)[:10]]

    def _point(
        self,
        touchpoint: str,
        members: list[int],
        texts: list[str],
        fragments: np.ndarray,
        vectors: np.ndarray,
        subs: list[str | None],
        confidence: np.ndarray,
        words: list[tuple[str, float]],
    ) -> PainPoint:
        members = sorted(members)
        centroid = vectors[members].mean(axis=0)
        fragment = fragments[members]
        # Central quotes first, but a borderline complaint makes poor evidence: "the website is way less cluttered
        # now" sits right in the middle of a clutter cluster.
        key = vectors[members] @ centroid + QUOTE_CONFIDENCE * confidence[members]
        sub = dominant([subs[m] for m in members], key=key.tolist())
        # The label names the dominant sub-touchpoint, so its phrase and its first quotes come from the members
        # filed there: a late-delivery cluster holding a few fee complaints was labelled and quoted by the fees.
        fit = {m for m in members if sub is None or subs[m] == sub}
        key = key + SUB_MATCH * np.array([m in fit for m in members])
        fits = [texts[m] for m in members if m in fit]
        name = self.names.get(sub) if sub else None
        shared = supported(words, fits) or supported(words, [texts[m] for m in members])
        if shared:
            words = shared
        else:
            # No key word is shared by two members: the label names what the quote leading the pain point says,
            # rather than a word of another member, which left "Report fault" above "Customer service is a joke".
            lead = phrases(texts[members[_order(key, fragment)[0]]])
            # and where none of the key words is in it, its own words: falling back to every key word labelled a
            # pain point quoting "Useless" by "freezes constantly", one member's words (none: the sub-touchpoint)
            shared = [(w, s) for w, s in words if str(w) in set(lead)] or [(w, 1.0) for w in lead]
        phrase = key_phrase(shared, avoid=name or "", common=self.common_words, texts=fits)
        key = key + PHRASE_MATCH * np.array([phrase in phrases(texts[m]) for m in members])
        reps = [members[i] for i in _order(key, fragment)]
        label = make_label(phrase, name)
        return PainPoint(touchpoint, label, members, [str(w) for w, _ in words if w][:6], reps)


def complained_of(texts: list[str]) -> list[str]:
    """What each clause complains of, for its pain point's label and key words: the complaint alone where the clause
    also says there is none (`complaint_parts`: "Couldn't fault the courier, the pizza was missing a side" -> "the
    pizza was missing a side", as the mapper read it), else the whole clause. "Courier" named that pain point."""
    return [part or text for part, text in zip(complaint_parts(texts), texts, strict=True)]


def _order(key: np.ndarray, fragment: np.ndarray) -> np.ndarray:
    """Positions by `key`, best first, every fragment after every whole clause (docs/guide/report.md, "The table"):
    "Still waiting." tells a reader less than "Worst bit is the hold time." however central it is."""
    return np.lexsort((-key, fragment))


def pick_quotes(order: list[int], of: Callable[[int], tuple[str, str]], n: int = 5) -> list[int]:
    """Up to `n` of the positions in `order` (best first) to quote, `of` giving a position's (text, item): no text
    twice and one clause per feedback item. The report shows each quote within its item, so two clauses of one item
    read as one quote twice ("4G keeps dropping in the house, calls cut off mid sentence." twice)."""
    picked: list[int] = []
    texts: set[str] = set()
    items: set[str] = set()
    for i in order:
        text, item = of(i)
        if text.lower() not in texts and item not in items:
            picked.append(i)
            texts.add(text.lower())
            items.add(item)
            if len(picked) == n:
                break
    return picked


def is_fragment(text: str) -> bool:
    """Whether a clause reads as a fragment out of its item: under five words ("Still waiting."), or cut from the
    middle of a sentence, which its first letter in lower case gives away ("it was about my delivery fee.", "then
    the food was cold."). In a corpus written all in lower case every clause counts as one, so none loses."""
    first = next((c for c in text if c.isalpha()), "")
    return len(text.split()) < 5 or first.islower()


def cosine_distances(vectors: np.ndarray, block: int = 256) -> np.ndarray:
    """The condensed cosine distances between rows (pair i < j, row by row), as scipy's `pdist(metric="cosine")`
    gives them in float64, from matrix products of `block` rows at a time. A zero row is at distance 1 from every
    other (pdist gives NaN there, which linkage refuses)."""
    x = np.asarray(vectors, dtype=np.float64)
    n = len(x)
    norms = np.linalg.norm(x, axis=1)
    x = x / np.where(norms > 0, norms, 1.0)[:, None]
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    at = 0
    for start in range(0, n, block):
        sims = x[start : start + block] @ x.T
        for k, row in enumerate(sims):
            i = start + k
            out[at : at + n - i - 1] = row[i + 1 :]
            at += n - i - 1
    np.subtract(1.0, out, out=out)
    return np.clip(out, 0.0, 2.0, out=out)


@cache
def _cosine_agglomerative() -> type:
    """AgglomerativeClustering (average linkage, cut at `distance_threshold`) on cosine distances from matrix
    products (`cosine_distances`). With metric "cosine" scipy's `pdist` computes each pair in a plain loop: 15.5 of
    the 25 s of clustering all 41,832 airline conversations' complaints, on the one core the analysis has
    (docs/performance.md). The same tree from scipy's `linkage`, cut as sklearn cuts it, so the same clusters
    (tests/test_topics.py compares them), in the memory pdist took."""
    from scipy.cluster.hierarchy import linkage
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.cluster._agglomerative import _hc_cut

    class CosineAgglomerative(AgglomerativeClustering):
        def __init__(self, distance_threshold: float) -> None:
            super().__init__(n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance_threshold)

        def fit(self, X: Any, y: Any = None) -> Any:
            n = len(X)
            tree = linkage(cosine_distances(X), method="average")
            self.children_ = tree[:, :2].astype(int)
            self.distances_ = tree[:, 2]
            self.n_leaves_, self.n_connected_components_ = n, 1
            self.n_clusters_ = int(np.count_nonzero(self.distances_ >= self.distance_threshold)) + 1
            self.labels_ = _hc_cut(self.n_clusters_, self.children_, n)
            return self

    return CosineAgglomerative


def _numba_cache() -> None:
    """UMAP and pynndescent compile with numba (about a minute); a cache folder pays that once per install."""
    import os
    from pathlib import Path

    default = Path.home() / ".cache" / "touchpoint-miner" / "numba"
    os.environ.setdefault("NUMBA_CACHE_DIR", str(default))


@cache
def _bertopic_class() -> Any:
    """BERTopic, imported without its plotting module (plotly, umap, numba) and its transformers representations,
    which the miner never uses: about 2 s of a short run's start-up (docs/lab/startup.md); and without the three
    representative documents it samples and scores per topic after fitting, which the miner never reads either (a
    pain point picks its own quotes, `_point`): with many small topics they were most of a fit's CPU (18.4 of 19 s
    for 4,000 texts in 4,000 topics; a third of clustering at 1M segments, docs/lab/memory.md)."""
    from miner.slim import BERTOPIC_SKIPS, import_without

    base = import_without("bertopic", BERTOPIC_SKIPS).BERTopic

    class Topics(base):  # type: ignore[misc, valid-type]
        def _save_representative_docs(self, documents: Any) -> None:
            self.representative_docs_: dict = {}

    return Topics


def _bertopic_terms(texts: list[str]) -> set[str]:
    """The single words c-TF-IDF will count: BERTopic keeps only A-Z, a-z, 0-9 and spaces of English documents
    before the vectorizer sees them ("<script>" becomes "script", "配達" nothing)."""
    cleaned = (_BERTOPIC_DROPS.sub("", t.replace("\n", " ").replace("\t", " ")) for t in texts)
    return {p for t in cleaned for p in phrases(t) if " " not in p}


def _vectorizer():  # noqa: ANN202 - sklearn type
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer=phrases, min_df=1)


def _disambiguate(points: list[PainPoint], texts: list[str]) -> None:
    """Pain points of one touchpoint that share a label each get the first of their keywords, or else of the words
    their members use most, that the others sharing it lack ("Order placement failures: wrong (address)"); where
    none is left, a number ("Other issues #2": in brackets, beside the complaints `top` prints in brackets, the tester
    read "Other issues (1) (7)" as two counts). A dashboard keys pain points on their labels: two with one label
    read as one."""
    by_label: dict[str, list[PainPoint]] = {}
    for p in points:
        by_label.setdefault(p.label, []).append(p)
    taken = {p.label for p in points}
    for label, same in by_label.items():
        if len(same) < 2:
            continue
        for n, p in enumerate(same, 1):
            others = {w for q in same if q is not p for w in [*q.keywords, *_used_words(q, texts)]}
            fresh = (w for w in [*p.keywords, *_used_words(p, texts)] if w not in others and w not in label.lower())
            extra = next((w for w in fresh if f"{label} ({w})" not in taken), None)
            p.label = f"{label} ({extra})" if extra else f"{label} #{n}"
            taken.add(p.label)


def _used_words(point: PainPoint, texts: list[str]) -> list[str]:
    """The words of a pain point's members, the most used first (ties alphabetical), fillers left out."""
    counts = Counter(w for m in point.members for w in set(phrases(texts[m])) if " " not in w and w not in GENERIC)
    return [w for w, _ in sorted(counts.items(), key=lambda c: (-c[1], c[0]))]
