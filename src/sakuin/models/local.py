"""What the in-process backends (llama.cpp, transformers) share beyond ``ModelBase``.

Scoring is defined once here: how a batch of requests is tokenised and laid out, and how the
context window is checked. Backends only evaluate the resulting token rows.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sakuin.models.base import ModelBase, ScoreRequest


@dataclass(frozen=True)
class ScoreLayout:
    """A batch of score requests as token ids.

    ``cached`` is what a prefix cache holds (BOS and the shared prefix but its last token);
    ``lead`` starts every row, so the first continuation token is predicted inside the row.
    Without a cache, ``cached`` is empty and ``lead`` is the whole head.
    """

    cached: list[int]
    lead: list[int]
    prefixes: list[list[int]]
    continuations: list[list[list[int]]]


class LocalModelBase(ModelBase):
    """Base of in-process backends: tokenisation-aware scoring with an optional prefix cache."""

    bos_token_id: int | None
    eos_token_ids: frozenset[int]

    @abstractmethod
    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text`` alone, special-token syntax taken literally (no BOS)."""

    @abstractmethod
    def score_batch(
        self,
        requests: Sequence[ScoreRequest],
        *,
        shared_prefix: str = "",
        use_cache: bool = True,
        relative: bool = False,
    ) -> list[list[float]]: ...

    def score(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Total log-probability of each continuation after ``prefix`` (BOS first)."""
        return self.score_batch([ScoreRequest(prefix, continuations)], use_cache=False)[0]

    def head(self, text: str = "") -> list[int]:
        """BOS and ``text``'s tokens: what every scored sequence starts with (never empty)."""
        head = ([self.bos_token_id] if self.bos_token_id is not None else []) + self.tokenize(text)
        return head or self.tokenize(" ")  # a model without BOS still needs one token to condition on

    def text_rows(self, texts: Sequence[str]) -> tuple[list[int], list[list[int]]]:
        """The head and each text's tokens after it, cut so head and text fit the context window."""
        head = self.head()
        return head, [self.tokenize(t)[: self.context_length - len(head)] for t in texts]

    def ending_tokens(self) -> list[int]:
        """Tokens after which a text has ended: end of sequence, and a line or paragraph break where
        the tokeniser has one token for it (a paragraph taken from a page was followed by a break,
        seldom by the end of the document)."""
        breaks = [ids[0] for ids in (self.tokenize("\n"), self.tokenize("\n\n")) if len(ids) == 1]
        return sorted({*self.eos_token_ids, *breaks})

    @abstractmethod
    def token_logprobs(self, texts: Sequence[str], *, ending: bool = False) -> list[np.ndarray]: ...

    def layout(self, requests: Sequence[ScoreRequest], shared_prefix: str, use_cache: bool) -> ScoreLayout:
        """Tokenise a batch segment by segment and check every row fits the context window."""
        head = self.head(shared_prefix)
        prefixes = [self.tokenize(request.prefix) for request in requests]
        continuations = [[self.tokenize(c) for c in request.continuations] for request in requests]
        for prefix, conts in zip(prefixes, continuations, strict=True):
            self.check_fits(len(head) + len(prefix) + max((len(c) for c in conts), default=0))
        if use_cache:
            return ScoreLayout(head[:-1], head[-1:], prefixes, continuations)
        return ScoreLayout([], head, prefixes, continuations)
