"""How well a corpus fits its taxonomy: four measures of a run's complaints, a verdict, and what to do about it.

A taxonomy written for one industry maps another industry's complaints badly without saying so: the touchpoints
all score about the same (small margins), many complaints fit none of them, one touchpoint takes whatever the
others do not, and the best scores sit far below what the taxonomy's own examples get. `diagnose` reads those
four signals from what `classify` computed (each complaint's first choice and its two best similarities) and
says so in words that name the numbers and point to `touchpoints taxonomy review` and `taxonomy suggest`.

The thresholds were set so that the demo corpus and the team's probe set fit and a corpus from an industry the
taxonomy has no touchpoint for does not (docs/lab/fit-notice.md has the measurements)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from miner.touchpoints.mapper import ExampleMapper, Mapper
from miner.touchpoints.taxonomy import NONE

FITS, WEAK, POOR, UNKNOWN = "fits", "weak fit", "does not fit", "not judged"
MIN_COMPLAINTS = 30  # fewer complaints than this: no verdict (a handful of clauses proves nothing either way)
MIN_TOUCHPOINTS_FOR_SHARE = 4  # with fewer touchpoints one of them taking a third is no sign of anything

# Each signal has a level where the fit is weak and one where it fails; one weak signal makes a weak fit, two
# weak signals or one failing make "does not fit". One touchpoint taking a large share is no sign alone (reviews are
# mostly about the product, patient comments about staff): it only adds to another signal.
NONE_SHARE = (0.30, 0.45)  # share of complaints mapped to `none`: weak at or above, failing at or above
# median lead of the best touchpoint over the runner-up over the examples' own (held-out) median lead: weak below
# half, failing below a quarter. Read on the taxonomy's scale, as the best score is: an encoder or a taxonomy with
# closer touchpoints has smaller leads everywhere, the corpus's complaints included (docs/lab/detector.md).
MARGIN_RATIO = (0.5, 0.25)
MARGIN = (0.030, 0.015)  # without a reference (the `centroid` mapper): the median lead itself, weak/failing below
TOP_SHARE = (0.30, 0.50)  # largest share of the mapped complaints one touchpoint takes: weak/failing at or above
BEST_RATIO = (0.75, 0.62)  # median best score over the examples' own (held-out) median best: weak/failing below

ADVICE = (
    "Label some of its complaints with `touchpoints taxonomy review` (GET /v1/review in the API) and see "
    "which touchpoints the corpus needs with `touchpoints taxonomy suggest`."
)


@dataclass(frozen=True)
class Fit:
    """The measures of one run, the verdict, and one sentence per signal that tripped."""

    verdict: str
    complaints: int
    none_share: float
    median_margin: float | None
    top_share: float
    top_touchpoint: str | None
    median_best: float | None
    reference: float | None
    reference_margin: float | None = None  # the examples' own median lead (held out); None: the absolute MARGIN
    warnings: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return self.verdict in (FITS, UNKNOWN)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Fit:
        def num(key: str) -> float | None:
            return None if data.get(key) is None else float(data[key])

        return cls(
            verdict=str(data.get("verdict", UNKNOWN)),
            complaints=int(data.get("complaints") or 0),
            none_share=float(data.get("none_share") or 0.0),
            median_margin=num("median_margin"),
            top_share=float(data.get("top_share") or 0.0),
            top_touchpoint=data.get("top_touchpoint"),
            median_best=num("median_best"),
            reference=num("reference"),
            reference_margin=num("reference_margin"),
            warnings=[str(w) for w in data.get("warnings") or []],
        )


def held_out_top2(examples: np.ndarray, owners: np.ndarray, k: int = 3) -> np.ndarray:
    """Each example's best and second-best touchpoint score with the example held out of its own touchpoint (top-k
    mean of the rest, as the mapper scores): how the taxonomy's own complaints sit. `examples`: unit vectors;
    `owners`: the touchpoint of each; `k`: the mapper's top-k mean. Rows of examples with no score are dropped."""
    if len(examples) < 2:
        return np.zeros((0, 2), np.float32)
    sims = examples @ examples.T
    np.fill_diagonal(sims, -np.inf)  # held out: an example never matches itself
    per = []
    for j in np.unique(owners):
        cols = sims[:, owners == j]
        kk = min(k, cols.shape[1])
        top = -np.partition(-cols, kk - 1, axis=1)[:, :kk]
        top = np.where(np.isfinite(top), top, np.nan)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(top, axis=1) if kk > 1 else top[:, 0]
        per.append(np.nan_to_num(mean, nan=-np.inf))
    scores = np.stack(per, axis=1)
    if scores.shape[1] == 1:
        scores = np.repeat(scores, 2, axis=1)
    ranked = -np.sort(-scores, axis=1)[:, :2]
    return ranked[np.isfinite(ranked[:, 0])]


def reference_score(examples: np.ndarray, owners: np.ndarray, k: int = 3) -> float | None:
    """The median best score the taxonomy's own examples get with each held out of its touchpoint: how high a
    complaint that reads like the examples scores (the scale `BEST_RATIO` compares a corpus against)."""
    top2 = held_out_top2(examples, owners, k)
    return float(np.median(top2[:, 0])) if len(top2) else None


