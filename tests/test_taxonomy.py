import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from miner.errors import TaxonomyError
from miner.touchpoints.taxonomy import DEFAULT_TAXONOMY, load_taxonomy, parse_taxonomy

CANONICAL = [
    "advertising",
    "social_media",
    "reputation",
    "website",
    "mobile_app",
    "account",
    "pricing",
    "checkout_payment",
    "product",
    "packaging",
    "in_store",
    "delivery",
    "billing",
    "returns_refunds",
    "agents",
    "contact_center",
    "documentation",
    "subscription",
    "follow_up",
]


def test_default_taxonomy_has_exactly_the_canonical_ids():
    tax = load_taxonomy()
    assert [t.id for t in tax.touchpoints] == CANONICAL


def test_default_taxonomy_matches_touchpoints_md_when_present():
    md = Path(__file__).resolve().parents[2] / "shared" / "TOUCHPOINTS.md"
    if not md.exists():
        pytest.skip("../shared/TOUCHPOINTS.md is not beside this checkout")
    rows = re.findall(r"^\| (\w+) \| ([\w-]+) \|", md.read_text(), flags=re.M)
    expected = {tid: stage for tid, stage in rows if tid != "id"}
    tax = load_taxonomy()
    assert {t.id: t.stage for t in tax.touchpoints} == expected


def test_default_taxonomy_is_rich_enough_to_map_from():
    tax = load_taxonomy()
    for tp in tax.touchpoints:
        assert len(tp.all_examples()) >= 30, tp.id
        assert tp.description
    assert any(tp.children for tp in tax.touchpoints)


def _base() -> dict:
    return yaml.safe_load(DEFAULT_TAXONOMY.read_text())


def test_unknown_stage_is_named():
    data = _base()
    data["touchpoints"][0]["stage"] = "during"
    with pytest.raises(TaxonomyError, match=r"touchpoint 'advertising', field 'stage'"):
        parse_taxonomy(data, "custom.yaml")


def test_a_version_is_a_short_name_and_an_unquoted_number_is_one():
    data = _base()
    data["version"] = 7  # `version: 7` in YAML
    assert parse_taxonomy(data, "custom.yaml").version == "7"
    data["version"] = 2027.10  # `version: 2027.10` in YAML is the number 2027.1: refused, not stored as "2027.1"
    with pytest.raises(TaxonomyError, match="quote the version"):
        parse_taxonomy(data, "custom.yaml")
    for bad in ("", "spa ces", "x" * 65, "../up"):
        data["version"] = bad
        with pytest.raises(TaxonomyError, match="version: .* is not a version"):
            parse_taxonomy(data, "custom.yaml")


def test_duplicate_id_is_named():
    data = _base()
    data["touchpoints"][1]["id"] = data["touchpoints"][0]["id"]
    with pytest.raises(TaxonomyError, match="duplicate touchpoint id 'advertising'"):
        parse_taxonomy(data, "custom.yaml")


def test_empty_description_is_named():
    data = _base()
    data["touchpoints"][3]["description"] = "   "
    with pytest.raises(TaxonomyError, match=r"custom.yaml: touchpoint 'website', field 'description'"):
        parse_taxonomy(data, "custom.yaml")


def test_child_must_extend_parent_id(tmp_path):
    data = _base()
    data["touchpoints"][3]["children"] = [{"id": "delivery/late", "name": "x", "description": "y"}]
    with pytest.raises(TaxonomyError, match="must start with 'website/'"):
        parse_taxonomy(data, "custom.yaml")


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("touchpoints:\n  - id: a\n    name: [unclosed\n")
    with pytest.raises(TaxonomyError, match=r"bad.yaml, line \d+: not valid YAML"):
        load_taxonomy(path)


