"""Names written in lower case after a cue ("my name is jane doe", "thanks, jane", "spoke to leah"): the candidates
presidio.py confirms or takes as they are."""

from __future__ import annotations

import re
from functools import lru_cache

from miner.segment.namefilter import LOWER, english_word, is_given_name, word_names

# Names written in lower case ("my name is jane doe", "thanks, jane"): a cue, then one or two lower-case words.
# "my name is" is taken as it is. After the other cues ("i'm sorry", "this is ridiculous", "now i'm overdrawn") an
# English word that is no given name is none; a given name that is no English word ("this is leah") is taken as it
# is; the rest ("i'm grace", "spoke to okafor") are confirmed by NER on a copy of the words around them with the
# candidate title-cased, so only a name the model knows as one is taken.
_SURE_CUE = r"\bmy\s+name\s+is\s+|\bmy\s+name's\s+"
_LOWER_CUE = re.compile(
    rf"(?P<sure>{_SURE_CUE})|(?:\bname\s*:\s*|\bi'?m\s+|\bi\s+am\s+|\bthis\s+is\s+|\bask(?:ed)?\s+for\s+|\bcalled\s+|"
    r"\b(?:spoke|speak|speaking|talked|talking|chatted|chatting)\s+(?:to|with)\s+|\b(?:my|your)\s+(?:agent|driver|rider|courier)\s+|"
    r"(?:^|[.!?,]\s*|\n)(?:thanks|thank\s+you|cheers|regards|best\s+wishes|(?:kind|best|warm)\s+regards|many\s+thanks|"
    r"(?:yours\s+)?sincerely|best(?=,))[,!.]?\s+"
    r"|^\s*(?:hi|hello|hey|dear)\s+)",
    re.IGNORECASE,
)
_LOWER_NAME = re.compile(rf"([{LOWER}][{LOWER}'-]{{1,20}})(?:\s+([{LOWER}][{LOWER}'-]{{1,20}}))?\b")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _NOT_LOWER_NAMES


_NOT_LOWER_NAMES = frozenset(
    "sorry disappointed angry annoyed frustrated furious livid gutted fed tired sick done still not so very really "
    "never going trying waiting afraid here back aware about just only also now contacting writing calling unable "
    "happy unhappy pleased glad shocked appalled disgusted confused "
    "ridiculous unacceptable terrible awful rubbish joke useless great good bad fine ok okay the a an my your their "
    "refund help support delivery order app service manager supervisor someone anyone everyone nobody again "
    "guys team all you lot mate folks customer driver rider agent courier".split()
)
# Irregular past tenses and participles, and regular ones too short for `_could_be_a_name`'s "-ed" test ("lied"). Some
# are given names or names that are words too ("hung", "said", "rose", "drew"): after a cue other than "my name is",
# one of them followed by what a verb takes (`_VERB_TAKES`: "hung up", "rang off", "said no", "took my money") is
# the cued person acting, not a name (75 of a contact centre's 1,319 documents read "Your agent <PERSON>
# up on me twice"); nor is one the surname after a cued name ("your agent dave hung up").
_VERB_FORMS = frozenset(
    "arose awoke beat beaten became began begun bent bet bit bitten bled blew blown bore borne bought bred broke "
    "broken brought built burnt came caught chose chosen clung cost crept cut dealt did done dove drank drawn dreamt "
    "drew driven drove drunk dug eaten fed fell fallen felt fled flew flown flung forbade forgave forgiven forgot "
    "forgotten fought found froze frozen gave given got gotten gone grew grown had heard held hid hidden hit hung hurt "
    "kept knelt knew known laid lain lay led leant leapt learnt left lent let lit lost made meant met misled mistook "
    "paid put quit ran rang read ridden risen rode rose rung said sang sank sat saw seen sent set shaken shed shone "
    "shook shot shown shut slept slid slung sold sought spat sped spent split spoke spoken spread sprang spun stood "
    "stole stolen struck stuck stung sung sunk swept swore sworn swung taken taught thought threw thrown told took "
    "tore torn understood went woke woken won wore worn wound wrote written "
    "lied died tied used owed eyed".split()
)
# What follows a verb and not a name: a particle ("hung up", "rang off"), an object ("told me", "took my money", "said
# no", "lost it"), "to", "twice". Not what a name is followed by as well ("rose was lovely", "hung from billing").
_VERB_TAKES = frozenset(
    "up off out back down away over me us you him her them it myself my our your his their its the a an this that "
    "these those some any no every all nothing everything something anything to twice again".split()
)
_NEXT_WORD = re.compile(r"[ \t]+([a-z]+)\b")


def _could_be_a_name(word: str) -> bool:
    """Not a common word, and a given name or not shaped like a verb form ("your agent laughed", "i'm escalating";
    "my name is mohammed ali" was kept whole for its "-ed")."""
    verb_like = len(word) > 4 and word.endswith(("ed", "ing"))
    return word not in common_words() and (not verb_like or is_given_name(word))


def _acts(text: str, m: re.Match[str]) -> bool:
    """Whether the cued word `m` matched is a verb form the cued person did, by the word after it: "your agent
    hung up on me", "my agent said no"; not "your agent hung nguyen", "thanks, hung"."""
    after = _NEXT_WORD.match(text, m.end(1))
    return m.group(1) in _VERB_FORMS and after is not None and after.group(1) in _VERB_TAKES


def _name_or_unknown(word: str, words: frozenset[str]) -> bool:
    """A given name or a name that is a word too ("grace", "smith"), or no English word ("okafor"): not "stuck",
    "overdrawn", "housebound" after "i'm". Without `words`, any word."""
    return is_given_name(word) or word in word_names() or not english_word(word, words)


def lower_candidates(text: str, words: frozenset[str] = frozenset()) -> list[tuple[int, int, bool]]:
    """(start, end, sure) of lower-case words that a cue marks as a possible name. With `words` (`english_words`),
    after a cue other than "my name is" an English word that is no name is none, and a given name that is no English
    word is sure."""
    out = []
    for cue in _LOWER_CUE.finditer(text):
        m = _LOWER_NAME.match(text, cue.end())
        if m is None or not _could_be_a_name(m.group(1)):
            continue
        first, second = m.group(1), m.group(2)
        named = sure = cue.group("sure") is not None
        if not named and _acts(text, m):
            continue  # "your agent hung up on me"
        if not named and words:
            if not _name_or_unknown(first, words):
                continue
            sure = is_given_name(first) and first not in word_names() and not english_word(first, words)
        surname = second and _could_be_a_name(second) and (named or second not in _VERB_FORMS)
        surname = surname and (named or _name_or_unknown(second, words))
        out.append((m.start(1), m.end(2) if surname else m.end(1), sure))
    return out


def title_cased(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(rf"\b[{LOWER}]", lambda c: c.group(0).upper(), text[start:end]) + text[end:]
