"""The overview's sentences: a touchpoint's share, its leading pain point and how its latest period compares."""

from __future__ import annotations

from miner.report.trends import MIN_PERIOD_ITEMS, fell_silent, p_text
from miner.wording import counted


def _change_phrase(change: dict | None, unit: str, baseline: dict | None = None) -> str:
    """How the latest period compares with the one before, and with all earlier ones where that says otherwise
    (a month down on a spike is still far above the months before it); nothing where there is nothing to say."""
    if not change:
        return ""
    if change["status"] == "none":
        # no mention in the latest period nor the one before: a touchpoint that fell silent after the fix is
        # still news when it fell significantly against all earlier periods (it was left out of the sentence)
        if not fell_silent(change, baseline):
            return ""
        earlier = _compared(baseline or {}, f"the {unit}s before", "since the " + unit + "s before")
        return f"{earlier}; no mention in the latest {unit} nor the one before"
    if change["status"] == "too few":
        which = "last" if change["items_last"] < MIN_PERIOD_ITEMS else "previous"
        return f"too few items in the {which} {unit} to compare"
    if change["status"] == "new" and baseline and baseline["previous"]:
        change = change | {"status": "up"}  # none the period before, but some earlier: "up from 0", as counts
    phrase = _compared(change, f"the previous {unit}", "in the latest " + unit)
    if (
        baseline
        and baseline["status"] in ("up", "down", "new")
        and (baseline["status"] != change["status"] or (baseline["significant"] and not change["significant"]))
    ):
        earlier = _compared(baseline, f"the {unit}s before", "since the " + unit + "s before")
        # the significant one first: the demo's website read "up: 4 of 41 items against 2 of 24 in the previous
        # month (not significant); down 59% on the months before (significant)", the fall after the fix last
        first_earlier = baseline["significant"] and not change["significant"]
        phrase = f"{earlier}; {phrase}" if first_earlier else f"{phrase}; {earlier}"
    return phrase


def _compared(change: dict, against: str, new_where: str) -> str:
    """'up 23% on the previous month (significant, p = 0.012)'; 'up: 9 of 44 items against 1 of 40 in the previous
    month' where a percentage of a handful would mislead ('up 810%')."""
    verdict = _verdict(change)
    if change["status"] == "new":
        return f"new {new_where} ({verdict})"
    if change["status"] == "flat":
        return f"unchanged on {against} ({verdict})"
    if change["as_counts"]:  # from fewer than SMALL_COUNT items (trends.py `change`), as the Trends table gives it
        return (f"{change['status']}: {change['last']:,} of {counted(change['items_last'], 'item')} against "
                f"{change['previous']:,} of {change['items_previous']:,} in {against} ({verdict})")  # fmt: skip
    return f"{change['status']} {abs(change['relative'] * 100):.0f}% on {against} ({verdict})"


def _verdict(change: dict) -> str:
    """'significant, p = 0.012' for a test alone; 'significant, adjusted p = 0.012' for one of a family (trends.py
    `correct`: every touchpoint's), whose raw p stays in the JSON's `p_value`."""
    if not change["significant"]:
        return "not significant"
    return f"significant, {p_text(change['p_adjusted'], 'adjusted p ' if change['tests'] > 1 else 'p ')}"


def _inline(label: str) -> str:
    """A pain point's label inside a sentence: its first word lower-cased where it is an ordinary capitalised word
    ("Late delivery" -> "late delivery"); an acronym ("IVR & phone menus" read "iVR") stays as it is."""
    first = label.split(" ", 1)[0]
    if not first[:1].isupper() or any(c.isupper() for c in first[1:]) or any(c.isdigit() for c in first):
        return label
    return label[:1].lower() + label[1:]


def sentence(entry: dict, unit: str) -> str:
    """'Website: 31% of complaint mentions, led by missing information: delivery fee (412 mentions), up 18% on ...':
    the share is of mentions (a complaint about two touchpoints counts for each), as the table's Share; said "of
    complaints", it read as 22% where the touchpoint is in 28% of them."""
    parts = [f"{entry['share']:.0%} of complaint mentions"]
    named = [p for p in entry["pain_points"] if not p["label"].startswith("Other:")]  # not the remainder group
    if named:
        top = named[0]
        parts.append(f"led by {_inline(top['label'])} ({counted(top['complaints'], 'mention')})")
    trend = entry.get("trend") or {}
    phrase = _change_phrase(trend.get("change"), unit, trend.get("baseline"))
    if phrase:
        parts.append(phrase)
    return f"{entry['name']}: " + ", ".join(parts)
