"""A file's sha256, read in 1 MiB blocks: imported files (miner/store/documents.py) and model weights
(miner/embed/) are checked with the same function."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
