"""Mapping options for transfer (issue 18): reading text without handles, the description view, abstention
calibrated per corpus, and the taxonomy check for words concentrated in one touchpoint's examples."""

import numpy as np
import pytest

from miner.touchpoints.mapper import MOST_TOUCHPOINTS, get_mapper
from miner.touchpoints.normalise import for_mapping


def test_for_mapping_strips_addressing_and_markup_but_keeps_the_words():
    assert for_mapping("@AcmeAir my flight was cancelled #fail http://t.co/x1") == "my flight was cancelled fail"
    assert for_mapping("write to help@acme.example or www.acme.example/help now") == "write to or now"
    assert for_mapping("thanks @bob_2, #1 service") == "thanks , 1 service"
    assert for_mapping("@acme @support") == "@acme @support"  # nothing left: the text as it was
    assert for_mapping("two@ 5 each") == "two@ 5 each"
    # whitespace and dangling punctuation are tidied even where nothing else is stripped (the fast path's edges)
    assert for_mapping("late\tagain") == for_mapping("late\u00a0again") == for_mapping("late  again") == "late again"
    assert for_mapping(" - late again ") == "late again"
    assert for_mapping("WWW.acme.example late") == for_mapping("HTTPS://acme.example late") == "late"
    assert for_mapping("late again") == "late again" and for_mapping("...") == "..."


def _classify(db, taxonomy, embedder, segmenter, segments, **options):
    from miner.embed import EmbeddingCache
    from miner.pipeline import Encoders, Pipeline

    mapper = get_mapper("examples", taxonomy, EmbeddingCache(embedder, db).embed, threshold=0.0, **options).fit()
    pipeline = Pipeline(db, Encoders(embedder), taxonomy, segmenter, mapper=mapper)
    scores = pipeline.touchpoint_scores(segments, np.arange(len(segments)), None)  # as `classify` maps them
    return {s["id"]: mapper.ids[int(row.argmax())] for s, row in zip(segments, scores, strict=True)}


def test_a_normalising_mapper_does_not_read_the_handle(db, mini_taxonomy, fake_embedder, segmenter):
    # the handle's words are the website's examples' words; the complaint is about a charge
    text = "@website_delivery_charge_site_phone_number_time charged twice"
    segments = [{"id": 1, "document_id": "a", "text": text, "rating": 1}]
    plain = _classify(db, mini_taxonomy, fake_embedder, segmenter, segments, normalise=False)
    normalised = _classify(db, mini_taxonomy, fake_embedder, segmenter, segments)  # the default
    assert plain == {1: "website"} and normalised == {1: "billing"}


def test_the_description_view_reorders_but_keeps_each_rows_best_score(mini_taxonomy, fake_embedder):
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed, description_weight=0.5).fit()
    scores = np.array([[0.6, 0.5, 0.1]], np.float32)
    descriptions = np.array([[0.0, 0.4, 0.0]], np.float32)
    out = mapper.with_descriptions(scores, descriptions)
    assert out.max() == pytest.approx(0.6) and out.argmax() == 1  # (0.3, 0.45, 0.05) shifted to keep 0.6


def test_the_description_view_reads_the_second_encoder(db, mini_taxonomy, segmenter):
    from miner.embed.fake import HashingEmbedder

    mapping, second = HashingEmbedder(dim=128), HashingEmbedder(dim=32)
    mapper = get_mapper("examples", mini_taxonomy, mapping.embed, description_weight=0.9, second=second.embed).fit()
    assert mapper.descriptions_.shape == (3, 32)  # the descriptions are on the second encoder
    segments = [{"id": 1, "document_id": "a", "text": "boxes crushed or torn in transit", "rating": 1}]
    assert _classify(db, mini_taxonomy, mapping, segmenter, segments, description_weight=0.9,
                     second=second.embed) == {1: "packaging"}  # fmt: skip
    without = get_mapper("examples", mini_taxonomy, mapping.embed, second=second.embed).fit()
    assert not hasattr(without, "descriptions_")  # weight 0: the second encoder is never read


