"""PII recall on the team's labelled sample (tests/data/pii_labelled.txt), with Presidio for names."""

import json
import re

import pytest

from miner.segment.pii import Redactor, apply, luhn_ok, pseudonymise, redact, redact_records

_MARK = re.compile(r"\{([A-Z]+)\|([^}]*)\}")


def load_labelled(path):
    """(text, [(start, end, label)]) per line, from {LABEL|value} marks."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "meta:")):  # meta lines: test_meta_lines_of_the_sample...
            continue
        text, spans, pos = "", [], 0
        for m in _MARK.finditer(line):
            text += line[pos : m.start()]
            spans.append((len(text), len(text) + len(m.group(2)), m.group(1)))
            text += m.group(2)
            pos = m.end()
        items.append((text + line[pos:], spans))
    return items


def recall(items, predicted, min_cover=0.8):
    """A gold span counts as found when predicted spans (any label) cover at least `min_cover` of its characters."""
    found, by_label = 0, {}
    for (text, gold), pred in zip(items, predicted, strict=True):
        covered = set()
        for start, end, _ in pred:
            covered.update(range(start, end))
        for start, end, label in gold:
            chars = [i for i in range(start, end) if not text[i].isspace()]
            ok = sum(i in covered for i in chars) >= min_cover * len(chars)
            found += ok
            hit, total = by_label.get(label, (0, 0))
            by_label[label] = (hit + ok, total + 1)
    total = sum(len(g) for _, g in items)
    return found / total, {k: round(h / t, 3) for k, (h, t) in by_label.items()}


@pytest.fixture(scope="module")
def labelled(data_dir_module):
    return load_labelled(data_dir_module / "pii_labelled.txt")


@pytest.fixture(scope="module")
def data_dir_module():
    from tests.conftest import DATA

    return DATA


@pytest.fixture(scope="module")
def redactor():
    return Redactor()


def test_sample_is_large_and_sound(labelled):
    spans = [s for _, g in labelled for s in g]
    assert len(spans) >= 200
    for text, gold in labelled:
        for start, end, label in gold:
            if label == "CARD":
                assert luhn_ok(re.sub(r"\D", "", text[start:end])), text[start:end]


def test_recall_with_presidio(labelled, redactor, capsys):
    predicted = redactor.spans([t for t, _ in labelled])
    overall, by_label = recall(labelled, predicted)
    with capsys.disabled():
        print(f"\nPII recall {overall:.3f} on {sum(len(g) for _, g in labelled)} spans; by label {by_label}")
    assert overall >= 0.95
    assert by_label["PERSON"] >= 0.9


def test_patterns_alone_miss_names(labelled):
    overall, by_label = recall(labelled, [Redactor(names=None).spans([t])[0] for t, _ in labelled])
    assert by_label["EMAIL"] == by_label["CARD"] == by_label["IBAN"] == by_label["SSN"] == by_label["NINO"] == 1.0
    assert by_label["ACCOUNT"] == 1.0
    assert by_label["PERSON"] < 0.2  # what NER is for


def test_placeholders_keep_the_sentence_readable(redactor):
    [out] = redactor.redact_many(["I spoke to Sarah Jones at 12 High Street, she gave me 07700 900123."])
    assert out == "I spoke to <PERSON> at <ADDRESS>, she gave me <PHONE>."


def test_texts_without_capitals_skip_ner():
    class Counting:
        seen: list = []

        def find(self, texts):
            self.seen.append(texts)
            return [[] for _ in texts]

    names = Counting()
    Redactor(names=names).spans(["all lower case here"])
    assert names.seen == [["all lower case here"]]  # the backend decides; Presidio skips it (below)
    from miner.segment.presidio import PresidioNames

    backend = PresidioNames()
    assert backend.find(["no capitals at all, jack was rude"]) == [[]] and backend.analyzer_ is None


def test_redact_records_covers_turns_title_and_author(redactor):
    from miner.ingest.records import Record, Turn

    rec = Record(
        source="x",
        line=1,
        text="Customer: I'm Olivia Bennett, email olivia@example.com",
        title="Call 07700 900123",
        turns=[Turn("customer", "I'm Olivia Bennett, email olivia@example.com")],
        meta={"reviewer.displayName": "Olivia B", "Device": "a52q"},
    )
    [out] = redact_records([rec], redactor)
    assert "Olivia" not in out.text and "<EMAIL>" in out.turns[0].text and out.title == "Call <PHONE>"
    assert out.meta == {"reviewer.displayName": "<PERSON>", "Device": "a52q"}


def test_a_survey_answers_question_is_no_person(redactor, tmp_path):
    """A Medallia export mined with `--text-col 'LTR Comment' --text-col 'Improvement Comment'` stored half its items'
    `meta.question` as "<PERSON>": NER read the column's name as a name. A question is the file's header, not anyone's
    words; the answer and every other column are still redacted."""
    from miner.ingest import ColumnMap, read_file

    path = tmp_path / "medallia.csv"
    path.write_text("Survey ID,LTR Comment,Improvement Comment,Agent Name\n1,Olivia Bennett was rude,Call back,Ola B\n")
    recs = redact_records(read_file(path, ColumnMap(texts=("LTR Comment", "Improvement Comment"))), redactor)
    assert [r.meta["question"] for r in recs] == ["LTR Comment", "Improvement Comment"]
    assert recs[0].text == "<PERSON> was rude" and recs[0].meta["Agent Name"] == "<PERSON>"
    qualtrics = tmp_path / "q.csv"
    qualtrics.write_text(
        "ResponseId,Q1,Q2_TEXT\nResponse ID,How likely are you to recommend us?,LTR Comment\n"
        '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}"\n'
        "R_1,3,Olivia Bennett never called back.\n"
    )
    [rec] = redact_records(read_file(qualtrics), redactor)
    assert rec.meta["question"] == "LTR Comment" and rec.text == "<PERSON> never called back."


def test_regex_redact_still_works_without_ner():
    assert redact("card 4111 1111 1111 1111 at 3 Church Lane") == "card <CARD> at <ADDRESS>"
    assert apply("abc", [(0, 1, "X")]) == "<X>bc"


def test_transcript_turns_take_the_spans_of_their_text():
    from miner.ingest.records import Record, Turn
    from miner.segment.pii import Redactor, redact_records

    turns = [Turn("customer", "my email is ann@example.com and I was charged twice"), Turn("agent", "Sorry!")]
    text = "Customer: my email is ann@example.com and I was charged twice\nAgent: Sorry!"
    cleaned = Turn("customer", "call me on 07700 900123  please")  # not verbatim in its text: its own pass
    rec = Record(source="chat.txt", line=1, text=text, kind="transcript", turns=turns)
    raw = "Customer: call me on 07700 900123 please"
    other = Record(source="chat.txt", line=2, text=raw, turns=[cleaned])
    calls = []

    class Counting(Redactor):
        def spans(self, texts):
            calls.append(list(texts))
            return super().spans(texts)

    redact_records([rec, other], Counting(names=None))
    assert rec.turns[0].text == "my email is <EMAIL> and I was charged twice"
    assert rec.text.startswith("Customer: my email is <EMAIL>")
    assert other.turns[0].text == "call me on <PHONE>  please"
    assert other.text == "Customer: call me on <PHONE> please"
    assert calls == [[text, raw], ["call me on 07700 900123  please"]]  # the found turn cost no second pass


def test_agent_signatures_are_redacted_in_the_text_and_its_turns():
    """Support teams on social media sign each reply with the agent's initials ("*TMT"): a staff member's pseudonym,
    in 5,469 of the agent turns of the first 5,000 airline conversations and in none of their customer turns."""
    from miner.ingest.records import Record
    from miner.ingest.transcripts import parse_transcript
    from miner.segment.pii import Redactor, redact_records

    text = (
        "<cust__  __company__  I am *SO* done, bags lost again *SIGH* __cust> "
        "<rep__  __cust__  So sorry to hear that. Please DM us your file number. *TMT __rep> "
        "<cust__  __company__  Done ^ABC is my file __cust> <rep__  __cust__  Thanks! ^MM __rep>"
    )
    rec = Record(source="twcs.csv", line=1, text=text, kind="transcript", turns=parse_transcript(text))
    redact_records([rec], Redactor(names=None))
    agent = [t.text for t in rec.turns if t.speaker == "agent"]
    assert agent == ["So sorry to hear that. Please DM us your file number. <PERSON>", "Thanks! <PERSON>"]
    assert "*TMT" not in rec.text and "^MM" not in rec.text
    customer = [t.text for t in rec.turns if t.speaker == "customer"]
    assert customer == ["I am *SO* done, bags lost again *SIGH*", "Done ^ABC is my file"]  # not at a turn's end


# --- issue 20: patterns of every kind, every field of a record, messages without values -------------------------


@pytest.mark.parametrize(
    "text",
    ["card 4111.1111.1111.1111 declined", "card 4111-1111-1111-1111 declined", "card 4111111111111111 declined",
     "card 4111 1111 1111 1111 declined", "amex 3782 822463 10005 declined"],
)  # fmt: skip
def test_cards_with_any_separator(text):
    assert redact(text).split()[1] == "<CARD>"


def test_numbers_that_fail_luhn_or_are_short_stay():
    assert redact("order 4111.1111.1111.1112 is late") == "order 4111.1111.1111.1112 is late"
    assert redact("order 12345678 and ref 2026-03-31 12:00") == "order 12345678 and ref 2026-03-31 12:00"


@pytest.mark.parametrize(
    "phone", ["07700.900.456", "07700900654", "+44.20.7946.0321", "415.555.0199", "+1-415-555-0142", "447700900123",
              "(020) 7946 0958", "0161 496 0754"],
)  # fmt: skip
def test_phones_with_any_separator(phone):
    assert redact(f"call {phone} today") == "call <PHONE> today"


def test_ibans_in_any_case_are_checked():
    assert redact("refund to gb82 west 1234 5698 7654 32 please") == "refund to <IBAN> please"
    assert redact("iban de89370400440532013000.") == "iban <IBAN>."
    assert redact("Account BE68 5390 0754 7034 for the refund") == "Account <IBAN> for the refund"
    assert redact("in20 mins each time for ages") == "in20 mins each time for ages"  # shaped like one, fails the check
    assert redact("gb83 west 1234 5698 7654 32") != "<IBAN>"  # a wrong check digit


def test_us_ssns_and_uk_ni_numbers():
    assert redact("ssn 123-45-6789 on the form") == "ssn <SSN> on the form"
    assert redact("My SSN: 123456789") == "My SSN: <SSN>"
    assert redact("ni number AB 12 34 56 C and ce123456d") == "ni number <NINO> and <NINO>"
    assert "<SSN>" not in redact("room 000-12-3456")  # never issued (nine digits: a phone number, though)


def test_lower_case_names_after_a_cue(redactor):
    texts = [
        "my name is jane doe and the order never came", "hi, i'm priya and my refund is late",
        "the food was cold. thanks, jane", "i'm sorry but this is ridiculous", "i asked for a refund twice",
    ]  # fmt: skip
    out = redactor.redact_many(texts)
    assert out[:3] == ["my name is <PERSON> and the order never came", "hi, i'm <PERSON> and my refund is late",
                       "the food was cold. thanks, <PERSON>"]  # fmt: skip
    assert out[3:] == texts[3:]


def test_accented_names_after_a_cue_are_redacted_and_accented_words_stay(redactor):
    """The name rules read ASCII letters only: "I talked to Łukasz", "The driver Sébastien", "Thanks to Søren" and
    "my name is élodie martin" were stored whole, where the same names without accents were redacted."""
    texts = ["I talked to Łukasz on the phone, useless.", "The driver Sébastien threw the parcel.",
             "Thanks to Søren for nothing.", "my name is élodie martin", "Regards, Ángel Núñez",
             "The café was shut and the crème brûlée cold.", "From Café Rouge, the Pâtisserie was empty."]  # fmt: skip
    out = redactor.redact_many(texts)
    assert out[:5] == ["I talked to <PERSON> on the phone, useless.", "The driver <PERSON> threw the parcel.",
                       "Thanks to <PERSON> for nothing.", "my name is <PERSON>", "Regards, <PERSON>"]  # fmt: skip
    assert out[5:] == texts[5:]


def test_a_name_signed_on_the_line_after_its_sign_off_is_redacted(redactor):
    """An e-mail signs with the name on its own line: "Kind regards,\nZoe Doherty" and "Thanks\nStuart" were stored
    whole (44 of 78 in a helpdesk export without a name column), the sign-off rule reading one line only."""
    texts = ["Never came.\nKind regards,\nZoe Doherty", "No refund yet.\n\nThanks\nStuart",
             "Best regards,\nImogen MacLeod\nManager", "Thanks,\nCustomer Care", "Regards\nThe Team"]  # fmt: skip
    out = redactor.redact_many(texts)
    assert out[:3] == ["Never came.\nKind regards,\n<PERSON>", "No refund yet.\n\nThanks\n<PERSON>",
                       "Best regards,\n<PERSON>\nManager"]  # fmt: skip
    assert out[3:] == texts[3:]


def test_every_meta_value_is_redacted_whatever_its_type(redactor):
    from miner.ingest.records import Record

    meta = {
        "phone": 447700900123, "card": 4111111111111111.0, "votes": 12, "total": 23.5, "vip": True,
        "contacts": ["sam.r@outlook.com", "07700 900 222", 3], "customer": {"email": "kim.lee@gmail.com",
        "address": {"line": "call 0161 496 0111"}}, "history": [{"note": "rang 07911 123 999"}],
        "profile_url": "https://shop.example/u/lucy.h@gmail.com/orders", "link": "https://x.example/?e=ann%40ex.com",
        "reviewer": {"nickname": "katie_b"}, "app_version": "4.12.1",
    }  # fmt: skip
    [rec] = redact_records([Record(source="x.json", line=1, text="fine", meta=meta)], redactor)
    # a value that is one identifier and nothing else (an email column) takes a keyed token, as a source id does,
    # so `forget --customer EMAIL` finds it; identifiers inside text take placeholders
    token = {v: pseudonymise(v) for v in ("447700900123", "4111111111111111", "sam.r@outlook.com", "07700 900 222",
                                          "kim.lee@gmail.com")}  # fmt: skip
    assert all(re.fullmatch(r"<[A-Z]+:[0-9a-f]{16}>", t) for t in token.values())
    assert rec.meta == {
        "phone": token["447700900123"], "card": token["4111111111111111"], "votes": 12, "total": 23.5, "vip": True,
        "contacts": [token["sam.r@outlook.com"], token["07700 900 222"], 3],
        "customer": {"email": token["kim.lee@gmail.com"], "address": {"line": "call <PHONE>"}},
        "history": [{"note": "rang <PHONE>"}], "profile_url": "https://shop.example/u/<EMAIL>/orders",
        "link": "https://x.example/?e=<EMAIL>", "reviewer": {"nickname": "<PERSON>"}, "app_version": "4.12.1",
    }  # fmt: skip


def test_ids_and_file_names_take_stable_distinct_tokens(monkeypatch):
    from miner.ingest.records import Record

    def redacted(source_id, source="orders-ann@example.com.csv"):
        rec = Record(source=source, line=1, text="fine", source_id=source_id)
        return redact_records([rec], Redactor(names=None))[0]

    a, b, again = redacted("a@example.com"), redacted("b@example.com"), redacted("A@example.com")
    assert re.fullmatch(r"<EMAIL:[0-9a-f]{16}>", a.source_id) and a.source_id != b.source_id
    assert again.source_id == a.source_id and again.document_id == a.document_id  # same person, same id
    assert a.document_id != b.document_id and "ann@" not in a.source and a.source.endswith(".csv")
    assert redacted("r-17").source_id == "r-17"
    assert redacted("07700 900123").source_id == redacted("07700900123").source_id
    monkeypatch.setenv("TOUCHPOINTS_PII_KEY", "another secret")
    assert redacted("a@example.com").source_id != a.source_id  # keyed: without the key, no dictionary attack


def test_reimporting_a_file_with_pii_stores_nothing_twice(db, tmp_path, mini_taxonomy, fake_embedder):
    from miner.pipeline import MineOptions, import_paths
    from miner.segment import get_segmenter

    path = tmp_path / "pii.csv"
    path.write_text("id,text\njo@example.com,call me on 07700 900123\n,my card 4111.1111.1111.1111 was charged\n")
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=get_segmenter("rules"))
    options.redact_pii, first = True, import_paths(db, [path], options)
    second = import_paths(db, [path], options)  # used to fail: the stored id was the redacted record's
    assert [r.added for r in first + second] == [2, 0] and db["documents"].count == 2


def test_error_messages_name_the_kind_never_the_value(tmp_path):
    from miner.errors import InputError
    from miner.ingest import read_file

    path = tmp_path / "ann.lee@example.com.csv"
    path.write_text("id,date,rating,text\n1,07700 900777,1,cold food\n2,2026-03-01,4111 1111 1111 1111,late\n")
    with pytest.raises(InputError) as err:
        read_file(path)
    message = str(err.value)
    assert "07700" not in message and "ann.lee" not in message
    assert re.search(r"<EMAIL:[0-9a-f]+>\.csv, line 2, field 'date': the date does not parse", message)
    assert "12 characters: digits, spaces" in message
    records = read_file(path, on_error="skip")
    assert records == [] or all("4111" not in m for m in records[0].meta.get("_rejected", []))


def test_upload_and_dataset_names_take_tokens():
    from api.uploads import safe_name

    assert safe_name("../jane.doe@example.com.csv", "x").startswith("EMAIL_") and "jane" not in safe_name(
        "jane.doe@example.com.csv", "x"
    )
    assert safe_name("reviews-march.csv", "x") == "reviews-march.csv"


def test_upload_names_keep_letters_of_every_script():
    """An upload's source is the name `touchpoints mine` stores for the file, wherever that name is safe: letters
    of any script and spaces stay ('отзывы.csv' was reduced to 'csv', refused as a file type)."""
    from api.uploads import MAX_NAME_BYTES, safe_name

    for name in ("отзывы.csv", "レビュー.csv", "été avis.csv", "reviews__march (2).csv"):
        assert safe_name(name, "x") == name
    assert safe_name("../../etc/.passwd.csv", "x") == "passwd.csv"  # no folder, no leading dot
    assert safe_name("a\\b\x00c\u202ed\u3000e.csv", "x") == "a_b_c_d_e.csv"  # separators, control, bidi, odd spaces
    assert safe_name(" ..", "x") == "x"
    long = safe_name("ж" * 300 + ".xlsx", "x")
    assert long.endswith("ж.xlsx") and len(long.encode("utf-8")) <= MAX_NAME_BYTES
    # an 'extension' longer than the name's limit: the loop cut only the stem, and never ended (one upload
    # held the server's event loop for every workspace)
    for hostile in ("a." + "x" * 250, "a." + "\U0001f600" * 98):
        name = safe_name(hostile, "x")
        assert name.startswith("a.") and 0 < len(name.encode("utf-8")) <= MAX_NAME_BYTES


def test_meta_lines_of_the_sample_are_all_redacted(redactor):
    from miner.ingest.records import Record
    from reliability.pii import load_sample

    _, metas = load_sample()
    assert len(metas) >= 10
    records = [Record(source="s.json", line=i, text="fine", meta=m) for i, (m, _) in enumerate(metas)]
    redact_records(records, redactor)
    for rec, (_, values) in zip(records, metas, strict=True):
        stored = json.dumps(rec.meta)
        assert not [v for _, v in values if v.replace("%40", "@") in stored.replace("%40", "@")], stored


class Recorded:
    """A Progress that keeps what the CLI would print: stage names and notes (rejected rows)."""

    def __init__(self):
        from miner.progress import Progress

        self.base, self.lines = Progress(), []

    def stage(self, name, total=None):
        self.lines.append(name)
        return self.base.stage(name, total)

    def note(self, message):
        self.lines.append(message)


def test_nothing_planted_survives_mine_report_export(tmp_path, mini_taxonomy, fake_embedder):
    """CSV, JSON and XLSX files with PII in the text, title, meta (numbers, lists, nested, URLs), row ids, bad
    date cells and the file names, mined to a real SQLite file, reported and exported: none of it is found."""
    from miner.pipeline import MineOptions, mine
    from miner.report.exports import export
    from miner.report.html import write_report
    from miner.segment import get_segmenter
    from miner.store import open_db
    from reliability import pii

    texts, metas = pii.load_sample()
    rows, planted = pii._rows(texts[::3], metas)
    planted += pii._planted_text_values(texts[::3])[0] + [v for _, vs in metas for _, v in vs] + [pii.FILE_OWNER]
    paths = pii.write_files(tmp_path / "in", rows)
    given = b"".join(p.name.encode() + b"\n" + pii._blob(p) for p in paths)
    assert pii.find_leaks(planted, {"in": given})["in"] == sorted(set(planted))  # the search finds each one
    db = open_db(tmp_path / "e2e.db")
    opts = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=get_segmenter("rules"),
                       on_error="skip")  # fmt: skip
    shown = Recorded()
    imports, _ = mine(db, paths, opts, shown)  # type: ignore[arg-type]
    assert sum(i.added for i in imports) > 30 and all(pii.FILE_OWNER not in i.path for i in imports)
    outs = [export(db, tmp_path / "a.csv", "csv", table="assignments"), export(db, tmp_path / "p.xlsx", "xlsx"),
            write_report(db, tmp_path / "r.html")]  # fmt: skip
    db.close()
    places = {"database": pii._database(list(tmp_path.glob("e2e.db*"))),
              "exports and report": b"".join(pii._blob(p) for p in outs),
              "output": "\n".join(shown.lines).encode()}  # fmt: skip
    assert b"skipped" in places["output"] and b"the date does not parse" in places["output"]
    assert pii.find_leaks(planted, places) == {where: [] for where in places}


def test_the_access_log_shows_no_pii_from_a_query_string():
    import logging

    from api.logs import RedactedAccessLog

    path = "/v1/datasets?name=orders%20of%20dana.fox%40example.org"
    record = logging.LogRecord("uvicorn.access", 20, "x", 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "POST", path, "1.1", 201), None)  # fmt: skip
    assert RedactedAccessLog().filter(record)
    assert "dana.fox" not in record.getMessage() and "name=orders of <EMAIL:" in record.getMessage()


def test_the_access_log_shows_no_pii_from_a_path_or_a_name():
    """Only a query string was redacted: a 404 for an id that is an email or a phone number logged it whole."""
    from api.logs import redact_target

    for target, gone in [
        ("/v1/datasets/jane.doe@example.net", "jane.doe"),
        ("/v1/datasets/ds_jesse.pinkman%40example.com", "pinkman"),
        ("/v1/runs/07700900123", "07700900123"),
        ("/v1/pain-points/jane.doe@example.net/examples?limit=5", "jane.doe"),
        ("/v1/pain-points?source=Tom%20Hardy%2007700%20900%20999&kind=review", "Hardy"),
    ]:
        shown = redact_target(target)
        assert gone not in shown and ("<EMAIL:" in shown or "<PHONE:" in shown), shown
    assert redact_target("/v1/pain-points?source=Tom%20Hardy&kind=review").startswith("/v1/pain-points?source=<PERSON:")
    for plain in ("/v1/pain-points/website-01/examples?since=2026-03-01&until=2026-03-31&limit=20",
                  "/v1/runs/run_95b2f3a4c5d6e7f8", "/v1/datasets/ds_1234567890123456",
                  "/v1/touchpoints?source=отзывы.csv", "/v1/touchpoints?touchpoint=Delivery%20driver"):  # fmt: skip
        assert redact_target(plain) == plain.replace("%20", " ")
    assert "\n" not in redact_target("/v1/x%0AINFO: forged line")  # a URL writes no line of its own


def test_the_access_log_shows_no_speaker_label():
    """An upload's speaker labels name people (an author's id, name or e-mail in an export): a customer's id as
    `customer_speaker` stayed in the access log, where no pattern finds it and no erasure reaches."""
    from api.logs import redact_target

    shown = redact_target("/v1/datasets?customer_speaker=FK-20931&agent_speaker=Priya%20Okafor&kind=transcript"
                          "&customer%5Fspeaker=A%26FK-55012&name=tickets")  # fmt: skip
    assert not [v for v in ("FK-20931", "Priya", "Okafor", "FK-55012") if v in shown], shown
    assert shown.count("<SPEAKER:") == 3 and "&kind=transcript&" in shown and shown.endswith("&name=tickets"), shown


def test_hashtags_are_not_names(redactor):
    [tag, person] = redactor.redact_many(
        ["So angry. #Ryanair lost my luggage", "So angry. Ryanair lost my bag and Sarah Jones at the desk was rude"]
    )
    assert tag == "So angry. #Ryanair lost my luggage"
    assert "Sarah" not in person  # the same backend still finds the person in a plain sentence


def test_a_common_word_before_said_is_no_name_but_a_given_or_unknown_one_is():
    """Team-written: "said", "told", "hung up" mark the word before them as a name (presidio.context_names), but
    "Code said valid until Sunday" is a promo code that said so, in a batch that writes "code" in lower case."""
    from miner.segment.namefilter import Vocabulary
    from miner.segment.presidio import context_names

    texts = [
        "Code said valid until Sunday.",
        "Stuart said he would call. Mark said so too.",
        "the promo code failed, mark it urgent",
    ]
    vocabulary = Vocabulary(texts)
    found = [[t[a:b] for a, b, _ in context_names(t, vocabulary)] for t in texts]
    assert found == [[], ["Stuart", "Mark"], []]  # "mark" is a word of this batch, and a given name
    assert [texts[0][a:b] for a, b, _ in context_names(texts[0])] == ["Code"]  # without the batch's words: as before


def test_agents_introducing_themselves_are_redacted_whatever_cue_stands_earlier(redactor):
    """Team-written agent greetings of the demo's chats: "thank you" earlier in the 40 characters before the name hid
    the "my name is" cue right before it, and "chatting with" was no cue; NER alone missed 28 agents' names there."""
    texts = [
        "Agent: Hello, thank you for your patience. My name is Nadia from Forkful, how can I help?",
        "Agent: Welcome to Forkful support! You're chatting with Chloe. What can I do for you today?",
        "Agent: Thanks for waiting, this is Priya. How can I help?",
    ]
    out = redactor.redact_many(texts)
    assert [t.count("<PERSON>") for t in out] == [1, 1, 1], out
    assert not any(name in t for t in out for name in ("Nadia", "Chloe", "Priya"))


