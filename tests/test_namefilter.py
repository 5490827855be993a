"""The pre-filter before name NER (miner/segment/namefilter.py): which words NER reads, and that reading only
those finds what reading whole texts found on the labelled sample."""

from __future__ import annotations

from miner.segment.namefilter import Vocabulary, name_candidates, windows


def _words(text: str, vocabulary: Vocabulary) -> list[str]:
    return [text[a:b] for a, b in name_candidates(text, vocabulary)]


def test_a_common_word_opening_a_sentence_is_no_candidate_but_a_name_is():
    texts = ["Flight was late. the flight crew shrugged", "our flight home was cancelled", "Sarah was rude."]
    vocabulary = Vocabulary(texts)
    assert _words(texts[0], vocabulary) == []  # "Flight": written in lower case elsewhere in the batch
    assert _words(texts[2], vocabulary) == ["Sarah"]  # never in lower case: maybe a name
    assert _words("The app froze. We're waiting. It's broken", vocabulary) == []  # stop words, contractions too


def test_mid_sentence_capitals_always_count():
    vocabulary = Vocabulary(["will you mark it", "we will see", "mark my words"])
    assert _words("thanks to Will and Mark for the help", vocabulary) == ["Will", "Mark"]


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


def test_ner_on_windows_finds_the_names_ner_on_whole_texts_finds():
    from miner.segment.presidio import PresidioNames
    from reliability.pii import load_sample

    texts = [t for t, _ in load_sample()[0]]
    whole, windowed = PresidioNames(prefilter=False), PresidioNames()
    windowed.analyzer_ = whole._load()  # one model for both
    assert windowed.find(texts) == whole.find(texts)


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