def test_abstention_is_calibrated_per_corpus_and_never_raised(mini_taxonomy, fake_embedder):
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed, threshold=0.3, abstain_quantile=0.1).fit()
    far = np.linspace(0.05, 0.5, 100)  # a corpus whose complaints sit far from the examples
    assert mapper.corpus_threshold(far) == pytest.approx(np.quantile(far, 0.1))
    assert mapper.corpus_threshold(far + 0.5) == 0.3
    fixed = get_mapper("examples", mini_taxonomy, fake_embedder.embed, threshold=0.3).fit()
    assert fixed.corpus_threshold(far) == 0.3
    scores = np.array([[0.2, 0.1, 0.0]], np.float32)
    vectors = np.zeros((1, 128), np.float32)
    assert fixed.choose(scores, None, vectors)[0][0].touchpoint == "none"
    assert fixed.choose(scores, None, vectors, threshold=0.15)[0][0].touchpoint == "billing"


def _taxonomy_with(examples: dict[str, list[str]]):
    from miner.touchpoints.taxonomy import parse_taxonomy

    return parse_taxonomy(
        {
            "touchpoints": [
                {"id": tp, "name": tp.title(), "stage": "purchase", "description": desc, "examples": examples[tp]}
                for tp, desc in [
                    ("delivery", "Late or missing parcels and couriers."),
                    ("follow_up", "Confirmations and notifications missing or wrong."),
                ]  # fmt: skip
            ]
        }
    )


def test_words_concentrated_in_one_touchpoints_examples_are_flagged_unless_it_is_about_them():
    from miner.touchpoints.check import concentrated_words

    tax = _taxonomy_with(
        {
            "delivery": ["the parcel was late", "parcels never come", "courier lost it", "my flight was late"],
            "follow_up": [f"no confirmation of my flight number {i}" for i in range(6)]
            + ["the notification never came", "notifications are wrong"],
        }
    )
    found = {(c.word, c.touchpoint) for c in concentrated_words(tax, min_examples=4, share=0.8)}
    assert ("flight", "follow_up") in found  # 6 of its 7 uses, and not what follow-up is about
    assert ("confirmation", "follow_up") not in found  # its description says confirmations
    assert ("number", "follow_up") in found
    assert not any(t == "delivery" for _, t in found)  # parcels: in its description, and too few uses


def test_a_touchpoints_own_word_in_another_form_and_numbers_are_not_flagged():
    """ "Number porting" was told its examples' "port" outvotes what went wrong, and the default taxonomy's
    delivery its "four"."""
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.check import _related, _stem, concentrated_words

    assert _related("port", {_stem(w) for w in ["number", "porting"]})
    assert _related("cancellations", {_stem("cancel")}) and not _related("flight", {_stem("notification")})
    assert not _related("pay", {_stem("payment")})  # a stem under four letters is not stretched
    found = {c.word for c in concentrated_words(load_taxonomy(None))}
    assert not found & {"four", "three", "two"}


def test_a_word_the_touchpoint_is_about_is_not_flagged():
    """The default taxonomy warned against itself: "box" under packaging (its description says "boxes"), "reply"
    under social media ("replies"), "manager" under agents (staff, though no description says the word)."""
    from miner.touchpoints.check import _related, _stem, concentrated_words

    assert _related("box", {_stem("boxes")}) and _related("reply", {_stem("replies")})
    assert _stem("delays") == _stem("delayed") and not _related("flight", {_stem("notifications")})
    tax = _taxonomy_with(
        {
            "delivery": ["the parcel was late", "parcels never come"],
            "follow_up": [f"the manager never sent my flight confirmation {i}" for i in range(6)],
        }
    )

    def embed(texts):  # the encoder reads "manager" as follow-up's, "flight" as neither's
        out = np.zeros((len(texts), 3), np.float32)
        for i, text in enumerate(texts):
            about = text == "manager" or text.endswith("Confirmations and notifications missing or wrong.")
            out[i, 0 if about else 1 if text == "flight" else 2] = 1.0
        return out

    assert {"manager", "flight"} <= {c.word for c in concentrated_words(tax)}
    read = {c.word for c in concentrated_words(tax, embed=embed)}
    assert "flight" in read and "manager" not in read


@pytest.mark.e2e
def test_the_default_taxonomy_does_not_warn_against_itself():
    from miner.embed import get_embedder
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.check import concentrated_words

    assert concentrated_words(load_taxonomy(None), embed=get_embedder("minilm").embed) == []


def test_taxonomy_check_warns_about_concentrated_words(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from api.cli import app

    tax = _taxonomy_with(
        {"delivery": ["the parcel was late"], "follow_up": [f"no confirmation for pizza {i}" for i in range(6)]}
    )
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tax.model_dump()), encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "check", str(path), "--embedding-model", "fake"])
    assert result.exit_code == 0, result.output
    assert "warning: follow_up: “pizza” is in 6 of its examples" in result.output
    # a touchpoint with a handful of examples is named: the guide asks for a few dozen
    assert "warning: few examples: delivery (1), follow_up (6)" in result.output
    assert "read at the top level only" not in result.output