def test_agents_signing_with_a_first_name_are_redacted_at_the_end_of_their_turn():
    """Team-written, in the markup of tweet threads: "^Lisa", "^Linda W.", "-Sara" and "^Kit 2/2" close a reply;
    a dash closes a turn with a given name only, and a caret inside a sentence signs nothing."""
    from miner.segment.pii import pattern_spans

    texts = [
        "<rep__ So sorry about the wait, please DM us. ^Lisa __rep>",
        "<rep__ Your bag is on its way. ^Linda W. __rep>",
        "<rep__ Please follow and DM us your booking. -Sara __rep>",
        "<rep__ We can look into it for you. ^Kit 2/2 __rep>",
        "<rep__ Safe travels.^Kim __rep>",
        "<rep__ Glad we could help ^Al. __rep>",
        "<rep__ We're sorry about that - Thanks __rep>",
        "<cust__ my file ^Lisa is wrong, why __cust>",
    ]
    found = [[t[a:b] for a, b, kind in pattern_spans(t) if kind == "PERSON"] for t in texts]
    assert found == [["^Lisa"], ["^Linda W."], ["-Sara"], ["^Kit"], ["^Kim"], ["^Al"], [], []]


def test_customers_addressed_by_name_are_redacted(redactor):
    """Team-written replies that address the customer: NER misses most such names in short replies to tweets."""
    texts = [
        "<rep__ We're so sorry to hear that, Maryann. Please DM us your confirmation number. __rep>",
        "<rep__ Hi Scott, you are now rebooked on the 6pm flight. __rep>",
        "<rep__ __cust__  Rebecca, we apologize for the delay. __rep>",
        "<rep__ It lands in Boston, Massachusetts. Thanks, Team. __rep>",  # in the place of a name, but no given name
    ]
    out = redactor.redact_many(texts)
    assert [t.count("<PERSON>") for t in out] == [1, 1, 1, 0], out


