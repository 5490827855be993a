"""The pre-filter before name NER (miner/segment/namefilter.py): which words NER reads, and that reading only
those finds what reading whole texts found on the labelled sample."""

from __future__ import annotations

from miner.segment.namefilter import Vocabulary, name_candidates, windows


def _words(text: str, vocabulary: Vocabulary) -> list[str]:
    return [text[a:b] for a, b in name_candidates(text, vocabulary)]


def test_a_common_word_opening_a_sentence_is_no_candidate_but_a_name_is():
    texts = ["Flight was late. the flight crew shrugged", "our flight home was cancelled", "Sarah was rude."]
    vocabulary = Vocabulary(texts)
    assert _words(texts[0], vocabulary) == []  # "Flight": no given name, no cue
    assert _words(texts[2], vocabulary) == ["Sarah"]  # a given name
    assert _words("The app froze. We're waiting. It's broken", vocabulary) == []  # stop words, contractions too


def test_given_names_count_wherever_they_stand_even_when_they_are_common_words():
    vocabulary = Vocabulary(["will you mark it", "we will see", "mark my words", "the grace period"])
    assert _words("thanks to Will and Mark for the help", vocabulary) == ["Will", "Mark"]
    assert _words("Grace sorted it. Will, thank you.", vocabulary) == ["Grace", "Will"]


def test_a_capitalised_common_word_inside_a_sentence_is_no_candidate_but_an_unknown_word_is():
    vocabulary = Vocabulary(["the baggage desk was shut", "no baggage at all"])
    assert _words("please ask our Baggage Team or Okonkwo at the Customer desk", vocabulary) == ["Okonkwo"]
    assert _words("Baggage was lost. Okonkwo never called back", vocabulary) == ["Okonkwo"]  # a surname alone


def test_cues_make_any_capitalised_word_a_candidate():
    vocabulary = Vocabulary(["the captain was lovely", "a whitfield", "we signed"])
    # "Captain": a word the batch writes in lower case; "Whitfield" is one that it does too, but a title precedes
    assert _words("I was served by Captain Whitfield today", vocabulary) == ["Whitfield"]
    assert _words("Signed. J. Whitfield", vocabulary) == ["Whitfield"]  # after an initial
    assert _words("Okonkwo, we are sorry to hear that.", vocabulary) == ["Okonkwo"]  # a reply's greeting
    assert _words("sorry for the wait ^Okonkwo", vocabulary) == ["Okonkwo"]  # an agent's signature
    assert _words("the agent DeMario helped", vocabulary) == ["De"]  # shaped like a name: "De" + a capital


def test_lower_case_given_names_after_a_greeting_are_candidates():
    vocabulary = Vocabulary([])
    assert _words("ok thanks jo, that works. hi all", vocabulary) == ["jo"]
    assert _words("hello sarah the flight is late", vocabulary) == ["sarah"]


def test_the_word_lists_are_shipped_and_hold_what_they_should():
    from miner.segment.namefilter import common_words, first_names

    assert {"sarah", "priya", "mark", "will", "stu"} <= first_names()
    assert not {"delta", "london", "denver", "service"} & first_names()  # places and words of the long lists
    assert {"service", "the", "account"} <= common_words()


def test_a_word_the_batch_capitalises_more_than_it_lowercases_stays_a_candidate():
    replies = ["Hi Mark, sorry.", "Sorry, Mark.", "Thanks, Mark!", "mark the date", "a mark on the bag"]
    vocabulary = Vocabulary(replies)
    assert _words("Mark, we are sorry to hear that.", vocabulary) == ["Mark"]


def test_windows_take_whole_words_and_merge():
    text = "the parcel went to the wrong door and Priya Patel from support was no help at all, said the review"
    spans = windows(text, [(38, 43), (44, 49)], width=10)
    assert len(spans) == 1
    start, end = spans[0]
    assert text[start:end] == "wrong door and Priya Patel from support"
    assert windows(text, []) == []


