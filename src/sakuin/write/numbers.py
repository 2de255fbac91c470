"""Numbers, dates and amounts in a sentence, and whether its sources hold them.

A number is compared as its digits ("6,900,000" and "６９０００００" are one number): the same
amount written another way ("690 万円" for "6,900,000 円") does not count as held, which errs on
the side of dropping a sentence. Digits inside a model number ("T5", "HG-3") are part of a name,
not a quantity, and a list's own numbering ("2. ") is not a claim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_NUMBER = re.compile(r"(?<![A-Za-z\d.,])(?<![A-Za-z]-)\d+(?:,\d{3})*(?:\.\d+)?")
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s")


def numbers_in(text: str) -> set[str]:
    """The numbers of ``text`` as digit strings, thousands separators removed."""
    plain = _LIST_NUMBER.sub("", unicodedata.normalize("NFKC", text))
    return {match.group().replace(",", "") for match in _NUMBER.finditer(plain)}


def unsupported_numbers(sentence: str, sources: Sequence[str]) -> list[str]:
    """The numbers of ``sentence`` that none of ``sources`` holds, in sorted order."""
    held = set().union(*(numbers_in(source) for source in sources))
    return sorted(numbers_in(sentence) - held)
