"""Name redaction in text of another language (miner/segment/foreign.py): only names on a strong cue, no NER."""

import pytest

from miner.segment.foreign import cued_names, name_language
from miner.segment.pii import Redactor

# A retailer's reviews that NER damaged: every German noun is capitalised
UNTOUCHED = [
    "Die Lieferung hat elf Tage gedauert, das ist viel zu lange für mich.",
    "Seit dem letzten Update stürzt die App jedes Mal ab, wenn ich den Warenkorb öffne.",
    "Passt super und die Farbe ist genau wie auf dem Bild.",
    "Gefällt mir nicht",
    "Zu klein, die Hose fällt sehr klein aus und passt nicht.",
    "La talla es demasiado pequeña y el Servicio de Atención no me contesta.",
]


@pytest.fixture(scope="module")
def redactor():
    return Redactor()


@pytest.mark.parametrize("text", UNTOUCHED)
def test_capitalised_words_of_other_languages_are_no_names(redactor, text):
    assert redactor.redact_many([text]) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich heiße Anna Schmidt und warte seit drei Wochen.", "Ich heiße <PERSON> und warte seit drei Wochen."),
        ("Herr Müller hat mir am Telefon nicht geholfen.", "Herr <PERSON> hat mir am Telefon nicht geholfen."),
        ("Je m'appelle Léa et je n'ai pas reçu ma commande.", "Je m'appelle <PERSON> et je n'ai pas reçu ma commande."),
        ("Hola Lucía, el pedido no llegó. Saludos, Carmen", "Hola <PERSON>, el pedido no llegó. Saludos, <PERSON>"),
        ("Die Ware ist nicht da.\nViele Grüße\nJonas Weber", "Die Ware ist nicht da.\nViele Grüße\n<PERSON>"),
    ],
)
def test_names_on_a_strong_cue_are_redacted(redactor, text, expected):
    assert redactor.redact_many([text]) == [expected]


def test_pattern_pii_in_other_languages_stays_redacted(redactor):
    text = "Bitte schreiben Sie mir an jonas.weber@example.de oder rufen Sie 0151 23456789 an, das ist dringend."
    assert redactor.redact_many([text]) == [
        "Bitte schreiben Sie mir an <EMAIL> oder rufen Sie <PHONE> an, das ist dringend."
    ]


def test_ner_reads_english_text_only():
    class Everyone:
        seen: list[str] = []

        def find(self, texts):
            self.seen += texts
            return [[(0, t.index(" "), "PERSON")] for t in texts]

    ner = Everyone()
    out = Redactor(names=ner).redact_many(["Die Lieferung hat elf Tage gedauert, leider.", "Sarah was lovely"])
    assert out == ["Die Lieferung hat elf Tage gedauert, leider.", "<PERSON> was lovely"]
    assert ner.seen == ["Sarah was lovely"]


def test_the_language_is_read_from_short_texts_too():
    assert name_language("Gefällt mir nicht") == "de"
    assert name_language("Muy malo") == "es"
    assert name_language("Thanks Anna") is None
    assert name_language("Sarah was lovely") is None
    assert name_language("Die Lieferung hat elf Tage gedauert") == "de"


def test_a_greeting_takes_a_given_name_only():
    assert cued_names("Hallo Kundenservice, die Ware fehlt.") == []
    assert cued_names("Hallo Anna, die Ware fehlt.") == [(6, 10, "PERSON")]
    assert cued_names("Hallo Team, die Ware fehlt.") == []
    assert cued_names("Danke Schön!") == []
