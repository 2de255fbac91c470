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
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import fugashi

# katakana and kanji (hiragana runs are mostly particles and endings, which words() already has)
CJK_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
# Words that carry no meaning on their own in a query (particles, auxiliaries, punctuation).
_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白"}
TITLE_WEIGHT = 2.0


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


def match_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the query's terms, each quoted (BM25 ranks by how many)."""
    unique = sorted(set(terms(text)))
    return " OR ".join(f'"{t}"' for t in unique) if unique else None
