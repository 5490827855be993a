"""The labelled head: an analyst's corrections are labelled data of the corpus, and a complaint goes where its
nearest corrections say, not where the taxonomy's examples lean; without corrections nothing changes."""

import json

import numpy as np
import yaml

from miner.touchpoints.labelled import LabelledHead
from miner.touchpoints.mapper import ExampleMapper
from miner.touchpoints.taxonomy import Correction

# This corpus says "zorblax" for its website and "quimbly" for its bills, and its texts use the words that the
# taxonomy's examples give to the other touchpoint, so the examples alone map them wrong.
CORRECTIONS = [
    ("zorblax the invoice shows the wrong amount", "website"),
    ("zorblax I was charged twice", "website"),
    ("zorblax double charge on my card statement", "website"),
    ("quimbly no phone number anywhere on the website", "billing"),
    ("quimbly could not find the delivery time on the site", "billing"),
    ("quimbly the site crashed at checkout", "billing"),
]
QUERIES = [
    ("zorblax the invoice shows the wrong amount and I was charged twice", "website"),
    ("quimbly the website does not show the delivery charge", "billing"),
]


def _mapper(taxonomy, embedder, corrections=(), labelled=True):
    filed = [Correction(text=t, touchpoint=tp) for t, tp in corrections]
    mapper = ExampleMapper(taxonomy.model_copy(update={"corrections": filed}), embedder.embed)
    mapper.labelled = labelled
    return mapper.fit()


def _top(mapper, texts):
    vectors = mapper.embed(texts)
    scores = mapper.score(vectors)
    head = mapper.corpus_head()
    adjusted = scores if head is None else head.adjust(scores, head.features(vectors, None))
    return [mapper.ids[j] for j in adjusted.argmax(axis=1)], scores, adjusted


def test_corrections_flip_complaints_to_what_their_nearest_corrections_say(mini_taxonomy, fake_embedder):
    texts, truth = zip(*QUERIES, strict=True)
    plain, scores, _ = _top(_mapper(mini_taxonomy, fake_embedder), list(texts))
    assert plain != list(truth)  # the examples alone get them wrong
    taught, _, adjusted = _top(_mapper(mini_taxonomy, fake_embedder, CORRECTIONS), list(texts))
    assert taught == list(truth)
    np.testing.assert_allclose(adjusted.max(1), scores.max(1), atol=1e-6)  # whether it fits at all is unchanged


def test_without_corrections_or_the_labelled_head_nothing_flips(mini_taxonomy, fake_embedder):
    texts, truth = zip(*QUERIES, strict=True)
    off = _mapper(mini_taxonomy, fake_embedder, CORRECTIONS, labelled=False)
    assert off.corpus_head().labelled is None
    none = _mapper(mini_taxonomy, fake_embedder).corpus_head()
    assert none.labelled is None
    vectors = fake_embedder.embed(list(texts))
    scores = _mapper(mini_taxonomy, fake_embedder).score(vectors)
    assert none.adjust(scores, none.features(vectors, None)) is scores  # no head fitted: scores as they were


def test_one_corrected_touchpoint_teaches_no_boundary_and_others_keep_their_similarity():
    head = LabelledHead(3).fit(np.eye(3)[[0, 0]], [1, 1], np.zeros((2, 3)))
    assert not head.fitted
    scores = np.array([[0.5, 0.4, 0.3]], np.float32)
    assert head.adjust(scores, np.eye(3)[:1]) is scores
    two = LabelledHead(3).fit(np.eye(3)[[0, 0, 1, 1]], [0, 0, 1, 1], np.zeros((4, 3)))
    p = two.probabilities(np.eye(3))
    assert two.fitted and np.all(p[:, 2] == 0) and np.allclose(p.sum(1), 1)  # touchpoint 2 was never corrected


