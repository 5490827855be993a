"""A run job's progress: the stage and a 0-1 value recorded on the job row as the pipeline goes, and the checks that
stop it there (a cancellation, the run's time budget)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from miner.errors import MinerError
from miner.progress import Advance, Progress

if TYPE_CHECKING:
    from api.jobs import JobRunner

# Share of a run's time each pipeline stage takes, roughly, so progress moves evenly from 0 to 1. A run's imports
# ('Importing NAME', one stage per file) share one entry (`_weighed`): without it a run stood still through them.
WEIGHTS = {
    "Loading models": 0.05,
    "Importing": 0.25,
    "Segmenting": 0.05,
    "Preparing models": 0.1,
    "Embedding": 0.25,
    "Mapping touchpoints": 0.05,
    "Clustering pain points": 0.25,
}


def _weighed(stage: str) -> str:
    """The WEIGHTS entry of a stage: 'Importing' for each file's 'Importing NAME'."""
    return "Importing" if stage.startswith("Importing ") else stage


class Cancelled(Exception):
    """Raised inside the pipeline when the run was cancelled; the store's transactions roll back."""


class OverBudget(MinerError):
    """Raised inside the pipeline when a run has taken longer than TOUCHPOINTS_RUN_BUDGET_S; the run fails."""

    def __init__(self, budget_s: float, stage: str) -> None:
        super().__init__(
            f"the run went over its time budget of {budget_s:,.0f} s (TOUCHPOINTS_RUN_BUDGET_S) while '{stage}': "
            "mine one dataset at a time (POST /v1/runs with dataset_id), or ask the administrator to raise it"
        )


class JobProgress(Progress):
    """Records the current stage and a 0-1 progress on the job row, checking for cancellation as it goes."""

    def __init__(self, runner: JobRunner, job_id: str, cancel: threading.Event, budget_s: float = 0) -> None:
        self.runner, self.job_id, self.cancel = runner, job_id, cancel
        self.deadline = time.monotonic() + budget_s if budget_s > 0 else None
        self.budget_s = budget_s
        self.done: dict[str, float] = {}
        self._last = 0.0
        self.value = 0.0

    def _report(self, stage: str, fraction: float, force: bool = False) -> None:
        if self.cancel.is_set():
            raise Cancelled()
        now_s = time.monotonic()
        if self.deadline is not None and now_s > self.deadline:
            raise OverBudget(self.budget_s, stage)
        if not force and now_s - self._last < 0.25:
            return
        self._last = now_s
        key = _weighed(stage)
        current = 0.0 if key in self.done else WEIGHTS.get(key, 0.0) * min(1.0, fraction)
        # Stages can repeat (one import per dataset): never let the reported value go back.
        self.value = max(self.value, min(0.99, sum(self.done.values()) + current))
        self.runner.update(self.job_id, progress=round(self.value, 4), stage=stage)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        count = 0

        def advance(n: int = 1) -> None:
            nonlocal count
            count += n
            self._report(name, count / total if total else 0.0)

        self.done.pop(_weighed(name), None)
        self._report(name, 0.0, force=True)
        yield advance
        self.done[_weighed(name)] = WEIGHTS.get(_weighed(name), 0.0)
        self._report(name, 1.0, force=True)