def test_an_unclosed_quote_names_the_line_it_opens_on_and_a_colon_in_a_text_says_to_quote_it(tmp_path, data_dir):
    """An unclosed quote on line 1922 of a taxonomy was reported at line 2048, the end of the file where the scanner
    gave up; an unquoted "Waiting time: four hours" after `text:` gave a bare YAML error without the quoting hint."""
    base = (data_dir / "mini_taxonomy.yaml").read_text(encoding="utf-8")
    path = tmp_path / "quote.yaml"
    path.write_text(base + 'none_examples:\n  - "never again\n  - terrible\n  - awful\n', encoding="utf-8")
    opened, end = base.count("\n") + 2, base.count("\n") + 5
    with pytest.raises(TaxonomyError, match=rf"quote.yaml, line {opened}: .*quoted scalar.* at line {end}\): close"):
        load_taxonomy(path)
    path.write_text(base + "corrections:\n  - text: Waiting time: four hours\n    touchpoint: billing\n", "utf-8")
    with pytest.raises(TaxonomyError, match=rf"line {base.count(chr(10)) + 2}: .*: put it in quotes"):
        load_taxonomy(path)


def test_a_tree_error_names_the_touchpoint_the_field_and_the_line(tmp_path, data_dir):
    """A duplicate id, a child under the wrong parent and a missing stage were "(top level): ..." with no line; a
    touchpoint pasted under `none_examples` was "touchpoint 'roadside': Input should be a valid string"."""
    base = (data_dir / "mini_taxonomy.yaml").read_text(encoding="utf-8")
    path = tmp_path / "tree.yaml"

    def error(text: str) -> str:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(TaxonomyError) as err:
            load_taxonomy(path)
        return str(err.value)

    lines = base.splitlines()
    first = next(n for n, line in enumerate(lines, 1) if line.strip() == "- id: billing")
    again = "  - id: billing\n    name: Billing again\n    stage: purchase\n    description: d\n"
    at = base.index("\nnone_examples:") + 1 if "\nnone_examples:" in base else len(base)
    text = base[:at] + again + base[at:]
    line = text[: text.index("Billing again")].count("\n")
    assert error(text).startswith(
        f"{path}, line {line}: touchpoint 'billing', field 'id': duplicate touchpoint id 'billing' (first given at "
        f"line {first})"
    )
    text = base[:at] + again.replace("billing", "roadside").replace("    stage: purchase\n", "") + base[at:]
    assert f"line {line}: touchpoint 'roadside', field 'stage': a top-level touchpoint needs a stage" in error(text)
    child = "    children:\n      - id: delivery/late\n        name: Late\n        description: d\n"
    text = base[:at] + again.replace("billing", "roadside") + child + base[at:]
    assert f"line {line + 5}: touchpoint 'delivery/late', field 'id': child 'delivery/late' must start" in error(text)
    text = base + "none_examples:\n  - never again\n  - id: roadside\n    name: Roadside\n"
    line = text.count("\n") - 1
    assert f"line {line}: field 'none_examples' item 2: Input should be a valid string but is a mapping with the id " \
        "'roadside': a touchpoint goes under `touchpoints:`" in error(text)  # fmt: skip


def test_a_key_given_twice_is_refused_not_silently_replaced(tmp_path, data_dir):
    # a second `corrections:` list appended below the first (as `taxonomy review` suggests) replaced it silently
    base = (data_dir / "mini_taxonomy.yaml").read_text(encoding="utf-8")
    first = 'corrections:\n  - text: "charged twice"\n    touchpoint: billing\n'
    second = 'corrections:\n  - text: "box was crushed"\n    touchpoint: packaging\n'
    path = tmp_path / "twice.yaml"
    path.write_text(base + first + second, encoding="utf-8")
    line = (base + first).count("\n") + 1
    with pytest.raises(TaxonomyError, match=rf"twice.yaml, line {line}: 'corrections' is given twice in one mapping"):
        load_taxonomy(path)
    path.write_text(base + first, encoding="utf-8")
    assert len(load_taxonomy(path).corrections) == 1


def test_a_taxonomy_not_in_utf8_names_the_byte_and_its_line(tmp_path, data_dir):
    text = (data_dir / "mini_taxonomy.yaml").read_text(encoding="utf-8").replace("name: Billing", "name: Prêts")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text.encode("latin-1"))  # it raised UnicodeDecodeError, a traceback in check, mine and eval
    line = text[: text.index("Prêts")].count("\n") + 1
    with pytest.raises(
        TaxonomyError, match=rf"latin1.yaml, line {line}: byte 0xea is not UTF-8. Save the file as UTF-8"
    ):
        load_taxonomy(path)


