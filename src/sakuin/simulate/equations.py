"""A reaction written in a request ("CO* + O* → CO2 + 2 *", "2H2 + O2 -> 2H2O") → its terms.

Parsing copies the equation; whether a term is adsorbed is decided by the request reader (a mark
wins: "CO*" is adsorbed, "CO2(g)" gas; an unmarked term is adsorbed on a slab when it is a
supported adsorbate). Balance is checked by the spec, which names the elements that differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAMED_TERM = (
    r"(?P<coefficient>\d+(?:\.\d+)?|½)?\s*(?P<species>\*|[A-Z][A-Za-z0-9]*)(?P<mark>\*|\((?:g|ads)\))?"
)
_TERM = re.sub(r"\?P<\w+>", "?:", _NAMED_TERM)  # the same grammar, repeatable inside a side
_SIDE = rf"{_TERM}(?:\s*\+\s*{_TERM})*"
_EQUATION = re.compile(rf"(?P<left>{_SIDE})\s*(?:→|->|=>|⇒|⟶|＝＞|＝>)\s*(?P<right>{_SIDE})")
_PARTS = re.compile(rf"^{_NAMED_TERM}$")


@dataclass(frozen=True)
class Term:
    coefficient: float
    species: str
    """A G2 name or element symbol as written; '*' is the clean slab."""
    adsorbed: bool | None
    """True when marked adsorbed (CO*, CO(ads)), False when marked gas (CO2(g)), None unmarked."""


@dataclass(frozen=True)
class Equation:
    reactants: tuple[Term, ...]
    products: tuple[Term, ...]
    start: int
    end: int


def find_equation(text: str) -> Equation | None:
    """The first reaction equation in ``text`` (reactants, an arrow, products), or None."""
    match = _EQUATION.search(text)
    if match is None:
        return None
    left, right = (tuple(_term(part) for part in match.group(side).split("+")) for side in ("left", "right"))
    return Equation(left, right, match.start(), match.end())


def _term(text: str) -> Term:
    parts = _PARTS.match(text.strip())
    assert parts is not None  # the equation pattern only matches sides made of terms
    coefficient = parts.group("coefficient")
    mark = parts.group("mark")
    return Term(
        0.5 if coefficient == "½" else float(coefficient or 1),
        parts.group("species"),
        None if mark is None else mark != "(g)",
    )
