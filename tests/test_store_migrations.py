"""All of a workspace file's schema is in miner.store.migrations: a file the API's old second migration set
(touchpoint_api_workspace) already extended opens, keeps its taxonomy versions and loses its duplicate index."""

from __future__ import annotations

import pytest
import sqlite_utils

from miner.store import open_db
from miner.store import taxonomies as stored
from miner.store.migrations import migrations


def _indexes(db: sqlite_utils.Database) -> set[str]:
    return {
        r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
    }


def test_a_new_database_has_the_service_tables(tmp_path):
    db = open_db(tmp_path / "new.db")
    assert "taxonomies" in db.table_names() and "idx_segments_document" in _indexes(db)
    assert stored.current_version(db) is None


def test_a_workspace_file_from_before_keeps_its_taxonomies(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m004_erasure")  # the miner's schema as it was
    old.execute("CREATE INDEX idx_api_assignments_pain ON assignments(run_id, pain_point_id)")
    old.execute("CREATE INDEX idx_api_segments_document ON segments(document_id)")
    old.table("taxonomies").create({"version": str, "fingerprint": str, "taxonomy": str, "created_at": str},
                                   pk="version")  # fmt: skip
    old.table("taxonomies").insert({"version": "v7", "fingerprint": "f", "taxonomy": "{}", "created_at": "2026"})
    old.close()
    db = open_db(path)
    assert stored.current_version(db) == "v7" and stored.payload(db, "v7") == "{}"
    assert "idx_segments_document" in _indexes(db)
    assert not {"idx_api_assignments_pain", "idx_api_segments_document"} & _indexes(db)


def _open_at_once(path: str, barrier, answers) -> None:  # noqa: ANN001 - multiprocessing's proxies
    barrier.wait()
    try:
        answers.put(len(open_db(path).table_names()))
    except Exception as err:  # the failure itself is the answer
        answers.put(repr(err))


def test_processes_creating_one_database_at_once_all_open_it(tmp_path):
    """Two nightly jobs started together on a new file: the second waits for the first's migrations instead of
    running them again ("duplicate column name")."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for trial in range(3):
        barrier, answers = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_open_at_once, args=(str(tmp_path / f"{trial}.db"), barrier, answers))
                 for _ in range(4)]  # fmt: skip
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        tables = len(open_db(tmp_path / f"{trial}.db").table_names())
        assert [answers.get(timeout=5) for _ in procs] == [tables] * 4


def test_runs_from_before_are_bounded_by_the_imports_they_started_after(tmp_path):
    """m012: a run made before `last_import` was recorded reads the imports begun by the time it started (a mine
    imports its files first), not one a later run or a cancelled one brought in."""
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m012_run_imports")
    for i, at in ((1, "2026-01-05T02:00:00+00:00"), (2, "2026-01-06T02:00:00+00:00")):
        old["imports"].insert({"id": i, "path": f"{i}.csv", "source": f"{i}.csv", "sha256": "x", "rows": 1,
                               "added": 1, "imported_at": at})  # fmt: skip
    for i, at in ((1, "2026-01-05T02:00:05+00:00"), (2, "2026-01-06T02:00:00+00:00"), (3, "2026-01-04T00:00:00+00:00")):
        old["runs"].insert({"id": i, "status": "complete", "started_at": at})
    old.close()
    db = open_db(path)
    assert [r["last_import"] for r in db.query("SELECT last_import FROM runs ORDER BY id")] == [1, 2, 0]


def test_a_database_a_newer_version_wrote_is_refused(tmp_path):
    """With a migration this version does not know recorded, the database opened and the API answered 500
    KeyError; now opening it (to write or to read) says a newer version wrote it."""
    from miner.errors import DatabaseError
    from miner.store.db import open_db, open_to_read

    path = tmp_path / "newer.db"
    db = open_db(path)
    db.table("_sqlite_migrations").insert(
        {"migration_set": "touchpoint_miner", "name": "m999_from_the_future", "applied_at": "2027-01-01"}
    )
    db.conn.commit()
    db.close()
    for opening in (open_db, open_to_read):
        with pytest.raises(DatabaseError, match="written by a newer touchpoint-miner.*m999_from_the_future.*upgrade"):
            opening(path)


def test_a_development_branchs_migration_under_a_number_we_have_is_not_newer(tmp_path):
    """The shared fit cache in ~/.cache held "m012_documents_source" (a branch's name for what is m013 now): refusing
    it as a newer version's stopped `make demo` on the machine that held it."""
    from miner.store.db import open_db

    path = tmp_path / "branch.db"
    db = open_db(path)
    db.table("_sqlite_migrations").insert(
        {"migration_set": "touchpoint_miner", "name": "m012_documents_source", "applied_at": "2026-12-06"}
    )
    db.conn.commit()
    db.close()
    open_db(path).close()
