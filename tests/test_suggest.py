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


def test_a_touchpoint_catching_what_the_others_miss_is_read_for_suggestions(tmp_path, data_dir, segmenter):
    """A corpus about books and football put 75% of its complaints under `product` and 2 under `none`, the fit notice
    pointed to `taxonomy suggest`, and it suggested nothing: it read `none` alone."""
    import json

    from miner.embed import EmbeddingCache
    from miner.embed.fake import HashingEmbedder
    from miner.pipeline import MineOptions, mine
    from miner.store import open_db
    from miner.store.reads import unmapped_texts, weakest_texts
    from miner.store.runs import find_run
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.suggest import suggest_touchpoints

    # four touchpoints: with fewer, one taking a third of the complaints is no sign of anything (fit.py)
    four = tmp_path / "four.yaml"
    delivery = """  - id: delivery
    name: Delivery
    stage: post-purchase
    description: Orders that come late or never.
    examples:
      - "my order came two hours late"
"""
    mini = (data_dir / "mini_taxonomy.yaml").read_text(encoding="utf-8")
    four.write_text(mini.replace("touchpoints:\n", "touchpoints:\n" + delivery, 1), encoding="utf-8")
    taxonomy = load_taxonomy(four)

    # written near a packaging example, so that the fake embedder files them there
    texts = [
        f"the box arrived crushed, the novel {w} had torn pages and a broken spine" for w in ("I ordered", "we got", "")
    ]
    texts += [f"the box arrived crushed, the football match {w} was cancelled" for w in ("on Sunday", "in May", "")]
    texts += ["the box arrived crushed", "the box arrived crushed again"]
    (tmp_path / "f.csv").write_text("text,rating\n" + "".join(f'"{t}",1\n' for t in texts), encoding="utf-8")
    embedder = HashingEmbedder(dim=128)
    db = open_db(tmp_path / "s.db")
    _, run_id = mine(db, [tmp_path / "f.csv"], MineOptions(taxonomy=taxonomy, embedder=embedder, segmenter=segmenter))
    first = db.execute("SELECT touchpoint, COUNT(*) FROM assignments WHERE run_id = ? AND rank = 0 AND touchpoint != "
                       "'none' GROUP BY 1 ORDER BY 2 DESC", [run_id]).fetchone()  # fmt: skip
    cache = EmbeddingCache(embedder, db)
    unmapped = set(unmapped_texts(db, run_id, "none"))
    weakest = set(weakest_texts(db, run_id, first[0]))
    assert weakest - unmapped and find_run(db)["id"] == run_id
    for share, read in ((0.1, unmapped), (0.75, unmapped | weakest)):  # a third or more: it catches what others miss
        db.execute(
            "UPDATE runs SET fit = ? WHERE id = ?",
            [json.dumps({"top_share": share, "top_touchpoint": first[0]}), run_id],
        )
        found = suggest_touchpoints(db, cache, min_size=2)
        assert all(set(s["examples"]) <= read for s in found)
        assert (share > 0.5) == any(set(s["examples"]) & (weakest - unmapped) for s in found)