def mapper_references(mapper: Mapper) -> tuple[float | None, float | None]:
    """The median best score and the median lead over the runner-up that a fitted mapper's own examples get, each
    held out (`held_out_top2`); (None, None) for a mapper without examples (the centroid anchor), whose runs are
    judged on the absolute margin and the other signals."""
    if not isinstance(mapper, ExampleMapper) or not hasattr(mapper, "examples_"):
        return None, None
    top2 = held_out_top2(np.asarray(mapper.examples_, np.float32), mapper.owners_, mapper.k)
    top2 = top2[np.isfinite(top2).all(axis=1)]
    if not len(top2):
        return None, None
    return float(np.median(top2[:, 0])), float(np.median(top2[:, 0] - top2[:, 1]))


def diagnose(
    firsts: Sequence[str],
    top2: np.ndarray,
    n_touchpoints: int,
    reference: float | None = None,
    reference_margin: float | None = None,
) -> Fit:
    """The fit of a run from its complaints: `firsts` the touchpoint each was mapped to first (`none` included),
    `top2` one row per complaint with its best and second-best touchpoint similarity (before any corpus head),
    `reference` and `reference_margin` what `mapper_references` gives for the taxonomy (None: the best-score signal
    is not read; the margin is read against the absolute `MARGIN`)."""
    n = len(firsts)
    counts = Counter(firsts)
    none_share = counts.pop(NONE, 0) / n if n else 0.0
    mapped = sum(counts.values())
    top_tp, top_n = counts.most_common(1)[0] if counts else (None, 0)
    top_share = top_n / mapped if mapped else 0.0
    margin = float(np.median(top2[:, 0] - top2[:, 1])) if n and top2.shape[1] == 2 else None
    best = float(np.median(top2[:, 0])) if n else None
    fit = Fit(UNKNOWN, n, round(none_share, 4), _r(margin), round(top_share, 4), top_tp, _r(best), _r(reference),
              _r(reference_margin))  # fmt: skip
    if n < MIN_COMPLAINTS:
        return fit
    levels = _levels(fit, n_touchpoints)
    verdict = POOR if 2 in levels.values() or sum(levels.values()) >= 2 else WEAK if levels else FITS
    warnings = [_sentence(fit, name, level) for name, level in levels.items()]
    if warnings:
        lead = "does not fit" if verdict == POOR else "fits this taxonomy only weakly"
        warnings.insert(0, f"This corpus {lead}: its touchpoint figures may mislead. {ADVICE}")
    return replace(fit, verdict=verdict, warnings=warnings)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _levels(fit: Fit, n_touchpoints: int) -> dict[str, int]:
    """Each signal that tripped: 1 weak, 2 failing."""
    out = {}
    out["none"] = _above(fit.none_share, NONE_SHARE)
    if fit.median_margin is not None and n_touchpoints >= 2:
        lines = MARGIN if not fit.reference_margin else tuple(r * fit.reference_margin for r in MARGIN_RATIO)
        out["margin"] = _above(-fit.median_margin, (-lines[0], -lines[1]), strict=True)
    if n_touchpoints >= MIN_TOUCHPOINTS_FOR_SHARE:
        out["top"] = _above(fit.top_share, TOP_SHARE)
    if fit.reference and fit.median_best is not None:
        out["best"] = _above(-fit.median_best / fit.reference, (-BEST_RATIO[0], -BEST_RATIO[1]), strict=True)
    tripped = {k: v for k, v in out.items() if v}
    return tripped if set(tripped) - {"top"} else {}


def _above(value: float, levels: tuple[float, float], *, strict: bool = False) -> int:
    weak, poor = levels
    if (value > poor) if strict else (value >= poor):
        return 2
    return 1 if ((value > weak) if strict else (value >= weak)) else 0


def _sentence(fit: Fit, name: str, level: int) -> str:
    """One signal in words, with its number and the level it crossed."""
    if name == "none":
        limit = NONE_SHARE[level - 1]
        return (f"{fit.none_share:.0%} of complaints fit no touchpoint (`none`; {limit:.0%} or more is "
                f"{'a poor' if level == 2 else 'a weak'} fit): the corpus talks about things the taxonomy has no "
                "touchpoint for.")  # fmt: skip
    if name == "margin" and fit.reference_margin:
        share = (fit.median_margin or 0.0) / fit.reference_margin
        return (f"The best touchpoint leads the runner-up by a median of {fit.median_margin:.3f}, "
                f"{share:.0%} of the {fit.reference_margin:.3f} the taxonomy's own examples lead by "
                f"(under {MARGIN_RATIO[level - 1]:.0%}): most complaints sit about as close to two touchpoints, "
                "so their first touchpoint is close to a coin toss.")  # fmt: skip
    if name == "margin":
        return (f"The best touchpoint leads the runner-up by a median of {fit.median_margin:.3f} (under "
                f"{MARGIN[level - 1]:.3f}): most complaints sit about as close to two touchpoints, so their "
                "first touchpoint is close to a coin toss.")  # fmt: skip
    if name == "top":
        # the reports' share columns count every touchpoint a complaint mentions: this counts first touchpoints
        return (f"One touchpoint, `{fit.top_touchpoint}`, is the first touchpoint of {fit.top_share:.0%} of the "
                f"mapped complaints ({TOP_SHARE[level - 1]:.0%} or more): unless the corpus is mostly about it, it "
                "is catching what the others miss.")  # fmt: skip
    ratio = (fit.median_best or 0.0) / (fit.reference or 1.0)
    return (f"Complaints score a median {fit.median_best:.2f} against their best touchpoint, {ratio:.0%} of the "
            f"{fit.reference:.2f} the taxonomy's own examples get (under {BEST_RATIO[level - 1]:.0%}): they read "
            "unlike anything the taxonomy describes.")  # fmt: skip
