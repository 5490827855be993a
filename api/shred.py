"""Deleting raw uploads: each file's bytes are overwritten with zeros and synced before it is unlinked, so a later
reader of the freed disk blocks (another tenant's file, a disk image, an undelete tool) does not find the names,
phone numbers and addresses as sent. On an SSD, or a copy-on-write or journalling filesystem, earlier copies of
the blocks may survive: full-disk encryption is the guarantee, this is the cheap part that is in our hands."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHUNK = 1 << 20  # zeros written at a time


def shred(path: Path) -> None:
    """Overwrite `path` with zeros, sync, then unlink it; a missing file is nothing to do."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        left = os.fstat(fd).st_size
        zeros = bytes(min(CHUNK, left))
        while left > 0:
            left -= os.write(fd, zeros[: min(CHUNK, left)])
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)


def shred_tree(folder: Path) -> None:
    """`shred` every file under `folder`, then remove the folder; a missing folder is nothing to do."""
    if not folder.is_dir():
        return
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            if not path.is_symlink():
                shred(path)
    shutil.rmtree(folder, ignore_errors=True)