def test_the_weight_follows_how_wrong_the_examples_are_on_the_corrections():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    X = np.eye(2)[y] + rng.normal(0, 0.1, (20, 2))
    right = np.eye(2)[y] * 0.2  # the examples already map every correction right
    wrong = np.eye(2)[1 - y] * 1.5  # ... or every one wrong, by far
    assert LabelledHead(2).fit(X, y, right).weight_ < LabelledHead(2).fit(X, y, wrong).weight_


def test_eval_with_a_taxonomys_corrections_scores_differently(tmp_path, data_dir):
    """End to end: `touchpoints eval FILE --taxonomy T` mines with T's corrections (fake embedder, rules)."""
    from miner.eval.run import run_eval

    lines = [
        {"id": f"q{i}", "text": text, "complaint": True, "gold": [gold]} for i, (text, gold) in enumerate(QUERIES * 3)
    ]
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    taxonomy = yaml.safe_load((data_dir / "mini_taxonomy.yaml").read_text())
    plain, corrected = tmp_path / "plain.yaml", tmp_path / "corrected.yaml"
    plain.write_text(yaml.safe_dump(taxonomy))
    taxonomy["corrections"] = [{"text": t, "touchpoint": tp} for t, tp in CORRECTIONS]
    corrected.write_text(yaml.safe_dump(taxonomy))

    def accuracy(path):
        scores = run_eval(items, taxonomy_path=path, embedding_model="fake", segmenter="rules", cache=tmp_path / "c.db")
        return scores.accuracy_at_1

    assert accuracy(corrected) > accuracy(plain)


def test_the_corpus_share_of_each_touchpoint_shifts_balanced_corrections():
    """Ten corrections each of a touchpoint that is 90% of the corpus and one that is 10%: a complaint near the
    middle goes to the common one once the corpus head has counted the corpus."""
    from miner.touchpoints.corpus import CorpusHead

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    X = np.eye(2)[y] + rng.normal(0, 0.3, (20, 2))
    head = CorpusHead(2)
    head.labelled = LabelledHead(2).fit(X, y, np.zeros((20, 2)))
    middle = np.array([[0.35, 0.65]], np.float32)
    assert head.labelled.probabilities(middle).argmax() == 1
    corpus = np.tile([[0.6, 0.5]], (90, 1)).tolist() + np.tile([[0.5, 0.6]], (10, 1)).tolist()
    head.collect(np.array(corpus), None, np.zeros((100, 2)), threshold=0.3)
    head.fit()
    assert head.labelled.probabilities(middle).argmax() == 0


def test_a_run_detects_complaints_worded_like_its_corrections(mini_taxonomy, fake_embedder, tmp_path):
    """Corrections are complaints of this corpus: the run's detector learns them too, so a complaint in the
    corpus's own words, far from every packaged seed, is scored higher once its like has been filed."""
    from miner.embed import EmbeddingCache
    from miner.pipeline.classify import fit_detector
    from miner.store import open_db

    cache = EmbeddingCache(fake_embedder, open_db(tmp_path / "d.db"))
    filed = [Correction(text=t, touchpoint=tp) for t, tp in CORRECTIONS]
    plain = fit_detector(cache, None, mini_taxonomy)
    taught = fit_detector(cache, None, mini_taxonomy.model_copy(update={"corrections": filed}))
    texts = [t for t, _ in QUERIES]
    vectors = cache.embed(texts)
    assert (taught.text_scores(vectors) > plain.text_scores(vectors) + 0.1).all()


def test_a_touchpoint_corrected_once_does_not_switch_the_head_off():
    rng = np.random.default_rng(0)
    y = np.r_[np.repeat([0, 1], 10), 2]  # touchpoint 2 has one correction: it cannot be held out
    X = np.eye(3)[y] + rng.normal(0, 0.1, (21, 3))
    wrong = np.eye(3)[(y + 1) % 3] * 1.5  # the examples map every correction wrong, by far
    head = LabelledHead(3).fit(X, y, wrong)
    assert head.weight_ > 0  # was 0: one fold count of 1 made the cross-validation give up
    assert head.weight_ == LabelledHead(3).fit(X[:20], y[:20], wrong[:20]).weight_  # the singleton is never scored
    assert head.probabilities(np.eye(3)[2:]).argmax() == 2  # ... but it teaches
    alone = LabelledHead(3).fit(np.eye(3)[[0, 1, 2]], [0, 1, 2], np.zeros((3, 3)))
    assert alone.fitted and alone.weight_ == 0.0  # nothing can be held out: the smallest weight, as before