def test_few_given_names_stay_in_real_support_threads():
    """On 500 real airline threads redacted as the import does, the given names that are not everyday words mostly go:
    34% stayed before agents' signed names and customers addressed by name were taken, 7% after (bench/names_lab.py
    --left on 2,000 threads; most of what stays is places such as "Charlotte"). Reads ../shared; skipped without it."""
    import random
    import re

    from tests.conftest import SHARED

    path = SHARED / "datasets" / "raw" / "twcs_airline_conversations.csv"
    if not path.exists():
        pytest.skip("shared datasets absent")
    from miner.ingest import read_file
    from miner.segment.namefilter import Vocabulary, common_words, is_given_name
    from miner.segment.pii import Redactor, redact_records
    from miner.segment.presidio import PresidioNames

    records = random.Random(11).sample(read_file(path), 500)
    vocabulary = Vocabulary([r.text for r in records])

    def names(text: str) -> int:
        words = re.findall(r"\b[A-Z][a-z]+\b", text)
        return sum(is_given_name(w) and not vocabulary.common(w) and w.lower() not in common_words() for w in words)

    before = sum(names(r.text) for r in records)
    redact_records(records, Redactor(names=PresidioNames()))
    left = sum(names(r.text) for r in records)
    assert before > 200
    assert left / before < 0.12, (left, before)


