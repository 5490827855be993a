"""Workspaces and their API keys. Keys are shown once and stored as sha256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import sqlite_utils

from api.db import WORKSPACE_NAME

KEY_PREFIX = "tpm_"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(db: sqlite_utils.Database, workspace: str) -> str:
    """Create the workspace if needed and a new key for it; returns the key (the only time it is seen)."""
    if not WORKSPACE_NAME.match(workspace):
        raise ValueError(f"'{workspace}' is not a valid workspace name: use 1-63 lowercase letters, digits, '-' or '_'")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        db.table("workspaces").insert({"name": workspace, "created_at": now()}, ignore=True)
        db.table("api_keys").insert(
            {"hash": hash_key(key), "workspace": workspace, "prefix": key[:10], "created_at": now()}
        )
    return key


def workspace_for(db: sqlite_utils.Database, key: str) -> str | None:
    """The workspace a key belongs to, or None for an unknown or revoked key."""
    rows = db.execute(
        "SELECT workspace FROM api_keys WHERE hash = ? AND revoked_at IS NULL", [hash_key(key)]
    ).fetchall()
    return rows[0][0] if rows else None


def list_keys(db: sqlite_utils.Database, workspace: str | None = None) -> list[dict]:
    where, params = ("WHERE workspace = ?", [workspace]) if workspace else ("", [])
    sql = f"SELECT workspace, prefix, created_at, revoked_at FROM api_keys {where} ORDER BY workspace, created_at"
    return list(db.query(sql, params))


def revoke_key(db: sqlite_utils.Database, prefix: str) -> int:
    """Revoke the keys starting with `prefix` (as `keys list` shows it); returns how many."""
    with db.atomic():
        cur = db.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL", [now(), prefix[:10]]
        )
    return cur.rowcount
