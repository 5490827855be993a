"""`--help` says that only English text is analysed: a retailer mined 436 items, 38% German, French, Spanish or emoji
only, and nothing in `mine --help` nor the top-level help said they would be stored and left unread."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args", [["--help"], ["mine", "--help"]])
def test_help_says_only_english_is_analysed(args):
    from typer.testing import CliRunner

    from miner.cli import app

    said = " ".join(CliRunner().invoke(app, args, env={"COLUMNS": "200"}).output.split())
    assert "English" in said and "other languages" in said
    if args[0] == "mine":
        assert "docs/guide/input.md" in said and "left unread" in said
