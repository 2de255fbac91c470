"""Grounded writing, the one path every interface uses: retrieve for the user, decide, write, check.

retrieve the passages ``user`` may read → weigh them against the request → refuse, naming only
what the request itself says, or number the sources (passages, or whole documents when they fit)
→ write (evidence-first or free) → let through only sentences whose citations resolve → return
the text with its sources. Nothing the user may not read is ever retrieved, so it can reach
neither the prompt nor the answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Literal

from sakuin.config import WriteSettings
from sakuin.knowledge.search import EmptyQueryError
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.models import LanguageModel
from sakuin.prompts import GROUNDED_LABELS, REFUSALS
from sakuin.write.citations import CitationGate, Dropped, cited_numbers
from sakuin.write.compose import extractive
from sakuin.write.evidence import Evidence, Translation, weigh
from sakuin.write.prompt import grounded_prompt, stop_strings
from sakuin.write.request import Request, read_request, spelled
from sakuin.write.retrieval import retrieve
from sakuin.write.sources import (
    Mode,
    Source,
    choose_mode,
    document_sources,
    passage_sources,
    token_count,
    whole_lines,
    with_regions,
)

Style = Literal["extractive", "abstractive"]
PROMPT_OVERHEAD_TOKENS = 200  # instructions, the one-shot example and labels around the sources


@dataclass
class WriteStats:
    """Where the time went."""

    retrieval_s: float = 0.0
    first_text_s: float | None = None  # time to first text, retrieval included
    total_s: float = 0.0
    generated_tokens: int = 0

    @property
    def tokens_per_s(self) -> float | None:
        generating = self.total_s - (self.first_text_s or self.total_s)
        return self.generated_tokens / generating if self.generated_tokens and generating > 0 else None


@dataclass
class WriteResult:
    """A written text (or a refusal) and everything needed to check it."""

    request: str
    user: str
    language: str
    text: str
    refused: bool
    mode: Mode | None
    style: Style | None
    sources: list[Source]
    evidence: float
    threshold: float
    missing: tuple[str, ...] = ()
    dropped: list[Dropped] = field(default_factory=list)  # sentences held back, and why
    uncited: list[str] = field(default_factory=list)  # sentences let through without any citation
    stats: WriteStats = field(default_factory=WriteStats)

    @property
    def cited(self) -> list[int]:
        """Numbers of the sources the text cites, each once, in order."""
        return list(dict.fromkeys(cited_numbers(self.text)))

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "user": self.user,
            "language": self.language,
            "text": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "style": self.style,
            "sources": [{**s.to_json(), "cited": s.number in self.cited} for s in self.sources],
            "evidence": {"coverage": self.evidence, "threshold": self.threshold, "missing": self.missing},
            "dropped": [{"sentence": d.sentence, "reason": d.reason} for d in self.dropped],
            "uncited": self.uncited,
            "stats": {
                "retrieval_s": self.stats.retrieval_s,
                "first_text_s": self.stats.first_text_s,
                "total_s": self.stats.total_s,
                "generated_tokens": self.stats.generated_tokens,
                "tokens_per_s": self.stats.tokens_per_s,
            },
        }


def write_stream(
    kb: KnowledgeBase,
    model: LanguageModel,
    text: str,
    user: str,
    options: WriteSettings | None = None,
    *,
    target_chars: int | None = None,
    tone: str | None = None,
) -> Iterator[str | WriteResult]:
    """Yield the text as it is written, then the :class:`WriteResult` last."""
    options = options or kb.settings.write
    if not text.strip():
        raise EmptyQueryError("the request is empty; say what to write or ask.")
    kb.store.require_user(user)
    started = time.perf_counter()
    request = read_request(text, target_chars=target_chars, tone=tone)
    translation = Translation(options.translation_similarity, options.translation_margin)
    evidence = weigh(request, retrieve(kb, request, user, options.passages), translation)
    stats = WriteStats(retrieval_s=time.perf_counter() - started)
    result = WriteResult(
        text, user, request.language, "", True, None, None, [], evidence.coverage,
        options.evidence_threshold, evidence.missing, stats=stats,
    )  # fmt: skip
    if evidence.coverage < options.evidence_threshold:
        result.text = refusal(request, evidence)
        stats.first_text_s = stats.total_s = time.perf_counter() - started
        yield result.text
        yield result
        return

    relevant = evidence.relevant(options.evidence_threshold)
    documents = document_sources(kb.store, relevant, user)
    reserved = PROMPT_OVERHEAD_TOKENS + token_count(model, text) + options.max_tokens
    mode = choose_mode(options.mode, model, documents, reserved)
    texts = {document.document_id: document.text for document in documents}
    chosen = documents if mode == "long-context" else whole_lines(passage_sources(relevant), texts)
    sources = with_regions(kb.store, chosen, user)
    style: Style = (
        options.style
        if options.style != "auto"
        else ("abstractive" if model.has_chat_template else "extractive")
    )
    result.refused, result.mode, result.style, result.sources = False, mode, style, sources

    pieces = (
        _counted(model.stream(grounded_prompt(model, request, sources), max_tokens=options.max_tokens,
                              stop=stop_strings(model, request)), stats)
        if style == "abstractive"
        else extractive(model, request, sources, texts)
    )  # fmt: skip
    yield from _gated(pieces, result, started)
    if style == "abstractive" and not result.cited:
        # the model cited nothing: what it wrote stays flagged as uncited, and the cited evidence follows
        result.style = "extractive"
        separator = ["\n\n"] if result.text.strip() else []
        yield from _gated(chain(separator, extractive(model, request, sources, texts)), result, started)
    result.text = result.text.strip()
    stats.total_s = time.perf_counter() - started
    yield result


def write(
    kb: KnowledgeBase,
    model: LanguageModel,
    text: str,
    user: str,
    options: WriteSettings | None = None,
    *,
    target_chars: int | None = None,
    tone: str | None = None,
) -> WriteResult:
    """Write (or refuse) in one call; see :func:`write_stream`."""
    for event in write_stream(kb, model, text, user, options, target_chars=target_chars, tone=tone):
        if isinstance(event, WriteResult):
            return event
    raise AssertionError("write_stream ends with its result")


def chosen_options(base: WriteSettings, *, mode: str | None, style: str | None) -> WriteSettings:
    """``base`` with the mode and style a caller chose for one request (None keeps the setting)."""
    return base.model_copy(update={k: v for k, v in {"mode": mode, "style": style}.items() if v is not None})


def refusal(request: Request, evidence: Evidence) -> str:
    """The refusal in the request's language, naming the missing subject in the request's own words."""
    subject = spelled(request.text, evidence.missing) or request.text.strip()
    quoted = f"「{subject}」" if request.language == "ja" else f'"{subject}"'
    return REFUSALS[request.language].format(subject=quoted)


def _gated(pieces: Iterable[str], result: WriteResult, started: float) -> Iterator[str]:
    """``pieces`` through a citation gate over ``result``'s sources, sentence by sentence; what the
    gate holds back or flags is recorded on ``result``."""
    gate = CitationGate({s.number: s.text for s in result.sources}, GROUNDED_LABELS[result.language])
    for piece in pieces:
        for passed in gate.feed(piece):
            yield from _timed(passed, result, started)
    for passed in gate.flush():
        yield from _timed(passed, result, started)
    result.dropped.extend(gate.dropped)
    result.uncited.extend(gate.uncited)


def _counted(pieces: Iterator[str], stats: WriteStats) -> Iterator[str]:
    for piece in pieces:
        stats.generated_tokens += 1
        yield piece


def _timed(piece: str, result: WriteResult, started: float) -> Iterator[str]:
    if result.stats.first_text_s is None and piece.strip():
        result.stats.first_text_s = time.perf_counter() - started
    result.text += piece
    yield piece
