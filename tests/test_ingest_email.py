"""An e-mail ticket is mined for the customer's own new words only: quoted replies, reply and forward headers,
signatures and disclaimers were mined whole, and made most of a helpdesk export's "complaints"."""

import csv
import time

import pytest

from miner.ingest import read_file
from miner.ingest.email import customer_parts, quotes_earlier
from miner.ingest.records import Record, Turn
from miner.pipeline import MineOptions, mine

OWN = """Hi,

I ordered the Sony WH-1000XM5 headphones on Monday with next day delivery
and it still hasn't arrived. The tracking has said 'out for delivery' for
four days now and DPD just keep saying it's delayed."""

QUOTED = """> Hi Sarah,
>
> We are sorry you are having trouble at checkout. Please try clearing
> your cookies and cache or use a different browser.
>
> Kind regards,
> Dave
> ShopExample Customer Care
> > On Mon, 2 Mar 2026 at 09:00, Sarah <sarah@example.com> wrote:
> > > The checkout page will not accept my postcode."""

DISCLAIMER = """CONFIDENTIALITY NOTICE: This email and any attachments are confidential
and may be legally privileged. If you are not the intended recipient,
please notify the sender immediately and delete it from your system.

Please consider the environment before printing this email."""


def _parts(*blocks: str) -> list[str]:
    return customer_parts("\n\n".join(blocks))


@pytest.mark.parametrize(
    "after",
    [
        f"On Tue, 3 Mar 2026 at 10:02, Support <help@shop.example> wrote:\n{QUOTED}",
        f"On Tue, 3 Mar 2026 at 10:02, ShopExample Support <help@shop.example>\nwrote:\n{QUOTED}",  # wrapped
        "-----Original Message-----\nFrom: ShopExample Support <help@shop.example>\nSent: 03 March 2026 10:02\n"
        "To: Sarah\nSubject: RE: Order SE-771203\n\nPlease try clearing your cookies and cache.",
        "From: ShopExample Support <help@shop.example>\nSent: Tuesday, March 3, 2026 10:02 AM\nTo: Sarah\n"
        "Subject: RE: Order SE-771203\n\nPlease try clearing your cookies and cache.",
        "---------- Forwarded message ---------\nFrom: ShopExample <orders@shop.example>\n"
        "Date: Thu, 26 Feb 2026 at 09:14\nSubject: Your order has been dispatched\n\n"
        "Good news Sarah! Your order has been dispatched with DPD and should arrive\nwithin 1-2 working days.",
        "Begin forwarded message:\n\nFrom: ShopExample <orders@shop.example>\nSubject: Your order has been "
        "dispatched\n\nYour order has been dispatched with DPD.",
        "Kind regards,\nSarah Whitfield\n07700 900461\n\nSent from my Galaxy",
        "Thanks\nSarah\n\nSent from my iPhone",
        "Sent from Yahoo Mail for iPhone",
        "Get Outlook for Android",
        "-- \nSarah Whitfield\nOffice Manager | Harrington & Cole LLP\nT: 07700 900461",
        "Thanks\nSarah Whitfield\nOffice Manager | Harrington & Cole LLP\nT: 07700 900461\n\n" + DISCLAIMER,
        "Sarah Whitfield\nOffice Manager | Harrington & Cole LLP\n12 Fenwick Street, Manchester\n\n" + DISCLAIMER,
        "Regards,\nSarah\n\nSent from my iPhone\n\n"
        f"On Tue, 3 Mar 2026 at 10:02, Support <help@shop.example> wrote:\n{QUOTED}\n>\n"
        + "\n".join(f"> {line}" for line in DISCLAIMER.split("\n")),
    ],
    ids=[
        "reply",
        "wrapped-reply",
        "original-message",
        "outlook-block",
        "forwarded",
        "apple-forward",
        "sign-off",
        "mobile",
        "yahoo",
        "outlook-app",
        "dash-signature",
        "disclaimer",
        "title-lines",
        "all",
    ],  # fmt: skip
)
def test_only_the_customers_new_words_are_mined(after):
    assert _parts(OWN, after) == [OWN]


