"""Numbered schema migrations (sqlite-utils Migrations)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from miner.errors import DatabaseError

migrations = Migrations("touchpoint_miner")


def refuse_newer(db: sqlite_utils.Database, path: Path | str, applied_by: Migrations = migrations) -> None:
    """Refuse a database a newer version wrote: its schema has changes this version does not know (a migration
    recorded that is not ours), and reading it as ours answered 500 KeyError. Checked on every open, before
    anything is read or migrated."""
    known = {m.name for m in applied_by._migrations}  # sqlite-utils keeps the registered ones private
    # Newer: numbered past our last. A name we lack under a number we have is a development branch's (the shared fit
    # cache in ~/.cache held "m012_documents_source", since renamed m013): refusing it stopped `make demo`.
    last = max((_number(name) for name in known), default=0)
    unknown = [m.name for m in applied_by.applied(db) if m.name not in known and _number(m.name) > last]
    if unknown:
        db.close()
        raise DatabaseError(
            f"{path} was written by a newer touchpoint-miner (its schema has changes this version does not know: "
            f"{', '.join(unknown)}): upgrade touchpoint-miner, or restore a backup made before the newer version "
            "opened it"
        )


def _number(name: str) -> int:
    """A migration's number ("m014_silent_scores" is 14); 0 for a name without one."""
    digits = name[1:].split("_", 1)[0]
    return int(digits) if name.startswith("m") and digits.isdigit() else 0


def _execute_all(db: sqlite_utils.Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction half-way; run statements one by one.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    _execute_all(
        db,
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            rows INTEGER NOT NULL,
            added INTEGER NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            import_id INTEGER REFERENCES imports(id),
            source TEXT NOT NULL,
            source_id TEXT,
            kind TEXT NOT NULL,
            title TEXT,
            text TEXT NOT NULL,
            rating REAL,
            rating_raw REAL,
            rating_scale TEXT,
            date TEXT,
            meta TEXT
        );
        CREATE INDEX idx_documents_date ON documents(date);
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            idx INTEGER NOT NULL,
            speaker TEXT,
            text TEXT NOT NULL,
            hash TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            UNIQUE (document_id, idx)
        );
        CREATE INDEX idx_segments_hash ON segments(hash);
        CREATE TABLE embeddings (
            hash TEXT NOT NULL,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (hash, model)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            embedding_model TEXT,
            segmenter TEXT,
            mapper TEXT,
            taxonomy_name TEXT,
            taxonomy_version TEXT,
            taxonomy_fingerprint TEXT,
            taxonomy TEXT,
            params TEXT,
            documents INTEGER,
            segments INTEGER,
            complaints INTEGER,
            error TEXT
        );
        CREATE TABLE segment_results (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            segment_id INTEGER NOT NULL REFERENCES segments(id),
            complaint INTEGER NOT NULL,
            complaint_score REAL NOT NULL,
            touchpoint TEXT NOT NULL,
            touchpoint_score REAL NOT NULL,
            PRIMARY KEY (run_id, segment_id)
        );
        CREATE TABLE assignments (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            segment_id INTEGER NOT NULL REFERENCES segments(id),
            touchpoint TEXT NOT NULL,
            subtouchpoint TEXT,
            score REAL NOT NULL,
            rank INTEGER NOT NULL,
            pain_point_id TEXT,
            PRIMARY KEY (run_id, segment_id, touchpoint)
        );
        CREATE INDEX idx_assignments_tp ON assignments(run_id, touchpoint);
        CREATE TABLE pain_points (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            id TEXT NOT NULL,
            touchpoint TEXT NOT NULL,
            label TEXT NOT NULL,
            keywords TEXT,
            complaints INTEGER NOT NULL,
            representatives TEXT,
            PRIMARY KEY (run_id, id)
        );
        """,
    )


@migrations()
def m002_incremental(db: sqlite_utils.Database) -> None:
    """Pain-point centroids (so a nightly run assigns new complaints without a refit), how each run was
    made, the old-to-new id map of a refit, and the indexes the report and the API read by."""
    _execute_all(
        db,
        """
        ALTER TABLE pain_points ADD COLUMN centroid BLOB;
        ALTER TABLE runs ADD COLUMN mode TEXT;
        ALTER TABLE runs ADD COLUMN base_run_id INTEGER;
        CREATE TABLE pain_point_changes (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            old_id TEXT,
            new_id TEXT,
            similarity REAL,
            change TEXT NOT NULL
        );
        CREATE INDEX idx_pain_point_changes_run ON pain_point_changes(run_id);
        CREATE INDEX idx_segment_results_tp ON segment_results(run_id, touchpoint, complaint);
        CREATE INDEX IF NOT EXISTS idx_assignments_pain ON assignments(run_id, pain_point_id)
        """,
    )


@migrations()
def m003_corpus_heads(db: sqlite_utils.Database) -> None:
    """Each run's corpus head (miner/touchpoints/corpus.py), so a nightly run maps new complaints as its base did."""
    _execute_all(
        db,
        """
        CREATE TABLE corpus_heads (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id),
            touchpoints TEXT NOT NULL,
            coef BLOB NOT NULL,
            intercept BLOB NOT NULL,
            dim INTEGER NOT NULL,
            weight REAL NOT NULL,
            margin REAL NOT NULL,
            labels INTEGER NOT NULL
        )
        """,
    )