def _billion_laughs() -> str:
    """Nine levels of nine aliases each: about 387 million strings once expanded, from a 350-byte file."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\ntouchpoints: *i\n"


def test_a_billion_laughs_taxonomy_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_billion_laughs())
    with pytest.raises(TaxonomyError, match=r"bomb.yaml, line 5: the aliases \(\*name\) expand to more than 10,000"):
        load_taxonomy(path)


def test_taxonomy_check_refuses_a_billion_laughs_with_the_clear_error(tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    path = tmp_path / "bomb.yaml"
    path.write_text(_billion_laughs())
    result = CliRunner().invoke(app, ["taxonomy", "check", str(path), "--embedding-model", "fake"])
    assert result.exit_code != 0
    assert "billion laughs" in result.output and "bomb.yaml, line 5" in result.output


def test_too_many_aliases_are_refused_and_a_few_small_ones_still_load(tmp_path, data_dir):
    from miner.touchpoints.safe_yaml import MAX_ALIASES, load_yaml

    many = "x: &x 1\nys: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(yaml.YAMLError, match=f"more than {MAX_ALIASES} aliases"):
        load_yaml(many)
    text = (data_dir / "mini_taxonomy.yaml").read_text()
    shared = "x-examples: &fee [the fee is hidden]\n"
    assert load_yaml(shared + "a: *fee\nb: *fee\n") == {"x-examples": ["the fee is hidden"], "a": ["the fee is hidden"],
                                                        "b": ["the fee is hidden"]}  # fmt: skip
    assert load_yaml(text) == yaml.safe_load(text)


def test_user_taxonomy_loads(data_dir):
    tax = load_taxonomy(data_dir / "mini_taxonomy.yaml")
    assert [t.id for t in tax.touchpoints] == ["billing", "packaging", "website"]
    assert tax.stage_of("packaging/damaged") == "purchase"
    assert "crushed box on arrival" in tax.get("packaging").all_examples()
    assert tax.fingerprint() != load_taxonomy().fingerprint()


def test_none_examples_send_touchpointless_complaints_to_none(mini_taxonomy, fake_embedder):
    from miner.touchpoints.mapper import get_mapper
    from miner.touchpoints.taxonomy import NONE

    example = mini_taxonomy.touchpoints[0].all_examples()[0]
    generic = "terrible experience overall never again"
    without = get_mapper("examples", mini_taxonomy, fake_embedder.embed, threshold=0.0).fit()
    assert without.none_scores(fake_embedder.embed([generic])) is None
    with_none = mini_taxonomy.model_copy(update={"none_examples": [generic]})
    mapper = get_mapper("examples", with_none, fake_embedder.embed, threshold=0.0).fit()
    [[generic_choice], [example_choice, *_]] = mapper.assign(fake_embedder.embed([generic, example]))
    assert generic_choice.touchpoint == NONE
    assert example_choice.touchpoint == mini_taxonomy.touchpoints[0].id


def test_a_correction_must_name_a_touchpoint_of_the_taxonomy():
    data = _base()
    data["corrections"] = [
        {"text": "charged twice for one order", "touchpoint": "billing"},
        {"text": "the courier threw the parcel over the fence", "touchpoint": "courier"},
    ]
    with pytest.raises(
        TaxonomyError, match=r"custom.yaml: .*correction 2 \('the courier threw.*unknown touchpoint 'courier'"
    ):
        parse_taxonomy(data, "custom.yaml")
    data["corrections"][1]["touchpoint"] = "none"
    with pytest.raises(TaxonomyError, match="filed under 'none': put such text in none_examples"):
        parse_taxonomy(data, "custom.yaml")


def test_a_correction_needs_text_and_one_touchpoint_for_its_quote():
    # a run files a corrected quote where its correction says: a quote under two touchpoints has no answer
    data = _base()
    touchpoint = data["touchpoints"][0]["id"]
    other = data["touchpoints"][1]["id"]
    data["corrections"] = [{"text": "Charged twice", "touchpoint": touchpoint}, {"text": "   ", "touchpoint": other}]
    with pytest.raises(TaxonomyError, match="correction 2 has no text"):
        parse_taxonomy(data, "custom.yaml")
    for same in ("charged  TWICE", "“Charged twice.”"):  # any case, spacing and punctuation around it
        data["corrections"][1]["text"] = same
        with pytest.raises(TaxonomyError, match=rf"correction 2 .*files the text of correction 1 under '{other}'"):
            parse_taxonomy(data, "custom.yaml")
    data["corrections"][1]["touchpoint"] = touchpoint  # the same quote twice under one touchpoint: harmless
    assert len(parse_taxonomy(data, "custom.yaml").corrections) == 2


def test_corrections_are_part_of_the_taxonomy_version_and_nothing_else_is_changed_by_them():
    data = _base()
    plain = parse_taxonomy(data, "custom.yaml")
    assert parse_taxonomy(dict(data, corrections=[]), "custom.yaml").fingerprint() == plain.fingerprint()
    corrected = parse_taxonomy(
        dict(data, corrections=[{"text": "charged twice", "touchpoint": "billing"}]), "custom.yaml"
    )
    assert corrected.fingerprint() != plain.fingerprint()  # a run records which corrections taught it


def test_corrections_teach_the_corpus_head_under_their_top_level_touchpoint(mini_taxonomy, fake_embedder):
    from miner.touchpoints.mapper import get_mapper
    from miner.touchpoints.taxonomy import Correction

    corrected = mini_taxonomy.model_copy(
        update={
            "corrections": [
                Correction(text="the box came open", touchpoint="packaging/damaged"),
                Correction(text="two charges on my card", touchpoint="billing"),
            ]
        }
    )
    head = get_mapper("examples", corrected, fake_embedder.embed).fit().corpus_head()
    ids = [t.id for t in mini_taxonomy.touchpoints]
    assert head._taught_y.tolist() == [ids.index("packaging"), ids.index("billing")]
    vector = fake_embedder.embed(["the box came open"])[0]
    np.testing.assert_allclose(head._taught_X[0], np.r_[vector, vector], atol=1e-6)  # read alone: its own context
    assert len(get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit().corpus_head()._taught_y) == 0


def test_a_quote_an_analyst_corrected_is_filed_where_the_correction_says(tmp_path, mini_taxonomy, fake_embedder):
    # two corrections left both quotes where they were: the labelled head was not sure enough to move them
    from miner.pipeline import MineOptions, mine
    from miner.segment.rules import RuleSegmenter
    from miner.store import open_db
    from miner.touchpoints.taxonomy import Correction
    from tests.conftest import write_reviews

    write_reviews(tmp_path / "r.csv", 0, 24)
    quote = "I was charged twice for my order, order 6 was awful."  # row 6's text, a clause of its own
    corrected = mini_taxonomy.model_copy(
        update={"corrections": [Correction(text=quote.upper(), touchpoint="packaging/damaged")]}  # any case
    )
    db = open_db(tmp_path / "t.db")
    options = MineOptions(taxonomy=corrected, embedder=fake_embedder, segmenter=RuleSegmenter(), redact_pii=False)
    _, run = mine(db, [tmp_path / "r.csv"], options)
    sql = """SELECT s.text, a.touchpoint, a.subtouchpoint FROM assignments a JOIN segments s ON s.id = a.segment_id
             WHERE a.run_id = ? AND a.rank = 0"""
    filed = {text: (tp, sub) for text, tp, sub in db.execute(sql, [run])}
    assert filed[quote] == ("packaging", "packaging/damaged")
    assert filed["I was charged twice for my order, order 12 was awful."][0] != "packaging"  # only the quote itself


def test_validation_names_the_item_the_key_and_why_a_colon_breaks_an_example():
    """An unquoted "Waiting time: four hours" was "touchpoint 'roadside', field '1': Input should be a valid string";
    a misspelt `touchpiont` was reported as `corrections.0.touchpoint: Field required`."""
    data = _base()
    touchpoint = data["touchpoints"][0]["id"]
    data["touchpoints"][0]["examples"][1] = {"Waiting time": "four hours"}  # what YAML makes of the unquoted line
    with pytest.raises(TaxonomyError, match=rf"touchpoint '{touchpoint}', field 'examples' item 2: .*put it in quotes"):
        parse_taxonomy(data, "custom.yaml")
    data = _base()
    data["corrections"] = [{"text": "late again", "touchpiont": touchpoint}]
    with pytest.raises(TaxonomyError, match=r"correction 1, field 'touchpiont': unknown key 'touchpiont'"):
        parse_taxonomy(data, "custom.yaml")
