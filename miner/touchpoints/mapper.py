"""Mappers assign segments to touchpoints by similarity to the taxonomy's examples; found by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from miner.touchpoints.clusters import CLUSTER_SIZE, CLUSTER_WEIGHT
from miner.touchpoints.corpus import CORPUS_MARGIN, CORPUS_WEIGHT, CorpusHead
from miner.touchpoints.labelled import LabelledHead, anchor_rows
from miner.touchpoints.quoted import Quoted
from miner.touchpoints.taxonomy import NONE, Taxonomy

EmbedFn = Callable[[Sequence[str]], np.ndarray]
CONTEXT_WEIGHT = 0.35  # share of a segment's touchpoint scores that comes from its whole item's text
NORMALISE = True  # docs/lab/transfer.md, "Mapping candidates": the measured winners are on
DESCRIPTION_WEIGHT = 0.0
ABSTAIN_QUANTILE = 0.0
CENTRE_WEIGHT = 0.0
NONE_MARGIN = 0.1
# a complaint counts for at most this many touchpoints (its first and a close second, as docs/guide/report.md
# says): a vague clause ("closed the tab and went to a competitor") was within `margin` of six, and counted for all
MOST_TOUCHPOINTS = 2
FALLBACK = "product"  # the touchpoint a complaint that names no process belongs to (the thing itself)
FALLBACK_BIAS = 0.04  # added to its similarity (0: off); docs/lab/fallback.md
SCORE_ROWS = 2_048  # rows `ExampleMapper.score` compares with every example at a time (fastest of 2k-16k)


@dataclass
class Assignment:
    touchpoint: str
    score: float
    subtouchpoint: str | None = None


class Mapper:
    """Base: subclasses fill `scores_`-style matrices in `score`; thresholds and multi-label live here."""

    name = "mapper"

    def __init__(
        self,
        taxonomy: Taxonomy,
        embed: EmbedFn,
        *,
        threshold: float = 0.30,
        margin: float = 0.04,
        context_weight: float = CONTEXT_WEIGHT,
        corpus_weight: float = CORPUS_WEIGHT,
        corpus_margin: float = CORPUS_MARGIN,
        normalise: bool = NORMALISE,
        description_weight: float = DESCRIPTION_WEIGHT,
        second: EmbedFn | None = None,
        abstain_quantile: float = ABSTAIN_QUANTILE,
        centre_weight: float = CENTRE_WEIGHT,
        none_margin: float = NONE_MARGIN,
        cluster_weight: float = CLUSTER_WEIGHT,
        cluster_size: int = CLUSTER_SIZE,
        fallback_bias: float = FALLBACK_BIAS,
    ) -> None:
        self.taxonomy = taxonomy
        self.embed = embed
        self.threshold = threshold
        self.margin = margin
        self.context_weight = context_weight
        self.corpus_weight = corpus_weight
        self.corpus_margin = corpus_margin
        self.normalise = normalise  # read text through `for_mapping` (handles, links, hashtag signs stripped)
        self.description_weight = description_weight  # share of the ranking from the description view
        self.second = second  # the encoder of the description view (None: the mapping encoder's vectors)
        self.abstain_quantile = abstain_quantile  # see `corpus_threshold`
        self.centre_weight = centre_weight  # see `corpus_offsets`
        self.none_margin = none_margin  # `none_examples` must beat the best touchpoint by this much to abstain
        self.cluster_weight = cluster_weight  # see miner/touchpoints/clusters.py (0: off)
        self.cluster_size = cluster_size
        self.fallback_bias = fallback_bias  # see `with_fallback`
        self.labelled = True  # corrections also fit a LabelledHead; off: only the corpus head learns from them
        self.teacher: Any = None  # a stronger reader teaching the corpus head (miner/touchpoints/teacher.py)

    def options(self) -> dict:
        """The transfer options a run records (docs/lab/transfer.md, "Mapping candidates")."""
        return {
            "normalise": self.normalise,
            "description_weight": self.description_weight,
            "description_encoder": "second" if self.second is not None and self.description_weight else "mapping",
            "abstain_quantile": self.abstain_quantile,
            "centre_weight": self.centre_weight,
            "none_margin": self.none_margin,
            **(self._cluster_options() if self.cluster_weight else {}),  # off: as runs recorded before it
            **(self.teacher.options() if self.teacher is not None else {}),
            **({"fallback": FALLBACK, "fallback_bias": self.fallback_bias} if self.fallback_bias else {}),  # likewise
        }

    def _cluster_options(self) -> dict:
        return {"cluster_weight": self.cluster_weight, "cluster_size": self.cluster_size}

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.taxonomy.touchpoints]

    def fit(self) -> Mapper:  # pragma: no cover - interface
        raise NotImplementedError

    def score(self, vectors: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        """(n_segments, n_touchpoints) similarity scores."""
        raise NotImplementedError

    def sub_of(self, vector: np.ndarray, touchpoint: str) -> str | None:
        return None

    def none_scores(self, vectors: np.ndarray) -> np.ndarray | None:
        """Similarity to the taxonomy's `none_examples` (complaints that name no touchpoint), if it has any."""
        return None

    def scores_in_context(
        self,
        vectors: np.ndarray,
        context: np.ndarray | None = None,
        second: tuple[np.ndarray, np.ndarray | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Touchpoint and `none` scores per segment, each blended (by `context_weight`) with the scores of its
        context: the embedding of the whole feedback item the segment came from. A clause such as "it
        stutters on old games" is ambiguous alone; the review it sits in says it is about a laptop.
        `second`: the same segments and contexts on the `second` encoder, for the description view."""
        scores, nones = self.score(vectors), self.none_scores(vectors)
        a = self.context_weight
        if context is not None and a:
            scores = (1 - a) * scores + a * self.score(context)
            context_nones = self.none_scores(context)
            if nones is not None and context_nones is not None:
                nones = (1 - a) * nones + a * context_nones
        if self.description_weight > 0 and hasattr(self, "descriptions_"):
            view = second if second is not None else (vectors, context)
            scores = self.with_descriptions(scores, self.description_scores(*view))
        return self.with_fallback(scores), nones

    def with_fallback(self, scores: np.ndarray) -> np.ndarray:
        """`scores` with `fallback_bias` added to the `FALLBACK` touchpoint's column (when the taxonomy has it): a
        complaint about the thing itself in an industry no example speaks of ("no lights since last night", "4G
        keeps dropping") matches no example well, and the process touchpoints' examples share its generic words
        ("still not working", "any update?"); another touchpoint must then beat the fallback by the bias."""
        if not self.fallback_bias or FALLBACK not in self.ids:
            return scores
        out = scores.astype(np.float32, copy=True)
        out[:, self.ids.index(FALLBACK)] += self.fallback_bias
        return out

    def fit_descriptions(self) -> None:
        """Embed each top-level touchpoint's name and description for the description view (on `second` when
        given): what a touchpoint is about, in general words, against examples written in one industry's nouns."""
        if self.description_weight > 0:
            texts = [f"{t.name}: {t.description}" for t in self.taxonomy.touchpoints]
            self.descriptions_ = (self.second or self.embed)(texts)

    def description_scores(self, vectors: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        """Cosine of each segment (blended with its context as `scores_in_context` does) to each description."""
        d = vectors @ self.descriptions_.T
        if context is not None and self.context_weight:
            d = (1 - self.context_weight) * d + self.context_weight * (context @ self.descriptions_.T)
        return d

    def with_descriptions(self, scores: np.ndarray, descriptions: np.ndarray) -> np.ndarray:
        """The ranking blended with the description view by `description_weight`, each row's best score kept:
        whether a complaint fits at all (the threshold, `none_examples`) is still read from the examples."""
        w = self.description_weight
        blended = (1 - w) * scores + w * descriptions
        return (blended - blended.max(axis=1, keepdims=True) + scores.max(axis=1, keepdims=True)).astype(np.float32)

    def corpus_threshold(self, best: np.ndarray) -> float:
        """The threshold for one corpus: `threshold`, lowered to the `abstain_quantile` of its complaints' best
        scores where that is lower, so a corpus far from the examples' style does not lose its clear complaints
        to `none` wholesale (0: the fixed threshold)."""
        if self.abstain_quantile <= 0 or len(best) == 0:
            return self.threshold
        return min(self.threshold, float(np.quantile(best, self.abstain_quantile)))

    def corpus_head(self) -> CorpusHead | None:
        """A head to learn the corpus's own boundaries from its sure complaints (see `CorpusHead`) and the
        taxonomy's corrections, or None."""
        if self.corpus_weight <= 0:
            return None
        head = CorpusHead(len(self.ids), weight=self.corpus_weight, margin=self.corpus_margin)
        corrections = self.taxonomy.corrections
        if corrections:  # an analyst's: read alone, each its own item; labelled data of the corpus (labelled.py)
            vectors = self.embed([c.text for c in corrections])
            features = CorpusHead.features(vectors, None)
            touchpoints = [self.ids.index(c.touchpoint.split("/")[0]) for c in corrections]
            head.teach(features, touchpoints)
            if self.labelled:
                anchors = anchor_rows(
                    getattr(self, "examples_", None), getattr(self, "owners_", None), set(touchpoints)
                )
                head.labelled = LabelledHead(len(self.ids)).fit(features, touchpoints, self.score(vectors), anchors)
        return head

    def assign(self, vectors: np.ndarray, context: np.ndarray | None = None) -> list[list[Assignment]]:
        """Touchpoints per segment, best first; `[Assignment('none', best)]` when nothing fits. `context`: one
        row per segment, the embedding of the item it came from (see `scores_in_context`). A run also reorders
        them with its corpus head (`choose`'s `adjusted`, miner/pipeline/classify.py)."""
        if len(vectors) == 0:
            return []
        scores, nones = self.scores_in_context(vectors, context)
        return self.choose(scores, nones, vectors)

    def corpus_offsets(self, scores: np.ndarray) -> np.ndarray:
        """What to take off each touchpoint's scores in one corpus: `centre_weight` x how far its mean score over
        the corpus's complaints sits above the mean of all touchpoints. A touchpoint whose examples share the
        corpus's industry nouns (flights, pizzas) scores high on every complaint of it; its lead then comes from
        the nouns, not from what went wrong."""
        means = scores.mean(axis=0)
        return (self.centre_weight * (means - means.mean())).astype(np.float32)

    def choose(
        self,
        scores: np.ndarray,
        nones: np.ndarray | None,
        vectors: np.ndarray | None,
        adjusted: np.ndarray | None = None,
        threshold: float | None = None,
        kept: np.ndarray | None = None,
    ) -> list[list[Assignment]]:
        """The touchpoints each row of `scores` earns: up to MOST_TOUCHPOINTS within `margin` of its best, or `none`
        when the best is under `threshold` or more than `none_margin` below the row's similarity to the taxonomy's
        `none_examples`. `adjusted`: the same scores reordered by a corpus head, which then picks the first
        touchpoint; which others count too is still read from the similarities (the head's probabilities are too
        sharp to leave a runner-up close). `threshold`: the corpus's (`corpus_threshold`), else `threshold`.
        `kept`: rows not to abstain on for a low score (an analyst's corrections claim them, `LabelledHead.sure`);
        one under the threshold gets its first touchpoint alone. Nearer the `none_examples` it abstains all the same.
        Without `vectors` no sub-touchpoint is chosen."""
        threshold = self.threshold if threshold is None else threshold
        if len(scores) == 0:
            return []
        best = scores.max(axis=1)
        abstain = best < threshold
        if kept is not None:
            abstain &= ~kept
        if nones is not None:  # a generic verdict ("Never again.") stays none, whatever a head learnt: the head's
            abstain |= nones > best + self.none_margin  # corrections claimed filler for touchpoints (15 clauses)
        # every touchpoint within `margin` of the best and over the threshold, best first (ties: the taxonomy's order)
        order = np.argsort(-scores, axis=1, kind="stable")
        counts = (scores >= np.maximum(threshold, best - self.margin)[:, None]).sum(axis=1)
        counts = np.minimum(counts, MOST_TOUCHPOINTS)
        firsts = np.argmax(adjusted, axis=1) if adjusted is not None else None
        picks: list[list[int]] = []
        for i in range(len(scores)):
            picked = order[i, : counts[i]].tolist()
            if firsts is not None and not abstain[i]:
                first = int(firsts[i])
                picked = [first, *(j for j in picked if j != first)][:MOST_TOUCHPOINTS]
            elif not picked and not abstain[i]:  # kept under the threshold, with no head to order it: its best
                picked = [int(order[i, 0])]
            picks.append(picked)
        subs = self._subs(vectors, picks, abstain)
        out = []
        for i, picked in enumerate(picks):
            if abstain[i]:
                out.append([Assignment(NONE, float(best[i]))])
                continue
            row = scores[i]
            chosen = [Assignment(self.ids[j], float(row[j]), sub) for j, sub in zip(picked, subs[i], strict=True)]
            if firsts is not None:
                chosen[0].score = float(best[i])  # how well the clause fits the taxonomy, as `adjust` keeps it
            out.append(chosen)
        return out

    def corrected(self, text: str, chosen: list[Assignment], scores: np.ndarray) -> list[Assignment]:
        """`chosen` for a clause the taxonomy files word for word (miner/touchpoints/quoted.py): a correction's
        quote under its touchpoint, a none example under none."""
        if not hasattr(self, "quoted_"):
            self.quoted_ = Quoted(self.taxonomy)
        return self.quoted_.apply(text, chosen, scores) if self.quoted_ else chosen

    def _subs(self, vectors: np.ndarray | None, picks: list[list[int]], skip: np.ndarray) -> list[list[str | None]]:
        """The sub-touchpoint of each picked touchpoint of each row (none without `vectors`, or where `skip`)."""
        out: list[list[str | None]] = [[None] * len(p) for p in picks]
        if vectors is None:
            return out
        pairs = [(i, k, j) for i, p in enumerate(picks) if not skip[i] for k, j in enumerate(p)]
        if pairs:
            rows = np.array([i for i, _, _ in pairs])
            found = self.subs_of(vectors[rows], np.array([j for _, _, j in pairs]))
            for (i, k, _), sub in zip(pairs, found, strict=True):
                out[i][k] = sub
        return out

    def subs_of(self, vectors: np.ndarray, touchpoints: np.ndarray) -> list[str | None]:
        """`sub_of` of each row of `vectors` under the touchpoint (a column of the scores) at the same row."""
        return [self.sub_of(v, self.ids[int(j)]) for v, j in zip(vectors, touchpoints, strict=True)]


class CentroidMapper(Mapper):
    """The naive anchor: cosine to one embedding of each touchpoint's description."""

    name = "centroid"

    def __init__(self, taxonomy: Taxonomy, embed: EmbedFn, **kwargs: Any) -> None:
        kwargs.setdefault("corpus_weight", 0.0)  # the naive anchor stays naive
        kwargs.setdefault("fallback_bias", 0.0)
        super().__init__(taxonomy, embed, **kwargs)

    def fit(self) -> CentroidMapper:
        self.vectors_ = self.embed([f"{t.name}: {t.description}" for t in self.taxonomy.touchpoints])
        self.fit_descriptions()
        return self

    def score(self, vectors: np.ndarray) -> np.ndarray:
        return vectors @ self.vectors_.T


class ExampleMapper(Mapper):
    """Mean of the top-k cosine similarities to each touchpoint's example complaints (children included)."""

    name = "examples"

    def __init__(self, taxonomy: Taxonomy, embed: EmbedFn, *, k: int = 3, **kwargs: Any) -> None:
        super().__init__(taxonomy, embed, **kwargs)
        self.k = k

    def fit(self) -> ExampleMapper:
        texts, owners, subs = [], [], []
        for j, top in enumerate(self.taxonomy.touchpoints):
            for tp in top.walk():
                for example in [tp.description, *tp.examples]:
                    texts.append(example)
                    owners.append(j)
                    subs.append(tp.id if tp.id != top.id else None)
        self.examples_ = self.embed(texts)
        self.owners_ = np.array(owners)
        self.subs_ = subs
        self.child_rows_ = {
            j: np.array([i for i, (o, s) in enumerate(zip(owners, subs, strict=True)) if o == j and s], dtype=int)
            for j in range(len(self.ids))
        }
        none = self.taxonomy.none_examples
        self.none_examples_ = self.embed(none) if none else None
        self.fit_descriptions()
        return self

    def none_scores(self, vectors: np.ndarray) -> np.ndarray | None:
        if self.none_examples_ is None:
            return None
        return top_mean(vectors @ self.none_examples_.T, self.k)

    def score(self, vectors: np.ndarray) -> np.ndarray:
        """Each touchpoint's mean of its `k` nearest examples, `SCORE_ROWS` rows at a time: a row's similarities
        to all 1,700-odd examples are float32, ~170 MB for the complaints of one 50,000-segment chunk and its context
        at once, the largest block of a run's Embedding stage (docs/lab/memory.md); same scores, a third less time."""
        out = np.zeros((len(vectors), len(self.ids)), dtype=np.float32)
        owned = [np.flatnonzero(self.owners_ == j) for j in range(len(self.ids))]
        for start in range(0, len(vectors), SCORE_ROWS):
            sims = vectors[start : start + SCORE_ROWS] @ self.examples_.T
            for j, cols in enumerate(owned):
                out[start : start + SCORE_ROWS, j] = top_mean(sims.take(cols, axis=1), self.k)
        return out

    def subs_of(self, vectors: np.ndarray, touchpoints: np.ndarray) -> list[str | None]:
        """Each complaint's child: the one whose `k` nearest examples are nearest on average, as touchpoints are
        scored (by the one nearest example a late parcel went to "Missing or lost orders" for a noun it shared)."""
        out: list[str | None] = [None] * len(touchpoints)
        for j in np.unique(touchpoints):
            rows = self.child_rows_[int(j)]
            if not len(rows):
                continue
            at = np.flatnonzero(touchpoints == j)
            children = sorted({self.subs_[r] for r in rows}, key=[self.subs_[r] for r in rows].index)
            sims, labels = vectors[at] @ self.examples_[rows].T, np.array([self.subs_[r] for r in rows])
            scores = np.stack([top_mean(sims[:, labels == c], self.k) for c in children], axis=1)
            nearest = np.argmax(scores, axis=1)
            # A touchpoint with one child put it on every complaint ("Fraud blocks: phone line"): the child only
            # where its examples are as near as the parent's own
            own = np.flatnonzero((self.owners_ == j) & np.array([s is None for s in self.subs_]))
            single = len(children) == 1 and len(own)
            near = scores[:, 0] >= top_mean(vectors[at] @ self.examples_[own].T, self.k) if single else None
            for n, (i, c) in enumerate(zip(at, nearest, strict=True)):
                out[i] = children[c] if near is None or near[n] else None
        return out

    def sub_of(self, vector: np.ndarray, touchpoint: str) -> str | None:
        return self.subs_of(vector[None, :], np.array([self.ids.index(touchpoint)]))[0]


def top_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Each row's mean of its `k` largest similarities."""
    return np.sort(sims, axis=1)[:, -min(k, sims.shape[1]) :].mean(axis=1)


MAPPERS: dict[str, type[Mapper]] = {"examples": ExampleMapper, "centroid": CentroidMapper}


def get_mapper(name: str, taxonomy: Taxonomy, embed: EmbedFn, **kwargs: Any) -> Mapper:
    try:
        cls = MAPPERS[name]
    except KeyError:
        raise ValueError(f"unknown mapper '{name}': use one of {', '.join(MAPPERS)}") from None
    return cls(taxonomy, embed, **kwargs)