@migrations()
def m004_erasure(db: sqlite_utils.Database) -> None:
    """Forgetting data (miner/store/erasure.py): when a run's stored counts last lost erased items (the API's
    cache of a run reads it), the document ids a customer erasure removed (so a later import of a file that
    still holds them skips them), and an audit of erasures with counts only, never the value asked for."""
    _execute_all(
        db,
        """
        ALTER TABLE runs ADD COLUMN erased_at TEXT;
        CREATE TABLE erased_documents (
            document_id TEXT PRIMARY KEY,
            erased_at TEXT NOT NULL
        );
        CREATE TABLE erasures (
            id INTEGER PRIMARY KEY,
            erased_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            documents INTEGER NOT NULL,
            segments INTEGER NOT NULL
        )
        """,
    )


@migrations()
def m005_service_tables(db: sqlite_utils.Database) -> None:
    """What the HTTP API's workspaces added through a second migration set, now here: the taxonomy versions a
    workspace stored, and segments by document. IF NOT EXISTS: a workspace file made before has them already;
    its duplicate of idx_assignments_pain (m002) goes."""
    _execute_all(
        db,
        """
        CREATE TABLE IF NOT EXISTS taxonomies (
            version TEXT PRIMARY KEY,
            fingerprint TEXT,
            taxonomy TEXT,
            created_at TEXT
        );
        CREATE INDEX IF NOT EXISTS idx_segments_document ON segments(document_id);
        DROP INDEX IF EXISTS idx_api_segments_document;
        DROP INDEX IF EXISTS idx_api_assignments_pain
        """,
    )


@migrations()
def m006_run_fit(db: sqlite_utils.Database) -> None:
    """How well each run's corpus fits its taxonomy (miner/touchpoints/fit.py), as JSON; NULL for older runs."""
    _execute_all(db, "ALTER TABLE runs ADD COLUMN fit TEXT")


@migrations()
def m007_source_ids(db: sqlite_utils.Database) -> None:
    """Documents by the source's own id: an item already stored from another file (an overlapping or renamed
    export) is found by its id and text (miner/store/documents.py `new_records`)."""
    _execute_all(db, "CREATE INDEX IF NOT EXISTS idx_documents_source_id ON documents(source_id)")


@migrations()
def m008_run_owner(db: sqlite_utils.Database) -> None:
    """The process running a run ("host:pid"): a new run marks another 'running' one abandoned only when its
    process is gone (miner/store/runs.py `start_run`)."""
    _execute_all(db, "ALTER TABLE runs ADD COLUMN owner TEXT")


@migrations()
def m009_pii_key(db: sqlite_utils.Database) -> None:
    """The database's own key for pseudonym tokens (miner/store/pii_key.py): random for a new database; the key
    published in the source for one that already holds tokens made with it, so erasure and de-duplication still
    find them."""
    from datetime import UTC, datetime

    from miner.store.pii_key import new_key

    _execute_all(db, "CREATE TABLE pii_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL, created_at TEXT)")
    db.execute("INSERT INTO pii_key (id, key, created_at) VALUES (1, ?, ?)",
               [new_key(db), datetime.now(UTC).isoformat(timespec="seconds")])  # fmt: skip