def test_taxonomy_check_warns_about_a_stage_given_to_a_sub_touchpoint(tmp_path):
    """`stage:` on a child was accepted without a word, though only the top level's is read."""
    import yaml
    from typer.testing import CliRunner

    from api.cli import app

    tax = _taxonomy_with({"delivery": ["the parcel was late"], "follow_up": ["no confirmation"]}).model_dump()
    tax["touchpoints"][0]["children"] = [
        {"id": "delivery/late", "name": "Late", "description": "Late parcels.", "stage": "purchase"}
    ]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tax), encoding="utf-8")
    result = CliRunner().invoke(app, ["taxonomy", "check", str(path), "--embedding-model", "fake"])
    assert result.exit_code == 0, result.output
    assert "warning: delivery/late: `stage: purchase` is read at the top level only" in result.output
    # each touchpoint's line counts in English: "1 sub-touchpoints" and "1 examples" read as typos
    touchpoints = ("delivery ", "follow_up ")
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith(touchpoints)}
    assert lines["delivery"].endswith("1 example   1 sub-touchpoint"), lines
    assert lines["follow_up"].endswith("1 example   0 sub-touchpoints"), lines


def test_centring_takes_off_what_a_touchpoint_scores_on_every_complaint_of_a_corpus(mini_taxonomy, fake_embedder):
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed, centre_weight=1.0).fit()
    # every complaint of this corpus leans to the first touchpoint by 0.3 (its examples share the corpus's nouns)
    scores = np.array([[0.7, 0.5, 0.1], [0.6, 0.1, 0.5], [0.6, 0.2, 0.2]], np.float32)
    offsets = mapper.corpus_offsets(scores)
    assert offsets.sum() == pytest.approx(0.0, abs=1e-6) and offsets[0] > 0
    assert list((scores - offsets).argmax(axis=1)) == [1, 2, 0]
    off = get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit()
    assert not off.corpus_offsets(scores).any()


def test_a_centring_mapper_maps_through_classify(db, mini_taxonomy, fake_embedder, segmenter):
    from miner.embed import EmbeddingCache
    from miner.pipeline import Encoders, Pipeline

    segments = [
        {"id": i, "document_id": str(i), "text": t, "rating": 1}
        for i, t in enumerate(["I was charged twice for one order", "the box arrived crushed and leaking"])
    ]
    for weight in (0.0, 1.0):
        mapper = get_mapper("examples", mini_taxonomy, EmbeddingCache(fake_embedder, db).embed,
                            threshold=0.0, centre_weight=weight).fit()  # fmt: skip
        result, _ = Pipeline(db, Encoders(fake_embedder), mini_taxonomy, segmenter, mapper=mapper).classify(segments)
        assert result.complaints == len(result.complaint_pos)


def test_none_margin_keeps_a_complaint_that_none_examples_beat_only_narrowly(mini_taxonomy, fake_embedder):
    scores = np.array([[0.50, 0.20, 0.10]], np.float32)
    nones = np.array([0.53], np.float32)
    vectors = np.zeros((1, 128), np.float32)
    strict = get_mapper("examples", mini_taxonomy, fake_embedder.embed, none_margin=0.0).fit()
    lenient = get_mapper("examples", mini_taxonomy, fake_embedder.embed, none_margin=0.05).fit()
    assert strict.choose(scores, nones, vectors)[0][0].touchpoint == "none"
    assert lenient.choose(scores, nones, vectors)[0][0].touchpoint == "billing"
    assert lenient.choose(scores, nones + 0.1, vectors)[0][0].touchpoint == "none"


