"""Where a person's name may be: the cheap pre-filter that decides which words the NER model reads.

spaCy's NER is nearly all of redaction's time (docs/lab/speed.md), so it reads only windows of a few words around
each word that could be a name, not whole texts (docs/lab/names.md measures each rule). A capitalised word is a
candidate when
- it is a given name (miner/segment/data/first_names.txt: "Mark", "Will", "Grace"), or
- it is shaped like a name ("McKenzie", "DeMario"), or
- a cue stands before it: a title ("Mr", "Captain"), an initial ("J. Miller"), "my name is", "I'm", "spoke to",
  "ask for", "thanks", "hi", a signature mark ("^", "*", "-"), or
- its lower-case form is not a common word: not a stop word, not in data/common_words.txt, not a place, a day or
  an interjection (data/not_names.txt: "Denver", "Friday", "Hello"), not written in lower case anywhere in its own
  text, and no adjective, adverb or verb of the spaCy model's tables nor a regular form of one or a noun's plural
  ("Okafor", "Delta", "Sherouk, we're sorry"; not "Glad", "Unfortunately", "Looking", "Agents").
  A text's own words, never its batch's: which texts share a batch follows the file's order, and a word the batch
  wrote in lower case made "Clearer" a name in one order and no name in another (`Vocabulary`).
A contraction ("Don't", "Won't", "Bill'll"), the parts of "Wi-Fi" and a unit of data or speed ("12 Mbps")
are never one.
So a capitalised common word is no candidate ("Flight was late", "our Baggage team", "Unfortunately, ...") unless
it is a given name ("Mark, we're sorry") or cued. A word right after "#" is none: pii.py keeps hashtags.
Surnames sit in their first name's window; a surname alone stays a candidate.
Lower-case given names after a greeting ("hi john", "thanks tom") are candidates too.
A text with no candidate is not read by NER at all. The small model's context is a few tokens either side, so a
window of 25 characters reads each name as the whole text would on the labelled sample (40 read a third more
characters for the same names: docs/lab/batchredact.md). Lower-case names after other cues ("my name is
jane") are found apart (lowernames.py, `lower_candidates`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib.resources import files

# Latin letters by case, accented ones too ("Søren", "Łukasz", "élodie" were never candidates): re has no \p{Lu}
_LATIN = [chr(c) for c in range(0xC0, 0x250)]
UPPER = "A-Z" + "".join(c for c in _LATIN if c.isupper())
LOWER = "a-z" + "".join(c for c in _LATIN if c.islower())
CAPITALISED = re.compile(rf"\b[{UPPER}][{LOWER}]+(?:['’][{UPPER}{LOWER}]+)?")
WINDOW = 25  # characters either side of a candidate, widened to whole words
_LOWER_WORD = re.compile(r"\b[a-z][a-z]+\b")
# An email address or a URL: its words are no use of the word ("isla.fisher@example.com" does not make "Isla" a word)
_ADDRESS_LIKE = re.compile(r"[\w.+-]+@[\w.-]+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_INSIDE = re.compile(rf"(?<=[a-z0-9,;] )[{UPPER}][{LOWER}]+\b")  # "spoke to Bill", "Thanks, Bill"; not "Bill went up"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Lady|Lord|Prof|Professor|Captain|Capt|Officer|Sergeant|Sgt|Nurse)\.?"
_CUE = re.compile(
    rf"(?:\b{_TITLE}\s+|\bname\s+is\s+|\bI'?m\s+|\bI\s+am\s+|\bthis\s+is\s+|\bit'?s\s+|"
    r"\b(?:spoke|speak|speaking|talked|talking|chatted|chatting)\s+(?:to|with)\s+|\bask(?:ed)?\s+for\s+|\bthanks?,?\s+|"
    r"\bthank\s+you,?\s+|\bthx,?\s+|\bcheers,?\s+|\b(?:hi|hello|hey|dear)\b,?\s+|"
    r"[\^*]\s*|(?:^|\s)[-–~]\s*|\b[A-Z]\.\s*)\Z",
    re.IGNORECASE,
)
_SURNAME_PREFIX = re.compile(r"(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|O['’])[A-Z]")  # "DeMario", "McKenzie"
_CUE_REACH = 30  # characters before a word where its cue is looked for
_CONTRACTION = re.compile(r"['’](?:t|ll|re|ve|d|m)\Z", re.IGNORECASE)  # "Don't" is no "Don"; "Mark's" may be
_WIFI = re.compile(r"\bWi-?Fi\b", re.IGNORECASE)
_UNIT = re.compile(r"[KMGT](?:b|bps|bit|bits|byte|bytes|hz)", re.IGNORECASE)  # NER's "12 <PERSON>."
_GREETED = re.compile(r"\b(?:hi|hello|hey|dear|thanks|thank\s+you|thx|cheers|bye)\b,?\s+([a-z]+)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _word_list(name: str) -> frozenset[str]:
    text = files("miner.segment").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names, lower case (Faker's common names of English-speaking countries, and short forms)."""
    return _word_list("first_names.txt")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """About a thousand everyday English words (Faker's lorem list), spaCy's stop words, and capitalised words that
    are no name: places, days, interjections (Faker's countries and states, the time-zone cities, team-written
    words; never a given name or a common surname)."""
    return _word_list("common_words.txt") | _stop_words() | _word_list("not_names.txt")