def test_ner_on_windows_finds_the_labelled_names_ner_on_whole_texts_finds():
    from miner.segment.pii import pattern_spans
    from miner.segment.presidio import PresidioNames
    from reliability.pii import load_sample

    items = load_sample()[0]
    texts = [t for t, _ in items]
    whole, windowed = PresidioNames(prefilter=False), PresidioNames()
    windowed.analyzer_ = whole._load()  # one model for both
    found, reference = windowed.find(texts), whole.find(texts)
    for (text, gold), spans, spans_whole in zip(items, found, reference, strict=True):
        assert set(spans) <= set(spans_whole), text  # nothing whole texts would not give
        taken = pattern_spans(text)  # "... order number. *TMT": a signature, which the patterns take
        labelled = {(a, b) for a, b, kind in gold if kind == "PERSON" and not any(s < b and a < e for s, e, _ in taken)}
        missed = [(a, b) for a, b, _ in set(spans_whole) - set(spans)]
        assert not labelled & set(missed), text  # and every labelled name they give that no pattern takes
    # "Manchester" in "...by Daniel in your Manchester branch", which NER reads as a person in the whole text, is no
    # candidate (data/not_names.txt) and an English word (namefilter.plain_word): neither side keeps it
    for side in (found, reference):
        assert not any("Manchester" in t[a:b] for t, spans in zip(texts, side, strict=True) for a, b, _ in spans)


def test_persons_read_from_spacy_are_what_presidio_reports():
    """`PresidioNames._persons` reads the spaCy docs' entities instead of Presidio's `analyze`: same spans."""
    from miner.segment.presidio import PresidioNames
    from reliability.pii import load_sample

    texts = [t for t, _ in load_sample()[0]]
    names = PresidioNames()
    analyzer = names._load()
    presidio = [
        [(r.start, r.end) for r in analyzer.analyze(t, language="en", entities=["PERSON"]) if r.score >= 0.5]
        for t in texts
    ]
    assert list(names._persons(texts)) == presidio
    assert sum(map(len, presidio)) > 50  # the sample is full of names: the comparison is not empty


def test_ner_reads_names_only_the_new_cues_point_to():
    """Team-written: a reply that opens with a given name the batch also writes as a word ("mark", "bill"). The
    filter before this one took such a word for a common one and NER never read it (docs/lab/names.md)."""
    from miner.segment.presidio import PresidioNames

    texts = [
        "Mark, I'm sorry to hear that. Please DM us your booking code.",
        "Bill, we apologise for the mix-up with your bag.",
        "please mark it urgent. mark my words. the bill came. a bill for the bags.",
    ]
    found = PresidioNames().find(texts)
    assert [[t[a:b] for a, b, _ in spans] for t, spans in zip(texts, found, strict=True)] == [["Mark"], ["Bill"], []]


def test_a_common_word_before_a_comma_at_a_sentence_start_is_no_greeting():
    vocabulary = Vocabulary(["unfortunately the flight was full", "i am glad to help"])
    assert _words("Unfortunately, we cannot. Glad, really.", vocabulary) == []  # not names, whatever the comma says
    assert _words("Sherouk, we're sorry. Grace, thanks", vocabulary) == ["Sherouk", "Grace"]  # unknown; a given name


def test_units_of_speed_and_data_are_no_candidates():
    vocabulary = Vocabulary([])  # nothing written in lower case: "Mbps" would be an unknown word
    assert _words("speed test shows 12 Mbps. Only 40 Mb on a 1 Gbps plan, 2 Kbps upload", vocabulary) == []


def test_a_hashtag_is_no_candidate_because_redaction_keeps_it_anyway():
    vocabulary = Vocabulary(["a day"])
    assert _words("loving #Okonkwo and #Sarah today, thanks Okonkwo", vocabulary) == ["Okonkwo"]
    assert [(a, b) for a, b in name_candidates("#Sarah", vocabulary)] == []


def test_places_days_and_interjections_are_no_candidates_but_names_that_are_places_too_are():
    vocabulary = Vocabulary([])  # nothing written in lower case: only the shipped lists decide
    assert _words("Hello! Our Friday flight from Denver to Seattle via Dublin", vocabulary) == []
    assert _words("Wow. Oh well, Merry Christmas from Europe", vocabulary) == ["Merry"]
    # places that are given names or common surnames stay candidates, and a cue still makes any word one
    assert _words("Austin and Jackson at the Dallas desk", vocabulary) == ["Austin", "Jackson"]
    assert _words("I spoke to Denver at the desk", vocabulary) == ["Denver"]


