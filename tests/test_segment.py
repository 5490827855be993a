from collections import Counter

from miner.segment.pii import luhn_ok, redact
from miner.segment.segmenter import Segmenter


def test_clauses_are_split(segmenter):
    [segs] = list(segmenter.segment(["I was charged twice and the box arrived crushed."]))
    assert [s.text for s in segs] == ["I was charged twice", "the box arrived crushed."]
    [segs] = list(segmenter.segment(["charged twice and the box was crushed"]))
    assert len(segs) == 2


def test_verbs_sharing_a_subject_stay_together(segmenter):
    [segs] = list(segmenter.segment(["I called and waited 40 minutes on hold."]))
    assert len(segs) == 1


def test_sentences_and_offsets(segmenter):
    text = "Great food. The driver was rude but the app worked!"
    [segs] = list(segmenter.segment([text]))
    assert [s.text for s in segs] == ["Great food.", "The driver was rude", "the app worked!"]
    for s in segs:
        assert text[s.start : s.end] == s.text


def test_clauses_from_tags_are_those_from_coarse_pos(segmenter):
    """The clause parse skips the attribute_ruler (a quarter of its CPU) and reads verbs from their Penn Treebank
    tags: the same clauses as the coarse VERB/AUX of the whole pipeline, auxiliaries and contractions included."""
    texts = [
        "I've been waiting a week and they're still ignoring my emails.",
        "The app crashed but it's fine now, and the courier was lovely.",
        "She said she would call back but she never did and I had to chase them.",
        "Delivery was late, the food was cold and nobody answered the phone.",
        "We can't log in and support won't reply, so we'll cancel.",
    ]
    assert "attribute_ruler" in segmenter._skipped() and "attribute_ruler" in segmenter.nlp.pipe_names
    coarse = Segmenter(segmenter.model)
    coarse._ptb = False  # the whole pipeline, verbs from pos_
    assert "attribute_ruler" not in coarse._skipped()
    tagged = [[s.text for s in segs] for segs in segmenter.segment(texts)]
    assert tagged == [[s.text for s in segs] for segs in coarse.segment(texts)]
    assert sum(map(len, tagged)) >= 2 * len(texts)  # the clauses are split, not all kept whole


def test_pii_is_redacted_readably():
    text = "Email jane.doe@example.com or call 07700 900123, card 4111 1111 1111 1111, iban GB82 WEST 1234 5698 7654 32"
    out = redact(text)
    assert "<EMAIL>" in out and "<PHONE>" in out and "<CARD>" in out and "<IBAN>" in out
    assert "jane.doe" not in out and "4111" not in out and "07700" not in out


def test_non_luhn_numbers_are_kept():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert "order 1234 5678 9012 3456" in redact("order 1234 5678 9012 3456")


def test_rule_segmenter_splits_clauses_with_a_new_subject():
    from miner.segment import get_segmenter

    rules = get_segmenter("rules")
    text = "I was charged twice and the box arrived crushed. I called and waited 40 minutes on hold!"
    [segs] = list(rules.segment([text]))
    assert [s.text for s in segs] == ["I was charged twice", "the box arrived crushed.", text.split(". ")[1]]
    for s in segs:
        assert text[s.start : s.end] == s.text


def test_rule_segmenter_keeps_short_contrasts_and_splits_lines():
    from miner.segment.rules import RuleSegmenter

    [short, lines, empty] = list(RuleSegmenter().segment(["cheap but good", "App crashed\nno refund yet", "  ...  "]))
    assert [s.text for s in short] == ["cheap but good"]
    assert [s.text for s in lines] == ["App crashed", "no refund yet"]
    assert empty == []


def test_fast_tier_projection_recovers_a_linear_map():
    import numpy as np

    from miner.train.distill import fit_projection

    rng = np.random.default_rng(0)
    static = rng.normal(size=(500, 16)).astype(np.float32)
    true = rng.normal(size=(16, 24)).astype(np.float32)
    w = fit_projection(static, static @ true, ridge=1e-6)
    assert np.allclose(w, true, atol=1e-3)


def test_segmenter_and_name_redaction_share_one_spacy_model(segmenter):
    """One copy of spaCy per process (its load and memory once): the clause parse and the names' NER use it."""
    from miner.segment.presidio import PresidioNames

    assert PresidioNames()._load().nlp_engine.nlp["en"] is segmenter.nlp
    assert "ner" in segmenter.nlp.pipe_names  # loaded for the names, left out of the clause parse
    [segs] = list(segmenter.segment(["Priya was rude and the refund never came."]))
    assert [s.text for s in segs] == ["Priya was rude", "the refund never came."]


