"""Feedback in another language written in Latin letters is left unread and counted by language
(miner/segment/language.py): the models read English only."""

from collections import Counter

import pytest

from miner.segment.language import languages, named, other_language

FOREIGN = {
    "es": "El repartidor llegó una hora tarde y la comida estaba fría",
    "de": "Die Lieferung kam nicht an und niemand hat mir geantwortet",
    "fr": "Le site ne montre pas les frais de livraison avant le paiement",
    "pt": "O pedido chegou errado e o suporte não respondeu nada",
    "it": "Il corriere non è mai arrivato e nessuno risponde al telefono",
    "nl": "Het duurde veel te lang voordat mijn bestelling bij ons was",
}

ENGLISH = [
    "The app crashed twice when I tried to pay",
    "Love Al Di La",  # a restaurant's name: too few words
    "We ate at the Café de la Gare and the waiter was rude to us",
    "Terrible service, cold food, no refund, never again",
    "Die hard fans of the show will hate the new menu",
    "Muy malo",  # too short to tell: read as it comes
    "I asked for the pasta con pollo but got the lasagne",
    "Ordered the Pain au chocolat, it was stale",
    "",
]


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_each_language_is_told_by_its_own_words(code):
    assert other_language(FOREIGN[code]) == code


def test_french_read_by_its_prepositions_too():
    """Three hits in 15 words ("la", "que", "le") were under a quarter: read as English, and mined as English."""
    text = "Depuis la dernière mise à jour l'application plante à chaque fois que j'ouvre le panier."
    assert other_language(text) == "fr"


@pytest.mark.parametrize("text", ENGLISH)
def test_english_and_too_short_texts_stay_read(text):
    assert other_language(text) is None


def test_counts_name_the_languages_most_first():
    counts = languages([FOREIGN["es"], FOREIGN["es"], FOREIGN["de"], *ENGLISH])
    assert counts == Counter({"Spanish": 2, "German": 1})
    assert named(counts) == "Spanish 2, German 1"


def test_mine_leaves_other_languages_unread_and_says_which(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A file of 8 items, 6 in five other languages, showed 2 complaints of 8 items and no word about the 6."""
    from miner.pipeline import MineOptions, mine
    from miner.report.model import build_report
    from miner.segment.scripts import unread_notes

    path = tmp_path / "mixed.csv"
    rows = ["I was charged twice for one order", "The app crashed twice when I tried to pay", *FOREIGN.values()]
    path.write_text("id,text\n" + "".join(f"{i},{text}\n" for i, text in enumerate(rows)), encoding="utf-8")
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    [imp], _ = mine(db, [path], options)
    assert (imp.added, imp.no_segments) == (8, 0)  # no_segments: other items without a word of English
    assert imp.languages == Counter({name: 1 for name in ("Spanish", "German", "French", "Portuguese", "Italian",
                                                           "Dutch")})  # fmt: skip
    [note] = unread_notes("mixed.csv", imp.other_script, imp.no_segments, imp.languages)
    assert note.startswith("mixed.csv: 6 items have text in another language (Spanish 1, German 1, ")
    assert "translate such feedback before mining it" in note
    stored = {row["document_id"] for row in db.query("SELECT DISTINCT document_id FROM segments")}
    assert len(stored) == 2  # nothing of the six was embedded or mapped
    quality = build_report(db)["quality"]
    # unread_items said 0 beside six items in unread_languages: it is every unread item now, the languages' too
    assert quality["unread_items"] == 6 and sum(quality["unread_languages"].values()) == 6
    assert "6 items are in another language (" in " ".join(quality["warnings"])


def test_an_english_title_over_text_in_another_language_is_read(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A ticket "Charged twice and no refund" over a Spanish body gave no segment at all."""
    from miner.pipeline import MineOptions, mine
    from miner.report.model import build_report

    path = tmp_path / "tickets.csv"
    german = "Die Bestellung ist nicht angekommen und keiner hilft"  # a title of another language: not read
    rows = f"T1,Charged twice and no refund,{FOREIGN['es']}\nT2,{german},{FOREIGN['de']}\n"
    path.write_text(f"id,subject,body\n{rows}")
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    [imp], _ = mine(db, [path], options)
    assert imp.languages == Counter({"Spanish": 1, "German": 1}) and imp.no_segments == 0
    assert [row["text"] for row in db.query("SELECT text FROM segments")] == ["Charged twice and no refund"]
    quality = build_report(db)["quality"]
    assert quality["unread_languages"] == {"Spanish": 1, "German": 1}


def test_the_reports_unread_items_are_the_sum_of_their_parts(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A report JSON held `unread_items: 0` next to `unread_languages: {'Spanish': 1}`."""
    from miner.pipeline import MineOptions, mine
    from miner.report.model import build_report

    path = tmp_path / "r.csv"
    rows = ["1,I was charged twice for my order", f"2,{FOREIGN['es']}", "3,-", "4,Доставка опоздала на два часа"]
    path.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    q = build_report(db)["quality"]
    assert q["unread_languages"] == {"Spanish": 1} and q["unread_wordless"] == 1
    assert q["unread_no_english"] == 1 and q["unread_other_script"] == 1
    assert q["unread_items"] == 3 == sum(q["unread_languages"].values()) + q["unread_no_english"] + q["unread_wordless"]