def test_the_not_names_list_holds_no_given_name_or_common_surname():
    from miner.segment.namefilter import _word_list, first_names

    not_names = _word_list("not_names.txt")
    assert {"denver", "friday", "hello", "europe", "ontario"} <= not_names
    assert not not_names & first_names()
    assert not {"washington", "jackson", "austin", "orlando", "pierre", "salem"} & not_names


def test_contractions_and_wifi_are_no_candidates():
    vocabulary = Vocabulary([])
    assert _words("Don't worry. Won't happen. Will's bag and Mark's seat", vocabulary) == ["Will's", "Mark's"]
    assert _words("The Wi-Fi and the WiFi were down, Fi said", vocabulary) == ["Fi"]


def test_ner_persons_that_are_plain_words_are_dropped_but_names_that_are_words_stay():
    """Team-written. spaCy's small model calls "Felt", "Extras" and "Fingers" persons; the English word list of the
    model's lemmatizer tables says they are words. "Basil" and "Rod" are words too, but names (data/word_names.txt),
    and "Ladd" is greeted ("Thanks for waiting, Ladd.")."""
    from miner.segment.presidio import PresidioNames

    texts = [
        "The fee showed up at the end. Felt misled.",
        "Why are chips under 'Extras'? I can never find them.",
        "Fingers crossed the refund comes.",
        "Thanks for waiting, Ladd. What's your booking code?",
        "Basil at the desk was lovely.",
        "Rod was rude to me.",
        "Kudos to Deborah and the crew.",
    ]
    found = PresidioNames().find(texts)
    assert [[t[a:b] for a, b, _ in spans] for t, spans in zip(texts, found, strict=True)] == [
        [], [], [], ["Ladd"], ["Basil"], ["Rod"], ["Deborah"]
    ]  # fmt: skip


def test_the_english_word_list_comes_from_the_spacy_model_and_names_that_are_words_are_shipped():
    from miner.segment.namefilter import english_words, plain_word, word_names
    from miner.segment.segmenter import load_spacy

    words = english_words(str(load_spacy().path))
    assert len(words) > 50_000 and {"felt", "extra", "finger", "lifestyle"} <= words
    assert english_words("/nonexistent") == frozenset()  # another model without the tables: nothing is dropped
    assert {"basil", "rod", "curry", "baker"} <= word_names()
    assert plain_word("Felt misled.", 0, 4, words)
    assert not plain_word("Felt misled.", 0, 4, frozenset())
    assert not plain_word("I spoke to Felt today", 11, 15, words)  # a cue before it


def test_the_models_plain_words_are_adjectives_adverbs_verbs_and_their_forms_never_names_or_bare_nouns():
    """What stands in for the words a batch wrote in lower case (`Vocabulary`): the same for every text."""
    from miner.segment.namefilter import PlainWords, plain_words
    from miner.segment.segmenter import load_spacy

    words = plain_words(str(load_spacy().path))
    for word in ("glad", "unfortunately", "looking", "explained", "agents", "apologies", "got", "clearer", "nicer"):
        assert words.plain(word), word
    # a bare noun may be a person or a place ("penn"), a given name or a surname that is a word too is a name,
    # and two letters are mostly an abbreviation
    for word in ("baggage", "penn", "aristotle", "okafor", "grace", "bill", "baker", "gi", "tadd"):
        assert not words.plain(word), word
    assert not PlainWords({}).plain("glad")  # a model without the tables: the text's own words and the lists only
    vocabulary = Vocabulary(["Glad it's sorted. Okafor, thanks"], words.plain)
    assert _words("Glad it's sorted. Okafor, thanks", vocabulary) == ["Okafor"]
    assert _words("Glad it's sorted. Okafor, thanks", Vocabulary([])) == ["Glad", "Okafor"]
