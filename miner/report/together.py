"""Touchpoints the same feedback items complain about together, more than chance would put them: a website that hides
the phone number, then a queue at the contact centre, which counts per touchpoint cannot show. That they go together
is what the figures say; whether one failure sent the customer to the other, the items themselves tell."""

from __future__ import annotations

from itertools import combinations

from miner.report.stats import SIGNIFICANCE, adjusted
from miner.report.trends import exact_test, p_rounded
from miner.touchpoints.taxonomy import NONE

MIN_ITEMS = 5  # items complaining about both, fewer is no pattern
MIN_LIFT = 1.5  # times what chance would give, were the two touchpoints' items independent
MOST = 10  # pairs listed, most shared items first: at 5 a chain of 7 items (Website, Contact centre) fell off


def together(
    docs: dict[str, set[str]], filed: dict[tuple[str, str], set[int]], names: dict[str, str], n_items: int
) -> tuple[list[dict], int, dict | None]:
    """The report's pairs (`complained_together`) with their sentence (`together_sentence`), an item counting for a
    pair only where it complains about the two touchpoints in two clauses or more (`filed`: (touchpoint, item) -> its
    complaint clauses there); how many pairs were tested; and, where none is listed, the nearest (`nearest`).

    Clauses, not sentences: the chain the tool is built to find is told in one breath ("Couldn't see the delivery fee
    on the site so I rang and waited 40 minutes"). Counting only items whose two complaints stood in sentences of
    their own (tried 2026-12-07 after a tester's pair of "The payment went through but the booking never confirmed")
    left the demo's Website and Contact centre with 26 of its 29 items and no pair at all; that tester's pair was a
    clause misread as a complaint, which the significance test below, not the sentence, has to weigh."""
    tested = tested_pairs(docs, names, n_items, filed)
    pairs = listed(tested)
    near = None if pairs else nearest(tested)
    return ([p | {"sentence": together_sentence(p)} for p in pairs], len(tested),
            near and near | {"sentence": together_sentence(near)})  # fmt: skip


def complained_together(
    docs: dict[str, set[str]],
    names: dict[str, str],
    n_items: int,
    filed: dict[tuple[str, str], set[int]] | None = None,
) -> tuple[list[dict], int]:
    """The pairs of touchpoints whose complaints share items more than chance would, most shared items first:
    `items` (items with a complaint about each), `of_first` / `of_second` (those items' share of each touchpoint's
    items), `lift` (`items` over what independence would give), and `p_value` / `p_adjusted` / `tests`: the one-sided
    Fisher exact test of that many shared items or more, were the two touchpoints' items drawn apart, and the same
    adjusted (Benjamini-Hochberg) over every pair tested: those of two touchpoints with MIN_ITEMS items or more each
    (the test takes each touchpoint's items as given, so choosing by them biases no p). A pair is listed with
    MIN_ITEMS items, MIN_LIFT times chance and an adjusted p under 0.05: among 136 pairs, 5 items at 1.5 times chance
    come by chance. Returns the pairs, and how many were tested.
    `docs`: each touchpoint's items with a complaint about it (`Tally.docs`); `names`: id -> name in the report's
    order (the most complained about first), which names each pair's touchpoints in that order; `n_items`: the items
    the report covers. With `filed` ((touchpoint, item) -> the keys of its complaint clauses there), an item counts
    for a pair only when it complains about each in a clause of its own: one clause filed under both ("Pizza was
    burnt", Product and Packaging) is one complaint, not one failure sending the customer to another."""
    tested = tested_pairs(docs, names, n_items, filed)
    return listed(tested), len(tested)


def tested_pairs(
    docs: dict[str, set[str]],
    names: dict[str, str],
    n_items: int,
    filed: dict[tuple[str, str], set[int]] | None = None,
) -> list[dict]:
    """Every pair `complained_together` tests, with its figures and p-values, raw and adjusted over them all."""
    tested: list[dict] = []
    ranked = [t for t in names if t != NONE and len(docs.get(t, ())) >= MIN_ITEMS]
    for a, b in combinations(ranked, 2):
        shared = docs[a] & docs[b]
        if filed is not None:
            shared = {d for d in shared if len(filed.get((a, d), set()) | filed.get((b, d), set())) >= 2}
        both, n_a, n_b = len(shared), len(docs[a]), len(docs[b])
        expected = n_a * n_b / n_items if n_items else 0.0
        p = exact_test(n_b - both, n_items - n_a, both, n_a, alternative="greater") if n_items > n_a else 1.0
        tested.append({
            "first": a, "second": b, "first_name": names.get(a, a), "second_name": names.get(b, b), "items": both,
            "of_first": both / n_a, "of_second": both / n_b, "lift": both / expected if expected else 0.0,
            "p_value": p,
        })  # fmt: skip
    return [
        pair | {"p_value": p_rounded(pair["p_value"]), "p_adjusted": p_rounded(p), "tests": len(tested)}
        for pair, p in zip(tested, adjusted([pair["p_value"] for pair in tested]), strict=True)
    ]


def _large(pair: dict) -> bool:
    """Enough shared items, often enough over chance, to be a pattern at all, whatever its p."""
    return pair["items"] >= MIN_ITEMS and pair["lift"] >= MIN_LIFT


def listed(tested: list[dict]) -> list[dict]:
    """The pairs the report lists: large and significant once adjusted, most shared items first."""
    out = [pair for pair in tested if _large(pair) and pair["p_adjusted"] < SIGNIFICANCE]
    out.sort(key=lambda p: (-int(p["items"]), -float(p["lift"]), str(p["first"]), str(p["second"])))
    return out[:MOST]


def nearest(tested: list[dict]) -> dict | None:
    """The large pair nearest to significance where none is listed, lowest adjusted p first: the demo's Website and
    Contact centre, 28 items at 1.7 times chance (p = 0.0007 alone, 0.068 once adjusted for 120 pairs), vanished
    from the report as if no two touchpoints went together, where the analyst should read its items."""
    large = [pair for pair in tested if _large(pair)]
    return min(large, key=lambda p: (p["p_adjusted"], p["p_value"], -int(p["items"])), default=None)


def together_sentence(pair: dict) -> str:
    """'Website and Contact centre: 28 items complain about both in clauses of their own (37% of the items about
    Contact centre, 1.7 times chance)'."""
    side = "second" if pair["of_second"] >= pair["of_first"] else "first"
    return (
        f"{pair['first_name']} and {pair['second_name']}: {pair['items']:,} items complain about both in clauses "
        f"of their own ({pair[f'of_{side}']:.0%} of the items about {pair[f'{side}_name']}, {pair['lift']:.1f} times "
        "chance)"
    )