@pytest.mark.parametrize(
    "header",
    [
        "Am 03.03.2026 um 10:02 schrieb ShopExample Support <help@shop.example>:",
        "Am Di., 3. März 2026 um 10:02 Uhr schrieb ShopExample Support <help@shop.example>:",
        "Am Di., 3. März 2026 um 10:02 Uhr schrieb ShopExample Support <\nhelp@shop.example>:",  # wrapped
        "Le mar. 3 mars 2026 à 10:02, ShopExample Support <help@shop.example> a écrit :",
        "Le mar. 3 mars 2026 à 10:02, ShopExample Support <help@shop.example> a\u00a0écrit\u00a0:",
        "El mar, 3 mar 2026 a las 10:02, ShopExample Support (<help@shop.example>) escribió:",
        "Op di 3 mrt 2026 om 10:02 schreef ShopExample Support <help@shop.example>:",
        "Il giorno mar 3 mar 2026 alle ore 10:02 ShopExample Support <help@shop.example> ha scritto:",
        "Em ter., 3 de mar. de 2026 às 10:02, ShopExample Support <help@shop.example> escreveu:",
        "ShopExample Support schrieb:",  # no date: a quoted line follows
    ],
    ids=["de", "de-gmail", "de-wrapped", "fr", "fr-nbsp", "es", "nl", "it", "pt", "de-name-only"],
)
def test_reply_headers_in_other_languages_end_the_customers_words(header):
    text = f"{OWN}\n\n{header}\n{QUOTED}"
    assert customer_parts(text) == [OWN] and quotes_earlier(text)


@pytest.mark.parametrize(
    "block",
    [
        "Von: ShopExample Support <help@shop.example>\nGesendet: Dienstag, 3. März 2026 10:02\nAn: Sarah\n"
        "Betreff: AW: Bestellung SE-771203",
        "De : ShopExample Support <help@shop.example>\nEnvoyé : mardi 3 mars 2026 10:02\nÀ : Sarah\n"
        "Objet : RE: Commande SE-771203",
        "De: ShopExample Support <help@shop.example>\nEnviado: martes, 3 de marzo de 2026 10:02\nPara: Sarah\n"
        "Asunto: RE: Pedido SE-771203",
        "Van: ShopExample Support <help@shop.example>\nVerzonden: dinsdag 3 maart 2026 10:02\nAan: Sarah\n"
        "Onderwerp: RE: Bestelling SE-771203",
        "Da: ShopExample Support <help@shop.example>\nInviato: martedì 3 marzo 2026 10:02\nA: Sarah\n"
        "Oggetto: R: Ordine SE-771203",
        "De: ShopExample Support <help@shop.example>\nEnviado em: terça-feira, 3 de março de 2026 10:02\n"
        "Para: Sarah\nAssunto: RE: Pedido SE-771203",
        "-----Ursprüngliche Nachricht-----\nVon: ShopExample Support\nBetreff: Bestellung",
        "---------- Message transféré ---------\nDe : ShopExample <orders@shop.example>",
    ],
    ids=["de", "fr", "es", "nl", "it", "pt", "de-original", "fr-forward"],
)
def test_outlook_blocks_and_markers_in_other_languages_end_the_customers_words(block):
    assert _parts(OWN, f"{block}\n\nBitte leeren Sie Ihren Cache. Please try clearing your cookies.") == [OWN]


def test_an_inline_reply_keeps_the_customers_answers_between_quotes():
    text = (
        "On Tue, 3 Mar 2026 at 10:02, Support <help@shop.example> wrote:\n"
        "> Have you tried clearing your cookies?\n\nYes, twice, and the checkout page still fails.\n\n"
        "> Which card are you using?\n\nA Visa debit card.\n\n-- \nSarah"
    )
    assert customer_parts(text) == ["Yes, twice, and the checkout page still fails.", "A Visa debit card."]


