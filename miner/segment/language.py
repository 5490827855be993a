"""Feedback in another language written in Latin letters: the models read English only, so a Spanish or German
review gave clauses that were embedded, rarely found to be complaints and mapped at random, and the report counted
it as an item without a complaint (a file of 8 items, 6 of them in five other languages, showed 2 complaints of 8
items and no word about the other 6). An item whose text reads as another language is now left unread, as an
Arabic or Japanese one is (miner/segment/scripts.py), and counted by language.

The test is the language's own function words ("que", "und", "les", "het"), which any sentence of a few words holds
and English text does not: a word the language shares with English ("a", "no", "me", "also", "son") is left out
of its list. An item of five words or more is another language's when at least three of them, and a quarter of
them, are that language's, and more than twice as many as English's. A short answer ("Muy malo") or an English
review quoting a phrase ("the café de la gare was closed") stays English: too few words to tell, and wrongly
leaving English text unread costs more than reading a foreign sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

LANGUAGES = {"es": "Spanish", "de": "German", "fr": "French", "pt": "Portuguese", "it": "Italian", "nl": "Dutch"}

# Each language's function words and everyday feedback words, less any English one (`_ENGLISH` is taken out, and
# "war", "son", "come", "also", "per", "pro" were never put in). A word two languages share counts for both.
_WORDS = {
    "es": """de el la los las del que y en un una por con para es está están no muy pero mi mis su sus al lo como
        más fue han hay nos me se tienen estaba sin ya cuando porque también este esta esto todo nada pedido servicio
        nunca siempre llegó tengo hace pésimo atención cliente después dinero ni le les yo usted ustedes han sido""",
    "de": """der die das und nicht ist ich es ein eine einen mit zu sich den dem auf sehr wir sind hat habe haben
        wurde wurden kein keine noch nur auch aber oder wenn weil mein meine meinen mir mich uns ihr ihre sie bei
        nach von vom zum zur für über schon immer nie bestellung lieferung kunden leider schlecht gar nichts
        niemand wieder""",
    "fr": """le la les de des du et est pas je un une que qui en pour dans sur avec mais nous vous ils elle il ne
        très mon ma mes sa ses au aux ce cette été avoir avait suis sont ont fait plus jamais rien toujours
        commande livraison service client après même aussi bien mal personne déjà encore à depuis chaque fois
        quand où car donc sans chez""",
    "pt": """de o os as do da dos das que e em um uma por com para é está não muito mas meu minha seu sua ao na no nas
        nos foi tem até sem já quando porque também este esta isso tudo nada pedido atendimento cliente nunca
        sempre chegou tenho péssimo depois dinheiro ninguém""",
    "it": """il lo la gli le di del della che e è un una per con non molto ma mio mia suo sua al alla nel nella sono
        ha ho hanno stato stata senza già quando perché anche questo questa tutto niente ordine servizio cliente
        mai sempre arrivato dopo soldi nessuno ancora""",
    "nl": """de het een en van is niet ik dat die met op voor zijn maar mijn geen nog ook wel al bij naar wat er
        heb heeft hebben werd was te niet kan moet nooit altijd bestelling levering klantenservice slecht niemand
        weer veel""",
}
_ENGLISH = set(
    """the and to of i my was is it for with not this that they we you have had but on in at be are me no so a an
    our us your their them been were will would there what when just very all from about after again did does do
    has he she his her which who than then out up if or as by its it's i'm don't didn't can't""".split()
)
WORDS = {code: set(words.split()) - _ENGLISH for code, words in _WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

MIN_WORDS = 5  # fewer can be a name ("Love Al Di La", a restaurant)
MIN_HITS = 3  # a language's words in a text before it may be that language's
MIN_SHARE = 0.25  # and their share of its words


def other_language(text: str) -> str | None:
    """The code of the other language `text` reads as ("es", "de", "fr", "pt", "it", "nl"), None for English or a
    text too short to tell."""
    words, english, code, best = word_counts(text)
    if len(words) < MIN_WORDS:
        return None
    if best >= MIN_HITS and best >= MIN_SHARE * len(words) and best > 2 * english:
        return code
    return None


def word_counts(text: str) -> tuple[list[str], int, str, int]:
    """`text`'s words in lower case, how many are English's, and the other language most of them are of, with how
    many."""
    words = _WORD.findall(text.lower())
    hits = {code: sum(w in vocab for w in words) for code, vocab in WORDS.items()}
    code, best = max(hits.items(), key=lambda kv: kv[1])
    return words, sum(w in _ENGLISH for w in words), code, best


def languages(texts: Iterable[str]) -> Counter[str]:
    """How many of `texts` read as each other language, by name ("Spanish": 12)."""
    return Counter(LANGUAGES[code] for text in texts if (code := other_language(text)))


def named(counts: Counter[str]) -> str:
    """'Spanish 12, German 3' (most first)."""
    return ", ".join(f"{name} {n:,}" for name, n in counts.most_common())