def is_given_name(word: str) -> bool:
    """Whether `word` ("Mark", "mark's") is in the given-name list."""
    return _stem(word) in first_names()


@lru_cache(maxsize=1)
def word_names() -> frozenset[str]:
    """Names that are English words too ("Basil", "Rod", "Curry", "Ladd"): the given names and surnames of every
    Faker locale that the spaCy model's word list holds. NER's PERSON on one of them stands (`plain_word`)."""
    return _word_list("word_names.txt")


_PARTS = ("noun", "verb", "adj", "adv")


@lru_cache(maxsize=4)
def _lemma_tables(model_path: str) -> dict[str, frozenset[str]]:
    """The lower-case words of the spaCy model's lemmatizer tables at `model_path`, by part of speech: its lemmas
    ("noun", "verb", "adj", "adv") and, under "irregular", the irregular forms ("got", "flew", "best"). Empty for a
    model without the tables."""
    from pathlib import Path

    folder = Path(model_path) / "lemmatizer" / "lookups"
    if not (folder / "lookups.bin").exists():
        return {}
    from spacy.lookups import Lookups

    lookups = Lookups().from_disk(folder)
    tables: dict[str, frozenset[str]] = {}
    for name, key in (("lemma_index", "lemmas"), ("lemma_exc", "irregular")):
        if not lookups.has_table(name):
            continue
        table = lookups.get_table(name)
        for part in _PARTS:
            words = frozenset(w for w in table.get(part, ()) if w.isalpha() and w.islower())
            into = part if key == "lemmas" else key
            tables[into] = tables.get(into, frozenset()) | words
    return tables


@lru_cache(maxsize=4)
def english_words(model_path: str) -> frozenset[str]:
    """The lower-case words of the spaCy model's lemmatizer tables at `model_path` (en_core_web_sm's: WordNet's
    index and irregular forms, about 82,000 words); empty for a model without them."""
    return frozenset().union(*_lemma_tables(model_path).values())


@lru_cache(maxsize=4)
def plain_words(model_path: str) -> PlainWords:
    """The `PlainWords` of the spaCy model at `model_path` (none for a model without lemmatizer tables)."""
    return PlainWords(_lemma_tables(model_path))


class PlainWords:
    """The words of the spaCy model's tables that are no name however a text writes them (`plain`), for `Vocabulary`:
    the same for every text, so a text's names do not depend on the texts beside it."""

    # The regular forms of a verb ("looking", "explained"), a noun's or a verb's in -s ("agents", "apologies") and an
    # adjective's comparative and superlative ("clearer", "nicer", "easiest")
    _FORMS = (("ing", "", ("verb",)), ("ed", "", ("verb",)), ("d", "", ("verb",)), ("ies", "y", ("noun", "verb")),
              ("es", "", ("noun", "verb")), ("s", "", ("noun", "verb")), ("er", "", ("adj",)), ("r", "", ("adj",)),
              ("ier", "y", ("adj",)), ("est", "", ("adj",)), ("st", "", ("adj",)), ("iest", "y", ("adj",)))  # fmt: skip

    def __init__(self, tables: dict[str, frozenset[str]]) -> None:
        self.tables = tables
        self.describing = frozenset().union(*(tables.get(k, frozenset()) for k in ("verb", "adj", "adv")))

    def plain(self, word: str) -> bool:
        """Whether lower-case `word` is an adjective, an adverb, a verb, an irregular form ("got") or a regular form
        of a verb, a noun or an adjective: no noun alone, for the nouns hold people and places in lower case
        ("penn", "aristotle"); never a given name or a surname that is a word too ("grace", "baker"), nor a word of
        two letters (mostly abbreviations: "gi", "cv")."""
        if len(word) < 3 or word in first_names() or word in word_names():
            return False
        if word in self.describing or word in self.tables.get("irregular", ()):
            return True
        for suffix, added, parts in self._FORMS:
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                base = word[: -len(suffix)] + added
                if any(base in self.tables.get(part, ()) for part in parts):
                    return True
        return False


