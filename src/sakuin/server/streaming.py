"""Server-Sent Events: one helper turning a (blocking) iterator of named events into a stream.

Job progress uses it now; grounded writing streams its tokens and then its sources through it.
Each event's data is one JSON document. The iterator runs in a worker thread, so it may block on
a model or a job; a :class:`SakuinError` raised mid-stream becomes a final ``error`` event
because the status line (200) has already gone out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

from sakuin.errors import SakuinError


def event_stream(events: Iterable[tuple[str, Any]]) -> EventSourceResponse:
    """Stream ``(event name, JSON-able data)`` pairs as SSE."""

    def encode() -> Iterator[ServerSentEvent]:
        try:
            for name, data in events:
                yield ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=name)
        except SakuinError as exc:
            yield ServerSentEvent(data=json.dumps({"error": str(exc)}, ensure_ascii=False), event="error")

    return EventSourceResponse(encode(), ping=15)
