"""SQLite storage through sqlite-utils: documents, segments, embeddings, runs and results."""

from miner.store.db import DEFAULT_DB, open_db

__all__ = ["DEFAULT_DB", "open_db"]