def _forms(word: str) -> set[str]:
    """`word` and what it may be inflected from ("extras", "jinxed", "sitting"): enough to look it up."""
    forms = {word}
    for suffix, keep in (("s", 1), ("es", 2), ("ed", 2), ("d", 1), ("ing", 3)):
        if word.endswith(suffix) and len(word) > keep + 2:
            forms.add(word[:-keep])
    return forms


def english_word(word: str, words: frozenset[str]) -> bool:
    """Whether lower-case `word`, or what it may be inflected from, is in `words` (`english_words`)."""
    return bool(_forms(word) & words)


_VOCATIVE = re.compile(r",\s*\Z")


def plain_word(text: str, start: int, end: int, words: frozenset[str]) -> bool:
    """Whether NER's PERSON at text[start:end] is a plain English word rather than a name: one word, in `words`
    (`english_words`), no given name or surname that is a word too (`word_names`), and no cue before it nor a
    greeting around it ("Thanks, Ladd."). spaCy's small model calls "Felt misled.", "chips under 'Extras'" and
    "Sushi was fresh" persons (docs/lab/names.md)."""
    value = text[start:end]
    if not value.isalpha() or not words:
        return False
    low = value.lower()
    if low in first_names() or low in word_names() or not english_word(low, words):
        return False
    greeted = _VOCATIVE.search(text[max(0, start - 3) : start]) and text[end : end + 1] in (".", "!", "?", ",", "")
    return not (greeted or cued(text, start))


class Vocabulary:
    """The words `texts` write in lower case: a word written so is a common word there, not a name. And the words
    they capitalise inside a sentence (`inside`, lower case), where only a name or a title is capitalised.
    Email addresses and URLs are left out: a customer's "isla.fisher@..." made "Thanks, Isla" a plain word.
    The redactor gives each text its own (presidio.py), never one of its batch: the texts beside it follow the
    file's order, and the same comment was redacted one way in file order and another shuffled. `plain` (the
    model's `PlainWords.plain`, loaded on first use) stands in for the everyday words a batch wrote: the same for
    every text."""

    def __init__(self, texts: Iterable[str], plain: Callable[[str], bool] | None = None) -> None:
        self.lower: Counter[str] = Counter()
        self.inside: Counter[str] = Counter()
        self.plain = plain
        for text in texts:
            text = _ADDRESS_LIKE.sub(" ", text)
            self.lower.update(_LOWER_WORD.findall(text))
            self.inside.update(w.lower() for w in _INSIDE.findall(text))

    def common(self, word: str) -> bool:
        """A stop word, an everyday word, a word the texts write in lower case or a plain word of the model's."""
        stem = _stem(word)
        return stem in common_words() or self.lower[stem] > 0 or (self.plain is not None and self.plain(stem))

    def as_a_word(self, word: str) -> bool:
        """Whether lower-case given name `word` is written as a word: the texts write it in lower case, or it is an
        everyday word ("bill", "will", "hope"), which a batch of a few hundred texts always wrote."""
        return self.lower[word] > 0 or word in common_words()


def _stem(word: str) -> str:
    return re.split(r"['’]", word.lower())[0]  # "We're" is "we"


def cued(text: str, start: int) -> bool:
    """A title or a name cue just before the word."""
    return bool(_CUE.search(text[max(0, start - _CUE_REACH) : start]))


def _candidate(text: str, start: int, end: int, vocabulary: Vocabulary) -> bool:
    word = text[start:end]
    if start > 0 and text[start - 1] == "#":  # a hashtag: pii.py keeps it whatever NER says
        return False
    if _CONTRACTION.search(word) or _UNIT.fullmatch(word):
        return False
    if is_given_name(word) or _SURNAME_PREFIX.match(text, start):
        return True
    if not vocabulary.common(word):
        return True
    # A common word is a name only after a cue; a sentence's first word before a comma ("Unfortunately, ...")
    # is a greeting only if the word is no common one, which the line above has already said.
    return cued(text, start)


def name_candidates(text: str, vocabulary: Vocabulary) -> list[tuple[int, int]]:
    """(start, end) of each word that could be a name (see the module's docstring), in text order."""
    wifi = [m.span() for m in _WIFI.finditer(text)]
    found = [
        m.span()
        for m in CAPITALISED.finditer(text)
        if _candidate(text, *m.span(), vocabulary) and not any(a <= m.start() < b for a, b in wifi)
    ]
    found += [m.span(1) for m in _GREETED.finditer(text) if m.group(1) in first_names()]
    return sorted(set(found))


def windows(text: str, candidates: list[tuple[int, int]], width: int = WINDOW) -> list[tuple[int, int]]:
    """The parts of `text` NER reads: `width` characters either side of each candidate, widened to whole words,
    overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for start, end in candidates:
        a, b = max(0, start - width), min(len(text), end + width)
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out
