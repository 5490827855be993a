"""The run queue: one queue per workspace, served round-robin by a fixed set of worker threads, so a workspace
that queues runs (or holds a long one) cannot make every other workspace wait behind all of them."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable

log = logging.getLogger("touchpoints.api")


class FairQueue:
    """Workers take the oldest job of the next workspace in turn; a workspace runs at most `per_workspace` jobs at
    once (one less than the workers, so with two or more workers one is always left for the others)."""

    def __init__(self, per_workspace: int) -> None:
        self.per_workspace = max(1, per_workspace)
        self._queues: OrderedDict[str, deque[str]] = OrderedDict()
        self._running: dict[str, int] = {}
        self._cond = threading.Condition()
        self._closed = False

    def put(self, workspace: str, job_id: str) -> None:
        with self._cond:
            self._queues.setdefault(workspace, deque()).append(job_id)
            self._cond.notify()

    def get(self) -> tuple[str, str] | None:
        """(workspace, job id) of the next job to run, waiting for one; None once the queue is closed."""
        with self._cond:
            while not self._closed:
                for workspace in list(self._queues):
                    if self._running.get(workspace, 0) < self.per_workspace:
                        return self._take(workspace)
                self._cond.wait()
            return None

    def _take(self, workspace: str) -> tuple[str, str]:
        queue = self._queues.pop(workspace)
        job_id = queue.popleft()
        if queue:
            self._queues[workspace] = queue  # back of the line: the other workspaces go first
        self._running[workspace] = self._running.get(workspace, 0) + 1
        return workspace, job_id

    def done(self, workspace: str) -> None:
        with self._cond:
            self._running[workspace] -= 1
            if not self._running[workspace]:
                del self._running[workspace]
            self._cond.notify_all()

    def close(self) -> list[str]:
        """Stop handing out jobs; returns the ids left waiting."""
        with self._cond:
            self._closed = True
            left = [job for q in self._queues.values() for job in q]
            self._queues.clear()
            self._cond.notify_all()
        return left


def start_workers(queue: FairQueue, count: int, run: Callable[[str], None]) -> list[threading.Thread]:
    """`count` threads that run the queue's jobs until it is closed."""

    def loop() -> None:
        while (item := queue.get()) is not None:
            workspace, job_id = item
            try:
                run(job_id)
            except Exception:  # noqa: BLE001 - a worker that died left every later run queued for good
                log.exception("run %s: the worker could not finish it", job_id)
            finally:
                queue.done(workspace)

    threads = [threading.Thread(target=loop, name=f"touchpoints-run-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads
