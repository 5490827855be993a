"""The complaint detector's heads: one on the main vectors, and an optional second on another encoder's."""

from __future__ import annotations

import numpy as np
import pytest

from miner.complaints import ComplaintDetector
from miner.embed.fake import HashingEmbedder

TEXTS = ["the parcel arrived crushed and late", "thanks, lovely service as always", "charged me twice again"]


def test_second_encoder_gets_its_own_head_and_the_probabilities_are_averaged():
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    single = ComplaintDetector(main.embed).fit()
    second_only = ComplaintDetector(other.embed).fit()
    both = ComplaintDetector(main.embed, second=other.embed, second_weight=0.5).fit()
    vectors = main.embed(TEXTS)
    expected = 0.5 * single.text_scores(vectors) + 0.5 * second_only.text_scores(other.embed(TEXTS))
    assert np.allclose(both.text_scores(vectors, TEXTS), expected)
    assert not np.allclose(both.text_scores(vectors, TEXTS), single.text_scores(vectors))


def test_second_encoder_needs_the_texts():
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    detector = ComplaintDetector(main.embed, second=other.embed).fit()
    with pytest.raises(ValueError, match="texts"):
        detector.scores(main.embed(TEXTS))


def test_rating_still_pulls_towards_complaint_with_two_heads():
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    detector = ComplaintDetector(main.embed, second=other.embed).fit()
    vectors = main.embed(TEXTS)
    text_only = detector.scores(vectors, None, TEXTS)
    low = detector.scores(vectors, [0.0, 0.0, 0.0], TEXTS)
    assert (low > text_only).all()


def test_nearest_seeds_vote_with_their_own_labels():
    from miner.complaints.detector import load_seeds

    embedder = HashingEmbedder(dim=256)
    detector = ComplaintDetector(embedder.embed).fit()
    complaints, other = load_seeds()
    votes = detector.neighbour_vote(embedder.embed([complaints[0], other[0]]))
    assert votes[0] > 0.95 and votes[1] < 0.05
    lr_only = ComplaintDetector(embedder.embed, neighbour_weight=0.0).fit()
    vectors = embedder.embed(TEXTS)
    assert np.allclose(lr_only.text_scores(vectors), lr_only.model_.predict_proba(vectors)[:, 1])
    expected = 0.5 * lr_only.text_scores(vectors) + 0.5 * detector.neighbour_vote(vectors)
    assert np.allclose(detector.text_scores(vectors), expected)


def test_taxonomy_examples_teach_the_head_but_do_not_vote():
    embedder = HashingEmbedder(dim=256)
    extra = ["the widget exploded on the second day", "the widget's hinge snapped off"]
    plain = ComplaintDetector(embedder.embed).fit()
    taught = ComplaintDetector(embedder.embed, extra_complaints=extra, extra_weight=1.0).fit()
    vectors = embedder.embed(extra + TEXTS)
    assert np.allclose(plain.neighbour_vote(vectors), taught.neighbour_vote(vectors))
    assert (taught.model_.predict_proba(vectors[:2])[:, 1] > plain.model_.predict_proba(vectors[:2])[:, 1]).all()


def test_an_analysts_corrections_are_complaints_that_vote():
    """A correction is a complaint of this corpus in its own words: the head learns from it at a seed's weight and
    it votes among the nearest seeds, so the corpus's wording of a complaint the seeds never used ("more cups of
    tea", a wish in a patient survey) is scored as one."""
    embedder = HashingEmbedder(dim=256)
    corrected = ["more cups of tea on the ward please", "fans to keep the ward cooler at night"]
    plain = ComplaintDetector(embedder.embed).fit()
    taught = ComplaintDetector(embedder.embed, corrections=corrected).fit()
    nearby = embedder.embed(["more cups of tea please", "fans to keep us cooler"])
    assert (plain.text_scores(nearby) < 0.5).all()  # the packaged seeds do not read them as complaints
    assert (taught.neighbour_vote(nearby) > plain.neighbour_vote(nearby) + 0.3).all()
    assert (taught.text_scores(nearby) > 0.5).all()
    unrelated = embedder.embed(TEXTS)
    assert np.allclose(taught.neighbour_vote(unrelated), plain.neighbour_vote(unrelated), atol=0.05)


def test_without_corrections_the_detector_is_the_one_fitted_before_them():
    embedder = HashingEmbedder(dim=64)
    vectors = embedder.embed(TEXTS)
    before = ComplaintDetector(embedder.embed, extra_complaints=["the widget snapped"]).fit()
    after = ComplaintDetector(embedder.embed, extra_complaints=["the widget snapped"], corrections=[]).fit()
    assert np.array_equal(before.text_scores(vectors), after.text_scores(vectors))


def test_a_complaint_said_outright_is_one_at_the_corpus_threshold():
    from miner.complaints.phrases import said_outright

    said = ["still waiting for my refund", "I've been on hold for 50 minutes", "no response to three emails",
            "charged me twice for one ticket", "my order never arrived"]  # fmt: skip
    unsaid = ["waiting at gate 5, see you soon", "no problem, thanks", "we still love the lounge", "the hold music"]
    assert said_outright(said).all() and not said_outright(unsaid).any()
    embedder = HashingEmbedder(dim=64)
    detector = ComplaintDetector(embedder.embed).fit()
    texts = [said[0], unsaid[0]]
    low = np.array([0.1, 0.1])
    assert detector.lift(low, texts, 0.4).tolist() == [0.4, 0.1]  # raised to the threshold, not beyond
    assert detector.lift(np.array([0.9, 0.1]), texts, 0.4).tolist() == [0.9, 0.1]  # a higher score is kept
    off = ComplaintDetector(embedder.embed, outright=False).fit()
    assert off.lift(low, texts, 0.4).tolist() == [0.1, 0.1]


def test_a_clause_that_only_hands_over_contact_details_is_no_complaint():
    """A transcript's "my email is <EMAIL>, card <CARD>." sat among complaints and was one 13 times; "card" then named
    a contact centre pain point."""
    from miner.complaints.phrases import said_nothing

    empty = ["my email is <EMAIL>, card <CARD>.", "Reach me on <PHONE> please", "my name is <PERSON>"]
    full = [
        "no email from <EMAIL> yet",
        "my card <CARD> was charged twice",
        "<PERSON> was rude",
        "the card reader broke",
    ]
    assert said_nothing(empty).all() and not said_nothing(full).any()
    # a reference number alone: the batch profile's clauses made 67 of 245 mentions of "(ticket 1002)"
    references = ["(ticket 1002)", "Case 5029.", "Order 1003.", "Account 1076", "Ref: XJ-4471-QZ", "order #A-55821"]
    said = ["Order 1003 never arrived", "ticket 1002 still open", "0/10", "2 hours on hold", "Ticket no. 1002",
            "waited 3 weeks for order 1003", "1 star"]  # fmt: skip
    assert said_nothing(references).all() and not said_nothing(said).any()
    detector = ComplaintDetector(HashingEmbedder(dim=64).embed, outright=False).fit()
    assert detector.lift(np.array([0.9, 0.9]), [empty[0], full[0]], 0.4).tolist() == [0.0, 0.9]


def test_every_no_complaint_phrase_holds_one_of_the_cues_read_first():
    """`said_no_complaint` skips a text holding none of `_CUES` before its regular expressions (10 us a text down to
    2): each phrase the expressions take, in any case, must hold a cue, or the skip would lose it."""
    import itertools

    from miner.complaints.phrases import _CUES, NO_COMPLAINT

    heads = ["no", "zero", "not a single", "not one", "never had any", "didn't have any", "haven't had any",
             "without a", "without any", "nothing to", "nothing at all to", "can't", "couldn't",
             "cannot really"]  # fmt: skip
    words = ["complaints", "complaint", "grumbles", "gripes", "moans", "quibbles", "problems", "problem", "issues",
             "issue", "faults", "fault", "hiccups", "hiccup", "troubles", "trouble", "hitch", "hassle", "complain",
             "grumble", "moan", "fault it"]  # fmt: skip
    taken = 0
    for head, word, case in itertools.product(heads, words, (str.lower, str.upper, str.title)):
        for text in (case(f"{head} {word}"), case(f"{head} {word} about the food"), case(f"{head} {word} at all.")):
            if NO_COMPLAINT.search(text):
                taken += 1
                assert any(cue in text.lower() for cue in _CUES), text
    assert taken > 200  # the phrases were formed as the expressions take them


