"""A workspace's taxonomy versions: the default (or the configured file) until it PUTs its own."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from api.errors import ApiError
from api.keys import now
from api.settings import Settings
from miner.store import taxonomies as stored
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
    return stored.current_version(db)


def taxonomy_version(db: sqlite_utils.Database, settings: Settings, version: str | None) -> Taxonomy:
    """The taxonomy stored under `version`; the current one when version is None."""
    version = version or current_version(db)
    if version is None:
        return default_taxonomy(settings)
    found = stored.payload(db, version)
    if found is None:
        default = default_taxonomy(settings)
        if default.version == version:
            return default
        raise ApiError(404, "not_found", f"taxonomy version '{version}' not found in this workspace", field="version")
    return Taxonomy.model_validate_json(found)


def versions(db: sqlite_utils.Database) -> list[dict]:
    return stored.versions(db)


def check_examples(taxonomy: Taxonomy, limit: int) -> None:
    """413 when a touchpoint (or none_examples) has more than `limit` examples: each is embedded by every run."""
    lists = [(f"touchpoint '{tp.id}'", tp.examples) for top in taxonomy.touchpoints for tp in top.walk()]
    for where, examples in [*lists, ("none_examples", taxonomy.none_examples)]:
        if len(examples) > limit:
            raise ApiError(413, "too_many_examples", f"{where} has {len(examples):,} examples, over the limit of "
                           f"{limit:,} per touchpoint: keep the most typical ones", field="taxonomy")  # fmt: skip


def prune(db: sqlite_utils.Database, keep: int, protected: Collection[str] = ()) -> int:
    """Keep the `keep` newest versions and the `protected` ones (miner.store.taxonomies.prune)."""
    return stored.prune(db, keep, protected)


def store(db: sqlite_utils.Database, taxonomy: Taxonomy, default: Taxonomy | None = None) -> bool:
    """Store a new version; False when the same content is already stored under that version.

    A version string is never reused for different content, so runs stay traceable to what they used: neither a
    stored one's nor the `default`'s (the default's version with corrections added was stored under it, and
    `taxonomy_version=` then found the new content where the earlier runs had used the default's).
    """
    known = stored.fingerprint(db, taxonomy.version)
    if known is None and default is not None and default.version == taxonomy.version:
        if default.fingerprint() != taxonomy.fingerprint():
            known = default.fingerprint()
    if known is not None:
        if known == taxonomy.fingerprint():
            return False
        raise ApiError(
            409,
            "version_exists",
            f"taxonomy version '{taxonomy.version}' already exists with other content: give the new one a new version",
            field="version",
        )
    stored.insert(db, {"version": taxonomy.version, "fingerprint": taxonomy.fingerprint(),
                       "taxonomy": taxonomy.model_dump_json(), "created_at": now()})  # fmt: skip
    return True
