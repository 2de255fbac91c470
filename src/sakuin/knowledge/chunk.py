"""Japanese-aware chunking: sentences and paragraphs packed to a token budget, with overlap.

Sentences end at 。！？ (and their closing brackets) as well as at . ! ? before a space, and line
structure counts: a blank line ends a paragraph and a markdown heading starts a new section.
Chunks never straddle a heading; the headings in force are carried with each chunk, so a passage
keeps its context ("HR policy > Leave") when read on its own. Offsets refer to the document text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# End of a sentence: Japanese/full-width terminators (with closing brackets), or ASCII ones before
# a space and what is not a lower-case word ("B.V. in Eindhoven", "e.g. the" go on).
SENTENCE_END = re.compile(r"[。！？!?][」』）)\]\"']*|[.!?][\"')\]]*(?=\s(?!\s*[a-z]))")
# a period that ends an initial or a title, not a sentence: "J. Smith", "Europe B.V. In", "Mr. Smith"
_ABBREVIATION = re.compile(r"(?<![A-Za-z])(?:[A-Z]|Mr|Mrs|Ms|Dr|Prof|St|Inc|Ltd|Co|Corp|Fig|vs)\.$")


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: its text, where it lies, and the headings above it."""

    text: str
    start: int
    end: int
    headings: tuple[str, ...] = ()

    @property
    def context(self) -> str:
        return " > ".join(self.headings)

    def indexed_text(self) -> str:
        """What the lexical index sees: the heading path, then the text (the title has its own field)."""
        return f"{self.context}\n{self.text}" if self.headings else self.text

    def for_embedding(self, title: str = "") -> str:
        """What the embedder sees: the document's title, the heading path, then the text.

        A passage seldom names its subject (a paragraph about a person says "he"), and the title
        supplies it: on JSQuAD it lifts dense recall@1 by four points (issue 18). A title the
        headings already begin with (a markdown file's first heading) is not said twice.
        """
        if not title.strip() or (self.headings and self.headings[0] == title):
            return self.indexed_text()
        return f"{title}\n{self.indexed_text()}"


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    headings: tuple[str, ...]
    section: int  # increases at every heading: chunks never mix sections


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of sentences in ``text[start:end]``, without surrounding whitespace."""
    end = len(text) if end is None else end
    cursor = start
    for match in SENTENCE_END.finditer(text, start, end):
        if _ABBREVIATION.search(text, max(cursor, match.start() - 5), match.end()):
            continue
        yield from _trimmed(text, cursor, match.end())
        cursor = match.end()
    yield from _trimmed(text, cursor, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _units(text: str) -> list[_Unit]:
    """Sentences, each with the heading path in force; a heading starts a new section."""
    units: list[_Unit] = []
    headings: list[tuple[int, str]] = []
    section = 0
    offset = 0
    for line in text.split("\n"):
        line_end = offset + len(line)
        match = HEADING.match(line)
        if match:
            level = len(match.group(1))
            headings = [h for h in headings if h[0] < level] + [(level, match.group(2))]
            section += 1
        else:
            path = tuple(title for _, title in headings)
            units.extend(_Unit(s, e, path, section) for s, e in sentence_spans(text, offset, line_end))
        offset = line_end + 1
    return units


def chunk_text(
    text: str, count_tokens: Callable[[str], int], *, target_tokens: int = 200, overlap_tokens: int = 40
) -> list[Chunk]:
    """Pack sentences into chunks of about ``target_tokens`` with ``overlap_tokens`` of overlap.

    A sentence longer than the target is cut at character boundaries into pieces that fit.
    """
    if target_tokens < 8 or not 0 <= overlap_tokens < target_tokens:
        raise ValueError("target_tokens must be at least 8 and overlap_tokens between 0 and target_tokens")
    units = [piece for unit in _units(text) for piece in _fit(text, unit, count_tokens, target_tokens)]
    sizes = [count_tokens(text[u.start : u.end]) for u in units]
    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        last, used = first, sizes[first]
        while (
            last + 1 < len(units)
            and units[last + 1].section == units[first].section
            and used + sizes[last + 1] <= target_tokens
        ):
            last += 1
            used += sizes[last]
        head, tail = units[first], units[last]
        chunks.append(Chunk(text[head.start : tail.end], head.start, tail.end, head.headings))
        if last + 1 >= len(units):
            break
        # step back over whole sentences of the same section to overlap with the next chunk
        following, carried = last + 1, 0
        while (
            following - 1 > first
            and units[following - 1].section == units[last + 1].section
            and carried + sizes[following - 1] <= overlap_tokens
        ):
            following -= 1
            carried += sizes[following]
        first = following
    return chunks


def _fit(text: str, unit: _Unit, count_tokens: Callable[[str], int], target: int) -> Iterator[_Unit]:
    """The unit itself, or character pieces of it that each fit the target."""
    if count_tokens(text[unit.start : unit.end]) <= target:
        yield unit
        return
    start = unit.start
    while start < unit.end:
        low, high = start + 1, unit.end
        while low < high:  # the longest piece from ``start`` that still fits
            middle = (low + high + 1) // 2
            if count_tokens(text[start:middle]) <= target:
                low = middle
            else:
                high = middle - 1
        yield _Unit(start, low, unit.headings, unit.section)
        start = low
