"""The one pipeline (`Pipeline`, built by `build_pipeline`) and its facade `mine()`.

- imports.py: read, redact, segment and store files (`MineOptions`, `import_paths`);
- classify.py: embed -> detect complaints -> item context -> map -> corpus head, in memory (`Pipeline.classify`);
- analyze.py: one run over the stored segments: classify, cluster pain points, store;
- core.py: `Pipeline`, `Encoders` and the local engine; factory.py: `build_pipeline` from `MineOptions`;
- profiles.py: settings bundles by name (`--profile default|batch`).

The names below load on first use, so that `miner.pipeline.profiles` (read by `--help`) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from miner.pipeline.classify import Classified
    from miner.pipeline.core import Encoders, LocalEngine, Pipeline
    from miner.pipeline.factory import build_encoders, build_pipeline, get_engine, mine
    from miner.pipeline.imports import MineOptions, import_files, import_paths, segment_records

_HOME = {
    "Classified": "classify",
    "Encoders": "core",
    "LocalEngine": "core",
    "Pipeline": "core",
    "build_encoders": "factory",
    "build_pipeline": "factory",
    "get_engine": "factory",
    "mine": "factory",
    "MineOptions": "imports",
    "import_files": "imports",
    "import_paths": "imports",
    "segment_records": "imports",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"miner.pipeline.{_HOME[name]}"), name)
    raise AttributeError(f"module 'miner.pipeline' has no attribute '{name}'")


__all__ = [
    "Classified",
    "Encoders",
    "LocalEngine",
    "MineOptions",
    "Pipeline",
    "build_encoders",
    "build_pipeline",
    "get_engine",
    "import_files",
    "import_paths",
    "mine",
    "segment_records",
]
