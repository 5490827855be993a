"""The key that makes pseudonym tokens (`<EMAIL:3f0c...>`, miner/segment/pii.py): one random key per database,
made when the database is made (migration m009) and kept in it, so a token cannot be recomputed from an email or
phone number by anyone without the file. TOUCHPOINTS_PII_KEY, where set, wins: one key kept outside the files,
for a deployment whose databases must share tokens or whose files leave the machine that holds the key.

A database made before m009 already holds tokens made with the key published in the source (`DEFAULT_KEY`):
it keeps that key, since de-duplication and erasure compare tokens, and `mine` and `serve` say so
(`published_key_note`)."""

from __future__ import annotations

import os
import secrets

import sqlite_utils

from miner.segment.pii import DEFAULT_KEY

ENV = "TOUCHPOINTS_PII_KEY"


# The tables whose rows hold tokens, each with its own query (no table name interpolated into SQL).
_TOKEN_ROWS = {
    "documents": "SELECT 1 FROM documents LIMIT 1",
    "imports": "SELECT 1 FROM imports LIMIT 1",
    "erased_documents": "SELECT 1 FROM erased_documents LIMIT 1",
}


def _holds_tokens(db: sqlite_utils.Database) -> bool:
    names = set(db.table_names())
    return any(db.execute(sql).fetchone() for table, sql in _TOKEN_ROWS.items() if table in names)


def new_key(db: sqlite_utils.Database) -> str:
    """The key a database takes when the key table is made: random for a new one, the published key for one that
    already holds tokens (documents, imports or erased ids made with it)."""
    return DEFAULT_KEY if _holds_tokens(db) else secrets.token_urlsafe(32)


def stored_key(db: sqlite_utils.Database) -> str | None:
    """The key kept in the database; None for a database opened without its migrations."""
    if not db["pii_key"].exists():
        return None
    row = db.execute("SELECT key FROM pii_key WHERE id = 1").fetchone()
    return row[0] if row else None


def pii_key(db: sqlite_utils.Database) -> str:
    """The key every pseudonym token of this database is made with: TOUCHPOINTS_PII_KEY where set, else the
    database's own (a database opened without migrations falls back to the published key it would have had)."""
    return os.environ.get(ENV) or stored_key(db) or DEFAULT_KEY


def uses_published_key(db: sqlite_utils.Database) -> bool:
    """Whether this database's tokens are made with the key published in the source (anyone could test a value
    against them); also for a database its migration has yet to give a key to (a workspace not opened since)."""
    if os.environ.get(ENV):
        return os.environ[ENV] == DEFAULT_KEY
    stored = stored_key(db)
    return stored == DEFAULT_KEY if stored is not None else _holds_tokens(db)


def published_key_note(name: str) -> str:
    """One line for `mine` and `serve` on a database still on the published key, and how to move off it."""
    return (
        f"Note: {name} was made before each database had a pseudonym key of its own: its email and phone tokens use "
        "the key published in the source, so anyone holding its data can test an address or a number against them. "
        "To move off it, mine the files again into a new database (it gets a random key) and delete this one "
        "(docs/guide/input.md, 'Personal data')."
    )
