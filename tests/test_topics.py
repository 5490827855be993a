"""Pain points: quotes (central ones first, unless they are borderline complaints) and labels."""

from __future__ import annotations

import json

import numpy as np

from miner.topics.clusterer import PainPointModel, is_fragment
from miner.topics.labels import phrases, supported

TEXTS = [
    "the website is way less cluttered now",  # praise of a fix, read as a borderline complaint
    "the website is so cluttered i can't find the menu",
    "your website is cluttered and confusing to use",
    "far too much clutter on the website home page",
]


def _vectors() -> np.ndarray:
    """Unit vectors within 15 degrees of each other; the first is the most central."""
    angles = np.radians([0.0, -12.0, 12.0, 15.0])
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def test_most_central_quote_leads_when_every_complaint_is_as_sure():
    (point,) = PainPointModel().fit("website", TEXTS, _vectors())
    assert point.size == 4
    assert point.representatives[0] == 0


def test_borderline_complaint_is_not_the_first_quote():
    confidence = np.array([0.55, 0.95, 0.9, 0.92])
    (point,) = PainPointModel().fit("website", TEXTS, _vectors(), confidence=confidence)
    assert point.representatives[0] != 0
    assert sorted(point.representatives) == [0, 1, 2, 3]  # still a member, only quoted later


def test_phrases_are_of_neighbouring_words_only():
    found = phrases("I spoke to the lady on the phone: no phone number, no delivery fee shown")
    assert "phone number" in found and "delivery fee" in found
    assert "lady phone" not in found  # "the lady on the phone" is no phrase once "on the" is dropped
    assert "spoke" in found and "the" not in found and "no" not in found
    assert "basically" not in phrases("the staff basically ignored us")  # a filler names nothing that went wrong


def test_a_label_word_must_come_from_several_members():
    texts = ["no phone number on the site"] * 3 + ["cannot find an address"] * 2 + ["a garden gnome said hello"] * 15
    words = [("garden gnome", 9.0), ("phone number", 5.0), ("address", 3.0), ("hello", 2.0)]
    kept = [w for w, _ in supported(words, texts)]
    assert kept == ["garden gnome", "phone number", "address", "hello"]  # 5% of 20 members: 2 texts are enough
    kept = [w for w, _ in supported([("one off", 9.0), *words], ["one off mention", *texts])]
    assert "one off" not in kept  # a phrase from one complaint names nothing