def test_a_clause_that_says_there_is_no_complaint_is_none():
    """A clause like "Refund arrived within a week, no complaints" was a complaint and named a pain point: the
    complaint words put its vector among the complaints."""
    from miner.complaints.phrases import said_no_complaint

    praise = [
        "Refund arrived within a week, no complaints",
        "No complaints about the food",
        "can’t complain.",
        "Couldn't fault it, the staff were lovely",
        "nothing to complain about.",
        "No issues at all",
        "no problems whatsoever",
        "Not a single problem with the order",
        "never had any issues with them",
    ]
    still = [
        "No complaints about the food but the delivery was 2 hours late",  # spaCy's one clause
        "I have no complaints except the driver was rude",
        "no complaints until the refund",
        "No problem, I'll look into that for you",  # an agent's pleasantry says nothing of the service
        "They said no problems with my account and then nothing happened",
        "Not a single problem was fixed.",
        "no problems with my account were fixed",
        "There is no complaints procedure",
        "I can't complain to anyone, the line is always busy",
        "No complaints, still waiting for my refund",
        "no complaints?",
    ]
    assert said_no_complaint(praise).all()
    assert not said_no_complaint(still).any()
    from miner.segment.rules import RuleSegmenter

    (clauses,) = RuleSegmenter().segment([still[0]])  # the rule segmenter cuts at "but": the complaint stays one
    assert said_no_complaint([c.text for c in clauses]).tolist() == [True, False]
    detector = ComplaintDetector(HashingEmbedder(dim=64).embed).fit()
    assert detector.lift(np.array([0.9, 0.9]), [praise[0], still[0]], 0.4).tolist() == [0.0, 0.9]


# A complaint after the no-complaint phrase in the same clause, and the praise the rule was written for
AFTER_THE_PHRASE = [
    "no complaints, the room was filthy",
    "can't fault the staff, the room was filthy",
    "nothing to complain about with the food, the delivery was 2 hours late",
    "can't fault the driver, my order was wrong",
    "Can't fault the staff. The room was filthy and cold",  # two sentences: spaCy cuts at the full stop
]
PRAISE = [
    "Refund arrived within a week, no complaints",
    "Can't fault them",
    "No problems at all, great service",
    "no issues, quick and friendly",
    "Couldn't fault it, the staff were lovely",
]


