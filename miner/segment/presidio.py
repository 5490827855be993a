"""Person names by Microsoft Presidio on the project's packaged spaCy model, offline and loaded on first use.

Only the spaCy NER recognizer is registered: the pattern PII lives in pii.py, and Presidio's URL and email
recognizers would make tldextract fetch the public-suffix list over the network."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from miner.errors import ModelError
from miner.segment.lowernames import common_words, lower_candidates, title_cased
from miner.segment.namefilter import (
    LOWER,
    UPPER,
    Vocabulary,
    cued,
    english_word,
    english_words,
    is_given_name,
    name_candidates,
    plain_word,
    plain_words,
    windows,
    word_names,
)
from miner.segment.pii import LABELS
from miner.segment.segmenter import PACKAGED_SPACY_MODEL, components_for, load_spacy
from miner.slim import PRESIDIO_SKIPS, import_without

SPACY_MODEL = PACKAGED_SPACY_MODEL
MIN_SCORE = 0.5
_CAPITALISED = re.compile(rf"\b[{UPPER}][{LOWER}]")
_PLACEHOLDER = re.compile(rf"<(?:{'|'.join(LABELS)})(?::[0-9a-f]+)?>")
# Names spaCy's small model tags as PERSON but that are never a person in feedback.
_PERSON_LABELS = ("PERSON", "PER")  # the spaCy labels Presidio maps to PERSON
# Greetings and sign-offs NER sometimes reads as part of the name after them ("Sorry Fatima", "Hi Hannah"): cut off,
# so the sentence keeps them ("Hi <PERSON>,")
_LEADING_CUE = re.compile(
    r"(?:(?:hi|hiya|hey|hello|dear|thanks|thank\s+you|sorry|regards|cheers|sincerely|noted|morning|evening)\b[,!.]?\s+)+",
    re.IGNORECASE,
)
_DEPARTMENTS = (
    "Billing", "Accounts", "Sales", "Finance", "Returns", "Dispatch", "Warehouse", "Claims", "Complaints", "Reception",
    "Security", "Tech", "Technical", "Chatbot", "Bot", "Safari", "Chrome", "Firefox",
)  # fmt: skip
# The pandemic's names: an NHS comment's "support throughout Covid was excellent" lost its topic to <PERSON>
_PANDEMIC = ("Covid", "Covid-19", "Covid19", "Coronavirus")
_NOT_NAMES = {"i", "hi", "hello", "thanks", "ok", "pay", "apple pay", "google pay", "paypal", "faq", "email", "call",
              "dr pepper", *(w.lower() for w in _PANDEMIC), *(d.lower() for d in _DEPARTMENTS)}  # fmt: skip
# Companies customers name that the small NER model reads as people ("waited in for Evri", "Tesco Clubcard"),
# team-written: couriers, retailers, delivery apps, banks, carriers. A span that starts with one is no person; none
# is a given name, and none of two words a person could bear ("John Lewis" stays a name).
_BRANDS = frozenset(
    "evri hermes yodel dpd dhl fedex ups usps parcelforce royal-mail tesco asda sainsbury sainsburys sainsbury's aldi "
    "lidl ocado waitrose morrisons argos currys deliveroo ubereats doordash grubhub instacart justeat amazon ebay etsy "
    "shein temu zalando ikea primark halfords vodafone verizon comcast xfinity ryanair easyjet klarna monzo revolut "
    "natwest barclays hsbc santander venmo zelle netflix spotify airbnb expedia trivago".split()
)


def _brand(value: str) -> bool:
    words = value.lower().split()
    return bool(words) and words[0] in _BRANDS


# A model name or number: capitals and digits ("V15", "S23", "PS5", "WH1000XM5") or an acronym ("OLED", "SIM", "GR").
# After a capitalised word it makes that word a brand or a product ("Dyson V15", "Nintendo Switch OLED", "Invalid SIM
# message"), not a person with a surname. An acronym that is a stop word ("NEVER", "STILL") is shouting, and one
# after a given name may be a surname in capitals ("Priya SMITH"), so only a model number counts there.
_MODEL = re.compile(r"(?:[A-Z]+[0-9][A-Z0-9]*|[A-Z]{2,})(?![\w'’])")
_NEXT = re.compile(r"[ \t]+(\S+)")


def _cued_before(text: str, start: int) -> bool:
    """A name cue right before text[start]: the pre-filter's ("Mr", "I'm", "thanks") or context_names' ("my wife")."""
    return cued(text, start) or bool(_CUED.search(text[max(0, start - 40) : start]))


_I_AM = re.compile(r"\b[Ii](?:['’]?m|\s+am)[ \t]+\Z")


