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
