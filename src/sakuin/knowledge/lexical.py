"""Words for the lexical index: MeCab (fugashi + unidic-lite) splits Japanese, and English too.

FTS5's own tokenizers cannot see word boundaries in Japanese, so text is pre-tokenised here and
the index only splits on the spaces this module puts in. Index and queries use the same function.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import fugashi

# Words that carry no meaning on their own in a query (particles, auxiliaries, punctuation).
_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白"}


@lru_cache(maxsize=1)
def _tagger() -> fugashi.Tagger:
    return fugashi.Tagger()


def words(text: str) -> list[str]:
    """Lower-cased NFKC surface forms of the content words of ``text``."""
    out = []
    for word in _tagger()(unicodedata.normalize("NFKC", text)):
        surface = word.surface.strip().lower()
        if surface and word.feature.pos1 not in _SKIP_POS:
            out.append(surface.replace('"', ""))
    return [w for w in out if w]


def index_text(text: str) -> str:
    """What the full-text index stores for a chunk."""
    return " ".join(words(text))


def match_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the query's words, each quoted (BM25 ranks by how many)."""
    terms = sorted(set(words(text)))
    return " OR ".join(f'"{t}"' for t in terms) if terms else None
