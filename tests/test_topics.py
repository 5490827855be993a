"""Pain-point quotes: central ones first, unless they are borderline complaints."""

from __future__ import annotations

import numpy as np

from miner.topics.clusterer import PainPointModel

TEXTS = [
    "the website is way less cluttered now",  # praise of a fix, read as a borderline complaint
    "the website is so cluttered i can't find the menu",
    "your website is cluttered and confusing to use",
    "far too much clutter on the website home page",
]


def _vectors() -> np.ndarray:
    """Unit vectors within 15 degrees of each other; the first is the most central."""
    angles = np.radians([0.0, -12.0, 12.0, 15.0])
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def test_most_central_quote_leads_when_every_complaint_is_as_sure():
    (point,) = PainPointModel().fit("website", TEXTS, _vectors())
    assert point.size == 4
    assert point.representatives[0] == 0


def test_borderline_complaint_is_not_the_first_quote():
    confidence = np.array([0.55, 0.95, 0.9, 0.92])
    (point,) = PainPointModel().fit("website", TEXTS, _vectors(), confidence=confidence)
    assert point.representatives[0] != 0
    assert sorted(point.representatives) == [0, 1, 2, 3]  # still a member, only quoted later
