"""Pseudonym tokens are keyed per database: a new database has a random key of its own, one made before keeps the
published key its tokens were made with (and `mine` and `serve` say so), TOUCHPOINTS_PII_KEY wins over both, and
every token (ids, columns, file names, erasure's lookups, the second process's) is made with that one key."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from functools import partial

from miner.segment.pii import DEFAULT_KEY, Redactor, pseudonymise
from miner.store import open_db
from miner.store.pii_key import pii_key, uses_published_key

EMAIL = "hannah.baker@example.com"


def _published(value: str, label: str) -> str:
    return f"<{label}:{hmac.new(DEFAULT_KEY.encode(), f'{label}:{value}'.encode(), hashlib.sha256).hexdigest()[:16]}>"


def _export(tmp_path):
    path = tmp_path / f"reviews_{EMAIL}.csv"
    path.write_text(
        "review_id,customer_phone,text\n"
        f"{EMAIL},07700 900123,The parcel never came and nobody answered.\n"
        "R-2,07700 900456,The refund took a month.\n",
        encoding="utf-8",
    )
    return path


def _old_database(path) -> None:
    """A database as it was before m009: data in it, no key table."""
    db = open_db(path)
    db["imports"].insert({"id": 1, "path": "a.csv", "source": "a.csv", "sha256": "", "rows": 1, "added": 1,
                          "imported_at": ""})  # fmt: skip
    db.execute("DROP TABLE pii_key")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_pii_key'")
    db.conn.commit()
    db.close()


def test_each_new_database_has_a_random_key_and_its_tokens_are_not_the_published_ones(tmp_path, monkeypatch):
    from miner.pipeline.imports import database_redactor, import_files
    from miner.segment.rules import RuleSegmenter
    from miner.store.erasure_lookup import documents_of_customer, import_paths_matching

    monkeypatch.delenv("TOUCHPOINTS_PII_KEY", raising=False)
    one, two = open_db(tmp_path / "one.db"), open_db(tmp_path / "two.db")
    assert DEFAULT_KEY != pii_key(one) != pii_key(two) and not uses_published_key(one)
    export = _export(tmp_path)
    # parallel_bytes=0: the second process redacts, with the key bound here (it never opens the database)
    redactor = partial(database_redactor(one), redactor=Redactor(names=None))
    import_files(one, [export], RuleSegmenter(), redactor, parallel_bytes=0)
    ids = [r[0] for r in one.execute("SELECT source_id FROM documents ORDER BY source_id")]
    assert ids == sorted(["R-2", pseudonymise(EMAIL, pii_key(one))]) and _published(EMAIL, "EMAIL") not in ids
    stored = [r[0] for r in one.execute("SELECT meta FROM documents")] + [
        r[0] for r in one.execute("SELECT path FROM imports")
    ]
    assert "07700" not in str(stored) and "hannah" not in str(stored)
    assert pseudonymise("07700 900123", pii_key(one)) in str(stored)
    assert _published("07700900123", "PHONE") not in str(stored)
    assert len(documents_of_customer(one, EMAIL)) == 1 and len(documents_of_customer(one, "07700 900456")) == 1
    assert import_paths_matching(one, export.name) == [r[0] for r in one.execute("SELECT path FROM imports")]


def test_the_environment_key_wins(tmp_path, monkeypatch):
    db = open_db(tmp_path / "t.db")
    monkeypatch.setenv("TOUCHPOINTS_PII_KEY", "a secret of ours")
    assert pii_key(db) == "a secret of ours" and not uses_published_key(db)


def test_a_database_made_before_keeps_the_published_key_and_serve_says_so(tmp_path, monkeypatch, capsys):
    from api.cli import _note_published_keys

    monkeypatch.delenv("TOUCHPOINTS_PII_KEY", raising=False)
    workspaces = tmp_path / "main.workspaces"
    workspaces.mkdir()
    _old_database(workspaces / "old.db")
    open_db(workspaces / "new.db").close()
    _note_published_keys(workspaces)  # before the old one's migration ran: it still holds published tokens
    db = open_db(workspaces / "old.db")
    assert pii_key(db) == DEFAULT_KEY and uses_published_key(db)
    assert pseudonymise(EMAIL, pii_key(db)) == _published(EMAIL, "EMAIL")  # what its documents already hold
    _note_published_keys(workspaces)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all("Workspace 'old'" in line and "published" in line for line in lines), lines


def test_mine_says_once_that_a_database_uses_the_published_key(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from miner.cli import app
    from tests.conftest import DATA

    monkeypatch.delenv("TOUCHPOINTS_PII_KEY", raising=False)
    old = tmp_path / "old.db"
    _old_database(old)
    args = [str(DATA / "reviews_small.csv"), "--embedding-model", "fake", "--segmenter", "rules"]
    result = CliRunner().invoke(app, ["mine", *args, "--db", str(old)])
    assert result.exit_code == 0, result.output
    assert result.output.count("published in the source") == 1
    fresh = CliRunner().invoke(app, ["mine", *args, "--db", str(tmp_path / "new.db")])
    assert fresh.exit_code == 0 and "published in the source" not in fresh.output, fresh.output
    assert sqlite3.connect(old).execute("SELECT key FROM pii_key").fetchone()[0] == DEFAULT_KEY


def test_no_redact_warns_is_recorded_and_workspaces_import_refuses_it(tmp_path):
    import json

    from typer.testing import CliRunner

    import api.cli  # noqa: F401 - registers `workspaces import`
    from miner.cli import app
    from tests.conftest import DATA

    raw, main = tmp_path / "noredact.db", tmp_path / "main.db"
    args = [str(DATA / "reviews_small.csv"), "--embedding-model", "fake", "--segmenter", "rules", "--db", str(raw)]
    result = CliRunner().invoke(app, ["mine", *args, "--no-redact"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Warning: --no-redact") == 1
    [params] = [json.loads(r[0]) for r in sqlite3.connect(raw).execute("SELECT params FROM runs")]
    assert params["redact_pii"] is False
    refused = CliRunner().invoke(app, ["workspaces", "import", str(raw), "--workspace", "x", "--db", str(main)])
    assert refused.exit_code == 2 and "without PII redaction (run 1" in refused.output, refused.output
    assert not (tmp_path / "main.workspaces" / "x.db").exists()
    allowed = ["workspaces", "import", str(raw), "--workspace", "x", "--db", str(main), "--allow-unredacted"]
    assert CliRunner().invoke(app, allowed).exit_code == 0
