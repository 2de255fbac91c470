"""Citations: every ``[n]`` in a written text must point to a passage the writer was given.

Generated text streams through a :class:`CitationGate` one sentence at a time: a sentence is let
through once it is complete and its citations all resolve, and held back (and reported) when one
does not. The reader therefore never sees a sentence that cites a passage that was not given,
not even for the moment before a check after generation would have removed it.

A citation that resolves is not yet support: a small model writes "価格は 720 万円です[1]" while
[1] says 690 万円. So every number, date or amount in a sentence must occur in a source it cites
(an uncited sentence has none to support it); otherwise the sentence is held back and reported
too. A prompt label the model echoes at the start of a sentence ("依頼：", "Answer:") is removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from sakuin.write.numbers import unsupported_numbers

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# a sentence ends at a terminator (and any citations and closing brackets right after it), or a line break
_SENTENCE_END = re.compile(r"(?:[。！？!?]|[.](?=\s|\[|$))[」』）)\]\"']*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*|\n")


_OPEN_CITATION = re.compile(r"\s*(?:\[[\d,\s]*)?")
_LIST_NUMBER = re.compile(r"\s*\d{1,2}")


def cited_numbers(text: str) -> list[int]:
    """The passage numbers ``text`` cites, in order of appearance."""
    return [int(n) for group in CITATION.findall(text) for n in group.split(",")]


@dataclass(frozen=True)
class Dropped:
    """A sentence held back, and why: a citation that does not resolve, or a number that no
    cited source holds."""

    sentence: str
    reason: Literal["citation", "number"]


@dataclass
class CitationGate:
    """Passes sentences whose citations resolve to ``sources`` (number → text) and whose numbers
    those sources hold; records the others. ``labels`` are prompt labels to strip when echoed."""

    sources: Mapping[int, str]
    labels: tuple[str, ...] = ()
    dropped: list[Dropped] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    _pending: str = ""

    def feed(self, piece: str) -> Iterator[str]:
        """Add generated text; yield each sentence it completes that passes."""
        self._pending += piece
        while match := self._sentence_end():
            if match.group() != "\n" and _OPEN_CITATION.fullmatch(self._pending, match.end()):
                break  # a citation (or the rest of one) may still follow
            sentence, self._pending = self._pending[: match.end()], self._pending[match.end() :]
            yield from self._judge(sentence)

    def _sentence_end(self) -> re.Match[str] | None:
        """The first sentence end in what is pending; the "." of a list's "2. " is none."""
        position = 0
        while match := _SENTENCE_END.search(self._pending, position):
            line = self._pending[self._pending.rfind("\n", 0, match.start()) + 1 : match.start()]
            if not (match.group().startswith(".") and _LIST_NUMBER.fullmatch(line)):
                return match
            position = match.end()
        return None

    def flush(self) -> Iterator[str]:
        """The last, unterminated sentence, if it passes."""
        sentence, self._pending = self._pending, ""
        yield from self._judge(sentence)

    def _judge(self, sentence: str) -> Iterator[str]:
        if not sentence.strip():
            if sentence:
                yield sentence
            return
        sentence = self._unlabelled(sentence)
        numbers = cited_numbers(sentence)
        if any(n not in self.sources for n in numbers):
            self.dropped.append(Dropped(sentence.strip(), "citation"))
            return
        if unsupported_numbers(CITATION.sub("", sentence), [self.sources[n] for n in numbers]):
            self.dropped.append(Dropped(sentence.strip(), "number"))
            return
        if not numbers:
            self.uncited.append(sentence.strip())
        yield sentence

    def _unlabelled(self, sentence: str) -> str:
        stripped = sentence.lstrip()
        for label in self.labels:
            for form in (label, label.replace("：", ":"), label.replace(":", "：")):
                if stripped.startswith(form):
                    return sentence[: len(sentence) - len(stripped)] + stripped[len(form) :].lstrip()
        return sentence