class _Names:
    """An NER backend that finds the spans it is given, whatever the text."""

    def __init__(self, spans):
        self.found = spans

    def find(self, texts):
        return [list(self.found) for _ in texts]


def test_a_name_never_runs_over_a_line_break():
    text = "Customer: ask for Rachel\nAgent: Thank you Rachel, I've added that"
    start = text.index("Rachel")
    spans = Redactor(names=_Names([(start, text.index(":", start), "PERSON")])).spans([text])[0]
    assert spans == [(start, start + len("Rachel"), "PERSON")]
    assert "\nAgent: Thank you" in apply(text, spans)  # the next turn keeps its speaker
    assert Redactor(names=_Names([(start - 1, start, "PERSON")])).spans([text])[0] == []  # a space alone: nothing


def test_an_address_stops_at_a_full_stop():
    assert redact("Your order is from our kitchen at 22 Mill Lane. Would you like collection?") == (
        "Your order is from our kitchen at <ADDRESS>. Would you like collection?"
    )
    assert redact("send it to 22 Mill Ln., Springfield please") == "send it to <ADDRESS> please"
    assert redact("Flat 4, 27 Mill Road, Leeds LS6 2AB") == "<ADDRESS>"


def test_a_distance_or_a_time_is_no_address():
    # "walk" and "drive" are street types; "a 10 minute walk" is what the complaint is about
    assert redact("Paid 5 pounds delivery for a 10 minute walk.") == "Paid 5 pounds delivery for a 10 minute walk."
    assert redact("The 20 minute drive took the courier 2 hours") == "The 20 minute drive took the courier 2 hours"
    assert redact("deliver it to 12 mill road please") == "deliver it to <ADDRESS> please"


