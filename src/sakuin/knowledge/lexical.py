"""Terms for the lexical index: MeCab words (fugashi + unidic-lite) plus CJK character bigrams.

FTS5's own tokenizers cannot see word boundaries in Japanese, so text is pre-tokenised here and
the index only splits on the spaces this module puts in. MeCab segments unknown words by context
(「ゼフィロス」 alone, but 「ゼフィ」「ロス」 at the start of a question), so every run of kanji or
katakana also contributes its overlapping character bigrams: a query and a passage that MeCab cut
differently still share terms. Index and queries use the same function.

A chunk is indexed with its document's title in a column of its own: a Wikipedia-style passage
rarely repeats the subject its title names, and questions name it. Both stores weigh a title
match ``TITLE_WEIGHT`` times a body match (chosen on the development split of
``benchmarks/retrieval.py``: 1.0 → R@1 0.905, 2.0 → 0.909, 3.0 → 0.909; 0.877 without titles).

Both stores rank by the same BM25: SQLite's FTS5 ``bm25()`` and, on PostgreSQL, the same formula
over term-statistics tables (:func:`term_frequencies`, ``K1``, ``B`` and :func:`idf` are FTS5's).
A title term counts ``TITLE_WEIGHT`` times in a chunk's term frequency; a chunk's length is its
number of terms, title included once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import fugashi

# katakana and kanji (hiragana runs are mostly particles and endings, which words() already has)
CJK_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
# Words that carry no meaning on their own in a query (particles, auxiliaries, punctuation).
_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白"}
TITLE_WEIGHT = 2.0
# BM25's term-frequency saturation and length normalisation: FTS5's fixed values
K1 = 1.2
B = 0.75


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


def nouns(text: str) -> list[str]:
    """Lower-cased NFKC surface forms of the nouns of ``text`` (what names a subject)."""
    tagged = _tagger()(unicodedata.normalize("NFKC", text))
    return [w.surface.lower() for w in tagged if w.feature.pos1 == "名詞" and w.surface.strip()]


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of every run of two or more kanji or katakana."""
    normalised = unicodedata.normalize("NFKC", text)
    return [run[i : i + 2] for run in CJK_RUN.findall(normalised) for i in range(len(run) - 1)]


def terms(text: str) -> list[str]:
    """Everything the index holds for ``text``: its words, then its CJK bigrams."""
    return words(text) + bigrams(text)


def index_text(text: str) -> str:
    """What the full-text index stores for a chunk."""
    return " ".join(terms(text))


def query_terms(text: str) -> list[str]:
    """The distinct terms of a query, each counted once by BM25 (sorted, for stable statements)."""
    return sorted(set(terms(text)))


def match_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the query's terms, each quoted (BM25 ranks by how many)."""
    unique = query_terms(text)
    return " OR ".join(f'"{t}"' for t in unique) if unique else None


def term_frequencies(title: str, text: str) -> tuple[dict[str, float], int]:
    """A chunk's BM25 term frequencies (title terms weighted) and its length in terms."""
    title_terms, body_terms = terms(title), terms(text)
    frequencies: dict[str, float] = dict(Counter(body_terms))
    for term in title_terms:
        frequencies[term] = frequencies.get(term, 0.0) + TITLE_WEIGHT
    return frequencies, len(title_terms) + len(body_terms)


def idf(chunks: int, containing: int) -> float:
    """FTS5's inverse document frequency: a term in more than half the chunks counts next to nothing."""
    value = math.log((chunks - containing + 0.5) / (containing + 0.5))
    return value if value > 0 else 1e-6
