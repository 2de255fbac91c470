"""The one way every feature talks to a language model.

``LanguageModel`` is what classification, judging, writing and the servers use: ``generate`` and
``stream`` for text, ``score`` for the log-probability of given continuations (label scoring,
quality judging, multiple choice). ``LocalLanguageModel`` adds what only in-process models can
offer: batched scoring behind a reusable prompt-prefix KV cache, and hidden states.

``ModelBase`` holds the logic every backend shares (prompt checks, chat rendering, stop strings,
token accounting), so a backend only supplies tokenisation and a token stream.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from sakuin.errors import ChatTemplateMissingError, ContextOverflowError, EmptyPromptError

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class Message:
    """One turn of a chat, for models that have a chat template."""

    role: Role
    content: str


Prompt = str | Sequence[Message]


@dataclass(frozen=True)
class Completion:
    """A finished generation and what it cost."""

    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class ScoreRequest:
    """Score each continuation after ``prefix`` (itself placed after a batch's shared prefix)."""

    prefix: str
    continuations: Sequence[str]


@runtime_checkable
class LanguageModel(Protocol):
    """What every backend offers: text generation and continuation scoring."""

    name: str
    context_length: int
    has_chat_template: bool

    def generate(
        self,
        prompt: Prompt,
        *,
        max_tokens: int = 128,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> Completion:
        """Complete ``prompt`` (text, or chat messages for models with a chat template)."""
        ...

    def stream(
        self,
        prompt: Prompt,
        *,
        max_tokens: int = 128,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> Iterator[str]:
        """Like ``generate``, yielding text as each token is decoded."""
        ...

    def score(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Total natural-log probability of each continuation given ``prefix``, over all its tokens."""
        ...

    def close(self) -> None:
        """Free the weights or connections."""
        ...


@runtime_checkable
class LocalLanguageModel(LanguageModel, Protocol):
    """In-process models: tokens, batched scoring with a prefix cache, hidden states."""

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text`` alone (no BOS)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes as a whole prompt (BOS included)."""
        ...

    def score_batch(
        self,
        requests: Sequence[ScoreRequest],
        *,
        shared_prefix: str = "",
        use_cache: bool = True,
        relative: bool = False,
    ) -> list[list[float]]:
        """Score many requests that all start with ``shared_prefix``.

        The sequence scored is ``BOS + tokens(shared_prefix) + tokens(request.prefix) +
        tokens(continuation)``: segments are tokenised separately so the shared prefix's tokens, and
        so its KV cache, are the same for every item. With ``use_cache`` that prefix is encoded once
        and kept for later calls with the same prefix; without it every sequence is run in full
        (same numbers, slower: the reference for tests and benchmarks).

        ``relative`` is for callers that only compare one request's continuations with each other
        (a softmax over labels): every score of a request may then be off by the same constant,
        the log-normaliser at the position where all its continuations start. Skipping it spares
        a projection onto the whole vocabulary there; single-token labels need none at all.
        """
        ...

    def hidden_states(self, texts: Sequence[str], *, layer: int = -1) -> np.ndarray:
        """Mean-pooled hidden state of each text at ``layer``: shape (len(texts), hidden size)."""
        ...

    def token_logprobs(self, texts: Sequence[str], *, ending: bool = False) -> list[np.ndarray]:
        """Each text's tokens' natural-log probabilities, each given BOS and the tokens before it.

        One array per text, as long as ``tokenize(text)`` (cut to the context window): how
        surprising the model finds the text token by token (the judge's fluency check). With
        ``ending``, each array of a non-empty text has one value more, last: the log-probability
        that the text ends where it does (any of ``ending_tokens()`` next), which is low where a
        text was cut off mid-sentence.
        """
        ...


class StopFilter:
    """Cuts a token stream at the first stop string, never emitting a partial stop string.

    Text that could be the start of a stop string is held back until the next piece decides it.
    """

    def __init__(self, stop: Sequence[str]) -> None:
        self.stop = [s for s in stop if s]
        self._held = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Return the part of ``piece`` that is safe to emit; sets ``stopped`` at a stop string."""
        text = self._held + piece
        hits = [i for i in (text.find(s) for s in self.stop) if i >= 0]
        if hits:
            self.stopped = True
            self._held = ""
            return text[: min(hits)]
        keep = max((_overlap(text, s) for s in self.stop), default=0)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        """Whatever was held back when the stream ended without a stop string."""
        held, self._held = self._held, ""
        return held


def _overlap(text: str, stop: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``stop``."""
    for size in range(min(len(text), len(stop) - 1), 0, -1):
        if stop.startswith(text[-size:]):
            return size
    return 0


class Generation:
    """One running generation: iterate for text pieces; afterwards it knows how it finished."""

    def __init__(
        self, tokens: Iterator[str], stop: Sequence[str], prompt_tokens: int, max_tokens: int
    ) -> None:
        self._tokens = tokens
        self._filter = StopFilter(stop)
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.completion_tokens = 0
        self.finish_reason: FinishReason = "stop"

    def __iter__(self) -> Iterator[str]:
        for piece in self._tokens:
            self.completion_tokens += 1
            out = self._filter.feed(piece)
            if out:
                yield out
            if self._filter.stopped:
                return
        tail = self._filter.flush()
        if tail:
            yield tail
        if self.completion_tokens >= self.max_tokens:
            self.finish_reason = "length"


class GeneratingModel(ABC):
    """``stream`` and ``generate`` for any backend that can start a :class:`Generation`."""

    @abstractmethod
    def start(
        self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int | None
    ) -> Generation:
        """Check the prompt and begin decoding."""

    def stream(
        self,
        prompt: Prompt,
        *,
        max_tokens: int = 128,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> Iterator[str]:
        """Yield text as it is decoded (see :class:`LanguageModel`)."""
        yield from self.start(prompt, max_tokens=max_tokens, temperature=temperature, stop=stop, seed=seed)

    def generate(
        self,
        prompt: Prompt,
        *,
        max_tokens: int = 128,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> Completion:
        """Complete the prompt (see :class:`LanguageModel`)."""
        run = self.start(prompt, max_tokens=max_tokens, temperature=temperature, stop=stop, seed=seed)
        text = "".join(run)
        return Completion(text, run.finish_reason, run.prompt_tokens, run.completion_tokens)


class ModelBase(GeneratingModel):
    """Shared behaviour of in-process backends; subclasses supply tokens and a decoding loop."""

    name: str
    context_length: int
    has_chat_template: bool

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes as a whole prompt (BOS included)."""

    @abstractmethod
    def _render_chat(self, messages: Sequence[Message]) -> str:
        """The model's chat template applied to ``messages``, ready for the assistant's turn."""

    @abstractmethod
    def _decode(self, prompt: str, max_tokens: int, temperature: float, seed: int | None) -> Iterator[str]:
        """Yield the text of each generated token until EOS or ``max_tokens``."""

    @abstractmethod
    def score(self, prefix: str, continuations: Sequence[str]) -> list[float]: ...

    def close(self) -> None:
        """Free resources early; the default relies on garbage collection."""

    def prompt_text(self, prompt: Prompt) -> str:
        """Text the model will see: the prompt itself, or messages through the chat template."""
        if isinstance(prompt, str):
            text = prompt
        else:
            if not self.has_chat_template:
                raise ChatTemplateMissingError(
                    f"{self.name} has no chat template (it is a pretrained base model); send a "
                    "completion-style prompt, or configure an instruction model such as "
                    "qwen2.5-coder-0.5b-instruct."
                )
            text = self._render_chat(prompt)
        if not text.strip():
            raise EmptyPromptError("the prompt is empty; give the model some text to continue.")
        return text

    def start(
        self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int | None
    ) -> Generation:
        """Check the prompt against the context window and begin decoding."""
        text = self.prompt_text(prompt)
        used = self.count_tokens(text)
        room = self.context_length - used
        if room < 1:
            raise ContextOverflowError(
                f"the prompt takes {used} tokens but {self.name}'s context window is {self.context_length}; "
                "shorten it or raise model.context_length."
            )
        budget = min(max(max_tokens, 0), room)
        return Generation(self._decode(text, budget, temperature, seed), stop, used, budget)

    def check_fits(self, tokens: int) -> None:
        """Raise if a sequence of ``tokens`` cannot be evaluated in the context window."""
        if tokens > self.context_length:
            raise ContextOverflowError(
                f"a scored sequence takes {tokens} tokens but {self.name}'s context window is "
                f"{self.context_length}; shorten the prefix or raise model.context_length."
            )