def test_label_and_first_quote_come_from_the_members_filed_under_the_labels_sub_touchpoint():
    texts = [
        "hidden delivery charge and a delivery charge again, delivery charge everywhere",  # the most central
        "surprise delivery charge at the end",
        "the tracker said arriving now for 35 minutes",
        "tracker stuck on arriving for an hour",
        "the driver was late and the tracker kept saying arriving",
        "arriving in 2 mins said the tracker, for 25 minutes",
    ]
    subs = ["pricing/fees", "pricing/fees", "delivery/late", "delivery/late", "delivery/late", "delivery/late"]
    angles = np.radians([0.0, 3.0, -8.0, 9.0, -10.0, 11.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    names = {"delivery/late": "Late delivery", "pricing/fees": "Hidden fees"}
    (point,) = PainPointModel(names=names).fit("delivery", texts, vectors, subs=subs)
    assert point.label.startswith("Late delivery: ")
    assert "charge" not in point.label  # the phrase of two fee complaints does not name a late-delivery point
    assert subs[point.representatives[0]] == "delivery/late"


def test_pain_points_from_another_space_are_removed_and_their_ids_not_reused():
    from miner.topics.stable import match_ids

    previous = {"website-01": np.ones(4), "website-02": -np.ones(4)}  # 4 dimensions: another encoder's centroids
    ids, changes = match_ids("website", np.ones((2, 8)), previous, comparable=False)
    assert ids == ["website-03", "website-04"]
    assert sorted((c.old_id, c.change) for c in changes if c.change == "removed") == [
        ("website-01", "removed"),
        ("website-02", "removed"),
    ]


def test_bertopic_without_representative_documents_finds_the_same_topics_and_words(monkeypatch):
    """The pain-point model's BERTopic skips the representative documents it never reads; its topics and words
    are stock BERTopic's on the same texts and vectors."""
    from miner.slim import BERTOPIC_SKIPS, import_without
    from miner.topics import clusterer

    rng = np.random.default_rng(3)
    themes = ["refund never arrived", "driver was rude", "website hides the delivery charge", "app keeps crashing"]
    texts = [f"{themes[i % 4]} again {w}" for i, w in enumerate(rng.integers(0, 50, 40))]
    centres = rng.standard_normal((4, 16))
    vectors = (centres[np.arange(40) % 4] + 0.05 * rng.standard_normal((40, 16))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    model = PainPointModel()
    slim = model._bertopic(texts, vectors)
    stock = import_without("bertopic", BERTOPIC_SKIPS).BERTopic
    assert clusterer._bertopic_class() is not stock
    monkeypatch.setattr(clusterer, "_bertopic_class", lambda: stock)
    full = model._bertopic(texts, vectors)
    assert slim[0].tolist() == full[0].tolist()
    assert slim[1] == full[1]
    assert len(set(slim[0].tolist())) >= 4


def test_cosine_distances_from_one_product_give_the_clusters_pdist_gives():
    """The agglomerative model reads cosine distances from matrix products instead of scipy's pairwise loop: the
    same tree, so the same clusters, on clustered and on uniform data, at the shipped distance and others."""
    from scipy.spatial.distance import pdist
    from sklearn.cluster import AgglomerativeClustering

    from miner.topics.clusterer import _cosine_agglomerative, cosine_distances

    rng = np.random.default_rng(3)
    centres = rng.standard_normal((12, 48))
    clustered = np.repeat(centres, 40, axis=0) + 0.4 * rng.standard_normal((480, 48))
    for X in (clustered.astype(np.float32), rng.standard_normal((300, 48)).astype(np.float32)):
        np.testing.assert_allclose(cosine_distances(X, block=64), pdist(X, "cosine"), atol=1e-9)
        for distance in (0.3, 0.6, 0.9):
            old = AgglomerativeClustering(None, metric="cosine", linkage="average", distance_threshold=distance)
            new = _cosine_agglomerative()(distance).fit(X)
            assert np.array_equal(old.fit(X).labels_, new.labels_) and new.n_clusters_ == old.n_clusters_
    assert PainPointModel()._cluster_models(100)[1].__class__.__name__ == "CosineAgglomerative"


def test_a_zero_vector_is_far_from_everything_instead_of_breaking_the_tree():
    from miner.topics.clusterer import cosine_distances

    d = cosine_distances(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.1]]))  # pairs (0,1), (0,2), (1,2)
    assert d[0] == d[1] == 1.0 and d[2] < 0.01