def _described(text: str, start: int, end: int, words: frozenset[str]) -> bool:
    """Whether the name at text[start:end] opens with how the writer is after "I'm" or "I am": an English word that
    is no given name nor a name that is a word too ("I'm Livid", "I am Furious"; not "I'm Grace", "I'm Okafor")."""
    first = re.split(r"[\s'’-]", text[start:end])[0]
    low = first.lower()
    if not _I_AM.search(text, max(0, start - 8), start) or is_given_name(low) or low in word_names():
        return False
    return english_word(low, words)


def _product(text: str, start: int, end: int) -> bool:
    """Whether NER's PERSON at text[start:end] is a brand or a product, not a person: a word of it after the first,
    or the word right after it, is a model name or number (`_MODEL`)."""
    words = text[start:end].split()
    after = _NEXT.match(text, end)
    for word in words[1:] + ([after.group(1)] if after else []):
        model = _MODEL.match(word)
        if model is None:
            continue
        if model.group(0).isalpha() and (model.group(0).lower() in common_words() or is_given_name(words[0])):
            continue
        return True
    return False


_WORD = rf"[{UPPER}][{LOWER}]+"  # a capitalised word, accents and all ("Sébastien", "Łukasz")
_NAME = rf"{_WORD}(?:[-']{_WORD})?(?:\s+(?:[A-Z]\.\s*)?{_WORD}(?:[-']{_WORD})?)?"
_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame)\.?\s+(?:and\s+(?:Mr|Mrs|Ms)\.?\s+)?{_NAME}")
# Cues that the small NER model misses: "spoke to Leah", "my daughter Amelia", "Ian from the night team".
_BEFORE = re.compile(
    r"\b(?i:spoke|speaking|talked|talking|chatted|chatting)\s+(?:to|with)\s+|\b(?i:asked|ask)\s+(?:for\s+)?|"
    r"\b(?i:served)\s+by\s+|"  # a sentence may open with them: "Spoke to Leah in the contact centre" kept Leah
    r"\bname\s+(?:is|of)\s+|\b(?:named|called)\s+|\bgave\s+|\btold\s+|\b(?:I'm|I\s+am|this\s+is)\s+|"
    r"\b(?:my|our|the)\s+(?:wife|husband|partner|daughter|son|mother|mum|father|dad|friend|colleague|boss|agent|"
    r"driver|rider|courier|manager|supervisor|advisor|adviser)\s+|\b(?:agent|driver|rider|courier|manager|"
    r"supervisor|advisor)\s+|\b(?:thanks|thank\s+you|dear|hi|hello)\s+|\b[Bb]oth\s+",
)
_CUED = re.compile(rf"(?:{_BEFORE.pattern})\Z")  # a cue right before the word, wherever another one stands earlier
_ITS = re.compile(rf"\b(?:[Ii]t['’]s|[Ii]t\s+is)\s+({_WORD})(?:\s+(?:Mc|Mac|O['’])?{_WORD}(?:[-'’]{_WORD})?)?\b")
# A word after it that a person does ("Stuart said", "Ian from the night team", "Sarah on the phone"); not what is "on
# my phone" ("Internet on my phone just stops working")
_AFTER = re.compile(
    r"\s+(?:from|in|at|on)\s+(?:the\s+|your\s+|our\s+)?(?!(?:my|his|her|their|its)\s)(?:[A-Za-z]+\s+)?"
    r"(?:team|support|chat|desk|store|"
    r"branch|hub|counter|phone|billing|complaints|office|shift)\b|\s+(?:said|says|told|promised|gave|hung|reset|spent|"
    r"placed|wrote|ordered|called|asked|refused|ignored|closed|sent|was\s+(?:rude|lovely|great|helpful|polite|excellent))\b"
)
_NOT_A_NAME = {
    "The", "This", "That", "It", "He", "She", "They", "We", "You", "I", "My", "Your", "Our", "Someone", "Nobody",
    "Everyone", "Support", "Agent", "Driver", "Rider", "Staff", "App", "Website", "Customer", "Delivery", "Order",
    "Manager", "Management", "Team", "Chat", "Email", "Phone", "Call", "Please", "Both", "And", "Not", "Also",
    # departments and tools that act in feedback as people do: "Billing sent me three totals", "Claims told me"
    *_DEPARTMENTS, *_PANDEMIC,
}  # fmt: skip


