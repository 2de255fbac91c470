"""Molecules named in a request: formulas (CO, H2O, NH3), English and Japanese names → ASE G2 names.

ASE's G2 set is keyed by formula-like names and carries no common names, so the names scientists
use are listed here (the common ones; an unlisted name is not guessed: the request is asked back,
naming the word that was not understood).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

ENGLISH_NAMES = {
    "water": "H2O", "ammonia": "NH3", "methane": "CH4", "carbon monoxide": "CO", "carbon dioxide": "CO2",
    "hydrogen molecule": "H2", "oxygen molecule": "O2", "nitrogen molecule": "N2", "hydrogen gas": "H2",
    "oxygen gas": "O2", "nitrogen gas": "N2", "ethylene": "C2H4", "ethane": "C2H6", "acetylene": "C2H2",
    "methanol": "CH3OH", "ethanol": "CH3CH2OH", "benzene": "C6H6", "hydrogen peroxide": "H2O2",
    "ozone": "O3", "formaldehyde": "H2CO", "hydroxyl": "OH", "nitric oxide": "NO",
    "hydrogen cyanide": "HCN", "formic acid": "HCOOH", "acetic acid": "CH3COOH", "propane": "C3H8",
}  # fmt: skip
JAPANESE_NAMES = {
    "水分子": "H2O", "水": "H2O", "アンモニア": "NH3", "メタン": "CH4", "一酸化炭素": "CO",
    "二酸化炭素": "CO2", "水素分子": "H2", "酸素分子": "O2", "窒素分子": "N2", "水素ガス": "H2",
    "酸素ガス": "O2", "窒素ガス": "N2", "エチレン": "C2H4", "エタン": "C2H6", "アセチレン": "C2H2",
    "メタノール": "CH3OH", "エタノール": "CH3CH2OH", "ベンゼン": "C6H6", "過酸化水素": "H2O2",
    "オゾン": "O3", "ホルムアルデヒド": "H2CO", "水酸基": "OH", "ヒドロキシ基": "OH",
    "ヒドロキシル": "OH", "一酸化窒素": "NO", "ギ酸": "HCOOH", "酢酸": "CH3COOH", "プロパン": "C3H8",
}  # fmt: skip
AMBIGUOUS_FORMULAS = frozenset({"NO", "SO"})
"""G2 names that are also English words in capitals: read as formulas only when written as names."""

_NOT_A_NAME = frozenset({"a", "an", "the", "one", "each", "this", "that", "gas", "single", "isolated"})


@dataclass(frozen=True)
class MoleculeMention:
    name: str
    """The ASE G2 name."""
    start: int
    end: int


@cache
def _pattern() -> re.Pattern[str]:
    from ase.collections import g2
    from ase.data import chemical_symbols

    # Multi-atom formulas only: a lone symbol (O, C, Si) is an element, read as such elsewhere.
    formulas = [n for n in g2.names if n not in chemical_symbols and n not in AMBIGUOUS_FORMULAS]
    formulas = [n for n in formulas if re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)]
    by_length = sorted(formulas, key=len, reverse=True)
    english = sorted(ENGLISH_NAMES, key=len, reverse=True)
    japanese = sorted(JAPANESE_NAMES, key=len, reverse=True)
    return re.compile(
        r"(?P<formula>(?-i:(?<![A-Za-z])(?:" + "|".join(map(re.escape, by_length)) + r")(?![a-z0-9])))"
        r"|(?P<english>\b(?:" + "|".join(map(re.escape, english)) + r")s?\b)"
        # 水 alone is water, but not in 水素 (hydrogen), 水銀 (mercury), 水平 (horizontal), 水準
        # (level) or 炭水化物 (carbohydrate).
        r"|(?P<japanese>(?:" + "|".join(map(re.escape, japanese)) + r")(?<!炭水)(?![素銀平準]))",
        re.IGNORECASE,
    )


def find_molecules(text: str) -> list[MoleculeMention]:
    """Every molecule ``text`` names, in order, as ASE G2 names."""
    found = []
    for match in _pattern().finditer(text):
        if match.group("formula"):
            name = match.group("formula")
        elif match.group("english"):
            name = ENGLISH_NAMES[match.group("english").lower().removesuffix("s")]
        else:
            name = JAPANESE_NAMES[match.group("japanese")]
        found.append(MoleculeMention(name, match.start(), match.end()))
    return found


_NAMED_MOLECULE = re.compile(
    r"\b(?P<en>[A-Za-z][\w-]*)\s+molecule\b|\bmolecule\s+of\s+(?P<of>[A-Za-z][\w-]*)"
    r"|(?P<ja>[ァ-ヴー]+|[A-Za-z][\w-]*)\s*分子"
)


def unknown_molecule(text: str) -> str | None:
    """A word ``text`` calls a molecule ("the caffeine molecule", "カフェイン分子") that is not known."""
    for match in _NAMED_MOLECULE.finditer(text):
        word = match.group("en") or match.group("of") or match.group("ja")
        if word.lower() not in _NOT_A_NAME and not find_molecules(word):
            return word
    return None
