"""The one pipeline (`Pipeline`, built by `build_pipeline`) and its facade `mine()`.

- imports.py: read, redact, segment and store files (`MineOptions`, `import_paths`);
- classify.py: embed -> detect complaints -> item context -> map -> corpus head, in memory (`Pipeline.classify`);
- analyze.py: one run over the stored segments: classify, cluster pain points, store;
- core.py: `Pipeline`, `Encoders` and the local engine; factory.py: `build_pipeline` from `MineOptions`.
"""

from miner.pipeline.classify import Classified
from miner.pipeline.core import Encoders, LocalEngine, Pipeline
from miner.pipeline.factory import build_encoders, build_pipeline, get_engine, mine
from miner.pipeline.imports import MineOptions, import_files, import_paths, segment_records

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
