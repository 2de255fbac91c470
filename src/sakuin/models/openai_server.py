"""Serve any ``LanguageModel`` over the OpenAI-compatible protocol (``sakuin serve-model``).

Lets other tools, and other sakuin installations through the openai backend, use a local
model: ``/v1/models``, ``/v1/completions`` and ``/v1/chat/completions``, streaming over SSE.
Prompt log-probabilities (``echo`` with ``logprobs``) are refused with a clear error: callers
that need scores should load the model in-process.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from sakuin.errors import SakuinError
from sakuin.models.base import LanguageModel, Message, Prompt


class _Sampling(BaseModel):
    model: str | None = None
    max_tokens: int = Field(128, ge=0)
    temperature: float = Field(0.0, ge=0)
    stop: str | list[str] | None = None
    seed: int | None = None
    stream: bool = False

    @property
    def stops(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else list(self.stop or [])


class CompletionBody(_Sampling):
    prompt: str
    echo: bool = False
    logprobs: int | None = None


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatBody(_Sampling):
    messages: list[ChatMessage]


def create_app(model: LanguageModel) -> FastAPI:
    """An app serving ``model``; one request at a time reaches it (models are not thread-safe)."""
    app = FastAPI(title="sakuin model server", version="1")
    lock = threading.Lock()

    @app.exception_handler(SakuinError)
    def _sakuin_error(_: Request, exc: SakuinError) -> JSONResponse:
        return JSONResponse({"error": {"message": str(exc), "type": type(exc).__name__}}, status_code=400)

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": model.name, "object": "model", "owned_by": "sakuin"}]}

    @app.post("/v1/completions", response_model=None)
    def completions(body: CompletionBody) -> JSONResponse | StreamingResponse:
        if body.echo or body.logprobs:
            return JSONResponse(
                {
                    "error": {
                        "message": "this server does not return log-probabilities (echo/logprobs); load the "
                        "model in-process to score text.",
                        "type": "ScoringUnsupportedError",
                    }
                },
                status_code=400,
            )
        return _respond(body.prompt, body, "text_completion")

    @app.post("/v1/chat/completions", response_model=None)
    def chat(body: ChatBody) -> JSONResponse | StreamingResponse:
        messages = [Message(m.role, m.content) for m in body.messages]
        return _respond(messages, body, "chat.completion")

    def _respond(prompt: Prompt, body: _Sampling, kind: str) -> JSONResponse | StreamingResponse:
        ident = f"sakuin-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        chat = kind == "chat.completion"

        def choice(text: str, finish: str | None) -> dict[str, Any]:
            if chat:
                key = "delta" if body.stream else "message"
                return {"index": 0, key: {"role": "assistant", "content": text}, "finish_reason": finish}
            return {"index": 0, "text": text, "logprobs": None, "finish_reason": finish}

        def envelope(choices: list[dict[str, Any]]) -> dict[str, Any]:
            suffix = ".chunk" if body.stream and chat else ""
            return {
                "id": ident,
                "object": kind + suffix,
                "created": created,
                "model": model.name,
                "choices": choices,
            }

        if not body.stream:
            with lock:
                done = model.generate(
                    prompt,
                    max_tokens=body.max_tokens,
                    temperature=body.temperature,
                    stop=body.stops,
                    seed=body.seed,
                )
            usage = {
                "prompt_tokens": done.prompt_tokens,
                "completion_tokens": done.completion_tokens,
                "total_tokens": done.prompt_tokens + done.completion_tokens,
            }
            return JSONResponse({**envelope([choice(done.text, done.finish_reason)]), "usage": usage})

        def events() -> Iterator[str]:
            with lock:
                try:
                    for piece in model.stream(
                        prompt,
                        max_tokens=body.max_tokens,
                        temperature=body.temperature,
                        stop=body.stops,
                        seed=body.seed,
                    ):
                        yield f"data: {json.dumps(envelope([choice(piece, None)]), ensure_ascii=False)}\n\n"
                except SakuinError as exc:  # the status line is sent already: report in the stream
                    error = {"message": str(exc), "type": type(exc).__name__}
                    yield f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"
                else:
                    yield f"data: {json.dumps(envelope([choice('', 'stop')]))}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app