def test_a_topic_spread_thin_over_several_touchpoints_is_suggested(monkeypatch):
    """18 roaming comments of a telecom corpus whose taxonomy had no roaming touchpoint went under six touchpoints at
    low scores, none under `none`, and `taxonomy suggest` said no cluster was large enough."""
    from types import SimpleNamespace

    import numpy as np

    import miner.touchpoints.suggest as suggest

    rng = np.random.default_rng(0)
    places = ["Portugal", "Spain", "Canada", "Dubai", "France", "Italy", "Japan", "Greece", "Turkey", "Mexico"]
    roaming = [f"roaming in {p} cost me a fortune, no data" for p in places]
    billed = [f"the bill in {m} charged me twice" for m in ["May", "June", "July", "March", "April", "August"]]
    under = ["network", "billing", "pricing", "network", "billing", "account", "network", "pricing", "billing", "ads"]
    filed = [*zip(roaming, under, strict=True), *((t, "billing") for t in billed)]
    centres = {"roaming": rng.normal(size=32), "bill": rng.normal(size=32)}

    def embed(texts):
        out = [centres["roaming"] if "roaming" in t else centres["bill"] if "bill" in t else rng.normal(size=32) * 5
               for t in texts]  # fmt: skip
        return np.array(out) + rng.normal(0, 0.05, (len(texts), 32))

    monkeypatch.setattr(suggest, "weakest_complaints", lambda *args: filed)
    found = suggest.spread_topics(None, SimpleNamespace(embed=embed), 1, 3)  # type: ignore[arg-type]
    assert len(found) == 1 and all("roaming" in q for q in found[0]["examples"])  # bills sit under one: no new one
    assert found[0]["spread"] == {"network": 3, "billing": 3, "pricing": 2, "account": 1, "ads": 1}


def test_min_size_filters_one_clustering_and_does_not_change_it(monkeypatch):
    """--min-size was the clusterer's own minimum: at 3 the small clusters merged into the nearest large one (one
    "Loss adjuster" cluster of 6 where --min-size 2 gave clusters of 4, 4, 4 and 2), and the clusters of 3 and 4
    that --min-size 2 found were not found at the default of 3."""
    from types import SimpleNamespace

    import numpy as np

    import miner.touchpoints.suggest as suggest

    rng = np.random.default_rng(1)
    roaming_c, bill_c, other = (v / np.linalg.norm(v) for v in rng.normal(size=(3, 32)))
    esim_c = 0.35 * roaming_c + np.sqrt(1 - 0.35**2) * other  # a cluster of its own, near enough to merge into roaming
    roaming = [f"roaming in {p} cost me a fortune" for p in ["Portugal", "Spain", "Canada", "Dubai"]]
    esim = ["the esim would not activate abroad", "the esim profile vanished on the plane"]
    billed = [f"the bill in {m} charged me twice" for m in ["May", "June", "July", "March"]]
    under = ["network", "billing", "pricing", "account", "network", "ads"]
    filed = [*zip(roaming + esim, under, strict=True), *((t, "billing") for t in billed)]

    def embed(texts):  # the same vector for a text on every call, as the cache gives
        out = [roaming_c if "roaming" in t else esim_c if "esim" in t else bill_c for t in texts]
        noise = [np.random.default_rng(sum(map(ord, t))).normal(0, 0.01, 32) for t in texts]
        return np.array(out) + np.array(noise)

    monkeypatch.setattr(suggest, "weakest_complaints", lambda *args: filed)
    cache = SimpleNamespace(embed=embed)
    found = {n: suggest.spread_topics(None, cache, 1, n) for n in (2, 3, 5)}  # type: ignore[arg-type]
    assert [s["size"] for s in found[3]] == [4] and all("roaming" in q for q in found[3][0]["examples"])
    for n in (3, 5):
        assert found[n] == [s for s in found[2] if s["size"] >= n]


def test_suggested_quotes_are_distinct_and_on_topic():
    """A suggestion quoted "The inspector said..." and "Honestly, The inspector said..." both, and pasted "Long time
    customer here." as an example of a body-shop touchpoint."""
    from miner.touchpoints.suggest import distinct

    quotes = [
        "Honestly, The inspector said the damage was old, I have the MOT photos.",
        "The body shop you sent me to is 40 miles away.",
        "The inspector said the damage was old, I have the MOT photos!",
        "Long time customer here.",
        "The partner body shop has a waiting list of six weeks.",
    ]
    assert distinct(quotes, ["body shop", "inspector"]) == [
        "The inspector said the damage was old, I have the MOT photos!",
        "The body shop you sent me to is 40 miles away.",
        "The partner body shop has a waiting list of six weeks.",
    ]
    assert distinct(quotes[3:4] + quotes[1:2], ["shop"]) == ["Long time customer here.", quotes[1]]  # one on topic
