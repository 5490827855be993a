"""Exports neutralise formulas, redacted PII appears nowhere, and each limit has a default and a clear error
(reliability/checks.py, run in full here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reliability import checks  # noqa: E402


@pytest.fixture(scope="module")
def mined(tmp_path_factory):
    return checks.mine_sample(tmp_path_factory.mktemp("sample"), pii_items=60)


def test_exports_hold_no_formula(mined):
    figures = checks.export_figures(mined)
    assert figures["formula_cells"] == 0
    assert figures["neutralised_cells"] >= 4  # the hostile texts were exported, quoted


def test_redacted_values_appear_nowhere(mined):
    figures = checks.pii_figures(mined)
    assert figures["redacted_values"] > 40
    assert figures["pii_recall"] >= 0.95
    assert figures["redacted_values_found"] == {"database": 0, "logs": 0, "report": 0, "exports": 0}, figures[
        "leak_examples"
    ]


def test_limits_have_a_default_and_a_clear_error(tmp_path):
    figures = checks.limits_figures(tmp_path)
    assert figures["upload_size"]["status"] == 413 and "split it" in figures["upload_size"]["message"]
    assert figures["rows_per_import"]["status"] == 413 and figures["rows_per_import"]["code"] == "too_many_rows"
    assert "over the limit of 1,000,000" in figures["text_length"]["message"]
    assert figures["request_rate"]["status"] == 429 and int(figures["request_rate"]["retry_after"]) >= 1
    assert all(figures["documented"].values()), figures["documented"]


def test_a_partial_run_renders_the_figures_kept_from_an_older_run():
    """`python -m reliability --only pii` crashed (KeyError 'api') rendering the erasure figures kept from a run made
    before the POST /v1/erasures row existed: the figures of the sections it ran were lost with it."""
    import argparse

    from reliability.__main__ import _previous, render

    kept = _previous(ROOT / "docs" / "reliability.md")
    assert kept and "erasure" in kept["figures"]
    kept["figures"]["erasure"].pop("api", None)
    args = argparse.Namespace(only="pii", embedding_model="fake")
    page = render(kept, args)
    assert "Only pii ran at that time" in " ".join(page.split())
    assert "not measured in the kept figures: run the erasure section" in page
