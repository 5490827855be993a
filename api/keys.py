"""Workspaces and their API keys. Keys are shown once and stored as sha256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import sqlite_utils

from api.db import WORKSPACE_NAME, insert_key, key_rows, key_workspace, revoke_prefix

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
    insert_key(db, workspace, {"hash": hash_key(key), "workspace": workspace, "prefix": key[:10],
                               "created_at": now()}, now())  # fmt: skip
    return key


def workspace_for(db: sqlite_utils.Database, key: str) -> str | None:
    """The workspace a key belongs to, or None for an unknown or revoked key."""
    return key_workspace(db, hash_key(key))


def list_keys(db: sqlite_utils.Database, workspace: str | None = None) -> list[dict]:
    return key_rows(db, workspace)


def revoke_key(db: sqlite_utils.Database, prefix: str) -> int:
    """Revoke the keys starting with `prefix` (as `keys list` shows it); returns how many."""
    return revoke_prefix(db, prefix[:10], now())
