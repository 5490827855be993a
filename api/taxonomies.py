"""A workspace's taxonomy versions: the default (or the configured file) until it PUTs its own, or until
`touchpoints mine` mines its file with its own (a database brought in by `touchpoints workspaces import`)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from api.errors import ApiError
from api.keys import now
from api.settings import Settings
from api.stored_runs import unlisted_runs
from miner.errors import MinerError
from miner.store import taxonomies as stored
from miner.store.runs import find_run, run_row, run_taxonomy
from miner.touchpoints import Taxonomy, load_taxonomy
from miner.touchpoints.taxonomy import DEFAULT_TAXONOMY

log = logging.getLogger("touchpoints.api")


def default_taxonomy(settings: Settings) -> Taxonomy:
    """The configured taxonomy (`serve` checks it at start-up); one that has gone or broken since is the server's
    fault, a 500 for the operator, not a 400 telling the client it erred (and not the server's path either)."""
    path = settings.taxonomy or DEFAULT_TAXONOMY
    try:
        return _load(path, path.stat().st_mtime if path.exists() else 0.0)
    except (MinerError, OSError) as err:
        log.error("TOUCHPOINTS_TAXONOMY=%s cannot be read: %s", path, err)
        raise ApiError(
            500,
            "server_misconfigured",
            "the server's default taxonomy (TOUCHPOINTS_TAXONOMY) cannot be "
            "read: tell its operator (the server log says why), or PUT /v1/taxonomy your own",
        ) from None


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Taxonomy:
    return load_taxonomy(path)


def current_version(db: sqlite_utils.Database) -> str | None:
    """The version the workspace PUT last, or None while it uses the default."""
    return stored.current_version(db)


def taxonomy_version(db: sqlite_utils.Database, settings: Settings, version: str | None) -> Taxonomy:
    """The taxonomy stored under `version` (else the default's, else the latest completed run's that used it);
    the version PUT last when version is None."""
    version = version or current_version(db)
    if version is None:
        return default_taxonomy(settings)
    found = stored.payload(db, version)
    if found is None:
        default = default_taxonomy(settings)
        if default.version == version:
            return default
        if (run := find_run(db, taxonomy_version=version)) is not None:  # mined by `touchpoints mine`
            return run_taxonomy(run)
        raise ApiError(404, "not_found", f"taxonomy version '{version}' not found in this workspace", field="version")
    return Taxonomy.model_validate_json(found)


def mined(db: sqlite_utils.Database, control: sqlite_utils.Database, workspace: str) -> Taxonomy | None:
    """The taxonomy of the latest completed run `touchpoints mine` made in the workspace's file (imported with it, or
    mined into it since), when no version was PUT after that run; None otherwise."""
    runs = unlisted_runs(db, control, workspace)
    if not runs:
        return None
    version = current_version(db)
    if version is not None and (stored.created_at(db, version) or "") >= (runs[0]["started_at"] or ""):
        return None
    row = run_row(db, runs[0]["id"])
    return run_taxonomy(row) if row.get("taxonomy") else None


def current(
    db: sqlite_utils.Database, settings: Settings, control: sqlite_utils.Database, workspace: str
) -> tuple[Taxonomy, str]:
    """The workspace's taxonomy and its source ('workspace' or 'default'): the one its latest `touchpoints mine`
    run used, when none was PUT since; else the version PUT last; else the default. Before, an imported workspace
    answered the default while every figure came from its own taxonomy, and its next run re-mapped with the
    default."""
    default = default_taxonomy(settings)
    taxonomy = mined(db, control, workspace)
    if taxonomy is None:
        version = current_version(db)
        taxonomy = default if version is None else taxonomy_version(db, settings, version)
    return taxonomy, "default" if taxonomy.fingerprint() == default.fingerprint() else "workspace"


def adopt(db: sqlite_utils.Database, settings: Settings, control: sqlite_utils.Database, workspace: str) -> str | None:
    """The version a run queued now maps with (None: the default). The taxonomy of a run `touchpoints mine` made is
    stored first under its version, so the run reads that content and a later PUT of other content under the same
    version is refused (409)."""
    taxonomy = mined(db, control, workspace)
    if taxonomy is None:
        return current_version(db)
    if taxonomy.fingerprint() == default_taxonomy(settings).fingerprint():
        return None
    try:
        store(db, taxonomy, default_taxonomy(settings))
    except ApiError as err:
        raise ApiError(
            409,
            "version_exists",
            f"the latest run `touchpoints mine` made here used taxonomy version '{taxonomy.version}', which names "
            "other content in this workspace: PUT that taxonomy (GET /v1/taxonomy) under a new version, which starts "
            "the run",
            field="version",
        ) from err
    return taxonomy.version


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
    stored one's, a run's nor the `default`'s (the default's version with corrections added was stored under it, and
    `taxonomy_version=` then found the new content where the earlier runs had used the default's).
    """
    known = stored.fingerprint(db, taxonomy.version)
    if known is None and default is not None and default.version == taxonomy.version:
        if default.fingerprint() != taxonomy.fingerprint():
            known = default.fingerprint()
    used = stored.run_fingerprints(db, taxonomy.version)  # runs of `touchpoints mine` under that version
    if known is None and used and taxonomy.fingerprint() not in used:
        known = next(iter(used))
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