def context_names(
    text: str, vocabulary: Vocabulary | None = None, english: Callable[[], frozenset[str]] | None = None
) -> list[tuple[int, int, str]]:
    """Person names by title ("Ms Davies") or by cue ("spoke with Aaliyah and Tyler", "Stuart said"). With the
    text's `vocabulary`, a cued single word that is a common word there and no given name is none ("Code said
    valid until Sunday": "code" is a verb), nor is a sentence's first word that `opens_as_a_word`
    ("Bill says I went over my minutes"). With `english` (what gives `english_words`), a single word cued only by
    what follows it is none when it is a plain English word (`plain_word`: "Transfer says pending")."""
    spans = [(m.start(), m.end(), "PERSON") for m in _TITLE.finditer(text) if m.group(0).lower() not in _NOT_NAMES]
    for m in re.finditer(_NAME, text):
        words = m.group(0).split()
        if words[0] in _NOT_A_NAME:
            continue
        if vocabulary is not None and len(words) == 1 and vocabulary.common(words[0]) and not is_given_name(words[0]):
            continue
        before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 40]
        cued = bool(_CUED.search(before))
        if cued and english is not None and _described(text, m.start(), m.end(), english()):
            continue  # "I'm Livid"
        if not cued and len(words) == 1:
            if vocabulary is not None and opens_as_a_word(text, m.start(), m.end(), vocabulary):
                continue
            if english is not None and _AFTER.match(after) and plain_word(text, m.start(), m.end(), english()):
                continue
        cued = cued or bool(_AFTER.match(after)) or bool(re.search(r"\b(?:and|&)\s+$", before) and spans)
        if cued and not any(m.start() < e and s < m.end() for s, e, _ in spans):
            spans.append((m.start(), m.end(), "PERSON"))
    # "Hello it's Marcus Bell, you can reach me on ...": a given name after "it's", a caller naming themselves (NER
    # missed it; "it's Monday", "it's Amazon" are no given names)
    for m in _ITS.finditer(text):
        if is_given_name(m.group(1)) and not any(m.start(1) < e and s < m.end() for s, e, _ in spans):
            spans.append((m.start(1), m.end(), "PERSON"))
    if vocabulary is not None:
        for span in _addressed(text, vocabulary):
            if not any(span[0] < e and b < span[1] for b, e, _ in spans):
                spans.append(span)
    return spans


# Someone addressed by name, with a surname or not: ", Maryann." / "Hi Scott," / a turn opening "Rebecca, we
# apologize" / "Sorry to hear that, Greg Smith."
_ONE_NAME = rf"(?:Mc|Mac|O['’])?{_WORD}(?:[-'’]{_WORD})?"
_ADDRESSED = re.compile(
    r"(?:,[ \t]+|^|__[ \t]+|\b(?:[Hh]i|[Hh]ey|[Hh]ello|[Dd]ear|[Tt]hanks)[ \t]+)"
    rf"(?!(?:Hi|Hey|Hello|Dear|Thanks)\b)({_WORD})(?:[ \t]+{_ONE_NAME})?(?=[ \t]*[,.!?])",  # "Hey Tasha," is Tasha
    re.M,
)
# A sign-off and a name, at a line's end or before punctuation: "Thanks, Isla Fisher", "Regards Penelope Cruz,
# 07700...", "Thanks Chloe", "Kind regards, Sam J."; or on the line after it, as an e-mail signs ("Kind regards,\nZoe
# Doherty": 44 of 78 such names were kept)
_SIGN_OFF = (
    r"(?:[Mm]any[ \t]+[Tt]hanks|[Tt]hanks|[Tt]hank[ \t]+[Yy]ou|(?:[Kk]ind|[Bb]est|[Ww]arm)[ \t]+[Rr]egards|[Rr]egards|"
    r"[Bb]est(?:[ \t]+[Ww]ishes)?|[Cc]heers|(?:[Yy]ours[ \t]+)?[Ss]incerely)"
)
_SIGNED = re.compile(
    rf"\b{_SIGN_OFF}[,!]?(?:[ \t]+|[ \t]*\r?\n[ \t]*)({_WORD})(?:[ \t]+(?:{_ONE_NAME}|[A-Z]\.))?"
    r"(?=[ \t]*(?:[,.!?;:]|$))",
    re.M,
)


def _addressed(text: str, vocabulary: Vocabulary) -> list[tuple[int, int, str]]:
    """Given names in the place of an address or a signature, with the surname after them: after a comma, a
    greeting or the start of a turn, and before a comma or a sentence's end; or after a sign-off ("Thanks, Isla
    Fisher", "Regards Penelope Cruz") at a line's end too. NER misses most of them ("We're sorry to hear that,
    Maryann."); a given name the text writes as a word ("Will", "Mark") is left to NER."""
    return [
        (m.start(1), m.end(), "PERSON")
        for pattern in (_ADDRESSED, _SIGNED)
        for m in pattern.finditer(text)
        if is_given_name(m.group(1)) and not vocabulary.common(m.group(1))
    ]


