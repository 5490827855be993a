"""Import a library without the optional parts of it this package never uses, where those parts cost seconds.

Presidio imports Hugging Face transformers for an NLP engine the miner does not use, and BERTopic imports plotly
(and through its plotting module umap, pynndescent and numba), transformers and spaCy for representations, and the
Hugging Face hub client (httpx, truststore) for saving models, none of which the miner uses; both fall back to a stub
when the import fails. `import_without` makes those imports fail while the library loads, so a 10-row
`touchpoints mine` does not pay for them (docs/lab/startup.md, docs/lab/nightly.md). A module already imported is
left alone (spaCy, where this process parses), and everything blocked is importable again afterwards."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

# What the miner's use of each library never needs (each falls back to a stub when the import fails).
PRESIDIO_SKIPS = ("transformers",)
BERTOPIC_SKIPS = ("plotly", "transformers", "spacy", "huggingface_hub")  # spaCy: part-of-speech; the hub: saving


@contextmanager
def blocked(names: tuple[str, ...]) -> Iterator[None]:
    """While inside, `import NAME` raises ModuleNotFoundError for each name not already imported."""
    added = [name for name in names if name not in sys.modules]
    for name in added:
        sys.modules[name] = None  # type: ignore[assignment]  # None in sys.modules: the import fails at once
    try:
        yield
    finally:
        for name in added:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


def import_without(module: str, skips: tuple[str, ...]) -> ModuleType:
    """`importlib.import_module(module)` with the modules in `skips` unavailable while it loads."""
    if module in sys.modules:
        return sys.modules[module]
    with blocked(skips):
        return importlib.import_module(module)
