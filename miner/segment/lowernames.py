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


def _could_be_a_name(word: str) -> bool:
    """Not a common word, and a given name or not shaped like a verb form ("your agent laughed", "i'm escalating";
    "my name is mohammed ali" was kept whole for its "-ed")."""
    verb_like = len(word) > 4 and word.endswith(("ed", "ing"))
    return word not in common_words() and (not verb_like or is_given_name(word))


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
        sure = cue.group("sure") is not None
        if not sure and words:
            if not _name_or_unknown(first, words):
                continue
            sure = is_given_name(first) and first not in word_names() and not english_word(first, words)
        surname = second and _could_be_a_name(second) and (cue.group("sure") or _name_or_unknown(second, words))
        out.append((m.start(1), m.end(2) if surname else m.end(1), sure))
    return out


def title_cased(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(rf"\b[{LOWER}]", lambda c: c.group(0).upper(), text[start:end]) + text[end:]
