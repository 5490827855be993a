"""A workspace's taxonomy versions: the default (or the configured file) until it PUTs its own."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from api.errors import ApiError
from api.keys import now
from api.settings import Settings
from miner.touchpoints import Taxonomy, load_taxonomy
from miner.touchpoints.taxonomy import DEFAULT_TAXONOMY


def default_taxonomy(settings: Settings) -> Taxonomy:
    path = settings.taxonomy or DEFAULT_TAXONOMY
    return _load(path, path.stat().st_mtime if path.exists() else 0.0)


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Taxonomy:
    return load_taxonomy(path)


def current_version(db: sqlite_utils.Database) -> str | None:
    """The version the workspace PUT last, or None while it uses the default."""
    rows = db.execute("SELECT version FROM taxonomies ORDER BY created_at DESC, rowid DESC LIMIT 1").fetchall()
    return rows[0][0] if rows else None


def taxonomy_version(db: sqlite_utils.Database, settings: Settings, version: str | None) -> Taxonomy:
    """The taxonomy stored under `version`; the current one when version is None."""
    version = version or current_version(db)
    if version is None:
        return default_taxonomy(settings)
    row = db.execute("SELECT taxonomy FROM taxonomies WHERE version = ?", [version]).fetchall()
    if not row:
        default = default_taxonomy(settings)
        if default.version == version:
            return default
        raise ApiError(404, "not_found", f"taxonomy version '{version}' not found in this workspace", field="version")
    return Taxonomy.model_validate_json(row[0][0])


def versions(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT version, fingerprint, created_at FROM taxonomies ORDER BY created_at, rowid"))


def check_examples(taxonomy: Taxonomy, limit: int) -> None:
    """413 when a touchpoint (or none_examples) has more than `limit` examples: each is embedded by every run."""
    lists = [(f"touchpoint '{tp.id}'", tp.examples) for top in taxonomy.touchpoints for tp in top.walk()]
    for where, examples in [*lists, ("none_examples", taxonomy.none_examples)]:
        if len(examples) > limit:
            raise ApiError(413, "too_many_examples", f"{where} has {len(examples):,} examples, over the limit of "
                           f"{limit:,} per touchpoint: keep the most typical ones", field="taxonomy")  # fmt: skip


def prune(db: sqlite_utils.Database, keep: int, protected: Collection[str] = ()) -> int:
    """Delete all but the `keep` newest versions, and those in `protected` (queued runs will read them); returns
    how many went. A finished run keeps its own copy of its taxonomy (runs.taxonomy), so it reads the same after."""
    rows = db.execute("SELECT version FROM taxonomies ORDER BY created_at DESC, rowid DESC").fetchall()
    old = [v for (v,) in rows[max(1, keep) :] if v not in protected]
    if old:
        placeholders = ", ".join("?" * len(old))
        with db.atomic():
            db.execute(f"DELETE FROM taxonomies WHERE version IN ({placeholders})", old)
    return len(old)


def store(db: sqlite_utils.Database, taxonomy: Taxonomy) -> bool:
    """Store a new version; False when the same content is already stored under that version.

    A version string is never reused for different content, so runs stay traceable to what they used.
    """
    row = db.execute("SELECT fingerprint FROM taxonomies WHERE version = ?", [taxonomy.version]).fetchall()
    if row:
        if row[0][0] == taxonomy.fingerprint():
            return False
        raise ApiError(
            409,
            "version_exists",
            f"taxonomy version '{taxonomy.version}' already exists with other content: give the new one a new version",
            field="version",
        )
    with db.atomic():
        db.table("taxonomies").insert(
            {
                "version": taxonomy.version,
                "fingerprint": taxonomy.fingerprint(),
                "taxonomy": taxonomy.model_dump_json(),
                "created_at": now(),
            }
        )
    return True
