"""Fit diagnostics (miner/touchpoints/fit.py): the verdict from synthetic complaints, stored with a run, shown."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sqlite_utils

from miner.touchpoints.fit import (
    FITS,
    MIN_COMPLAINTS,
    POOR,
    UNKNOWN,
    WEAK,
    Fit,
    diagnose,
    held_out_top2,
    reference_score,
)

TOUCHPOINTS = [f"tp{i}" for i in range(8)]


def _spread(n: int, none: int = 0, top: str | None = None, top_n: int = 0) -> list[str]:
    """`n` first touchpoints: `none` of them none, `top_n` on `top`, the rest spread over the eight."""
    rest = n - none - top_n
    return ["none"] * none + [top] * top_n + [TOUCHPOINTS[i % len(TOUCHPOINTS)] for i in range(rest)]  # type: ignore[list-item]


def _top2(n: int, best: float, margin: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    b = best + rng.normal(0, 0.01, n)
    return np.stack([b, b - margin - np.abs(rng.normal(0, 0.002, n))], axis=1)


def test_a_corpus_that_reads_like_the_examples_fits():
    fit = diagnose(_spread(200, none=20), _top2(200, 0.60, 0.08), len(TOUCHPOINTS), reference=0.70)
    assert fit.verdict == FITS and fit.fits and fit.warnings == []
    assert fit.none_share == 0.1 and fit.median_margin == pytest.approx(0.08, abs=0.01)


def test_many_none_small_margins_and_low_scores_do_not_fit_and_say_what_to_do():
    fit = diagnose(_spread(200, none=110), _top2(200, 0.35, 0.005), len(TOUCHPOINTS), reference=0.70)
    assert fit.verdict == POOR and not fit.fits
    text = " ".join(fit.warnings)
    assert "taxonomy review" in text and "taxonomy suggest" in text and "GET /v1/review" in text
    assert "55% of complaints fit no touchpoint" in text  # the warning names the number
    assert f"median of {fit.median_margin:.3f} (under 0.015)" in text and "50% of the 0.70" in text


def test_one_touchpoint_swallowing_the_complaints_adds_to_another_signal_and_is_named():
    swallowed = _spread(200, none=60, top="tp3", top_n=70)  # 30% none (weak) and tp3 takes 70 + 9 of 140 mapped
    fit = diagnose(swallowed, _top2(200, 0.60, 0.08), len(TOUCHPOINTS), reference=0.70)
    assert fit.verdict == POOR and fit.top_touchpoint == "tp3"
    assert any("`tp3`, is the first touchpoint of 56%" in w for w in fit.warnings)


def test_one_touchpoint_taking_a_large_share_alone_is_no_warning():
    # Reviews are mostly about the product: a dominant touchpoint with clear, high-scoring complaints fits.
    fit = diagnose(_spread(200, top="tp3", top_n=90), _top2(200, 0.60, 0.08), len(TOUCHPOINTS), reference=0.70)
    assert fit.verdict == FITS and fit.warnings == [] and fit.top_share > 0.5 and fit.top_touchpoint == "tp3"


def test_two_weak_signals_make_a_poor_fit_and_one_makes_a_weak_one():
    weak_none = _spread(200, none=66)  # 33%: over the weak level only
    assert diagnose(weak_none, _top2(200, 0.60, 0.08), len(TOUCHPOINTS), 0.70).verdict == WEAK
    assert diagnose(weak_none, _top2(200, 0.60, 0.025), len(TOUCHPOINTS), 0.70).verdict == POOR


def test_too_few_complaints_are_not_judged():
    n = MIN_COMPLAINTS - 1
    fit = diagnose(["none"] * n, _top2(n, 0.1, 0.0), len(TOUCHPOINTS), reference=0.7)
    assert fit.verdict == UNKNOWN and fit.fits and fit.warnings == [] and fit.none_share == 1.0


def test_small_taxonomies_and_mappers_without_examples_skip_the_signals_they_cannot_read():
    one = diagnose(["tp0"] * 100, _top2(100, 0.6, 0.0), n_touchpoints=1, reference=None)
    assert one.verdict == FITS  # no runner-up, no share to swallow, no reference
    no_reference = diagnose(_spread(100), _top2(100, 0.1, 0.08), len(TOUCHPOINTS), reference=None)
    assert no_reference.verdict == FITS and no_reference.reference is None


def test_reference_holds_each_example_out():
    # Two touchpoints, each two identical examples: held out, each still has its twin (score 1).
    a, b = np.eye(4)[0], np.eye(4)[1]
    assert reference_score(np.stack([a, a, b, b]), np.array([0, 0, 1, 1]), k=3) == pytest.approx(1.0)
    # One example each: held out, nothing of its own is left; the best is the other touchpoint's (0).
    assert reference_score(np.stack([a, b]), np.array([0, 1]), k=3) == pytest.approx(0.0)
    assert reference_score(np.stack([a]), np.array([0])) is None


def test_the_margin_is_read_against_the_examples_own_lead():
    # A median lead of 0.04 is clear where the examples lead by 0.06 and a coin toss where they lead by 0.10
    spread = _spread(200, none=20)
    assert diagnose(spread, _top2(200, 0.6, 0.04), len(TOUCHPOINTS), 0.7, reference_margin=0.06).verdict == FITS
    unsure = diagnose(spread, _top2(200, 0.6, 0.04), len(TOUCHPOINTS), 0.7, reference_margin=0.10)
    assert unsure.verdict == WEAK and unsure.reference_margin == 0.1
    assert any("% of the 0.100 the taxonomy's own examples lead by (under 50%)" in w for w in unsure.warnings)
    # under a quarter of the examples' lead fails alone; without a reference the absolute lines stand
    assert diagnose(spread, _top2(200, 0.6, 0.02), len(TOUCHPOINTS), 0.7, reference_margin=0.10).verdict == POOR
    assert diagnose(spread, _top2(200, 0.6, 0.04), len(TOUCHPOINTS), 0.7).verdict == FITS


def test_a_dominant_touchpoint_next_to_unsure_leads_does_not_fit():
    # one touchpoint taking most complaints counts once another signal trips (the NHS comments' case)
    swallowed = _spread(200, top="tp3", top_n=100)
    fit = diagnose(swallowed, _top2(200, 0.6, 0.04), len(TOUCHPOINTS), 0.7, reference_margin=0.10)
    assert fit.verdict == POOR and fit.top_touchpoint == "tp3"


def test_held_out_top2_gives_each_examples_best_and_runner_up():
    a, b, c = np.eye(4)[0], np.eye(4)[1], (np.eye(4)[0] + np.eye(4)[1]) / np.sqrt(2)
    top2 = held_out_top2(np.stack([a, a, b, b, c]), np.array([0, 0, 1, 1, 2]), k=3)
    assert top2.shape == (5, 2)
    assert top2[0] == pytest.approx([1.0, (2**-0.5)])  # its twin, then the mixed example (alone in touchpoint 2)
    assert top2[4] == pytest.approx([2**-0.5, 2**-0.5])  # the mixed example: equally near both, nothing of its own


def test_a_fit_survives_its_json():
    fit = diagnose(_spread(100, none=60), _top2(100, 0.3, 0.01), len(TOUCHPOINTS), 0.7, reference_margin=0.09)
    assert Fit.from_dict(json.loads(json.dumps(fit.to_dict()))) == fit


# --- stored with the run, shown by top, the report and the terminal ---------------------------------------


@pytest.fixture(scope="module")
def mined_file(tmp_path_factory, segmenter):
    """A small corpus mined once on the fake embedder; each test gets its own copy of the file."""
    from miner.embed.fake import HashingEmbedder
    from miner.pipeline import MineOptions, mine
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy
    from tests.conftest import DATA

    path = tmp_path_factory.mktemp("fit") / "mined.db"
    db = open_db(path)
    options = MineOptions(taxonomy=load_taxonomy(DATA / "mini_taxonomy.yaml"), embedder=HashingEmbedder(dim=128),
                          segmenter=segmenter)  # fmt: skip
    _, run_id = mine(db, [DATA / "reviews_small.csv", DATA / "chats_small.jsonl"], options)
    db.close()
    return path, run_id


@pytest.fixture
def mined(mined_file, tmp_path):
    from miner.store import open_db

    path, run_id = mined_file
    copy = tmp_path / "mined.db"
    copy.write_bytes(path.read_bytes())
    return open_db(copy), run_id


def test_a_run_stores_its_fit_and_top_and_the_report_read_it(mined):
    from miner.report import top_pain_points
    from miner.report.model import build_report
    from miner.store.runs import find_run, run_fit

    db, run_id = mined
    stored = run_fit(find_run(db, run_id))
    assert stored is not None and stored["complaints"] == find_run(db, run_id)["complaints"]
    assert stored["verdict"] == UNKNOWN  # a handful of complaints: not judged
    assert top_pain_points(db)["fit"] == stored == build_report(db)["fit"]


def _mark_poor(db: sqlite_utils.Database, run_id: int, warning: str) -> None:
    fit = diagnose(_spread(100, none=60), _top2(100, 0.3, 0.01), len(TOUCHPOINTS), reference=0.7).to_dict()
    fit["warnings"].append(warning)
    db.execute("UPDATE runs SET fit = ? WHERE id = ?", [json.dumps(fit), run_id])
    db.conn.commit()


def test_the_report_shows_a_notice_near_the_top_escaped(mined):
    from miner.report.html import render_html
    from miner.report.model import build_report

    db, run_id = mined
    page = render_html(build_report(db))
    assert 'id="fit"' not in page  # not judged: no notice
    _mark_poor(db, run_id, "<script>alert(1)</script>")
    page = render_html(build_report(db))
    notice = page.index('id="fit"')
    assert notice < page.index('id="overview"') and "Taxonomy fit: does not fit" in page
    assert "taxonomy suggest" in page and "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_terminal_summary_warns_in_a_panel(mined, capsys):
    from miner.report import top_pain_points
    from miner.report.render import print_table

    db, run_id = mined
    print_table(top_pain_points(db))
    assert "Taxonomy fit" not in capsys.readouterr().out
    _mark_poor(db, run_id, "[bold]not markup[/bold]")
    print_table(top_pain_points(db))
    out = capsys.readouterr().out
    assert "Taxonomy fit: does not fit" in out and "taxonomy review" in out and "[bold]not markup[/bold]" in out


def test_an_old_database_migrates_and_its_runs_read_without_a_fit(tmp_path):
    from miner.report import top_pain_points
    from miner.store import open_db
    from miner.store.migrations import migrations
    from miner.store.runs import find_run, run_fit, stored_fit
    from miner.touchpoints import Taxonomy

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m006_run_fit")
    assert "fit" not in old["runs"].columns_dict
    taxonomy = Taxonomy.model_validate(
        {
            "name": "t",
            "version": "1",
            "touchpoints": [
                {"id": "delivery", "name": "Delivery", "stage": "post-purchase", "description": "getting it there"}
            ],
        }
    )
    old["runs"].insert({"id": 1, "status": "complete", "started_at": "2026", "taxonomy": taxonomy.model_dump_json(),
                        "documents": 0, "segments": 0, "complaints": 0})  # fmt: skip
    old.close()
    db = open_db(path)
    assert "fit" in db["runs"].columns_dict
    run = find_run(db, 1)
    assert run is not None and run_fit(run) is None and stored_fit(db, 1) is None
    assert top_pain_points(db)["fit"] is None


def test_the_report_command_says_when_the_fit_is_poor(mined, tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    db, run_id = mined
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    args = ["report", "--db", path, "--out", str(tmp_path / "r.html")]
    assert "Taxonomy fit" not in CliRunner().invoke(app, args).output
    _mark_poor(db, run_id, "never shown here")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "Taxonomy fit: does not fit" in result.output