def test_a_clause_cut_from_mid_sentence_is_not_the_first_quote():
    texts = [
        "it was about my delivery fee.",  # the most central, but cut from "I called, it was about my delivery fee."
        "The delivery fee only showed up on the payment page",
        "Nobody told me about the delivery fee until checkout",
    ]
    angles = np.radians([0.0, -10.0, 10.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    (point,) = PainPointModel().fit("website", texts, vectors)
    assert point.representatives[0] != 0
    assert is_fragment(texts[0]) and not is_fragment(texts[1])
    assert is_fragment("Still waiting.")  # under five words
    assert not is_fragment("“Waited 38 minutes for a cold pizza")  # a quotation mark is no letter


def test_contractions_are_no_key_words_split_or_joined():
    """ "couldn't" split at its apostrophe left "couldn" and "isn" as key words ("Clearly isn", "couldn read"), and
    BERTopic hands its vectorizer "youre" for "you're"; a possessive keeps its noun, a placeholder is no word."""
    found = phrases("Mine couldn't read the driver’s map, it isn't clear. Whatever youre doing, <PERSON> havent")
    assert {"read", "driver", "map", "driver map", "clear"} <= set(found)
    assert not {"couldn", "isn", "youre", "havent", "person", "doing youre"} & set(found)
    texts = ["I couldn't log in, it isn't working", "couldn't log in again, wasn't fixed", "they won't let me log in"]
    vectors = np.stack([np.cos(np.radians([0, 5, 10])), np.sin(np.radians([0, 5, 10]))], axis=1)
    (point,) = PainPointModel().fit("account", texts, vectors.astype(np.float32))
    fragments = {"couldn", "isn", "wasn", "won", "couldnt", "isnt", "wasnt", "wont"}
    assert point.keywords and not {w for k in point.keywords for w in k.split()} & fragments
    assert not set(point.label.lower().split()) & fragments


def test_two_strong_words_used_together_make_the_label_rather_than_one():
    from miner.topics.labels import key_phrase

    texts = ["Broadband outage again this evening", "another broadband outage all weekend", "down every evening"]
    words = [("evening", 1.0), ("broadband", 0.9), ("outage", 0.8), ("weekend", 0.3)]
    assert key_phrase(words, texts=texts) == "broadband outage"
    assert key_phrase(words, texts=texts[:1] + texts[2:]) == "evening"  # a pair one complaint uses names no group


def test_without_a_shared_word_the_label_comes_from_the_quote_shown():
    texts = [
        "Customer service is a joke, they read from a script and hang up.",
        "Queued for 50 minutes just to report a fault.",
        "Call centre queues are ridiculous, an hour every time I call.",
    ]
    angles = np.radians([0.0, -10.0, 10.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    confidence = np.array([0.95, 0.6, 0.6])
    (point,) = PainPointModel(distance=2.0).fit("contact_center", texts, vectors, confidence=confidence)
    assert point.representatives[0] == 0
    assert point.label.lower() in phrases(texts[0]), point.label


def test_a_fragment_is_quoted_after_every_whole_clause():
    texts = ["Still waiting.", "Worst bit is the hold time on the phone.", "The hold music went on for an hour."]
    angles = np.radians([0.0, -14.0, 14.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    confidence = np.array([0.99, 0.5, 0.5])  # the fragment is the most central and the surest complaint
    (point,) = PainPointModel(distance=2.0).fit("contact_center", texts, vectors, confidence=confidence)
    assert point.representatives[-1] == 0


def test_pain_points_of_one_touchpoint_never_share_a_label():
    from miner.topics.clusterer import PainPoint, _disambiguate

    texts = ["wrong address on the order", "driver went to the wrong address", "wrong order arrived", "wrong pizza"]
    points = [PainPoint("checkout", "Failures: wrong", [0, 1], ["wrong"]),
              PainPoint("checkout", "Failures: wrong", [2, 3], ["wrong"]),
              PainPoint("checkout", "Failures: wrong (address)", [], [])]  # fmt: skip
    _disambiguate(points, texts)
    labels = [p.label for p in points]
    assert len(set(labels)) == 3, labels
    assert labels[:2] == ["Failures: wrong (driver)", "Failures: wrong (arrived)"]  # "address" is taken


def test_pain_points_with_no_word_to_tell_them_apart_are_numbered_not_counted():
    """Two clusters of wordless complaints ("Never again", "Awful") were "Other issues (1)" and "Other issues (2)",
    which `top` printed "Other issues (1) (7)": a label that reads as two counts."""
    from miner.topics.clusterer import PainPoint, _disambiguate

    texts = ["Never again", "Awful", "Never again.", "Awful!"]
    points = [PainPoint("none", "Other issues", [0, 1], []), PainPoint("none", "Other issues", [2, 3], [])]
    _disambiguate(points, texts)
    assert [p.label for p in points] == ["Other issues #1", "Other issues #2"]


def test_a_pain_point_quotes_one_clause_per_item():
    from miner.pipeline.analyze import _pain_row
    from miner.topics.clusterer import PainPoint

    clauses = [("a", "4G keeps dropping in the house"), ("a", "calls cut off mid sentence."),
               ("b", "Call centre queues are ridiculous"), ("c", "calls cut off mid sentence."),
               ("c", "No signal.")]  # fmt: skip
    seg = [{"id": 10 + i, "document_id": d, "text": t} for i, (d, t) in enumerate(clauses)]
    point = PainPoint("product", "Dropping", [0, 1, 2, 3, 4], [], representatives=[0, 1, 3, 2, 4])
    row = _pain_row("product-01", "product", point, seg, np.ones(2, np.float32))
    assert json.loads(row["representatives"]) == [10, 13, 12]  # each item's second clause left out


def test_feelings_name_no_pain_point():
    """The demo's "Food & drink quality (annoyed)" and "(complain)" told two pain points apart by how their customers
    felt, and "disappointing curry" was a key phrase: what the customer feels is no word for what went wrong."""
    from miner.topics.clusterer import PainPoint, _disambiguate

    assert phrases("so annoyed and disappointed, a disappointing curry, I complained") == ["curry"]
    texts = ["annoyed, the food was cold", "annoyed: cold food again", "I complained, the rice was salty",
             "complained twice, salty rice"]  # fmt: skip
    points = [PainPoint("product", "Food quality", [0, 1], ["food"]), PainPoint("product", "Food quality", [2, 3], [])]
    _disambiguate(points, texts)
    assert [p.label for p in points] == ["Food quality (cold)", "Food quality (rice)"]


def test_units_of_time_name_nothing():
    """'Late delivery: hr' said nothing a reader could act on, as 'minutes' and 'hours' already did not."""
    from miner.topics.labels import phrases

    assert not {"hr", "hrs", "min"} & set(phrases("waited 2 hrs, then 1 hr more and 40 min on hold"))


def test_a_corpus_wide_word_names_the_pain_point_that_concentrates_it():
    """The telco tester's outage cluster was 'Lost' (10% of its complaints say it): internet, broadband and outage
    were each in 3% of the corpus's segments, so all were dropped as 'common', a rule meant for a brand's name."""
    from miner.topics.labels import key_phrase

    words = [("internet", 0.9), ("lost", 0.5)]
    texts = ["internet down again", "no internet all weekend", "lost a client call", "the internet is dead"]
    assert key_phrase(words, common={"internet": 0.05}, texts=texts) == "internet"  # 75% of members, 15x the corpus
    assert key_phrase(words, common={"internet": 0.30}, texts=texts) == "lost"  # the corpus's word all along
    assert key_phrase(words, common={"internet"}, texts=texts) == "lost"  # a set has no rates: never lifted


def test_a_tie_between_sub_touchpoints_goes_to_the_more_central_members():
    """A cut-off-calls pain point, 14 clauses under disconnects and 14 under IVR, was labelled IVR: its first clause."""
    from miner.topics.labels import dominant

    subs = ["cc/ivr", "cc/disconnects", "cc/ivr", "cc/disconnects", "cc/callback"]
    key = [0.2, 0.9, 0.3, 0.8, 0.5]
    assert dominant(subs, key=key) == "cc/disconnects" and dominant(subs) == "cc/ivr"  # without keys: first met
    assert dominant(["a", "b", None, None, None, None, None, None], share=0.3) is None


def test_a_word_one_member_says_never_labels_a_pain_point_of_unrelated_complaints():
    """'Poor quality & fit: freezes constantly (8)' quoted "Useless": one of its 8 members mentioned freezing."""
    froze = "Reinstalled twice, froze constantly afterwards, froze constantly again"
    texts = ["Utterly pointless.", "Zero transparency about anything.", froze, "I didn't want it at all."]
    angles = np.radians([0.0, -10.0, 10.0, 5.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    (point,) = PainPointModel(distance=2.0).fit("product", texts, vectors, confidence=np.array([0.95, 0.6, 0.6, 0.6]))
    lead = texts[point.representatives[0]]
    assert "froze" not in point.label.lower() and (point.label == "Other issues" or point.label.lower() in lead.lower())


def test_the_leftover_group_of_nothing_nameable_is_not_other_other_issues():
    """The complaints that join no cluster, with no word to name them, were labelled "Other: Other issues"."""
    import numpy as np

    from miner.topics.clusterer import PainPointModel

    rng = np.random.default_rng(0)
    axes = np.eye(64)
    vectors = [axes[0] + 0.01 * rng.normal(size=64) for _ in range(15)]
    vectors += [axes[1] + 0.01 * rng.normal(size=64) for _ in range(12)]
    vectors += [axes[10 + k] for k in range(3)]  # each alone, near no cluster: the leftover group
    texts = ["the delivery was late again"] * 15 + ["charged twice for the order"] * 12
    texts += ["it is what it is", "so it was", "and that was that"]  # stop words: nothing to name them by
    matrix = np.array(vectors, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    labels = [p.label for p in PainPointModel().fit("none", texts, matrix)]
    assert "Other issues" in labels and not any(label.startswith("Other: Other") for label in labels), labels


def test_a_clause_that_also_says_there_is_no_complaint_is_labelled_by_its_complaint_and_quoted_whole():
    """A clause mapped on its complaint alone ("Couldn't fault the courier, the pizza was missing a side"): its
    praise words labelled its pain point "Food & drink quality: courier". The quote stays the clause as written:
    read as its complaint alone ("the pizza was...") it would count as a fragment, quoted after the one below."""
    texts = [
        "the pizza was burnt again",  # a fragment, the most central
        "Couldn't fault the courier, the pizza was missing a side.",
        "Can't fault the courier, the burger was cold.",
        "Couldn't fault the courier, my fries were soggy.",
        "No complaints about the courier, the pizza was burnt.",
    ]
    angles = np.radians([0.0, 4.0, -10.0, 10.0, -4.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    model = PainPointModel(names={"food_quality": "Food & drink quality"}, distance=2.0)
    (point,) = model.fit("food", texts, vectors, subs=["food_quality"] * 5)
    assert point.label == "Food & drink quality: pizza", point.label
    assert not {"courier", "fault"} & {w for k in point.keywords for w in k.split()}, point.keywords
    assert point.representatives[0] == 1 and point.representatives[-1] == 0, point.representatives