# A sentence's first word: the text's, a line's, or one after ". ", "! ", "? ", an opening quote or bracket aside
_OPENS = re.compile(r"(?:\A|[.!?][\"'”’)]*\s+|\n)[ \t]*[\"'“‘(]?\Z")
_ADDRESSED_AFTER = re.compile(r"[ \t]*(?:[,.!?:;]|\Z)")  # "Bill, we're sorry", "Bill!", a name alone: "Bill."
# What a bill, an app or a screen does as much as a person: "Bill says I went over my minutes", "Tracking says
# delivered". Feedback reports what a person said in the past tense ("Bill said he'd call back").
_SAYS = re.compile(r"\s+says\b")


def opens_as_a_word(text: str, start: int, end: int, vocabulary: Vocabulary) -> bool:
    """Whether NER's PERSON at text[start:end] is a given name opening a sentence as a plain word: one the text
    writes in lower case too or an everyday word (`Vocabulary.as_a_word`): "Bill went up and nobody explained why".
    A cue before it ("spoke to Bill"), one after it ("Bill said", "Bill from billing", "Bill was rude"), the place
    of an address ("Bill, we're sorry", "Bill!") or the text capitalising it inside a sentence elsewhere ("the
    engineer Bill came") keeps it a name (docs/lab/names.md, section 10). "says" after it is no cue ("Bill says I
    went over my minutes": what a bill, an app or a screen says is told in the present tense, what a person said in
    the past)."""
    word = text[start:end]
    low = word.lower()
    if not word.isalpha() or not is_given_name(word) or not vocabulary.as_a_word(low) or vocabulary.inside[low]:
        return False
    opens = _OPENS.search(text, max(0, start - 40), start)  # \A matches where the text starts, not the window
    if not opens or cued(text, start) or _CUED.search(text[max(0, start - 40) : start]):  # "J. Bill", "hi\nBill"
        return False
    person_after = _AFTER.match(text, end) and not _SAYS.match(text, end)
    return not (person_after or _ADDRESSED_AFTER.match(text, end))