def test_names_run_ner_alone_with_the_same_entities(segmenter):
    """en_core_web_sm's NER has its own embedding layer: `tok2vec` (read by the tagger and parser) is not needed."""
    from miner.segment.segmenter import components_for

    nlp = segmenter.nlp
    assert components_for(nlp, ["ner"]) == [p for p in nlp.pipe_names if p != "ner"]
    assert "tok2vec" not in components_for(nlp, ["parser"])  # the parser listens to tok2vec
    texts = ["I spoke to Sarah Jones at the desk and Tom from billing hung up.", "Thanks Mark, sorted now"]
    with_tok2vec = [[(e.text, e.label_) for e in d.ents] for d in nlp.pipe(texts, disable=["tagger", "parser"])]
    alone = [[(e.text, e.label_) for e in d.ents] for d in nlp.pipe(texts, disable=components_for(nlp, ["ner"]))]
    assert alone == with_tok2vec and ("Sarah Jones", "PERSON") in alone[0]


def test_loading_the_packaged_spacy_model_leaves_transformers_out():
    """spaCy reads the factories plugins register; Presidio's would import transformers, which this model never uses."""
    import subprocess
    import sys

    code = "import sys; from miner.segment import Segmenter; Segmenter().nlp; print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _long_transcript(sentences: int) -> str:
    """A support transcript of `sentences` distinct sentences, with line breaks: about 52 characters a sentence."""
    lines = [f"Order {i} arrived late and the driver {i} was rude." for i in range(sentences)]
    return "\n".join(" ".join(lines[i : i + 5]) for i in range(0, len(lines), 5))


def test_parts_cut_a_long_text_at_sentence_ends_else_whitespace():
    from miner.segment.segmenter import parts

    text = _long_transcript(1_200)  # 62,579 characters
    cut = parts(text, 20_000)
    assert "".join(p for _, p in cut) == text and all(text[o : o + len(p)] == p for o, p in cut)
    assert len(cut) == 4 and all(10_000 < len(p) <= 20_000 for _, p in cut[:-1])
    assert all(p.rstrip().endswith(".") for _, p in cut)  # every part ends a sentence
    words = "word " * 10_000
    assert [len(p) for _, p in parts(words, 20_000)] == [20_000, 20_000, 10_000]
    assert all(p.endswith(" ") for _, p in parts(words + "x", 20_000)[:-1])
    assert [len(p) for _, p in parts("x" * 45_000, 20_000)] == [20_000, 20_000, 5_000]  # no space: cut at the limit
    assert parts("short") == [(0, "short")] and parts("") == [(0, "")]


def test_a_long_text_is_segmented_to_its_end(segmenter):
    """The tail of a 62,579-character transcript was dropped silently (only the first 20,000 were read)."""
    from miner.segment.rules import RuleSegmenter

    text = _long_transcript(1_200)
    for seg in (RuleSegmenter(), segmenter):
        [segs] = list(seg.segment([text]))
        assert {s.text for s in segs} >= {"Order 0 arrived late", "Order 1199 arrived late"}
        assert all(text[s.start : s.end] == s.text for s in segs)
        assert [s.idx for s in segs] == list(range(len(segs)))
        assert len(segs) == 2_400  # two clauses a sentence, none lost or split at a cut
    [short, rest, empty] = list(segmenter.segment(["Great food.", text[:30_000], ""]))
    assert [s.text for s in short] == ["Great food."] and empty == [] and len(rest) > 1_000


def test_segment_records_offsets_point_into_a_long_stored_text():
    from miner.ingest import Record
    from miner.pipeline import segment_records
    from miner.progress import Progress
    from miner.segment.rules import RuleSegmenter

    text = _long_transcript(1_200)
    [segs] = segment_records(RuleSegmenter(), [Record("t.csv", 2, text)], Progress())
    assert segs[-1].text == "the driver 1199 was rude." and segs[-1].end == len(text)
    assert all(text[s.start : s.end] == s.text for s in segs)


def test_a_clause_an_item_repeats_word_for_word_is_one_segment():
    from miner.ingest import Record
    from miner.pipeline import segment_records
    from miner.progress import Progress
    from miner.segment.rules import RuleSegmenter

    text = "The delivery was late again. " * 40 + "And the box was  crushed. the delivery was LATE again."
    [segs] = segment_records(RuleSegmenter(), [Record("t.csv", 2, text)], Progress())
    assert [s.text for s in segs] == ["The delivery was late again.", "the box was  crushed."]
    assert [s.idx for s in segs] == [0, 1] and all(text[s.start : s.end] == s.text for s in segs)


OTHER_SCRIPTS = ["配達が遅すぎる。料理が冷めていた。", "Доставка опоздала на час.", "التوصيل متأخر جدا"]


