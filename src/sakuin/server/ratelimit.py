"""Per-key request limits (a sliding one-minute window), so one user cannot starve the others."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from sakuin.errors import SakuinError

WINDOW_SECONDS = 60.0
PRUNE_ABOVE = 10_000  # keys (login attempts name any user) before idle ones are dropped


class RateLimitedError(SakuinError):
    """Too many requests in the last minute; ``retry_after`` says when one more will pass."""

    def __init__(self, limit: int, retry_after: float) -> None:
        super().__init__(f"more than {limit} requests a minute; wait {math.ceil(retry_after)} s and retry.")
        self.retry_after = math.ceil(retry_after)


class RateLimiter:
    """At most ``per_minute`` hits per key in any 60 s; kept in memory (one server process)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one request for ``key``, or raise :class:`RateLimitedError` if over the limit."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > PRUNE_ABOVE:
                idle = [k for k, h in self._hits.items() if not h or h[-1] <= now - WINDOW_SECONDS]
                for k in idle:
                    del self._hits[k]
            hits = self._hits[key]
            while hits and hits[0] <= now - WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise RateLimitedError(self.per_minute, hits[0] + WINDOW_SECONDS - now)
            hits.append(now)