def test_everyday_words_after_a_number_are_no_lower_case_address():
    """Street types that are everyday words took complaints for addresses, and an error's "1 more row" too."""
    for text in ["0 stars no way", "we had 1 empty row of seats", "2 kids walk home", "a 4 wheel drive",
                 "the 2 nearest park", "order 3 small green", "took 1 wrong way", "1 more row of a.csv"]:  # fmt: skip
        assert redact(text) == text
    assert redact("deliver to 45 oak avenue please") == "deliver to <ADDRESS> please"
    assert redact("I live at 7 station st") == "I live at <ADDRESS>"
    assert redact("Send it to 12 Park Row") == "Send it to <ADDRESS>"  # in capitals every street type counts


def test_ner_persons_count_only_over_a_word_that_could_be_a_name(monkeypatch):
    from miner.segment.namefilter import Vocabulary, name_candidates
    from miner.segment.presidio import PresidioNames

    texts = ["We waited at Gate C1 and Priya at the desk just shrugged.", "the gate closed early"]
    text = texts[0]
    assert [text[a:b] for a, b in name_candidates(text, Vocabulary(texts))] == ["Priya"]  # "gate" is written lower
    names = PresidioNames()
    gate, priya = text.index("Gate"), text.index("Priya")
    spans = [(gate, gate + len("Gate C1")), (priya, priya + len("Priya"))]

    def persons(pieces):  # NER's persons, at their places in each window it reads (the window starts the text)
        return ([(a, b) for a, b in spans if b <= len(piece)] for piece in pieces)

    monkeypatch.setattr(names, "_persons", persons)
    found = names.find(texts)[0]
    assert [text[a:b] for a, b, _ in found] == ["Priya"]  # "Gate C1" holds no word that could be a name


def test_plural_days_and_platforms_are_no_names():
    from miner.segment.namefilter import Vocabulary, name_candidates

    for text, word in (("We deliver until midnight on Fridays and Saturdays.", "Saturdays"),
                       ("I saw an ad on Instagram.", "Instagram"), ("Meh. It was ok.", "Meh")):  # fmt: skip
        assert word not in [text[a:b] for a, b in name_candidates(text, Vocabulary([text]))], text


def test_a_given_name_opening_a_sentence_as_a_plain_word_is_no_person(redactor):
    """Team-written survey comments of a broadband provider, whose customers write "bill" as a word: NER called the
    sentence-opening "Bill" a person ("<PERSON> went up"). A cue before or after it, or an address, keeps the name
    (a text that names Bill mid-sentence keeps its every Bill a name, below)."""
    plain = [
        "Bill went up and nobody explained why.",
        "Bill is impossible to understand, lots of extra charges I never agreed to.",
        "Bill shock after the promo ended, price nearly doubled.",
    ]
    people = [
        "Bill said he'd call back and nobody did.",
        "Thanks, Bill.",
        "I spoke to Bill about the router and he was great.",
        "Mr Bill Jones from the shop never replied.",
        "Bill, we apologise for the mix-up with your order.",
    ]
    words = ["Why has my bill gone up again?", "Charged for a paper bill I never asked for."]
    assert redactor.redact_many(plain + words) == plain + words
    for text in people:
        assert "Bill" not in redactor.redact_many([text, *words])[0], text


def test_a_given_name_the_text_capitalises_inside_a_sentence_stays_a_name(redactor):
    """The same opening "Bill" in a text that also names an engineer Bill mid-sentence is left a person."""
    texts = ["The engineer Bill came on time. Bill fixed the router in ten minutes.", "my bill is wrong"]
    redacted = "The engineer <PERSON> came on time. <PERSON> fixed the router in ten minutes."
    assert redactor.redact_many(texts)[0] == redacted


def test_a_text_is_redacted_the_same_whatever_texts_share_its_batch(redactor):
    """Team-written. The import redacts a file in batches that follow its rows' order, and the name pre-filter read
    the batch's words: a word another row wrote in lower case ("a week's grace period", "letters should be
    clearer") made the same comment's word no name, so a file mined in another order stored it otherwise ("Clearer"
    was <PERSON> in one order of 2,000 NHS comments). Each text now reads its own words and the model's."""
    texts = [
        "Grace sorted my medication quickly.",
        "Clearer letters about appointments please.",
        "Mark sorted it all out for me.",
        "Sorry to hear that, Mark.",
        "Code said valid until Sunday.",
    ]
    others = ["a week's grace period", "letters should be clearer", "mark it urgent", "the promo code failed"]
    alone = [redactor.redact_many([text])[0] for text in texts]
    assert redactor.redact_many(others + texts)[len(others) :] == alone
    assert redactor.redact_many(texts[::-1] + others)[: len(texts)] == alone[::-1]
    assert alone[0].startswith("<PERSON> sorted"), alone  # a given name, whatever another row writes
    assert alone[1] == texts[1]  # an adjective's comparative: no name, whatever the other rows write


