"""Rate limits, in memory, per process: a per-workspace token bucket (`rate` requests per minute, bursts up to
`rate`) and a per-client count of failed API keys."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> int:
        """0 when the request may go ahead, else the seconds to wait (for Retry-After)."""
        if self.per_minute <= 0:
            return 0
        rate = self.per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))


class FailureLimiter:
    """Failed API keys per client address: after `limit` failures within `window_s` seconds the client gets 429
    until the oldest of them leaves the window, whatever key it sends (so guessing keys cannot go on)."""

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic, clients: int = 10_000
    ) -> None:
        self.limit, self.window_s, self.clock, self.clients = limit, window_s, clock, clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> int:
        """0 when the client may try a key, else the seconds until it may (for Retry-After)."""
        if self.limit <= 0:
            return 0
        with self._lock:
            times = self._recent(client)
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[0] + self.window_s - self.clock()))

    def fail(self, client: str) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            times = self._recent(client)
            times.append(self.clock())
            while len(times) > self.limit:
                times.popleft()
            if client not in self._failures and len(self._failures) >= self.clients:
                self._failures.pop(next(iter(self._failures)))  # memory stays bounded: forget the oldest client
            self._failures[client] = times

    def _recent(self, client: str) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and times[0] <= self.clock() - self.window_s:
            times.popleft()
        return times
