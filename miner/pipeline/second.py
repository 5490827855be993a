"""The second process's set-up (overlap.py), in a module that imports nothing else: it runs before the process
reads any piece, and before numpy or spaCy load, so their thread settings take."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

ORPHAN_CHECK_S = 1.0  # how often the second process checks that the process that started it is alive


def second_process(light: bool) -> None:
    """One thread for the BLAS libraries (this process's encoders have the other core); with `light` (the packaged
    spaCy model or the rules) no torch, which nothing here reads but thinc imports when it is installed. It exits
    when the process that started it is gone (a killed `mine` would otherwise leave it waiting for work, holding
    its memory, until the machine restarts), and at once, quietly, on Ctrl-C."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # read by the BLAS libraries when they load, which is after this
    if light and "torch" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` fails at once: thinc goes without
    elif "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    threading.Thread(target=_exit_with, args=(os.getppid(),), name="exit-with-parent", daemon=True).start()
    # Ctrl-C reaches the whole process group: the process that started this one says "Interrupted" and stops it; this
    # one leaves at once and quietly (it printed a KeyboardInterrupt traceback from its task queue over that line)
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)
