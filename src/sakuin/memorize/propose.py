"""Facts proposed from knowledge-base documents a user may read, for that user to review and edit.

A sentence becomes a fact when it has the shape of one of the catalogue's training templates
(``{s}の本社は{o}にある。``, ``{s} was founded by {o}.``); each proposal keeps the document it came
from, whose readers later govern who may use the adapter. Only documents the user may read are
looked at, through the store's permission filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sakuin.knowledge.chunk import sentence_spans
from sakuin.knowledge.store.base import Store
from sakuin.memorize.facts import Fact, Lang
from sakuin.memorize.relations import CATALOGUE

_SLOT = {"{s}": r"(?P<s>[^。、,.!?！？#\n]{1,40}?)", "{o}": r"(?P<o>[^。、,.!?！？()（）\n]{1,40}?)"}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{s\}|\{o\})", template.rstrip("。."))
    body = "".join(_SLOT.get(part, re.escape(part)) for part in parts)
    return re.compile(rf"^\s*{body}\s*[。.]?\s*$")


PATTERNS: list[tuple[str, Lang, re.Pattern[str]]] = [
    (name, lang, _pattern(template))
    for name, rel in CATALOGUE.items()
    for lang, forms in rel.forms.items()
    for template in forms.templates
    if not template.startswith(("Q:", "問："))
]


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """Offsets of each line: a heading or a list item is never part of the next sentence."""
    start = 0
    for line in text.splitlines(keepends=True):
        yield start, start + len(line)
        start += len(line)


def facts_in(text: str) -> Iterator[tuple[str, str, str, Lang, str]]:
    """(subject, relation, object, lang, sentence) for every sentence shaped like a known fact."""
    for start, end in (span for line in _lines(text) for span in sentence_spans(text, *line)):
        sentence = text[start:end].strip()
        for relation, lang, pattern in PATTERNS:
            match = pattern.match(sentence)
            if match:
                yield match["s"].strip(), relation, match["o"].strip(), lang, sentence
                break


def propose(store: Store, user: str, source: str = "") -> list[Fact]:
    """Facts from the documents ``user`` may read whose name or source starts with ``source``."""
    found = []
    for document in store.documents(user):
        if source and not (document.name.startswith(source) or document.source.startswith(source)):
            continue
        text = store.document_text(document.id, user)
        for subject, relation, obj, lang, sentence in facts_in(text):
            found.append(Fact(subject, relation, obj, lang, sentence, document.id, document.name))
    return found
