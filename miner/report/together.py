"""Touchpoints the same feedback items complain about together: where one touchpoint's failure sends customers to
another (a website that hides the phone number, then a queue at the contact centre), which counts per touchpoint
cannot show."""

from __future__ import annotations

from itertools import combinations

from miner.touchpoints.taxonomy import NONE

MIN_ITEMS = 5  # items complaining about both, fewer is no pattern
MIN_LIFT = 1.5  # times what chance would give, were the two touchpoints' items independent
MOST = 10  # pairs listed, most shared items first: at 5 a chain of 7 items (Website, Contact centre) fell off


def complained_together(
    docs: dict[str, set[str]],
    names: dict[str, str],
    n_items: int,
    filed: dict[tuple[str, str], set[int]] | None = None,
) -> list[dict]:
    """The pairs of touchpoints whose complaints share items more than chance would (`MIN_LIFT`), most shared items
    first: `items` (items with a complaint about each), `of_first` / `of_second` (those items' share of each
    touchpoint's items) and `lift` (`items` over what independence would give). `docs`: each touchpoint's items
    with a complaint about it (`Tally.docs`); `names`: id -> name in the report's order (the most complained about
    first), which names each pair's touchpoints in that order; `n_items`: the items the report covers. With
    `filed` ((touchpoint, item) -> its complaint clauses there, `Tally.filed`), an item counts for a pair only when
    it complains about each in a clause of its own: one clause filed under both ("Pizza was burnt", Product and
    Packaging) is one complaint, not one failure sending the customer to another (7 of a pair's 16 items were)."""
    out: list[dict] = []
    ranked = [t for t in names if t != NONE and docs.get(t)]
    for a, b in combinations(ranked, 2):
        shared = docs[a] & docs[b]
        if filed is not None:
            shared = {d for d in shared if len(filed.get((a, d), set()) | filed.get((b, d), set())) >= 2}
        both = len(shared)
        expected = len(docs[a]) * len(docs[b]) / n_items if n_items else 0.0
        if both < MIN_ITEMS or not expected or both / expected < MIN_LIFT:
            continue
        out.append({
            "first": a, "second": b, "first_name": names.get(a, a), "second_name": names.get(b, b), "items": both,
            "of_first": both / len(docs[a]), "of_second": both / len(docs[b]), "lift": both / expected,
        })  # fmt: skip
    out.sort(key=lambda p: (-int(p["items"]), -float(p["lift"]), str(p["first"]), str(p["second"])))
    return out[:MOST]


def together_sentence(pair: dict) -> str:
    """'Website and Contact centre: 28 items complain about both (37% of the items about Contact centre, 1.6 times
    chance)'."""
    side = "second" if pair["of_second"] >= pair["of_first"] else "first"
    return (
        f"{pair['first_name']} and {pair['second_name']}: {pair['items']:,} items complain about both "
        f"({pair[f'of_{side}']:.0%} of the items about {pair[f'{side}_name']}, {pair['lift']:.1f} times chance)"
    )
