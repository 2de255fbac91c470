"""Which of sakuin's two languages a text is in, for every part that answers in the asker's.

A question with any kana or kanji is Japanese (a Japanese question may name English products);
a passage is Japanese when at least a quarter of its letters are.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["ja", "en"]

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> Language:
    """Japanese when the text holds any kana or kanji: requests mixing both are written in Japanese."""
    return "ja" if _JAPANESE.search(text) else "en"


def script_of(text: str) -> Language:
    """The language a text is mostly written in: Japanese when at least a quarter of its letters
    are kana or kanji (a Japanese passage naming English products is still Japanese)."""
    japanese, latin = len(_JAPANESE.findall(text)), len(_LATIN.findall(text))
    return "ja" if japanese and japanese * 4 >= japanese + latin else "en"
