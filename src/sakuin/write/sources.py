"""The numbered sources a text is written from, and the choice between passages and whole documents.

RAG mode numbers the retrieved passages. Long-context mode numbers whole documents instead (the
"read it all on the spot" way), when every relevant document the user may read fits the model's
context window; each document is read through the store's permission check, like every passage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from sakuin.errors import ContextOverflowError
from sakuin.knowledge.ocr import Region, locate
from sakuin.knowledge.store.base import Hit, Store
from sakuin.models import LanguageModel, LocalLanguageModel

Mode = Literal["rag", "long-context"]
ModeChoice = Literal["auto", "rag", "long-context"]


@dataclass(frozen=True)
class Source:
    """One numbered source: a passage (RAG) or a whole document (long context)."""

    number: int
    document_id: int
    title: str
    source: str  # the document's name as readers see it, never the server's path
    start: int  # offsets of ``text`` in the document's text
    end: int
    text: str
    regions: tuple[Region, ...] = ()  # where on a scanned page the text was read; () for other documents

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def passage_sources(hits: list[Hit]) -> list[Source]:
    """Retrieved passages, numbered from 1 in rank order."""
    return [
        Source(number, hit.document_id, hit.title, hit.name, hit.start, hit.end, hit.text)
        for number, hit in enumerate(hits, start=1)
    ]


WIDEN_MAX_CHARS = 300
"""How far a passage may grow at each end to reach the edges of the lines it cuts."""


def whole_lines(sources: list[Source], documents: Mapping[int, str]) -> list[Source]:
    """Passages widened to the whole lines they cut into (``documents``: id → text).

    A passage's edges fall between sentences, not lines, so one may begin inside a list item or
    an FAQ answer; quoting or citing such a line needs all of it. The line is of a document the
    user may read (the passage came from it), and a line longer than :data:`WIDEN_MAX_CHARS` past
    an edge is left cut there.
    """
    widened = []
    for source in sources:
        text = documents[source.document_id]
        start = text.rfind("\n", 0, source.start) + 1
        end = text.find("\n", source.end)
        end = len(text) if end < 0 else end
        start = start if source.start - start <= WIDEN_MAX_CHARS else source.start
        end = end if end - source.end <= WIDEN_MAX_CHARS else source.end
        widened.append(replace(source, start=start, end=end, text=text[start:end]))
    return widened


def with_regions(store: Store, sources: list[Source], user: str) -> list[Source]:
    """Sources with the pages and boxes their text was read from, for scans read by OCR.

    A citation of a scan then says where to look on which page (see :func:`~sakuin.knowledge.ocr.locate`);
    the metadata is read through the same permission check as the text it describes.
    """
    metadata = {d: store.document_metadata(d, user) for d in dict.fromkeys(s.document_id for s in sources)}
    return [replace(s, regions=tuple(locate(metadata[s.document_id], s.start, s.end))) for s in sources]


def document_sources(store: Store, hits: list[Hit], user: str) -> list[Source]:
    """The whole documents the hits come from, in rank order of their best passage."""
    sources: list[Source] = []
    for document_id in dict.fromkeys(hit.document_id for hit in hits):
        hit = next(h for h in hits if h.document_id == document_id)
        text = store.document_text(document_id, user)
        sources.append(Source(len(sources) + 1, document_id, hit.title, hit.name, 0, len(text), text))
    return sources


def token_count(model: LanguageModel, text: str) -> int:
    """Tokens ``text`` takes; for a remote model one per character, an upper bound for its tokenizer."""
    return model.count_tokens(text) if isinstance(model, LocalLanguageModel) else len(text)


def choose_mode(
    choice: ModeChoice, model: LanguageModel, documents: list[Source], reserved_tokens: int
) -> Mode:
    """Long context when asked, or on ``auto`` when every relevant document fits beside the
    prompt's other parts and the answer (``reserved_tokens``); RAG otherwise."""
    if choice == "rag" or not documents:
        return "rag"
    needed = sum(token_count(model, source.text) for source in documents) + reserved_tokens
    if needed <= model.context_length:
        return "long-context"
    if choice == "long-context":
        raise ContextOverflowError(
            f"the relevant documents take about {needed} tokens with the prompt, more than "
            f"{model.name}'s context window of {model.context_length}; use --mode rag or raise "
            "model.context_length."
        )
    return "rag"
