"""Any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, ``sakuin serve-model``).

Larger models are served elsewhere; sakuin talks to them over HTTP. Generation uses
``/completions`` for text prompts and ``/chat/completions`` for messages, streaming over SSE.
``score`` asks ``/completions`` to echo the prompt with log-probabilities and sums those of the
continuation's characters; servers that cannot do that get a clear error, not a guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from sakuin.errors import (
    ContextOverflowError,
    EmptyPromptError,
    SakuinError,
    ScoringUnsupportedError,
    ServerError,
    ServerUnreachableError,
)
from sakuin.models.base import GeneratingModel, Generation, Prompt


class OpenAICompatibleModel(GeneratingModel):
    """A model behind an OpenAI-compatible HTTP API."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        context_length: int = 4096,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.context_length = context_length
        self.has_chat_template = True  # the server applies its own template
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    # -- generation ---------------------------------------------------------------------------
    def _request(
        self, prompt: Prompt, max_tokens: int, temperature: float, stop: Sequence[str], seed: int | None
    ) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.name,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        if stop:
            body["stop"] = list(stop)
        if seed is not None:
            body["seed"] = seed
        if isinstance(prompt, str):
            if not prompt.strip():
                raise EmptyPromptError("the prompt is empty; give the model some text to continue.")
            return "/completions", {**body, "prompt": prompt}
        if not prompt or not any(m.content.strip() for m in prompt):
            raise EmptyPromptError("the chat has no message with text; add a user message.")
        return "/chat/completions", {
            **body,
            "messages": [{"role": m.role, "content": m.content} for m in prompt],
        }

    def _pieces(self, path: str, body: dict[str, Any]) -> Iterator[str]:
        """Text of each streamed chunk, in order."""
        try:
            with self._http.stream("POST", path, json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    chunk = json.loads(data)
                    if "error" in chunk:
                        raise ServerError(
                            f"the server at {self.base_url} failed mid-stream: "
                            f"{chunk['error'].get('message', chunk['error'])}"
                        )
                    for choice in chunk.get("choices", []):
                        text = choice.get("text")
                        if text is None:
                            text = (choice.get("delta") or {}).get("content")
                        if text:
                            yield text
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def start(
        self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int | None
    ) -> Generation:
        """Send the request; the server streams, and stop strings are applied here too."""
        path, body = self._request(prompt, max_tokens, temperature, stop, seed)
        # Prompt tokens are counted by the server, which does not report them while streaming.
        return Generation(self._pieces(path, body), stop, 0, max_tokens)

    # -- scoring ------------------------------------------------------------------------------
    def score(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Log-probability of each continuation, from the server's echoed prompt log-probabilities."""
        return [self._score_one(prefix, c) if c else 0.0 for c in continuations]

    def _score_one(self, prefix: str, continuation: str) -> float:
        text = prefix + continuation
        body = {
            "model": self.name,
            "prompt": text,
            "max_tokens": 1,
            "temperature": 0.0,
            "echo": True,
            "logprobs": 1,
        }
        try:
            response = self._http.post("/completions", json=body)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            raise self._scoring_error(self._error(response))
        choice = (response.json().get("choices") or [{}])[0]
        logprobs = choice.get("logprobs") or {}
        offsets, values = logprobs.get("text_offset"), logprobs.get("token_logprobs")
        if not offsets or not values:
            raise self._scoring_error(None)
        # Echoed prompt tokens start at offsets inside the text; the one generated token lies past it.
        picked = [v for offset, v in zip(offsets, values, strict=False) if len(prefix) <= offset < len(text)]
        if not picked or any(v is None for v in picked):
            raise self._scoring_error(None)
        return float(sum(picked))

    def _scoring_error(self, cause: SakuinError | None) -> ScoringUnsupportedError:
        detail = f" (server said: {cause})" if cause else ""
        return ScoringUnsupportedError(
            f"the server at {self.base_url} does not return prompt log-probabilities (echo + logprobs), so "
            f"score is impossible there{detail}; use vLLM or llama.cpp's server with logits_all, or a local "
            "backend."
        )

    # -- errors -------------------------------------------------------------------------------
    def _unreachable(self, exc: Exception) -> ServerUnreachableError:
        return ServerUnreachableError(
            f"nothing answers at {self.base_url} ({type(exc).__name__}: {exc}); start the server or fix "
            "model.base_url."
        )

    def _error(self, response: httpx.Response) -> SakuinError:
        try:
            payload = response.json()
            error = payload.get("error", payload.get("detail", payload))
            message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        except ValueError:
            message = response.text[:300]
        if "context" in message.lower() and ("length" in message.lower() or "window" in message.lower()):
            return ContextOverflowError(f"the server says the prompt is too long: {message}")
        return ServerError(f"the server at {self.base_url} answered {response.status_code}: {message}")

    def close(self) -> None:
        self._http.close()
