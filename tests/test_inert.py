"""Output is inert: feedback and taxonomy text shown in a terminal or a report page never acts as markup or code."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from miner.report.inert import plotly_text, script_json, terminal_text

ESCAPES = {
    "window title": "\x1b]0;owned\x07",
    "hyperlink": "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "clear screen": "\x1b[2J\x1b[H",
    "colour": "\x1b[31;1m",
    "8-bit CSI": "\x9b2J",
    "bell and backspace": "\x07\x08",
}
HOSTILE_NAMES = {"comment": "<!--<script>", "link": "<a href=http://evil.example>click</a>"}


@pytest.mark.parametrize("code", ESCAPES.values(), ids=ESCAPES.keys())
def test_terminal_text_drops_whole_escape_sequences(code):
    shown = terminal_text(f"late {code}delivery")
    assert shown.startswith("late ") and shown.endswith("delivery")
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", shown)
    assert "evil" not in shown and "owned" not in shown  # no printable tail of the sequence is left


def test_terminal_text_keeps_words_and_markup_characters():
    assert terminal_text("[/dim] café 😡 配達") == "[/dim] café 😡 配達"
    assert terminal_text("a\tb\r\nc") == "a b  c"
    assert terminal_text("a\nb", keep_newlines=True) == "a\nb"
    assert terminal_text("\u202eevil") == "evil"


def test_script_json_leaves_no_markup_for_the_html_parser():
    value = {"name": "<!--<script></script>&amp;\u2028"}
    text = script_json(value)
    assert not set("<>&") & set(text) and "\u2028" not in text
    assert json.loads(text) == value


def test_plotly_text_is_plain():
    assert plotly_text("<a href=x>Billing & fees</a>") == "&lt;a href=x&gt;Billing &amp; fees&lt;/a&gt;"


def _result(text: str, label: str = "Late delivery", name: str = "Delivery") -> dict:
    example = {"text": text, "document_id": 1, "source": "f.csv", "kind": "review", "date": None, "rating": None}
    pain_point = {"id": "pp", "label": label, "complaints": 2, "share": 1.0, "keywords": [], "examples": [example]}
    touchpoint = {"id": "d", "name": name, "stage": "purchase", "complaints": 2, "documents": 2, "share": 1.0}
    run = {"id": 1, "complaints": 2, "segments": 2, "documents": 2}
    return {"run": run, "touchpoints": [{**touchpoint, "pain_points": [pain_point]}]}


def test_table_prints_markup_and_escape_codes_as_text(capsys):
    from miner.report.render import print_table

    print_table(_result("Never again [/dim] [bold]x " + "".join(ESCAPES.values()), label="[/]", name=":smile: [red]"))
    out = capsys.readouterr().out
    assert "[/dim]" in out and "[bold]" in out and "[/]" in out and ":smile: [red]" in out
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)


def test_progress_note_prints_markup_as_text(capsys):
    from miner.progress import RichProgress

    RichProgress().note("skipped: row 3 of [/dim].csv: \x1b]0;owned\x07empty text")
    err = capsys.readouterr().err
    assert "[/dim].csv" in err and "\x1b" not in err and "owned" not in err


@pytest.fixture
def dim_db(tmp_path, fake_embedder, mini_taxonomy):
    """A mined database whose reviews hold `[/dim]` and terminal escape codes (issue 20)."""
    from miner.pipeline import MineOptions, mine
    from miner.segment import get_segmenter
    from miner.store import open_db

    codes = "\x1b]0;owned\x07\x1b[2J \x1b]8;;http://evil.example\x1b\\x"
    texts = ["the box arrived crushed", "I was charged twice for one order", "the container was leaking in the bag"]
    rows = [{"text": f"{t} [/dim] {codes} again", "rating": 1} for t in texts]
    path = tmp_path / "dim.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    db_path = tmp_path / "dim.db"
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=get_segmenter("rules"))
    mine(open_db(db_path), [path], options)
    return db_path


def test_top_on_a_database_with_markup_and_escape_codes(dim_db):
    from miner.cli import app

    result = CliRunner().invoke(app, ["top", "--db", str(dim_db)])
    assert result.exit_code == 0, result.output
    assert "[/dim]" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "evil.example" not in result.output


def _report(tmp_path, fake_embedder, names: dict[str, str]) -> str:
    from miner.pipeline import MineOptions, mine
    from miner.report.html import write_report
    from miner.segment import get_segmenter
    from miner.store import open_db
    from miner.touchpoints.taxonomy import parse_taxonomy

    taxonomy = parse_taxonomy(
        {
            "touchpoints": [
                {"id": tp_id, "name": name, "stage": "purchase", "description": f"{tp_id} complaints",
                 "examples": [f"the {tp_id} was terrible and broken"]}
                for tp_id, name in names.items()
            ]
        }
    )  # fmt: skip
    path = tmp_path / "f.jsonl"
    texts = [f"the {tp_id} was terrible and broken, {i}" for tp_id in names for i in range(3)]
    path.write_text("".join(json.dumps({"text": t, "rating": 1, "date": "2026-01-05"}) + "\n" for t in texts))
    db = open_db(tmp_path / "r.db")
    mine(db, [path], MineOptions(taxonomy=taxonomy, embedder=fake_embedder, segmenter=get_segmenter("rules")))
    return write_report(db, tmp_path / "report.html").read_text(encoding="utf-8")


def test_report_escapes_hostile_touchpoint_names(tmp_path, fake_embedder):
    page = _report(tmp_path, fake_embedder, HOSTILE_NAMES)
    assert len(re.findall(r"<script[\s>]", page)) == 3  # plotly.js, the chart data, the drawing code
    assert "<!--" not in page and "<a href=http://evil" not in page
    data = page.split('id="report-charts">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data
    charts = json.loads(data)
    names = {row["name"] for row in charts["touchpoints"]}
    assert names == {"&lt;!--&lt;script&gt;", "&lt;a href=http://evil.example&gt;click&lt;/a&gt;"}
    for trace in charts["journey"]["data"] + charts["impact"]["data"]:
        assert "<a" not in trace["hovertemplate"] and "<!--" not in trace["hovertemplate"]
        assert all("<" not in t for t in trace["text"])
    assert "&lt;!--&lt;script&gt;" in page  # the page's own text shows the name, escaped by the template


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_top_csv_and_json_drop_escape_codes_on_a_terminal_only(dim_db, fmt, capsys, monkeypatch):
    import sys

    from miner.cli import app
    from miner.cli.app import Format
    from miner.cli.reports import top

    piped = CliRunner().invoke(app, ["top", "--db", str(dim_db), "--format", fmt])
    assert piped.exit_code == 0 and ("\x1b]0;owned" in piped.output or "\\u001b]0;owned" in piped.output)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    top(db=dim_db, touchpoint=None, limit=10, pain_points=5, format=Format(fmt))
    shown = capsys.readouterr().out
    assert "[/dim]" in shown and "\x1b" not in shown and "\x07" not in shown
    assert fmt == "json" or "]0;owned" not in shown  # JSON shows the codes as text already ("\\u001b]0;owned")


def test_eval_scores_print_file_names_and_labels_as_text(capsys):
    from miner.eval.run import print_scores
    from miner.eval.scoring import Scores

    per = {"[/dim]": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}}
    scores = Scores(items=1, scored=1, per_touchpoint=per, confusions=[("[/b]", "x\x1b[2J", 1)])
    print_scores("[/dim]\x1b]0;owned\x07.jsonl", scores)
    out = capsys.readouterr().out
    assert "[/dim].jsonl" in out and "[/b] → x" in out and "\x1b" not in out