def test_a_helpdesk_thread_keeps_the_customers_messages_and_drops_the_agents():
    rule = "-" * 46
    text = "\n".join([
        rule, "", "Chloe Castellano, 17 Feb 2026, 07:42", "", "The box arrived crushed.", "", "Thanks,", "Chloe", "",
        rule, "", "Kirsty (ShopExample Support), 17 Feb 2026, 10:42", "", "Hi Chloe,", "",
        "Please send us a photo of the damage.", "", "Kind regards,", "Kirsty", "",
        rule, "", "Chloe Castellano, 18 Feb 2026, 07:42", "", "I sent the photo two days ago and nobody replied.",
    ])  # fmt: skip
    assert customer_parts(text) == ["The box arrived crushed.", "I sent the photo two days ago and nobody replied."]


def test_a_helpdesk_thread_whose_first_message_has_no_author_line_drops_the_agents_reply():
    """The first message is the ticket's description, with no rule nor author line over it: the one author line
    found (the agent's) was not enough to read a thread, and the agent's reply was mined as the customer's words."""
    from miner.ingest.email import quotes_earlier

    rule = "-" * 46
    text = "\n".join([
        "I was charged twice for my order and the refund has not arrived.", "",
        rule, "", "Kirsty (ShopCo Support), 12 Mar 2026, 10:42", "", "I have asked our billing team to look into it.",
    ])  # fmt: skip
    assert customer_parts(text) == ["I was charged twice for my order and the refund has not arrived."]
    assert quotes_earlier(text)  # it holds an earlier message: a later export's version of it replaces it
    # one author line over the only message, or a customer's, says nothing of an agent
    alone = "\n".join([rule, "", "Dana Customer, 12 Mar 2026, 09:00", "", "I was charged twice for my order."])
    assert customer_parts(alone) == [alone] and not quotes_earlier(alone)
    signed = "\n".join(["The box was crushed.", "", rule, "", "Dana Customer, 12 Mar 2026, 09:00", "", "Photo sent."])
    assert customer_parts(signed) == [signed]


@pytest.mark.parametrize(
    "text",
    [
        "I'd give it > 3 stars if the app\nworked.\n> 50% of my orders arrive late.",
        "On Monday the driver wrote: sorry we missed you\nbut I was home all day.",
        "On 3 March the driver wrote:\nsorry we missed you, but I was home all day.",
        "From: London\nTo: Paris\nDate: 3 March\nThe flight was delayed by six hours.",
        "Thanks for nothing.\nThe parcel never came.",
        "Pros -- fast\nCons -- the box was crushed\n--\nWould not order again, the refund took six weeks, three calls.",
        "Sent via Royal Mail and it never arrived.\nTerrible.",
        "Great price.\n\nThanks,\nBut the delivery was two weeks late.",
        "Am Montag schrieb der Fahrer: tut mir leid\naber ich war den ganzen Tag zu Hause.",
        "Am 3.3.2026 schrieb ich an den Kundendienst:\nniemand hat geantwortet, und das Paket fehlt noch.",
        "Le livreur a écrit :\ndésolé, mais j'étais chez moi toute la journée.",
        "Le 3 mars le livreur a écrit :\ndésolé, mais j'étais chez moi.",
        "El lunes el repartidor escribió:\nlo siento, pero estuve en casa todo el día.",
        "Op maandag schreef de bezorger:\nsorry, maar ik was de hele dag thuis.",
        "Il corriere ha scritto:\nscusate, ma ero a casa tutto il giorno.",
        "Em março o entregador escreveu:\ndesculpe, mas eu estava em casa.",
        "De : Paris\nÀ : Lyon\nLe train avait six heures de retard.",
        "Von: Berlin\nAn: München\nDer Zug hatte sechs Stunden Verspätung.",
        "Da: Roma\nA: Milano\nData: 3 marzo\nIl treno era in ritardo di sei ore.",
    ],
)
def test_text_that_is_not_an_email_is_mined_whole(text):
    assert customer_parts(text) == [text] and not quotes_earlier(text)


def test_each_part_is_a_slice_of_the_text_in_order():
    text = "\r\n".join(
        f"{OWN}\n\nThanks,\nSarah\n\nSent from my iPhone\n\nOn 3/3/26 10:02, Dave wrote:\n{QUOTED}".split("\n")
    )
    parts = customer_parts(text)
    assert len(parts) == 1 and parts[0].startswith("Hi,") and parts[0].endswith("delayed.")
    assert text.find(parts[0]) == 0