def test_the_fallback_wins_unless_another_touchpoint_beats_it_by_the_bias(fake_embedder):
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.mapper import FALLBACK

    taxonomy = load_taxonomy()  # the default one has `product`, the thing itself
    mapper = get_mapper("examples", taxonomy, fake_embedder.embed, fallback_bias=0.05)
    j, k = mapper.ids.index(FALLBACK), mapper.ids.index("contact_center")
    scores = np.zeros((2, len(mapper.ids)), np.float32)
    scores[:, j] = 0.50
    scores[0, k] = 0.53  # "still not working, any update?": the process touchpoint leads by a little
    scores[1, k] = 0.58  # "on hold for two hours": it leads by more than the bias
    out = mapper.with_fallback(scores)
    assert [mapper.ids[int(i)] for i in out.argmax(axis=1)] == [FALLBACK, "contact_center"]
    assert np.array_equal(np.delete(out, j, axis=1), np.delete(scores, j, axis=1))  # the others keep their scores
    assert mapper.options()["fallback_bias"] == 0.05
    off = get_mapper("examples", taxonomy, fake_embedder.embed, fallback_bias=0.0)
    assert off.with_fallback(scores) is scores and "fallback_bias" not in off.options()  # as runs recorded before
    assert get_mapper("centroid", taxonomy, fake_embedder.embed).fallback_bias == 0.0  # the naive anchor stays naive


def test_a_taxonomy_without_the_fallback_touchpoint_is_left_alone(mini_taxonomy, fake_embedder):
    from miner.touchpoints.mapper import FALLBACK

    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed, fallback_bias=0.05)
    assert FALLBACK not in mapper.ids
    scores = np.random.default_rng(0).random((3, len(mapper.ids))).astype(np.float32)
    assert np.array_equal(mapper.with_fallback(scores), scores)


def test_classify_reads_the_fallback(db, fake_embedder, segmenter):
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.mapper import FALLBACK

    texts = ["on hold for two hours", "the app crashes at checkout", "charged twice for one order"]
    segments = [{"id": i, "document_id": str(i), "text": t, "rating": 1} for i, t in enumerate(texts)]
    taxonomy = load_taxonomy()
    plain = _classify(db, taxonomy, fake_embedder, segmenter, segments, fallback_bias=0.0)
    assert set(plain.values()) != {FALLBACK}
    leaning = _classify(db, taxonomy, fake_embedder, segmenter, segments, fallback_bias=5.0)
    assert set(leaning.values()) == {FALLBACK}  # a bias no similarity can beat: the wiring, not the value


def _choose_row_by_row(mapper, scores, nones, vectors, adjusted, threshold):
    """`Mapper.choose`'s rule written out one row at a time, as it was before it was vectorised."""
    out = []
    for i, row in enumerate(scores):
        best = float(row.max())
        if best < threshold or (nones is not None and nones[i] > best + mapper.none_margin):
            out.append([("none", best, None)])
            continue
        picked = [j for j in np.argsort(-row, kind="stable") if row[j] >= max(threshold, best - mapper.margin)]
        picked = picked[:MOST_TOUCHPOINTS]  # a complaint counts for its first touchpoint and at most one more
        score = {j: float(row[j]) for j in picked}
        if adjusted is not None:
            first = int(np.argmax(adjusted[i]))
            picked = [first, *(j for j in picked if j != first)][:MOST_TOUCHPOINTS]
            score[first] = best
        out.append([(mapper.ids[j], score[j], mapper.sub_of(vectors[i], mapper.ids[j])) for j in picked])
    return out


def test_choose_picks_as_the_rule_says_row_by_row(mini_taxonomy, fake_embedder):
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit()
    rng = np.random.default_rng(3)
    n, width = 400, len(mapper.ids)
    scores = (0.3 + 0.05 * rng.standard_normal((n, width))).astype(np.float32)  # many rows with several within margin
    nones = (0.3 + 0.05 * rng.standard_normal(n)).astype(np.float32)
    adjusted = rng.random((n, width)).astype(np.float32)
    # a fifth near the one child's example: its sub-touchpoint is given only where that example is as near as the
    # parent's own (`ExampleMapper.subs_of`)
    vectors = fake_embedder.embed([f"crushed box on arrival {i}" if i % 5 == 0 else f"complaint {i}" for i in range(n)])
    for nones_, adjusted_ in ((None, None), (nones, None), (nones, adjusted)):
        got = mapper.choose(scores, nones_, vectors, adjusted_, threshold=0.3)
        want = _choose_row_by_row(mapper, scores, nones_, vectors, adjusted_, 0.3)
        assert [[(a.touchpoint, a.score, a.subtouchpoint) for a in row] for row in got] == want
    assert {len(row) for row in want} == {1, 2}  # abstentions, single and several picks all occur, never three
    assert max(int((r >= max(0.3, r.max() - mapper.margin)).sum()) for r in scores) > 2  # though some rows had more
    assert any(sub for row in want for _, _, sub in row)  # sub-touchpoints too
    assert mapper.choose(scores[:0], None, vectors[:0]) == []


