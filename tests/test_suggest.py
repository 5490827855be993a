"""taxonomy suggest: the YAML it proposes reads as a reviewer would write it."""

from __future__ import annotations

import yaml

from miner.touchpoints.suggest import as_yaml, describe


def test_description_lists_each_word_once_as_english():
    assert describe(["cut", "different", "different people", "hold"], "X") == (
        "Complaints about cut, different people and hold."  # "different" is in "different people"
    )
    assert describe(["hub"], "Hub") == "Complaints about hub."
    assert describe([], "Different people") == "Complaints about different people."
    (entry,) = yaml.safe_load(as_yaml([{"id": "x", "name": "X", "keywords": ["a b", "a", "c"], "examples": []}]))
    assert entry["description"] == "Complaints about a b and c."


def test_suggestions_paste_into_the_packaged_taxonomy_as_they_are(tmp_path):
    # printed at column 0, pasted before `none_examples:` they broke the file ("expected <block end>")
    from miner.touchpoints.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    suggestion = {"id": "chat_bot", "name": "Chat bot", "keywords": ["chat bot", "loops"],
                  "examples": ["the chat bot keeps looping", "the bot never hands me to a person"]}  # fmt: skip
    text = DEFAULT_TAXONOMY.read_text(encoding="utf-8")
    at = text.index("\nnone_examples:") + 1
    path = tmp_path / "with_suggestion.yaml"
    path.write_text(text[:at] + as_yaml([suggestion]) + text[at:], encoding="utf-8")
    assert "chat_bot" in {tp.id for tp in load_taxonomy(path).touchpoints}