def test_text_in_other_scripts_gives_no_segment_and_is_counted(segmenter):
    """Arabic, Cyrillic and Japanese bodies gave no segment, yet nothing said so: the import counts such items."""
    from miner.ingest import Record
    from miner.pipeline import segment_records
    from miner.progress import Progress
    from miner.segment.rules import RuleSegmenter
    from miner.segment.scripts import other_script, unread_items

    assert [other_script(t) for t in [*OTHER_SCRIPTS, "Café crème, déjà vu 😡 £28", "Straße"]] == [1, 1, 1, 0, 0]
    records = [
        Record("r.csv", 2, OTHER_SCRIPTS[0], title="Driver refused to come up"),  # the title is read, the text not
        Record("r.csv", 3, OTHER_SCRIPTS[1]),
        Record("r.csv", 4, f"Great food. {OTHER_SCRIPTS[1]} The app crashed."),  # one sentence of three left out
        Record("r.csv", 5, "I ordered 寿司 and it was cold."),  # read: the clause holds the word
        Record("r.csv", 6, "Livraison en retard, le repas était froid 😡"),  # Latin letters, but French: unread
        Record("r.csv", 7, "😡😡"),
        Record("r.csv", 8, "Servicio lento 😡"),  # too short to tell: read
    ]
    for seg in (RuleSegmenter(), segmenter):
        segments = segment_records(seg, records, Progress())
        assert [len(s) for s in segments][:2] == [1, 0] and not segments[4] and not segments[5] and segments[6]
        assert [s.text for s in segments[2]] == ["Great food.", "The app crashed."]
        assert unread_items(records, segments) == (3, 2, Counter({"French": 1}))


def test_a_minus_sign_is_kept_and_a_bullet_dash_goes(segmenter):
    """ "-5 stars would be generous" was stored as "5 stars would be generous", the opposite of what it says."""
    from miner.segment.rules import RuleSegmenter

    for seg in (segmenter, RuleSegmenter()):
        minus, bullet = seg.segment(["-5 stars would be generous, the delivery never came", "- The box was crushed"])
        assert minus[0].text.startswith("-5 stars"), (seg, minus)
        assert bullet[0].text == "The box was crushed"


def test_list_items_and_lines_are_clauses_in_both_segmenters(segmenter):
    """A markdown list under a heading was one clause under spaCy (its parse ignores line breaks), so the food and
    support complaints in it were lost; the rules kept the "•" and "3)" markers."""
    from miner.ingest.plaintext import plain_text
    from miner.segment.rules import RuleSegmenter

    texts = [
        plain_text("**Terrible** experience:\n\n- order arrived *cold*\n- missing the drinks\n- no reply from support"),
        "Problems:\n1. order arrived cold\n2) missing the drinks\n• no reply from support\n  * rider was rude",
        plain_text("<p>The app crashes<br>Login fails</p><p>Support never replied</p>"),
    ]
    for seg in (segmenter, RuleSegmenter()):
        bullets, numbered, lines = ([s.text for s in segs] for segs in seg.segment(texts))
        assert bullets == ["Terrible experience", "order arrived cold", "missing the drinks", "no reply from support"]
        assert numbered == ["Problems", "order arrived cold", "missing the drinks", "no reply from support",
                            "rider was rude"]  # fmt: skip
        assert lines == ["The app crashes", "Login fails", "Support never replied"]
        for text, segs in zip(texts, seg.segment(texts), strict=True):
            assert all(text[s.start : s.end] == s.text for s in segs)


def test_a_line_wrapped_inside_a_sentence_is_one_clause_in_both_segmenters(segmenter):
    """Since each line became a clause, an e-mail wrapped at its width was cut mid-sentence: "I called three times
    about my" and "refund" were two segments, neither a complaint anyone could read."""
    from miner.segment.rules import RuleSegmenter

    texts = [
        "I have called your helpline three times this week about my\nrefund and nobody has answered the phone once.\n"
        "Regards,\nSam",
        "App crashed\nno refund yet",  # short lines that end a thought stay apart
        "Delivery was late\r\n  and the driver was rude to\n  my neighbour.",
    ]
    for seg in (segmenter, RuleSegmenter()):
        wrapped, short, indented = ([s.text for s in segs] for segs in seg.segment(texts))
        assert wrapped[0] == "I have called your helpline three times this week about my refund", seg
        assert "nobody has answered the phone once." in wrapped and "Regards" in wrapped
        assert short == ["App crashed", "no refund yet"]
        assert indented[-1].split() == "the driver was rude to my neighbour.".split()
        # after a word no sentence ends on, the next line continues it whatever it opens with; a list does not
        priced, listed = ([s.text for s in segs] for segs in seg.segment(
            ["I ordered a speaker from ShopExample for\n£129.99 and your chat bot said it shipped.",
             "Problems with\n- the app\n- the site"]))  # fmt: skip
        assert priced[0] == "I ordered a speaker from ShopExample for £129.99", seg
        assert listed[-2:] == ["the app", "the site"]
        for text, segs in zip(texts, seg.segment(texts), strict=True):
            assert all(" ".join(text[s.start : s.end].split()) == " ".join(s.text.split()) for s in segs)


def test_an_ampersand_joins_clauses_as_and_does(segmenter):
    """Decoded from "&amp;", "Delivery was late & the box was crushed." was quoted as "Delivery was late &"."""
    from miner.segment.rules import RuleSegmenter

    for seg in (segmenter, RuleSegmenter()):
        joined, noun = ([s.text for s in segs] for segs in seg.segment(["Delivery was late & the box was crushed.",
                                                                         "Fish & chips were cold"]))  # fmt: skip
        assert joined == ["Delivery was late", "the box was crushed."]
        assert noun == ["Fish & chips were cold"]