def test_records_mine_the_title_and_the_customers_words_and_turns_too():
    text = f"{OWN}\n\nSent from my iPhone"
    assert Record("t.csv", 2, text, title="Late delivery").mined_text() == [(None, "Late delivery"), (None, OWN)]
    turns = [Turn("customer", text), Turn("agent", "Sorry to hear that.\n\nSent from my iPhone")]
    assert Record("t.csv", 2, text, kind="transcript", turns=turns).mined_text() == [("customer", OWN)]


@pytest.mark.parametrize(
    "text",
    [
        "On " + "1" * 200_000 + " wrote:\n> x",
        "On 2026\n" * 25_000,
        ("Am 1:00 " + "schrieb " * 36 + "\n") * 5_000,
        ("> " * 50_000 + "\n") * 4,
        "-- \n" * 50_000,
        "--\n" * 50_000,
        "--\n" + "a\n" * 100_000,
        ("-" * 30 + "\nA, 1 2026, 10:00\n") * 5_000,
        "Sent from my " + "phone " * 40_000,
        ("Thanks,\n" + "a b\n" * 7 + "\n") * 5_000,
        "This email " + "is " * 70_000 + "confidential\n\n" * 3,
        ("\n\n" + "x" * 300 + "\n") * 600 + "\n\nDisclaimer: x",
        "If you are not the intended recipient\n" * 20_000,
    ],
)
def test_adversarial_texts_take_linear_time(text):
    start = time.perf_counter()
    customer_parts(text)
    assert time.perf_counter() - start < 2.0


SEGMENTS = "SELECT s.text, s.start, d.text AS body FROM segments s JOIN documents d ON d.id = s.document_id"
COMPLAINTS = "SELECT s.text FROM segment_results r JOIN segments s ON s.id = r.segment_id WHERE r.complaint"
LEFT_OUT = ("cookies", "intended recipient", "environment", "iPhone", "Office Manager", "Customer Care", "wrote:",
            "refunded your card", "Forwarded", "Subject:", "<PHONE>", "Kind regards")  # fmt: skip


def test_mined_tickets_store_no_quoted_signature_or_disclaimer_segment(tmp_path, db, mini_taxonomy, fake_embedder):
    from miner.segment import Segmenter

    path = tmp_path / "tickets.csv"
    bodies = [
        f"{OWN}\n\nI was charged twice for my order.\n\nThanks,\nSarah Whitfield\n07700 900461\n\n"
        f"Sent from my iPhone\n\nOn Tue, 3 Mar 2026 at 10:02, ShopExample Support <help@shop.example> wrote:\n{QUOTED}",
        "The box arrived crushed and the packaging was torn open.\n\nKind regards,\nTom\n"
        f"Office Manager | Harrington & Cole LLP\n\n{DISCLAIMER}",
        "The refund never arrived on my card.\n\nTom\n\n---------- Forwarded message ---------\n"
        "From: ShopExample <orders@shop.example>\nSubject: Your refund of £89.00 is on its way\n\n"
        "We have refunded your card. Sorry for the double charge on your card statement.",
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "created_at", "csat", "subject", "body"])
        for i, body in enumerate(bodies):
            w.writerow([f"T-{i}", "2026-03-09 10:00", 1, "Complaint", body])
    assert {r.kind for r in read_file(path)} == {"transcript"}  # a ticket_id column: the kind stays as it was
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=Segmenter()))
    rows = [r for r in db.query(SEGMENTS) if r["text"] != "Complaint"]  # the subject is mined as before
    texts = {r["text"] for r in rows}
    assert "I was charged twice for my order." in texts and "The refund never arrived on my card." in texts
    for r in rows:
        assert r["start"] >= 0, r["text"]
        assert r["body"][r["start"] : r["start"] + len(r["text"])].replace("\n", " ") == r["text"]
        line_start = r["body"].rfind("\n", 0, r["start"]) + 1
        assert not r["body"][line_start:].startswith(">"), r["text"]
        assert not any(word in r["text"] for word in LEFT_OUT), r["text"]
    complaints = [r["text"] for r in db.query(COMPLAINTS)]
    assert complaints and set(complaints) <= texts | {"Complaint"}