def test_a_complaint_the_corrections_claim_is_not_left_to_none(mini_taxonomy, fake_embedder):
    """Where the examples fit a complaint too little to map it (under the threshold), the analyst's corrections
    still claim it when their head is sure and trusted; without that the mapper abstains as before."""
    texts, truth = zip(*QUERIES, strict=True)
    mapper = _mapper(mini_taxonomy, fake_embedder, CORRECTIONS)
    vectors = mapper.embed(list(texts))
    scores, head = mapper.score(vectors), mapper.corpus_head()
    features = head.features(vectors, None)
    sure = head.labelled.sure(features)
    assert sure.all()
    adjusted = head.adjust(scores, features)
    over = float(scores.max()) + 0.1  # a threshold every query is under
    assert [a[0].touchpoint for a in mapper.choose(scores, None, None, adjusted, over)] == ["none", "none"]
    kept = mapper.choose(scores, None, None, adjusted, over, kept=sure)
    assert [[a.touchpoint for a in row] for row in kept] == [[t] for t in truth]  # its corrected touchpoint alone
    unordered = mapper.choose(scores, None, None, None, over, kept=sure)  # no head's order: each its best similarity
    assert [row[0].touchpoint for row in unordered] == [mapper.ids[j] for j in scores.argmax(axis=1)]
    # a clause nearer the none_examples than any touchpoint stays none, however sure the head: corrections had
    # claimed "Never again." and "Not impressed." for touchpoints
    generic = scores.max(axis=1) + mapper.none_margin + 0.01
    assert [a[0].touchpoint for a in mapper.choose(scores, generic, None, adjusted, over, kept=sure)] == ["none"] * 2
    head.labelled.weight_ = 0.0  # a head the cross-validation did not trust claims nothing
    assert not head.labelled.sure(features).any()


def test_a_run_maps_what_the_corrections_claim_under_the_threshold(db, mini_taxonomy, fake_embedder, segmenter):
    from miner.embed import EmbeddingCache
    from miner.pipeline import Encoders, Pipeline
    from miner.pipeline.classify import fit_detector, fit_mapper

    corrections = [Correction(text=t, touchpoint=tp) for t, tp in CORRECTIONS]
    filed = mini_taxonomy.model_copy(update={"corrections": corrections})
    segments = [{"id": i, "document_id": str(i), "text": t, "rating": 1} for i, (t, _) in enumerate(QUERIES)]

    def tops(labelled: bool) -> list[str]:
        cache = EmbeddingCache(fake_embedder, db)
        detector, mapper = fit_detector(cache, None, filed), fit_mapper(cache, filed, "examples")
        detector.threshold = 0.0  # every query a complaint
        mapper.threshold, mapper.labelled = 0.99, labelled  # the examples fit no query
        pipeline = Pipeline(db, Encoders(fake_embedder), filed, segmenter, detector=detector, mapper=mapper)
        result, _ = pipeline.classify(segments)
        assert result.complaints == len(segments)
        return [row[3] for row in result.segment_rows]

    assert tops(labelled=False) == ["none", "none"]
    assert tops(labelled=True) == [tp for _, tp in QUERIES]


