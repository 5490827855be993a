"""PII recall on the team's labelled sample (tests/data/pii_labelled.txt), with Presidio for names."""

import re

import pytest

from miner.segment.pii import Redactor, apply, luhn_ok, redact, redact_records

_MARK = re.compile(r"\{([A-Z]+)\|([^}]*)\}")


def load_labelled(path):
    """(text, [(start, end, label)]) per line, from {LABEL|value} marks."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
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
    assert by_label["EMAIL"] == by_label["CARD"] == by_label["IBAN"] == 1.0
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
