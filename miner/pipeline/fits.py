"""Each touchpoint's pain points fitted, a share of the touchpoints in the run's second process where one serves the
analysis (miner/pipeline/partner.py): otherwise the touchpoints are clustered one after the other while the other
core idles (docs/lab/fits.md).

Which touchpoints go to the second process is decided before any fit, from their sizes alone, so the same ones go
there on every run of the same data; and a fit gives the same pain points in either process (the same code on the
same float16 vectors: tests/test_fits.py). A fit the second process cannot do (it died, or failed) is done here."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

import numpy as np

from miner.pipeline.heap import release
from miner.topics.clusterer import SAMPLE, PainPoint, PainPointModel

# Segments from which a run shares its fits: on 5,000 airline conversations (15k segments, ~1.5 s of clustering)
# the second process's imports cost about what sharing saves (docs/lab/fits.md)
SHARED_FITS = 50_000
# Complaints of the largest touchpoint sent to the second process: what is sent stays in this process, as float16,
# until its fit comes back (20 MB at 25,000), while this one fits its own (docs/lab/fits.md, memory at 1M segments)
SENT_MAX = 25_000
IN_FLIGHT = 1  # fits handed to the second process at a time: each holds a copy of its vectors in this process
Inputs = tuple[list[str], np.ndarray, list, np.ndarray]  # texts, float16 vectors, sub-touchpoints, confidence


class Helper(Protocol):
    def submit(self, fn: Callable, /, *args: Any) -> Future | None: ...


def warm() -> bool:
    """In the second process, while this one classifies: import what a fit needs. A second process started without
    torch (overlap.py `worker_pool`) lets it in again, as scipy reads `sys.modules["torch"]` and BERTopic imports it."""
    import sys

    if "torch" in sys.modules and sys.modules["torch"] is None:
        del sys.modules["torch"]
    from miner.topics.clusterer import _bertopic_class, _cosine_agglomerative

    _bertopic_class()
    _cosine_agglomerative()
    return True


def fit_there(model: PainPointModel, touchpoint: str, inputs: Inputs) -> list[PainPoint]:
    """One touchpoint's fit in the second process, on the same float32 vectors this process would fit on."""
    texts, vectors, subs, confidence = inputs
    return model.fit(touchpoint, texts, vectors.astype(np.float32), subs, confidence)


def shares(sizes: dict[str, int], helper: bool) -> tuple[list[str], list[str]]:
    """(this process's touchpoints, the second process's), each largest first: the largest fit goes to whichever
    has less to do so far, counting a fit's cost by its complaints up to the sample it is fitted on; a touchpoint of
    more than `SENT_MAX` complaints stays here."""
    order = sorted(sizes, key=lambda tp: (-sizes[tp], tp))
    if not helper:
        return order, []
    here: list[str] = []
    there: list[str] = []
    load = [0, 0]
    for tp in order:
        side = int(load[1] < load[0] and sizes[tp] <= SENT_MAX)
        (here, there)[side].append(tp)
        load[side] += min(sizes[tp], SAMPLE)
    return here, there


def fit_all(
    model: Any,
    sizes: dict[str, int],
    inputs: Callable[[str], Inputs],
    use: Callable[[str, list[PainPoint]], object],
    advance: Callable[[int], None],
    helper: Helper | None = None,
) -> None:
    """Fit each touchpoint's pain points (`sizes`: its complaints; `inputs(tp)`: what its fit reads) and hand them to
    `use(tp, points)` in this thread, one touchpoint at a time, as soon as they are fitted, so that only one fit's
    arrays are held at once (the heap is given back after each, `release`). With a `helper` and the project's own
    model, a share of the fits runs there while this process fits the rest."""
    usable = helper is not None and type(model) is PainPointModel
    here, there = shares(sizes, usable)
    done_there: deque[tuple[str, list[PainPoint]]] = deque()  # the second process's fits, as they came back
    failed: list[str] = []

    def feed() -> None:
        queue = deque(there)
        pending: deque[tuple[str, Future]] = deque()
        try:
            while queue or pending:
                while queue and len(pending) < IN_FLIGHT:
                    tp = queue.popleft()
                    future = helper.submit(fit_there, model, tp, inputs(tp))  # type: ignore[union-attr]
                    if future is None:
                        failed.append(tp)
                    else:
                        pending.append((tp, future))
                if pending:
                    tp, future = pending[0]
                    done_there.append((tp, future.result()))
                    pending.popleft()
        except Exception:  # noqa: BLE001 - the second process died or failed: this one fits the rest
            failed.extend(tp for tp, _ in pending)
            failed.extend(queue)

    def hand(tp: str, points: list[PainPoint]) -> None:
        use(tp, points)
        release()
        advance(1)

    def collect() -> None:
        while done_there:
            hand(*done_there.popleft())

    feeder = threading.Thread(target=feed, name="fits-feed", daemon=True)
    feeder.start()
    for tp in sorted(here):  # by name, as a run that fits alone: largest first peaked 300 MB higher at 1M segments
        texts, vectors, subs, confidence = inputs(tp)
        vectors = vectors.astype(np.float32)  # the float16 copy goes at once, as in a run that fits alone
        points = model.fit(tp, texts, vectors, subs, confidence)
        del vectors
        hand(tp, points)
        collect()
    feeder.join()
    collect()
    for tp in failed:
        hand(tp, fit_there(model, tp, inputs(tp)))
