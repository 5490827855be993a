"""Encoders built into the cache folder (`miner.defaults.cache_root`) under a name that fingerprints how they were
built (miner/train/names.py), and the manifest that remembers which name each recipe last built.

A run names its encoder before the model is loaded (cached vectors are looked up by that name), so a built
encoder's name must not depend on files that may have changed since it was built: the manifest answers it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from miner.defaults import cache_root
from miner.embed.sentence_transformers import SentenceTransformerEmbedder

MANIFEST = "models.json"


def built_path(name: str) -> Path:
    return cache_root() / name


def is_built(name: str) -> bool:
    return (built_path(name) / "config.json").exists()


def recorded(key: str) -> str | None:
    """The name last built under `key`, if its model is still in the cache."""
    name = _manifest().get(key)
    return name if isinstance(name, str) and is_built(name) else None


def record(key: str, name: str) -> None:
    """Remember that `key` built `name` (written atomically; a lost race only costs a recomputed name)."""
    manifest = _manifest()
    if manifest.get(key) == name:
        return
    manifest[key] = name
    path = cache_root() / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{MANIFEST}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _manifest() -> dict:
    try:
        data = json.loads((cache_root() / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class BuiltEmbedder(SentenceTransformerEmbedder):
    """A built model, named at once and loaded on first use from the folder `locate()` returns (building it there
    first if need be)."""

    def __init__(self, name: str, locate: Callable[[], Path], **kwargs: object) -> None:
        super().__init__(name, **kwargs)  # type: ignore[arg-type]
        self.built_name = name
        self._locate = locate
        self._located = False

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"st:{self.built_name}"

    def _model_path(self) -> str:
        if not self._located:  # locate() may build the model: once
            self.model, self._located = str(self._locate()), True
        return self.model
