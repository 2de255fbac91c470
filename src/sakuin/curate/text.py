"""What the filters and the de-duplicator read off a text: scripts, words, lines, normal form.

Japanese has no spaces between words, so its words are MeCab morphemes (fugashi + unidic-lite,
already a dependency of the knowledge base); other text is split on whitespace. Word lists are
cached for the last texts seen, because several filters of one pipeline read the same text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import fugashi

_HIRAGANA = r"\u3041-\u309f"
_KATAKANA = r"\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
HIRAGANA = re.compile(f"[{_HIRAGANA}]")
JAPANESE = re.compile(f"[{_HIRAGANA}{_KATAKANA}{_KANJI}]")
# punctuation at the end of a word, stripped before words are counted or measured
_EDGE = "\"'()[]{}<>.,;:!?、。，．「」『』（）【】・…！？：；"
_NON_WORD = {"補助記号", "記号", "空白"}


@lru_cache(maxsize=1)
def _tagger() -> fugashi.Tagger:
    return fugashi.Tagger()


def visible(text: str) -> int:
    """Characters that are not whitespace."""
    return sum(1 for ch in text if not ch.isspace())


def japanese_share(text: str) -> float:
    """Share of the visible characters that are kana or kanji."""
    total = visible(text)
    return len(JAPANESE.findall(text)) / total if total else 0.0


def is_japanese(text: str) -> bool:
    """Whether Japanese is the text's main script (a fifth of its characters suffice: names, numbers)."""
    return japanese_share(text) >= 0.2


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """Words of ``text``: MeCab morphemes for Japanese, whitespace-separated words otherwise.

    Punctuation and symbols are not words; a word's edge punctuation is stripped.
    """
    if is_japanese(text):
        found = (w.surface for w in _tagger()(text) if w.feature.pos1 not in _NON_WORD)
    else:
        found = (w.strip(_EDGE) for w in text.split())
    return tuple(w for w in found if w)


def lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines, stripped."""
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


def normalise(text: str) -> str:
    """NFKC, lower case, one space between words: what two copies of a text share after re-encoding."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())
