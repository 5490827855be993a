"""Person names in feedback written in another language. The NER model and the name rules read English: in German
every noun is capitalised, and 62 of a retailer's 72 German reviews lost one to <PERSON> ("<PERSON> hat elf Tage
gedauert" for "Die Lieferung ...", "jedes <PERSON> ab" for "jedes Mal ab"), as did French openings ("<PERSON>
dernière mise à jour" for "Depuis la ..."), which were then no longer read as French. A text that reads as another
language (`name_language`, on the text as written) is not read by NER: only names on a strong cue are redacted there
(`cued_names`: a title, "ich heiße", "je m'appelle", "me llamo", a greeting or a sign-off before a given name).
Its pattern PII (emails, phones, cards, IBANs, postcodes...) is redacted as in any text (pii.py)."""

from __future__ import annotations

import re

from miner.segment.language import MIN_WORDS, other_language, word_counts
from miner.segment.namefilter import LOWER, UPPER, is_given_name

Span = tuple[int, int, str]


def name_language(text: str) -> str | None:
    """The other language `text` reads as (`other_language`); a text too short for that ("Gefällt mir nicht", "Muy
    malo") when half its words or more are one language's and none is English. Wrongly taking a short English text
    for another language costs less here than in mining: its names are still redacted on a cue."""
    if code := other_language(text):
        return code
    words, english, code, best = word_counts(text)
    return code if 2 <= len(words) < MIN_WORDS and not english and 2 * best >= len(words) else None


_WORD_CAP = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"
_NAME = rf"{_WORD_CAP}(?:[ \t]+(?:(?:de|del|de[ \t]+la|da|van|von|di|le|la)[ \t]+)?{_WORD_CAP})?"
# A title takes the capitalised words after it whatever they are ("Herr Müller", "Mme Lefèvre", "Sra. García");
# saying one's name too ("ich heiße Anna", "je m'appelle Léa", "me llamo Lucía", "my name is ...")
_SURE = re.compile(
    r"(?:\b(?:Herrn?|Frau|Hr\.|Fr\.|Dr\.?|Prof\.?|Monsieur|Madame|Mademoiselle|M\.|Mme\.?|Mlle\.?|Señora?|Señorita|"
    r"Sra?\.|Srta\.|Doña|Signora?|Sig\.(?:ra)?|Dhr\.|Mevr\.|Mevrouw|Meneer|Senhora?|Mrs?\.?|Ms\.?)"
    r"|\b(?i:ich[ \t]+heiße|ich[ \t]+heisse|mein[ \t]+name[ \t]+ist|je[ \t]+m['’]appelle|mon[ \t]+nom[ \t]+est|"
    r"me[ \t]+llamo|mi[ \t]+nombre[ \t]+es|mi[ \t]+chiamo|il[ \t]+mio[ \t]+nome[ \t]+è|me[ \t]+chamo|"
    r"o[ \t]+meu[ \t]+nome[ \t]+é|ik[ \t]+heet|mijn[ \t]+naam[ \t]+is|my[ \t]+name[ \t]+is))"
    rf"[ \t]+({_NAME})"
)
# A greeting or a sign-off before a name counts where the name's first word is a given name ("Hallo Anna"), or
# where the name stands as an address does, before a comma or at a line's end ("Hola Lucía,", "Viele Grüße\nJonas
# Weber"): the given-name list is mostly English ("Jonas", "Pierre" are not in it). Not a team ("Hallo Team,")
_GREETED = re.compile(
    r"(?:\b(?i:hallo|liebe[rs]?|guten[ \t]+tag|bonjour|salut|cher|chère|hola|estimad[oa]|querid[oa]|ciao|car[oa]|"
    r"gentile|olá|beste|hoi|hi|hello|dear)"
    r"|\b(?i:viele[ \t]+grüße|liebe[ \t]+grüße|beste[ \t]+grüße|mit[ \t]+freundlichen[ \t]+grüßen|grüße|gruß|lg|mfg|"
    r"danke|vielen[ \t]+dank|cordialement|bien[ \t]+à[ \t]+vous|merci|bises|saludos|un[ \t]+saludo|atentamente|"
    r"gracias|cordiali[ \t]+saluti|saluti|grazie|obrigad[oa]|atenciosamente|met[ \t]+vriendelijke[ \t]+groet|"
    r"groeten|bedankt|thanks|regards))"
    rf"[,!.]?(?:[ \t]+|[ \t]*\r?\n[ \t]*)({_NAME})(?=([ \t]*(?:,|[.!]?[ \t]*$))?)",
    re.M,
)
_NOT_ADDRESSED = frozenset(
    "team kundenservice kundendienst service support zusammen allerseits leute équipe equipe madame monsieur "
    "messieurs equipo señores atención soporte servizio clienti klantenservice beaucoup schön".split()
)


def cued_names(text: str) -> list[Span]:
    """The person names on a strong cue in `text`, which reads as another language (`name_language`)."""
    spans = [(m.start(1), m.end(1), "PERSON") for m in _SURE.finditer(text)]
    for m in _GREETED.finditer(text):
        first = m.group(1).split()[0]
        addressed = m.group(2) is not None and first.lower() not in _NOT_ADDRESSED
        if (is_given_name(first) or addressed) and not any(m.start(1) < e and s < m.end(1) for s, e, _ in spans):
            spans.append((m.start(1), m.end(1), "PERSON"))
    return sorted(spans)