def test_units_of_speed_and_data_are_no_names(redactor):
    texts = ["Speeds are nowhere near what was advertised, speed test shows 12 Mbps.", "Only 40 Mb on a 1 Gbps plan."]
    assert redactor.redact_many(texts) == texts


def test_account_and_membership_numbers_after_their_name_are_redacted():
    from miner.segment.pii import pseudonymise

    assert redact("My account number is 4482913 and I've been overcharged.") == (
        "My account number is <ACCOUNT> and I've been overcharged."
    )
    assert redact("policy no. PL-2231987, acct #77120934, customer ID: AB123456") == (
        "policy no. <ACCOUNT>, acct #<ACCOUNT>, customer ID: <ACCOUNT>"
    )
    assert redact("account number 07700900123") == "account number <ACCOUNT>"  # a phone's digits, named an account
    for text in ("my account 2023 was hacked", "a customer for 12345 days", "member since 2015", "order 55821"):
        assert redact(text) == text  # a year, no account's name before it, or an order
    assert redact("Account BE68 5390 0754 7034 for the refund.") == "Account <IBAN> for the refund."
    assert pseudonymise("acct-4482913") == "acct-4482913"  # an id keeps it: the key `forget --customer` is given


def test_names_after_a_sign_off_are_redacted_with_their_surname(redactor):
    """A data-protection audit's survivors: a full name after a sign-off, at a text's or line's end or before a comma,
    with or without a comma after the sign-off, in lower case too. The batch holds the customers' own email
    addresses, whose "isla.fisher" had made "Isla" a word the batch writes in lower case."""
    texts = [
        "The courier was rude and left my parcel in the rain. Thanks, Isla Fisher",
        "The parcel was lost again. Regards, Penelope Cruz, 07700 900777",
        "Refund not processed. Regards, Penelope Smith",
        "Still no refund. Thanks Chloe",
        "still no refund.\nsincerely, thomas clarke",
        "Kind regards,\nno reply yet. Many thanks Gregory Hampton\nSent from my phone",
        "Contact isla.fisher@example.com or penelope.cruz@example.com, chloe@example.com, gregory.h@example.com",
    ]
    out = redactor.redact_many(texts)
    for name in ("Isla", "Fisher", "Penelope", "Cruz", "Smith", "Chloe", "thomas", "clarke", "Gregory", "Hampton"):
        assert not any(name in t for t in out), (name, out)
    assert out[0].endswith("Thanks, <PERSON>") and out[3].endswith("Thanks <PERSON>"), out


def test_a_sign_off_before_an_everyday_word_takes_nothing(redactor):
    texts = ["Thanks, Team.", "Thanks again for nothing.", "Best Buy had it cheaper. Cheers, Everyone!"]
    assert redactor.redact_many(texts) == texts


def test_addressed_names_keep_the_greeting_and_lose_the_surname(redactor):
    """An agent addressing a customer whose given name the batch also writes inside an email address, with a
    surname after it or not; the greeting before the name stays in the sentence."""
    texts = [
        "Agent: Sorry to hear that, Greg Smith. Can you confirm your account number?",
        "Agent: Noted, Gregory.",
        "Agent: Sorry Fatima, let me check.",
        "Agent: Hi Hannah, can I take your order number?",
        "Customer: it is greg.smith@example.com, gregory@example.com, hannah.baker@example.com, fatima@example.com",
    ]
    out = redactor.redact_many(texts)
    assert out[:4] == [
        "Agent: Sorry to hear that, <PERSON>. Can you confirm your account number?",
        "Agent: Noted, <PERSON>.",
        "Agent: Sorry <PERSON>, let me check.",
        "Agent: Hi <PERSON>, can I take your order number?",
    ], out


def test_vocabulary_leaves_out_email_addresses_and_urls():
    from miner.segment.namefilter import Vocabulary

    vocabulary = Vocabulary(["mail isla.fisher@example.com or see https://example.com/chloe and www.example.com/amber"])
    assert not vocabulary.common("Isla") and not vocabulary.common("Chloe") and not vocabulary.common("Amber")
    assert vocabulary.common("Mail")


def test_dates_of_birth_sort_codes_spelt_emails_plates_and_ips_are_redacted():
    assert redact("DOB 14/02/1987, date of birth: 3 March 1990, born on 12th of May 1985") == (
        "DOB <DOB>, date of birth: <DOB>, born on <DOB>"
    )
    assert redact("my sort code is 20-00-00 and sort code: 200000") == (
        "my sort code is <SORT_CODE> and sort code: <SORT_CODE>"
    )
    assert redact("mail john dot smith at gmail dot com or john.smith [at] gmail [dot] com") == (
        "mail <EMAIL> or <EMAIL>"
    )
    assert redact("Plate KM19 XYZ. The van AB12 CDE blocked me, car reg AB12CDE") == (
        "Plate <PLATE>. The van <PLATE> blocked me, car reg <PLATE>"
    )
    assert redact("IP 203.0.113.77 if you need it") == "IP <IP> if you need it"
    for text in (
        "we booked at expedia.com and met at home",  # "at" and a domain, nothing spelt out
        "AA51 LHR DFW was late, BA92 YYZ-LHR too",  # flights and airports in a plate's shape
        "Booking ref XJ-4471-QZ, order 55821, born in 1987, the code 20-00-00",  # references; no DOB or sort code
        "app version 10.2.1.5 crashes",  # a version number
        "delivered 14/02/2024",  # a date alone
    ):
        assert redact(text) == text


def test_a_name_its_own_column_holds_is_redacted_in_the_record_wherever_ner_misses_it(redactor):
    """A ticket export's requester_name column was redacted while NER left the same name in the row's title, the
    customer's sign-off and the agent's greeting ("Hi Priyanka"), and so in the report's quotes and the API."""
    from miner.ingest.records import Record, Turn

    turns = [Turn("customer", "No callback yet. Regards Priyanka Sharma"), Turn("agent", "Hi Priyanka, I will call.")]
    text = "\n".join(f"{t.speaker.title()}: {t.text}" for t in turns)
    rec = Record("t.csv", 2, text, kind="transcript", title="Callback request for Priyanka Sharma", turns=turns,
                 meta={"requester_name": "Priyanka Sharma", "assignee": "Will Jones", "name": "Customer"})  # fmt: skip
    [out] = redact_records([rec], redactor)
    stored = json.dumps([out.text, out.title, [t.text for t in out.turns], out.meta])
    assert "Priyanka" not in stored and "Sharma" not in stored
    assert (
        out.title == "Callback request for <PERSON>" and "I will call" in out.turns[1].text
    )  # "Will" is a name only capitalised
    assert out.text.startswith("Customer: No callback yet.")  # a placeholder in a name column names nobody


