"""SQLite storage through sqlite-utils: documents, segments, embeddings, runs and results."""


def _import_sqlite_utils_without_pandas() -> None:
    """sqlite-utils imports pandas (about 0.7 s) only to map pandas.Timestamp, which nothing here inserts;
    hiding it during that import keeps `touchpoints top` well under a second. pandas imports normally after."""
    import sys

    if "sqlite_utils" in sys.modules or "pandas" in sys.modules:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["pandas"]


_import_sqlite_utils_without_pandas()

from miner.store.db import DEFAULT_DB, open_db, open_to_read  # noqa: E402

__all__ = ["DEFAULT_DB", "open_db", "open_to_read"]
