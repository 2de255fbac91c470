"""Citations: every ``[n]`` in a written text must point to a passage the writer was given.

Generated text streams through a :class:`CitationGate` one sentence at a time: a sentence is let
through once it is complete and its citations all resolve, and held back (and reported) when one
does not. The reader therefore never sees a sentence that cites a passage that was not given,
not even for the moment before a check after generation would have removed it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# a sentence ends at a terminator (and any citations and closing brackets right after it), or a line break
_SENTENCE_END = re.compile(r"(?:[。！？!?]|[.](?=\s|\[|$))[」』）)\]\"']*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*|\n")


_OPEN_CITATION = re.compile(r"\s*(?:\[[\d,\s]*)?")


def cited_numbers(text: str) -> list[int]:
    """The passage numbers ``text`` cites, in order of appearance."""
    return [int(n) for group in CITATION.findall(text) for n in group.split(",")]


@dataclass
class CitationGate:
    """Passes sentences whose citations resolve to ``valid`` numbers; records the others."""

    valid: Collection[int]
    dropped: list[str] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    _pending: str = ""

    def feed(self, piece: str) -> Iterator[str]:
        """Add generated text; yield each sentence it completes that passes."""
        self._pending += piece
        while match := _SENTENCE_END.search(self._pending):
            if match.group() != "\n" and _OPEN_CITATION.fullmatch(self._pending, match.end()):
                break  # a citation (or the rest of one) may still follow
            sentence, self._pending = self._pending[: match.end()], self._pending[match.end() :]
            yield from self._judge(sentence)

    def flush(self) -> Iterator[str]:
        """The last, unterminated sentence, if it passes."""
        sentence, self._pending = self._pending, ""
        yield from self._judge(sentence)

    def _judge(self, sentence: str) -> Iterator[str]:
        if not sentence.strip():
            if sentence:
                yield sentence
            return
        numbers = cited_numbers(sentence)
        if any(n not in self.valid for n in numbers):
            self.dropped.append(sentence.strip())
            return
        if not numbers:
            self.uncited.append(sentence.strip())
        yield sentence