def test_touchpoints_nobody_corrected_keep_their_complaints():
    """The head knew only the corrected touchpoints, and its weight was chosen on corrections alone, so every
    complaint got a bonus towards a corrected one: with 57 corrections and none under contact_center, a telecom
    corpus's contact-centre complaints fell from 22 to 5. A few examples of each uncorrected touchpoint now teach it."""
    from miner.touchpoints.labelled import anchor_rows

    rng = np.random.default_rng(0)
    centres = np.eye(3, dtype=np.float32) * 2
    y = np.repeat([0, 1], 6)  # corrections under touchpoints 0 and 1 only
    X = centres[y] + rng.normal(0, 0.3, (12, 3)).astype(np.float32)
    scores = np.eye(3, dtype=np.float32)[1 - y] * 0.2 + 0.4  # the examples map this corpus's wording wrong
    examples = centres[[0, 1, 2, 2, 2]] + rng.normal(0, 0.3, (5, 3)).astype(np.float32)
    owners = np.array([0, 1, 2, 2, 2])
    features, labels = anchor_rows(examples, owners, corrected={0, 1})
    assert labels.tolist() == [2, 2, 2] and features.shape == (3, 6)
    query = np.hstack([centres[[2]], centres[[2]]])  # a complaint about touchpoint 2, whose similarity is 2's
    query_scores = np.array([[0.45, 0.45, 0.5]], np.float32)
    X2, anchors = np.hstack([X, X]), (features, labels)
    blind, taught = LabelledHead(3).fit(X2, y, scores), LabelledHead(3).fit(X2, y, scores, anchors)
    assert blind.weight_ > 0 and taught.weight_ > 0
    assert blind.adjust(query_scores, query).argmax() != 2  # handed to a corrected touchpoint
    assert taught.adjust(query_scores, query).argmax() == 2
    assert set(taught.classes_.tolist()) == {0, 1, 2}


def test_a_mapper_anchors_the_touchpoints_its_corrections_leave_out(mini_taxonomy, fake_embedder):
    mapper = _mapper(mini_taxonomy, fake_embedder, CORRECTIONS)
    head = mapper.corpus_head()
    assert head is not None and head.labelled is not None and head.labelled.fitted
    corrected = {mapper.ids.index(tp) for _, tp in CORRECTIONS}
    assert corrected < set(head.labelled.classes_.tolist()) == set(range(len(mapper.ids)))


def test_a_clause_quoting_a_none_example_is_filed_under_none(db, mini_taxonomy, fake_embedder, segmenter):
    """An analyst put "I expected better from an insurer." in none_examples after `taxonomy review` listed it, as
    the review's error for a correction under none tells them to; read inside its items the clause stayed under
    claims in 13 of 13, and the review listed it again. A clause quoting a none example word for word (any case,
    the punctuation around it aside) is now filed under none, and the review leaves it out."""
    from miner.embed import EmbeddingCache
    from miner.pipeline import Encoders, Pipeline
    from miner.pipeline.classify import fit_detector, fit_mapper

    filler = "I expected better from an insurer"
    texts = [f"{filler}.", "the invoice shows the wrong amount", "i EXPECTED better from an insurer!"]
    segments = [{"id": i, "document_id": str(i), "text": t, "rating": 1} for i, t in enumerate(texts)]

    def tops(taxonomy) -> list[str]:
        cache = EmbeddingCache(fake_embedder, db)
        detector, mapper = fit_detector(cache, None, taxonomy), fit_mapper(cache, taxonomy, "examples")
        detector.threshold, mapper.threshold = 0.0, 0.0  # every text a complaint, filed under a touchpoint
        mapper.none_margin = 9.0  # as inside an item whose topic outweighs the none examples: none never wins
        pipeline = Pipeline(db, Encoders(fake_embedder), taxonomy, segmenter, detector=detector, mapper=mapper)
        result, _ = pipeline.classify(segments)
        return [row[3] for row in result.segment_rows]

    before = tops(mini_taxonomy)
    assert before[0] != "none" and before[2] != "none"
    filed = mini_taxonomy.model_copy(update={"none_examples": [*mini_taxonomy.none_examples, filler]})
    after = tops(filed)
    assert after[0] == after[2] == "none" and after[1] == before[1]
    # a correction of the same quote wins: the analyst filed it on purpose
    corrected = filed.model_copy(update={"corrections": [Correction(text=filler, touchpoint="billing")]})
    assert tops(corrected)[0] == "billing"
