"""The second process's set-up (overlap.py), in a module that imports nothing else: it runs before the process
reads any piece, and before numpy or spaCy load, so their thread settings take."""

from __future__ import annotations

import os
import sys


def second_process(light: bool) -> None:
    """One thread for the BLAS libraries (this process's encoders have the other core); with `light` (the packaged
    spaCy model or the rules) no torch, which nothing here reads but thinc imports when it is installed."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # read by the BLAS libraries when they load, which is after this
    if light and "torch" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` fails at once: thinc goes without
    elif "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