def test_us_zip_codes_are_redacted_and_couriers_are_no_people(redactor):
    """'zip 90210' and 'Washington, DC 20500' kept their ZIP codes, while NER read the courier in 'waited in for
    Evri' and the retailer in 'Tesco Clubcard' as people."""
    assert redact("Washington, DC 20500") == "Washington, DC <ADDRESS>"
    assert redact("my zip is 90210, NY 10118-2345") == "my zip is <ADDRESS>, NY <ADDRESS>"
    assert redact("flight 12345 to NY, paid 20500 points") == "flight 12345 to NY, paid 20500 points"
    got = redactor.redact_many(["I waited in for Evri all day", "Tesco Clubcard points missing, Sarah said"])
    assert got == ["I waited in for Evri all day", "Tesco Clubcard points missing, <PERSON> said"]


def test_a_caller_naming_themselves_after_its_is_redacted(redactor):
    """'Hello it's Marcus Bell, you can reach me on ...' kept the name (NER missed it) in the stored turns."""
    got = redactor.redact_many(
        ["Hello it's Marcus Bell, you can reach me on 07700 900123.", "it's Monday, it's Amazon"]
    )
    assert got == ["Hello it's <PERSON>, you can reach me on <PHONE>.", "it's Monday, it's Amazon"]


def test_order_and_ticket_numbers_stay_and_departments_are_no_people():
    """'Order number 4829173650 never arrived' was stored as 'Order number <PHONE>' (the guide says order numbers
    stay: support needs them); 'Billing sent me three totals', 'Chatbot could not...', 'Safari', 'Dr Pepper'
    and an NHS comment's 'Covid' lost their key word to <PERSON>."""
    from miner.segment.pii import default_redactor, redact

    kept = [
        "Order number 4829173650 never arrived",
        "Ticket: 4829173650 is still open",
        "my order number is 07700900123",
    ]
    assert [redact(t) for t in kept] == kept
    assert redact("reach me on 4829173650 about order 55") == "reach me on <PHONE> about order 55"
    plain = ["Billing sent me three different totals", "Chatbot could not understand anything.",
             "Your site does not work on Safari at all.", "the Dr Pepper cans were dented",
             "Claims told me to wait", "Telephone/virtual support throughout Covid was excellent.",
             "All of your service (despite Covid)"]  # fmt: skip
    assert default_redactor().redact_many(plain) == plain
    assert default_redactor().redact_many(["Dr Patel was rude", "Spoke to Sarah"]) == [
        "<PERSON> was rude",
        "Spoke to <PERSON>",
    ]


def test_a_lower_case_given_name_ending_like_a_verb_is_still_a_name_after_its_cue():
    """'Hi my name is mohammed ali' was kept whole: '-ed' made 'mohammed' look like a verb form."""
    from miner.segment.pii import default_redactor

    texts = ["Hi my name is mohammed ali and the driver was rude", "i'm escalating this"]
    found = default_redactor().redact_many(texts)
    assert found == ["Hi my name is <PERSON> and the driver was rude", "i'm escalating this"]


def test_a_name_columns_lower_case_or_accented_name_is_redacted_in_the_text():
    """'françois dupont' in the name column and the text, and 'Nguyễn Văn An' (NER took 'Nguy' alone), leaked into
    every output; 'Spoke to Leah' at a sentence's start kept Leah (the cue was read in lower case only)."""
    from miner.ingest.records import Record
    from miner.segment.pii import default_redactor
    from miner.segment.redact import redact_records

    given = [("françois dupont", "my name is françois dupont and the fee was hidden, sincerely, françois dupont"),
             ("priyanka sharma", "Callback request for Priyanka Sharma never happened"),
             ("Nguyễn Văn", "Hi this is Nguyễn Văn and the courier lost my parcel."),
             ("Anonymous", "Spoke to Leah in the contact centre, she was great")]  # fmt: skip
    records = [Record(source="a.csv", line=i, text=t, meta={"customer_name": n}) for i, (n, t) in enumerate(given)]
    assert [r.text for r in redact_records(records, default_redactor(), key="k")] == [
        "my name is <PERSON> and the fee was hidden, sincerely, <PERSON>",
        "Callback request for <PERSON> never happened",
        "Hi this is <PERSON> and the courier lost my parcel.",
        "Spoke to <PERSON> in the contact centre, she was great",
    ]


def test_a_postcode_or_address_columns_value_is_redacted_whatever_it_looks_like():
    """'62704' in a survey's Postcode column stayed in the stored meta, where 'NW1 6XE' beside it was redacted."""
    from miner.ingest.records import Record
    from miner.segment.pii import Redactor
    from miner.segment.redact import redact_records

    meta = {"Postcode": "62704", "Street Address": "Flat 2", "zip": 10001, "email_address": "", "status": "62704"}
    [rec] = redact_records([Record(source="a.csv", line=1, text="Late again", meta=meta)], Redactor(names=None))
    assert rec.meta == {"Postcode": "<ADDRESS>", "Street Address": "<ADDRESS>", "zip": "<ADDRESS>",
                        "email_address": "", "status": "62704"}  # fmt: skip


def test_a_brand_before_a_model_number_or_acronym_is_no_person(redactor):
    """Testers' reviews: NER called "Dyson V15" (10 of 12 times) and "Nintendo Switch" persons, and "Invalid SIM"
    too. A capitalised word before a model number or an acronym is a product; a surname in capitals after a given
    name ("Priya SMITH"), shouting ("NEVER") and a cue before the name keep a person."""
    plain = ["I sent my Dyson V15 vacuum for repair", "Nintendo Switch OLED stopped charging",
             "Invalid SIM message since the last update.", "My Ford Fiesta ST failed the MOT twice."]  # fmt: skip
    assert redactor.redact_many(plain) == plain
    people = ["Priya SMITH from accounts never replied.", "Sarah Jones NEVER called me back.",
              "I spoke to Okafor PS5 in hand and he shrugged."]  # fmt: skip
    for text in people:
        out = redactor.redact_many([text])[0]
        assert "Priya" not in out and "Sarah" not in out and "Okafor" not in out, out


def test_an_english_word_after_a_lower_case_cue_is_no_name_and_a_given_name_is(redactor):
    """Testers: "now I'm overdrawn." was stored as "now I'm <PERSON>." and "i'm stuck on hold" lost "stuck": the "i'm"
    cue was confirmed by NER on a title-cased copy ("I'm Overdrawn"). After a cue other than "my name is", an English
    word that is no given name is none; a given name that is no English word needs no NER ("this is leah")."""
    plain = ["Paid my rent and now I'm overdrawn.", "i'm stuck on hold for an hour every time i call",
             "i'm housebound and nobody rings first", "i'm diabetic and the pharmacy sent the wrong pills"]  # fmt: skip
    assert redactor.redact_many(plain) == plain
    people = ["this is leah from customer care", "now i'm talking to dave from the night team",
              "i'm stuck, spoke to kevin twice and nothing", "hi i'm priya patel, the account holder"]  # fmt: skip
    assert redactor.redact_many(people) == ["this is <PERSON> from customer care",
                                            "now i'm talking to <PERSON> from the night team",
                                            "i'm stuck, spoke to <PERSON> twice and nothing",
                                            "hi i'm <PERSON>, the account holder"]  # fmt: skip