def lifted_items(detector: ComplaintDetector, segmenter, threshold: float) -> list[list[float]]:  # noqa: ANN001
    """Each item's spaCy clauses, all scored 0.9, as `lift` leaves them: the rule as the pipeline runs it."""
    items = [[c.text for c in clauses] for clauses in segmenter.segment(AFTER_THE_PHRASE + PRAISE)]
    lifted = detector.lift(np.full(sum(map(len, items)), 0.9), [t for item in items for t in item], threshold)
    bounds = np.cumsum([0] + [len(item) for item in items])
    return [lifted[a:b].tolist() for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def test_a_complaint_after_the_no_complaint_phrase_keeps_its_score(segmenter):
    """A clause like "no complaints, the room was filthy" was dropped with its complaint: the words cannot tell it
    from "can't fault it, the staff were lovely", so the detector reads what follows the phrase, and only that."""
    from miner.complaints.phrases import said_no_complaint, what_follows

    assert said_no_complaint(AFTER_THE_PHRASE[:4]).all()  # the words alone drop them
    assert what_follows(AFTER_THE_PHRASE[2]) == "the delivery was 2 hours late"
    assert what_follows(PRAISE[0]) == "" and what_follows(PRAISE[4]) == "the staff were lovely"
    embedder = HashingEmbedder(dim=64)
    read: list[str] = []

    def embed(texts, progress=None):  # noqa: ANN001, ANN202
        read.extend(texts)
        return embedder.embed(texts)

    detector = ComplaintDetector(embed).fit()
    read.clear()
    items = lifted_items(detector, segmenter, 0.4)
    assert [max(item) for item in items[: len(AFTER_THE_PHRASE)]] == [0.9] * len(AFTER_THE_PHRASE)
    assert items[len(AFTER_THE_PHRASE) :] == [[0.0]] * len(PRAISE)
    # only what follows the phrase in the clauses the words drop is embedded
    assert sorted(read) == sorted(["the room was filthy", "the room was filthy", "the delivery was 2 hours late",
                                   "my order was wrong", "great service", "quick and friendly",
                                   "the staff were lovely"])  # fmt: skip


@pytest.mark.e2e
def test_the_default_detector_keeps_a_complaint_after_the_phrase_and_drops_the_praise(segmenter, tmp_path):
    from miner.eval.run import Evaluator

    detector = Evaluator(cache=tmp_path / "cache.db").detector
    for threshold in (0.25, 0.5):  # a corpus's lowest threshold and the detector's own
        items = lifted_items(detector, segmenter, threshold)  # type: ignore[arg-type]
        assert [max(item) for item in items[: len(AFTER_THE_PHRASE)]] == [0.9] * len(AFTER_THE_PHRASE)
        assert items[len(AFTER_THE_PHRASE) :] == [[0.0]] * len(PRAISE)


def test_the_scorer_reads_the_threshold_before_lifting_and_flags_the_phrase():
    from miner.complaints.cascade import ComplaintScorer

    embedder = HashingEmbedder(dim=64)
    detector = ComplaintDetector(embedder.embed, calibration="fixed", threshold=0.99).fit()
    texts = ["still waiting for the engineer", "lovely weather today"]
    read: list[np.ndarray] = []
    scorer = ComplaintScorer(detector, read_threshold=lambda s: read.append(s) or 0.99)
    scores = scorer.scores(embedder.embed(texts), texts)
    assert scores[0] >= 0.99 > scores[1]  # the phrase is a complaint at the corpus's threshold
    assert read[0][0] < 0.99  # the threshold was read from its own score, not the lifted one


def test_a_head_on_the_first_encoder_reads_the_vectors_it_is_given_not_the_texts():
    """A clause read inside its item (miner/embed/spans.py) has no vector of its own text: the complaint head reads
    the run's vectors of the clauses (`second_from_first`), and the texts are not embedded again."""
    main = HashingEmbedder(dim=64)
    calls: list[int] = []

    def second(texts, progress=None):  # noqa: ANN001, ANN202
        calls.append(len(texts))
        return main.embed(texts)

    detector = ComplaintDetector(main.embed, second=second, second_from_first=lambda v: v).fit()
    fitted = len(calls)
    texts = ["the parcel is late again", "great service"]
    given = detector.text_scores(main.embed(texts), texts)
    other = detector.text_scores(main.embed(["refund never came", "the driver was rude"]), texts)
    assert len(calls) == fitted  # the head read the vectors given, not the texts
    assert not np.allclose(given, other)  # and the scores follow those vectors


# A complaint BEFORE a phrase that names what it is about, and praise before a phrase, bare or naming its subject
BEFORE_THE_PHRASE = [
    "The room was filthy, no complaints about the staff",
    "my order came an hour late, no complaints about the driver",
    "The app crashes every time I log in, no problems with the website",
    "Waited 40 minutes on hold, no complaints about the agent",  # outright: the words alone keep it
    "The parcel arrived damaged, no issues with the courier",
    "They charged me twice this month, no problems with the card itself",
    "The food was cold when it arrived, can't fault the driver",
    "The broadband drops out every evening, no issues with the phone line",
    "The nurse was rude to my mother, no complaints about the doctor",
    "My bill went up by 20 pounds, no problems with the service itself",
    "The delivery was two days late, can't fault the packaging",
    "Water leaked through the ceiling, no complaints about the cleaners",
    "The checkout page kept freezing, no complaints regarding the prices",
    "My refund took six weeks, no gripes with the shop assistant",
    "my order came an hour late, no complaints about the driver though",  # a turn: the words alone keep these
    "app keeps crashing, other than that no issues",
    "The bed was uncomfortable, apart from that no complaints",
]
PRAISE_BEFORE = [
    "Refund arrived within a week, no complaints",  # alone, "Refund arrived within a week" reads as a complaint
    "Refund arrived within a week, no complaints at all",
    "Refund arrived within a week, no issues with it",
    "Quick delivery and friendly driver, no problems",
    "The staff were lovely, no complaints about the stay",
    "Great service from start to finish, no complaints from me",
    "The nurse explained everything clearly, no complaints about the appointment",
    "Booked online and it was easy, no issues with the website",
    "The engineer came on time and fixed it, can't fault him",
    "Food was hot and tasty, can't fault the restaurant",
    "Been with this bank ten years, never had any problems with them",
    "Checked in quickly and the room was spotless, no complaints about the hotel",
    "Parcel came the next day, no issues with the delivery",
    "Easy to set up, no problems with the app",
    "Lovely stay, no complaints",
    "The driver was polite and on time, can't fault the service",
    "Everything went smoothly, no problems with the transfer",
    "Staff were friendly and helpful, no complaints about the wait",
    "Answered my question in two minutes, no complaints with the support team",
    "Been using it for six months, no issues with the battery",
    "Paid by card, no problems with the payment",
    "Arrived early and well packed, can't fault the seller",
]


def test_what_precedes_a_phrase_is_read_only_where_the_phrase_names_what_it_is_about():
    """A bare "no complaints" is a verdict on what precedes it; "no complaints about the staff" says nothing of it."""
    from miner.complaints.phrases import said_no_complaint, what_precedes

    assert what_precedes(BEFORE_THE_PHRASE[0]) == "The room was filthy"
    assert what_precedes(BEFORE_THE_PHRASE[6]) == "The food was cold when it arrived"  # "can't fault the driver"
    assert [what_precedes(t) for t in PRAISE_BEFORE[:4]] == [""] * 4  # bare, or "with it"
    assert what_precedes(PRAISE_BEFORE[8]) == ""  # "can't fault him"
    assert said_no_complaint(BEFORE_THE_PHRASE[:3]).all()  # the words alone drop them

    def complaint(texts: list[str]) -> np.ndarray:  # a reader that knows only the complaints of these two
        return np.array(["filthy" in t or "late" in t for t in texts])

    clauses = [BEFORE_THE_PHRASE[0], BEFORE_THE_PHRASE[1], PRAISE_BEFORE[0].replace("within a week", "late")]
    assert said_no_complaint(clauses, complaint).tolist() == [False, False, True]  # bare: a verdict on the rest


@pytest.mark.e2e
def test_the_default_detector_keeps_a_complaint_before_a_scoped_phrase_and_drops_the_praise(segmenter, tmp_path):
    from miner.eval.run import Evaluator

    detector = Evaluator(cache=tmp_path / "cache.db").detector
    items = [[c.text for c in clauses] for clauses in segmenter.segment(BEFORE_THE_PHRASE + PRAISE_BEFORE)]
    texts = [t for item in items for t in item]
    bounds = np.cumsum([0] + [len(item) for item in items])
    for threshold in (0.25, 0.5):  # a corpus's lowest threshold and the detector's own
        lifted = detector.lift(np.full(len(texts), 0.9), texts, threshold)
        zeroed = [bool((lifted[a:b] == 0).any()) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        assert zeroed == [False] * len(BEFORE_THE_PHRASE) + [True] * len(PRAISE_BEFORE)
