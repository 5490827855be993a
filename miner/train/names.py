"""An encoder's name: a fingerprint of its recipe, the training texts it actually used and its base model.

The packaged MiniLM's names are as they always were (`minilm-tuned-<hash>`), so models built before stay valid.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

Training = tuple[list[str], list[int]]


def fingerprint(kind: str, recipe: dict, training: Training, base: str | None = None) -> str:
    """`<base>-<kind>-<hash>` over the recipe, the texts and labels (and the base model's identity)."""
    if base is None:
        prefix, payload = "minilm", [recipe, *training]
    else:
        prefix, payload = Path(base).name or "model", [recipe, base_id(base), *training]
    return f"{prefix}-{kind}-{_digest(payload)}"


def recipe_key(kind: str, recipe: dict, base: str | None = None) -> str:
    """What the built-model manifest files a name under: the recipe and the base, not the texts (so editing one
    taxonomy example does not rename the encoder a run uses until `touchpoints setup-models` rebuilds it)."""
    return f"{kind}/{_digest([recipe])}/{'minilm' if base is None else base_id(base)}"


def base_id(base: str) -> str:
    """A base model's identity: its absolute path and its config (so a model replaced in place is rebuilt)."""
    path = Path(base).expanduser()
    if not path.exists():
        return base  # a model name sentence-transformers resolves from its own cache
    config = path / "config.json"
    digest = hashlib.sha256(config.read_bytes()).hexdigest()[:10] if config.exists() else ""
    return f"{path.resolve()}#{digest}"


def _digest(payload: list) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:10]