def test_a_sentences_first_word_before_says_or_on_my_phone_is_no_person(redactor):
    """A telecom tester's comments: "Bill says I went over my minutes" (in a batch that writes "my bill") and
    "Internet on my phone just stops working" were stored as "<PERSON> says..." / "<PERSON> on my phone...": "says"
    and "on ... phone" were cues that the word before them is a person. A bill, an app or a screen "says" (a
    person "said"), and what is "on my phone" is no agent "on the phone"."""
    plain = ["Bill says I went over my minutes", "Internet on my phone just stops working",
             "Transfer says pending for three days now.", "Why is my bill so high?"]  # fmt: skip
    assert redactor.redact_many(plain) == plain
    people = ["Bill said he would call back.", "Bill from billing says it is sorted.", "Stuart says he will call.",
              "Sarah on the phone promised a credit.", "Why is my bill so high?"]  # fmt: skip
    assert [t.split()[0] for t in redactor.redact_many(people)] == ["<PERSON>"] * 4 + ["Why"]


def test_how_the_writer_is_after_a_capitalised_im_is_no_name(redactor):
    """Beside the testers' cases: "Honestly I'm Livid with this service." was stored as "I'm <PERSON> with...": "I'm"
    cues a name and NER agreed. An English word after "I'm" or "I am" that is no given name nor a name that is a word
    too is how the writer is, not who."""
    plain = ["Honestly I'm Livid with this service.", "I am Furious about the fees.", "Im Fuming"]
    assert redactor.redact_many(plain) == plain
    people = ["I'm Grace and I manage the account.", "Hi I'm Okafor from flat 2.", "I'm Baker, the account holder."]
    assert ["<PERSON>" in t for t in redactor.redact_many(people)] == [True] * 3


# Feedback of several industries that must be stored as written: capitalised common words opening a sentence, brands
# with a model, and how the writer is after "I'm" (team-written after the testers' reports, redacted as one batch)
_PLAIN_FEEDBACK = [
    # telecom
    "Bill says I went over my minutes but I have unlimited calls.",
    "Internet on my phone just stops working after 6pm.",
    "Invalid SIM message since the last update.",
    "Internet keeps dropping since the upgrade.",
    "My bill doubled after the contract ended.",
    "It keeps freezing and I'm stuck in the middle.",
    "i'm stuck on hold for an hour every time i call",
    # banking
    "Paid my rent and now I'm overdrawn.",
    "now i'm overdrawn because of your mistake",
    "App says my card is frozen but nobody can tell me why.",
    "Transfer says pending for three days now.",
    "i'm locked out of online banking again",
    # electronics and retail
    "I sent my Dyson V15 vacuum for repair and it came back broken.",
    "Nintendo Switch OLED arrived with a dead pixel.",
    "Ordered a Samsung Galaxy S23 and received an older model.",
    "The Sony WH1000XM5 headphones stopped pairing after a week.",
    "Canon EOS R6 battery drains overnight.",
    # travel
    "I'm housebound so I can't collect the parcel.",
    "I'm disabled and the assisted boarding never turned up.",
    "Flight was cancelled and I'm stranded at the airport.",
    "Boarding the Airbus A320 took over an hour.",
    # energy
    "Smart meter says I used more gas than last winter.",
    "i'm gutted, the estimated readings are way off",
    "Honestly I'm Livid about the estimated bills.",
    # insurance and health
    "I'm pregnant and the clinic kept cancelling my scan.",
    "Claim was rejected and i'm baffled why.",
    "i'm diabetic and the pharmacy sent the wrong pills",
    # food delivery
    "Order says delivered but nothing arrived.",
    "Food was cold and I'm starving.",
    # motoring
    "My Ford Fiesta ST failed the MOT twice.",
    "The Toyota Corolla GR has a rattling dashboard.",
    # software
    "Update says installation failed every time.",
    "i'm exhausted by the endless chat bot loops",
]
# The same places holding a person's name, each redacted in a batch that writes "bill" as a word
_NAMED_FEEDBACK = [
    ("I'm Priya and I've been waiting two weeks.", "Priya"),
    ("i'm priya, the account holder, and nobody called back", "priya"),
    ("Bill from billing said the refund was approved.", "Bill"),
    ("Bill said he would call back and nobody did.", "Bill"),
    ("Spoke to Aaliyah and she was brilliant.", "Aaliyah"),
    ("Aaliyah says the engineer is booked for Monday.", "Aaliyah"),
    ("now i'm talking to dave from the night team", "dave"),
    ("Hi, I'm Tomasz Nowak and my router is broken.", "Tomasz"),
    ("Thanks, Grace, for sorting the refund.", "Grace"),
    ("Sarah Jones on the phone promised a credit.", "Sarah"),
    ("Mark from the store said the Dyson V15 was in stock.", "Mark"),
    ("Spoke to Okafor twice about the Galaxy S23.", "Okafor"),
    ("Jessica at the branch said my card was fine.", "Jessica"),
    ("this is leah from customer care", "leah"),
    ("Ms Davies sent the Nintendo Switch OLED to the wrong address.", "Davies"),
    ("I'm Grace and my SIM never arrived.", "Grace"),
    ("thanks jane for fixing my bill", "jane"),
    ("Daniel said I'm eligible for an upgrade.", "Daniel"),
    ("i'm stuck, spoke to kevin twice and nothing", "kevin"),
    ("Tom Hughes sent my Switch OLED to the old address.", "Tom"),
]


def test_common_words_products_and_how_the_writer_is_stay_and_names_in_their_places_go(redactor):
    """Testers found "<PERSON> says I went over my minutes", "<PERSON> on my phone", "<PERSON> message", "I'm
    <PERSON>." and "my <PERSON> vacuum" in stored feedback: none of these sentences may change, and every name in the
    same places must still be redacted."""
    stored = redactor.redact_many(_PLAIN_FEEDBACK)
    changed = [out for text, out in zip(_PLAIN_FEEDBACK, stored, strict=True) if out != text]
    assert changed == []
    words = ["Why has my bill gone up again?", "Charged for a paper bill I never asked for."]
    kept = [out for text, name in _NAMED_FEEDBACK if name in (out := redactor.redact_many([text, *words])[0])]
    assert kept == []


def test_a_verb_form_that_is_a_name_after_a_cue_is_the_cued_person_acting(redactor):
    """A contact centre's tester: "Your agent hung up on me twice" was stored as "Your agent <PERSON> up on me twice"
    (75 of 1,319 documents): "hung" is a name that is a word too, and "your agent" cues a name. A past tense or
    participle followed by what a verb takes ("up", "me", "no", "a map") is what the cued person did; one after a
    cued name is no surname. "my name is", a name after it ("hung nguyen") or none ("thanks, hung") keep a name."""
    plain = ["Your agent hung up on me twice.", "my agent said no and that was it", "i am hung up on this",
             "your agent rose to help", "my driver drew a map", "Your agent rang off before I finished."]  # fmt: skip
    assert redactor.redact_many(plain) == plain
    people = ["your agent dave hung up on me", "my name is hung", "your agent hung nguyen was rude",
              "Your agent Hung Nguyen hung up.", "the food was cold. thanks, hung"]  # fmt: skip
    assert redactor.redact_many(people) == ["your agent <PERSON> hung up on me", "my name is <PERSON>",
                                            "your agent <PERSON> was rude", "Your agent <PERSON> hung up.",
                                            "the food was cold. thanks, <PERSON>"]  # fmt: skip