def test_example_scores_in_blocks_are_each_touchpoints_mean_of_its_nearest_examples(
    mini_taxonomy, fake_embedder, monkeypatch
):
    import miner.touchpoints.mapper as mapper_module

    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit()
    vectors = fake_embedder.embed([f"the complaint number {i}" for i in range(50)])
    sims = vectors @ mapper.examples_.T
    want = np.zeros((len(vectors), len(mapper.ids)), np.float32)
    for j in range(len(mapper.ids)):
        mine = np.sort(sims[:, mapper.owners_ == j], axis=1)
        want[:, j] = mine[:, -min(mapper.k, mine.shape[1]) :].mean(axis=1)
    monkeypatch.setattr(mapper_module, "SCORE_ROWS", 7)  # blocks that do not divide the rows
    assert np.array_equal(mapper.score(vectors), want)
    assert mapper.score(vectors[:0]).shape == (0, len(mapper.ids))


def test_a_touchpoint_with_one_child_gives_it_only_where_its_examples_are_as_near(mini_taxonomy, fake_embedder):
    """With one child, the nearest child was always that child: every complaint of the touchpoint got it (a user's
    `cards` with one child `fraud` labelled "Fraud blocks: phone line")."""
    from miner.touchpoints.mapper import ExampleMapper

    mapper = ExampleMapper(mini_taxonomy, fake_embedder.embed).fit()
    vectors = fake_embedder.embed(["crushed box on arrival", "the container was leaking in the bag"])
    assert [mapper.sub_of(v, "packaging") for v in vectors] == ["packaging/damaged", None]


def test_a_first_touchpoints_score_is_the_clauses_best_fit_whoever_chose_it(mini_taxonomy, fake_embedder):
    """An export showed one clause at 0.4352 where a correction quoted it word for word and at 0.7103 (its best
    similarity, the corrections' head's pick) where the quote had a typo: the first row's score is the fit."""
    from miner.touchpoints.taxonomy import Correction

    taxonomy = mini_taxonomy.model_copy(
        update={"corrections": [Correction(text="Charged twice.", touchpoint="packaging")]}
    )
    mapper = get_mapper("examples", taxonomy, fake_embedder.embed).fit()
    scores = np.array([[0.71, 0.44, 0.10]], np.float32)
    adjusted = np.array([[0.1, 0.9, 0.0]], np.float32)  # a head picks the second most similar
    (by_head,) = mapper.choose(scores, None, np.zeros((1, 128), np.float32), adjusted, threshold=0.3)
    quoted = mapper.corrected("charged TWICE", by_head, scores[0])
    assert by_head[0].score == quoted[0].score == np.float32(0.71)
    assert quoted[0].touchpoint == "packaging" and by_head[0].touchpoint == mapper.ids[1]


def test_a_child_is_the_one_whose_nearest_examples_are_nearest_on_average():
    """By its one nearest example a late parcel went to "Missing or lost orders" (whose one example shared its noun)
    although every example of "Late delivery" was nearly as near: children are scored as touchpoints are."""
    from miner.touchpoints.mapper import ExampleMapper
    from miner.touchpoints.taxonomy import parse_taxonomy

    def child(key: str, examples: list[str]) -> dict:
        return {"id": f"delivery/{key}", "name": key, "description": f"{key} (description)", "examples": examples}

    taxonomy = parse_taxonomy({"version": "1", "name": "t", "touchpoints": [{
        "id": "delivery", "name": "Delivery", "stage": "post-purchase", "description": "Delivery", "examples": ["d"],
        "children": [child("late", ["late 1", "late 2", "late 3"]), child("missing", ["lost parcel"])],
    }]})  # fmt: skip
    axes = {"late 1": [0.8, 0.6, 0], "late 2": [0.8, 0, 0.6], "late 3": [0.8, 0.3, 0.52], "lost parcel": [0.9, 0.44, 0]}

    def embed(texts, progress=None):
        rows = np.array([axes.get(t, [0, 0, 0]) for t in texts] or np.zeros((0, 3)), dtype=np.float32)
        return rows

    mapper = ExampleMapper(taxonomy, embed).fit()
    parcel_late = np.array([1.0, 0, 0], dtype=np.float32)
    assert mapper.sub_of(parcel_late, "delivery") == "delivery/late"
    nearest = max(axes, key=lambda t: float(np.dot(axes[t], parcel_late)))
    assert nearest == "lost parcel"  # what the one nearest example said