class PresidioNames:
    """`find(texts)` gives the PERSON spans of each text. With `prefilter` (the default) NER reads only the words
    around capitalised words that could be names (miner/segment/namefilter.py); without it, every text that has
    a capitalised word, whole."""

    def __init__(
        self, model: str = SPACY_MODEL, batch_size: int = 64, min_score: float = MIN_SCORE, prefilter: bool = True
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.min_score = min_score
        self.prefilter = prefilter
        self.analyzer_: Any = None

    def _load(self) -> Any:
        if self.analyzer_ is None:
            os.environ.setdefault("TLDEXTRACT_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "tldextract"))
            try:
                # Without transformers: Presidio imports it for its transformers NLP engine alone (docs/lab/startup.md)
                import_without("presidio_analyzer.nlp_engine", PRESIDIO_SKIPS)
                from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
                from presidio_analyzer.nlp_engine import SpacyNlpEngine
                from presidio_analyzer.predefined_recognizers import SpacyRecognizer
            except ImportError:
                raise ModelError(
                    "name redaction needs presidio-analyzer: pip install presidio-analyzer (or pass --no-redact)"
                ) from None
            import logging

            logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)  # one warning per unmapped NER label
            engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": self.model}])
            try:  # the process's one copy of the model, which the segmenter parses with too (segmenter.py)
                engine.nlp = {"en": load_spacy(self.model)}  # type: ignore[assignment]
            except ModelError as err:
                raise ModelError(f"spaCy model '{self.model}' for name redaction not loadable ({err})") from None
            registry = RecognizerRegistry(supported_languages=["en"])
            registry.add_recognizer(SpacyRecognizer(supported_language="en", supported_entities=["PERSON"]))
            self.analyzer_ = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])
        return self.analyzer_

    def find(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        out: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        self._lower_names(texts, out)
        todo = [i for i, t in enumerate(texts) if _CAPITALISED.search(_PLACEHOLDER.sub(" ", t))]
        # each text's own words: a batch's made a text's names depend on the texts the file's order put beside it
        vocabularies = {i: Vocabulary([texts[i]], self._plain_word) for i in todo}
        for i in todo:
            out[i] = _merge(out[i] + context_names(texts[i], vocabularies[i], self._english_words))
        candidates = {i: name_candidates(texts[i], vocabularies[i]) for i in todo} if self.prefilter else {}
        parts = self._parts(texts, todo, candidates)
        if not parts:
            return out
        pieces = [texts[i][a:b] for i, a, b in parts]
        words = self._english_words()
        for (i, a, _), piece, persons in zip(parts, pieces, self._persons(pieces), strict=True):
            for start, end in persons:
                cue = _LEADING_CUE.match(piece, start, end)
                greeted = cue is not None and cue.end() < end  # "Sorry Baruch": a greeted word is a name
                start = cue.end() if cue and greeted else start
                value = piece[start:end]
                if value.lower() in _NOT_NAMES or _PLACEHOLDER.search(value) or _brand(value):
                    continue
                if self.prefilter and not any(a + start < e and s < a + end for s, e in candidates[i]):
                    continue  # no word of it could be a name: "Last order was great", "Meh."
                if not greeted and plain_word(texts[i], a + start, a + end, words):
                    continue  # "Felt misled.", "Sushi was fresh"
                if not greeted and _described(texts[i], a + start, a + end, words):
                    continue  # "I'm Livid"
                if not greeted and not _cued_before(texts[i], a + start) and _product(texts[i], a + start, a + end):
                    continue  # "my Dyson V15 vacuum", "Nintendo Switch OLED"
                if greeted or not opens_as_a_word(texts[i], a + start, a + end, vocabularies[i]):
                    out[i].append((a + start, a + end, "PERSON"))
        for i in todo:
            out[i] = _merge(out[i])
        return out

    def _persons(self, pieces: list[str]) -> Iterator[list[tuple[int, int]]]:
        """(start, end) of the PERSON entities of each piece, read from the spaCy docs: what Presidio's
        SpacyRecognizer reports (PERSON at its fixed score, 0.85), without the per-text NLP artifacts and
        `analyze` call Presidio builds around them (about a fifth of the NER time, docs/lab/redaction.md)."""
        if self._ner_score() < self.min_score:
            yield from ([] for _ in pieces)
            return
        nlp = self._load().nlp_engine.nlp["en"]
        # NER alone: en_core_web_sm's `ner` has its own embedding layer, so the shared `tok2vec`, which only the
        # tagger and parser read, would double the cost for the same entities (docs/lab/spacyonce.md).
        for doc in nlp.pipe(pieces, batch_size=self.batch_size, disable=components_for(nlp, ["ner"])):
            yield [(e.start_char, e.end_char) for e in doc.ents if e.label_ in _PERSON_LABELS]

    def _english_words(self) -> frozenset[str]:
        """The model's English words (`namefilter.english_words`)."""
        return english_words(str(self._load().nlp_engine.nlp["en"].path))

    def _plain_word(self, word: str) -> bool:
        """Whether lower-case `word` is a word of the model's that is no name (`namefilter.PlainWords`)."""
        return plain_words(str(self._load().nlp_engine.nlp["en"].path)).plain(word)

    def _ner_score(self) -> float:
        """The score Presidio gives every spaCy entity (spaCy's NER has no confidence of its own)."""
        return float(self._load().nlp_engine.ner_model_configuration.default_score)

    def _parts(
        self, texts: list[str], todo: list[int], candidates: dict[int, list[tuple[int, int]]]
    ) -> list[tuple[int, int, int]]:
        """(text, start, end) of what NER reads: windows around each text's `candidates` (possible names), or each
        whole text without the pre-filter."""
        if not self.prefilter:
            return [(i, 0, len(texts[i])) for i in todo]
        return [(i, a, b) for i in todo for a, b in windows(texts[i], candidates[i])]

    def _lower_names(self, texts: list[str], out: list[list[tuple[int, int, str]]]) -> None:
        """Lower-case names after a cue: sure cues at once, the others when NER on a title-cased copy of the words
        around them finds a person there."""
        windows: list[tuple[int, int, int, int]] = []  # text, window start, candidate start, candidate end
        found = [lower_candidates(text) for text in texts]
        if any(not sure for spans in found for *_, sure in spans):  # the English words tell some from names
            words = self._english_words()
            found = [lower_candidates(t, words) if spans else spans for t, spans in zip(texts, found, strict=True)]
        for i, spans in enumerate(found):
            for start, end, sure in spans:
                if sure:
                    out[i].append((start, end, "PERSON"))
                else:
                    windows.append((i, max(0, start - 40), start, end))
        if not windows:
            return
        copies = [title_cased(texts[i], s, e)[w : e + 40] for i, w, s, e in windows]
        for (i, w, start, end), persons in zip(windows, self._persons(copies), strict=True):
            if any(a < end - w and start - w < b for a, b in persons):
                out[i].append((start, end, "PERSON"))


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), label)
        else:
            merged.append((start, end, label))
    return merged