@migrations()
def m010_replaced_documents(db: sqlite_utils.Database) -> None:
    """Documents a longer version of the same conversation replaces (miner/store/versions.py): named in the
    import's transaction, forgotten right after it; a row left here by a crash is retired by the next import."""
    _execute_all(
        db,
        """
        CREATE TABLE replaced_documents (
            document_id TEXT PRIMARY KEY,
            by TEXT NOT NULL,
            found_at TEXT NOT NULL
        )
        """,
    )


@migrations()
def m011_date_orders(db: sqlite_utils.Database) -> None:
    """Each date column's day-first or month-first order as a file last showed it, which a later file of that column
    that cannot show it takes (miner/ingest/dates.py `DateColumn.from_sample`): a nightly file holding the 1st to
    the 12th alone was read month-first, the next night's day-first."""
    _execute_all(db, "CREATE TABLE date_orders (name TEXT PRIMARY KEY, dayfirst INTEGER NOT NULL, decided_at TEXT)")


@migrations()
def m012_run_imports(db: sqlite_utils.Database) -> None:
    """The newest import each run's snapshot held (miner/store/filters.py `run_items`): its documents are those of
    imports up to it, not every document stored since (a run read after a later import counted the later items in
    its rates). A run made before is given the newest import begun by the time it started: a mine imports its
    files before it starts its run. The date index holds the import, source and kind too, so a run's items in a
    window of days, and its table of items by day, source and kind (miner/store/item_table.py), are read from the
    index alone, never from the documents' rows, which hold their texts."""
    _execute_all(
        db,
        """
        ALTER TABLE runs ADD COLUMN last_import INTEGER;
        CREATE INDEX IF NOT EXISTS idx_documents_date_import ON documents(date, import_id, source, kind);
        DROP INDEX IF EXISTS idx_documents_date;
        UPDATE runs SET last_import = (SELECT coalesce(max(i.id), 0) FROM imports i
                                       WHERE i.imported_at <= runs.started_at)
        """,
    )


@migrations()
def m013_documents_source(db: sqlite_utils.Database) -> None:
    """Documents by file name: an import compares a file's rows with the items that file stored before (a file
    re-read with other columns, `miner.store.documents.reread_texts`), and `forget --dataset` finds its items."""
    _execute_all(db, "CREATE INDEX IF NOT EXISTS idx_documents_source ON documents(source)")


@migrations()
def m014_silent_scores(db: sqlite_utils.Database) -> None:
    """The scores of survey respondents who answered no open-text question (miner/ingest/silent.py): no feedback
    item, but respondents the NPS and the mean rating count. Read as the documents are (their date, import, source
    and kind; a run's by `runs.last_import`), so a filter's conditions on `d` hold here too."""
    _execute_all(
        db,
        """
        CREATE TABLE silent_scores (
            id TEXT PRIMARY KEY,
            import_id INTEGER REFERENCES imports(id),
            source TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'survey',
            response_id TEXT,
            date TEXT,
            rating REAL NOT NULL,
            rating_raw REAL NOT NULL,
            rating_scale TEXT NOT NULL
        );
        CREATE INDEX idx_silent_scores_import ON silent_scores(import_id);
        """,
    )


@migrations()
def m015_import_skipped(db: sqlite_utils.Database) -> None:
    """The rows each import left out as unreadable under `--on-error skip`: the report's Data quality names them
    (miner/report/skipped.py), where they were said once in `mine`'s notes and gone from every count after."""
    _execute_all(db, "ALTER TABLE imports ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0")


@migrations()
def m016_silent_score_columns(db: sqlite_utils.Database) -> None:
    """The columns a score's row kept (`Market`...), stored as a commenter's item stores them (its `meta`), so a
    filter or breakdown on them counts the respondents who only scored: a market's NPS counted its commenters alone,
    who skew towards the detractors. Scores stored before hold none: outside every market, as an item without the
    column is, until their file is mined again."""
    _execute_all(db, "ALTER TABLE silent_scores ADD COLUMN meta TEXT")
