"""What a request states outright, found by parsing: elements, atom index, facet, size, site, numbers.

These are things a pattern reads more reliably than a 270M model: symbols and numbers are copied,
not interpreted. What they *mean* in the request (which element is the host, which the adsorbate,
what is to be computed) is left to the language model, choosing among these mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ase.data import atomic_names, chemical_symbols

from sakuin.simulate.equations import Equation, find_equation
from sakuin.simulate.molecule_names import MoleculeMention, find_molecules, unknown_molecule

JAPANESE_NAMES = {
    "白金": "Pt", "プラチナ": "Pt", "鉄": "Fe", "バナジウム": "V", "ニッケル": "Ni", "酸素": "O",
    "水素": "H", "炭素": "C", "窒素": "N", "銅": "Cu", "金": "Au", "銀": "Ag", "パラジウム": "Pd",
    "アルミニウム": "Al", "コバルト": "Co", "チタン": "Ti", "亜鉛": "Zn", "マンガン": "Mn", "クロム": "Cr",
    "ロジウム": "Rh", "イリジウム": "Ir", "ルテニウム": "Ru", "モリブデン": "Mo", "タングステン": "W",
    "ケイ素": "Si", "シリコン": "Si", "リチウム": "Li", "ナトリウム": "Na", "マグネシウム": "Mg",
}  # fmt: skip
"""Japanese names of the elements scientists mention most (a full table is not needed to be safe:
an unlisted name is simply not found, and the request is asked back)."""

ENGLISH_WORDS = frozenset({"I", "In", "As", "At", "No", "Be", "He", "Am", "So", "Us"})
"""Capitalised words that are also element symbols: taken as words when followed by a lowercase word."""

TWO_LETTER_WORDS = frozenset(
    {"To", "Of", "On", "Or", "If", "It", "Is", "My", "We", "An", "By", "Do", "Go", "Up", "Me", "Ok", "Oh"}
)
"""Capitalised two-letter words that are not elements: never reported as an unknown element."""

SITE_WORDS = {
    "fcc": ("fcc",),
    "hcp": ("hcp",),
    "ontop": ("on-top", "ontop", "on top", "atop", "top site", "トップ", "オントップ", "真上"),
    "bridge": ("bridge", "ブリッジ", "架橋"),
    "hollow": ("hollow", "ホロー", "くぼみ"),
}
CALCULATOR_WORDS = {"emt": ("emt",), "chgnet": ("chgnet",), "sevenn": ("sevenn", "sevennet", "7net")}
SUBSTITUTE_WORDS = ("substitut", "replace", "dope", "swap", "置換", "置き換", "入れ替", "ドープ", "に変え")
UNSUPPORTED_WORDS = (
    "band gap", "bandgap", "band structure", "phonon", "density of states", "dos ", "magnet",
    "molecular dynamics", "diffusion", "barrier", "neb", "vibration", "spectrum", "spectra", "melting",
    "conductivity", "バンドギャップ", "バンド構造", "フォノン", "状態密度", "磁", "分子動力学", "拡散",
    "障壁", "振動", "スペクトル", "融点", "伝導",
)  # fmt: skip
"""Properties scientists ask for that sakuin does not compute: named, they are refused at once."""
ADSORPTION_WORDS = ("adsor", "bind", "吸着", "結合")
ADSORPTION_ENERGY_WORDS = ("adsorption energy", "binding energy", "吸着エネルギー", "結合エネルギー")
"""The property named outright: then it is the task, whatever else the request mentions."""
REACTION_WORDS = ("reaction", "反応")
SUBSTITUTION_SITES = {
    "subsurface": re.compile(
        r"(?:sub-?surface|second[- ]layer)\s+(?:[A-Z][a-z]?\s+)?atom"
        r"|(?:表面下|第?[2二]層目?|サブサーフェス)の?\w{0,4}?原子",
        re.IGNORECASE,
    ),
    "surface": re.compile(
        r"(?:surface|top[- ]layer)\s+(?:[A-Z][a-z]?\s+)?atom|(?<!下)最?表面の?\w{0,4}?原子", re.IGNORECASE
    ),
}
"""How a request names the layer of the atom to substitute (the subsurface one is tried first)."""
NO_RELAX_WORDS = (
    "without relax",
    "no relax",
    "single point",
    "single-point",
    "緩和なし",
    "緩和せず",
    "緩和しない",
)

_NAME_TO_SYMBOL = {name.lower(): symbol for name, symbol in zip(atomic_names, chemical_symbols, strict=True)}
_NAME_TO_SYMBOL.pop("", None)
_JA = "|".join(sorted(map(re.escape, JAPANESE_NAMES), key=len, reverse=True))
# 金 alone is gold, but not in 金属 (metal) or 合金 (alloy).
_ELEMENT = re.compile(
    rf"(?P<ja>(?<!合)(?:{_JA})(?!属))"
    r"|(?P<symbol>(?<![A-Za-z])[A-Z][a-z]?(?![A-Za-z]))"
    r"|(?P<name>\b[A-Za-z]{3,}\b)"
)
_SEPARATOR = re.compile(r"^\s*(?:,|、|，|/|・|と|や|及び|および|and|or|&)?\s*(?:and|or)?\s*$")
_INDEX = re.compile(
    r"(?:atom|index|site|原子)\s*(?:#|no\.?|number|番号)?\s*(\d+)"
    r"|(\d+)\s*(?:番目?|th atom|st atom|nd atom|rd atom)",
    re.IGNORECASE,
)
_FACET = re.compile(r"\(\s*(\d)\s*(\d)\s*(\d)\s*\)|\b(\d{3,4})\s*(?:surface|facet|slab|面)")
_SIZE = re.compile(r"(\d)\s*[x×]\s*(\d)(?:\s*[x×]\s*(\d))?")
_LAYERS = re.compile(r"(\d+)\s*(?:layers?|層)", re.IGNORECASE)
_FMAX = re.compile(r"(?:fmax|force)\D{0,12}?(\d*\.\d+)", re.IGNORECASE)
_STEPS = re.compile(r"(\d+)\s*(?:steps|ステップ)", re.IGNORECASE)
_FILE = re.compile(r"(\S+\.(?:cif|xyz|vasp|poscar|traj))\b|\b(POSCAR\S*)", re.IGNORECASE)


@dataclass(frozen=True)
class Element:
    symbol: str
    start: int
    end: int


@dataclass
class Mentions:
    """Everything in a request that parsing can read without interpreting."""

    elements: list[Element] = field(default_factory=list)
    unknown_symbols: list[str] = field(default_factory=list)
    index: int | None = None
    facet: str | None = None
    facet_element: str | None = None
    size: tuple[int, int, int] | None = None
    sites: list[str] = field(default_factory=list)
    calculator: str | None = None
    substitute: bool = False
    adsorption: bool = False
    adsorption_energy: bool = False
    unsupported: str | None = None
    relax: bool = True
    fmax: float | None = None
    steps: int | None = None
    file: str | None = None
    molecules: list[MoleculeMention] = field(default_factory=list)
    unknown_molecule: str | None = None
    equation: Equation | None = None
    reaction: bool = False
    substitute_site: str | None = None

    def molecule_names(self) -> list[str]:
        """Distinct molecules (ASE G2 names) in order of first mention."""
        return list(dict.fromkeys(m.name for m in self.molecules))

    def symbols(self) -> list[str]:
        """Distinct element symbols in order of first mention."""
        return list(dict.fromkeys(e.symbol for e in self.elements))

    def enumerations(self) -> list[list[str]]:
        """Runs of two or more elements written as a list ("Fe, Pt, V and Ni", "FeとNi")."""
        runs: list[list[Element]] = []
        for element in self.elements:
            if runs and _SEPARATOR.match(self._text[runs[-1][-1].end : element.start]):
                runs[-1].append(element)
            else:
                runs.append([element])
        return [list(dict.fromkeys(e.symbol for e in run)) for run in runs if len(run) > 1]

    _text: str = ""


def find_mentions(request: str) -> Mentions:
    """Parse ``request`` (Japanese or English) for the things it states outright."""
    text = " ".join(request.split())
    lower = text.lower()
    found = Mentions(_text=text)
    masked = _mask(text, [*_words(SITE_WORDS), *_words(CALCULATOR_WORDS), "DFT", "CIF", "XYZ", "POSCAR"])
    masked = _FILE.sub(lambda m: " " * len(m.group(0)), masked)
    # A reaction's terms, and molecules, are read whole: their letters are not elements.
    found.equation = find_equation(masked)
    if found.equation:
        masked = _blank(masked, found.equation.start, found.equation.end)
    found.molecules = find_molecules(masked)
    for molecule in found.molecules:
        masked = _blank(masked, molecule.start, molecule.end)
    found.unknown_molecule = None if found.molecules else unknown_molecule(masked)
    for match in _ELEMENT.finditer(masked):
        symbol = _symbol(match, masked)
        if symbol:
            found.elements.append(Element(symbol, match.start(), match.end()))
        elif _unknown_symbol(match.group("symbol")):
            found.unknown_symbols.append(match.group("symbol"))
    if index := _INDEX.search(text):
        found.index = int(index.group(1) or index.group(2))
    if facet := _FACET.search(text):
        found.facet = "".join(g for g in facet.groups()[:3] if g) or facet.group(4)
        before = [e for e in found.elements if e.end <= facet.start() and facet.start() - e.end <= 2]
        found.facet_element = before[-1].symbol if before else None
    if size := _SIZE.search(text):
        layers = _LAYERS.search(text)
        depth = size.group(3) or (layers.group(1) if layers else "3")
        found.size = (int(size.group(1)), int(size.group(2)), int(depth))
    found.sites = [site for site, words in SITE_WORDS.items() if any(w in lower for w in words)]
    found.calculator = next(
        (c for c, words in CALCULATOR_WORDS.items() if any(w in lower for w in words)), None
    )
    found.substitute = found.index is not None or any(w in lower for w in SUBSTITUTE_WORDS)
    found.unsupported = next((w.strip() for w in UNSUPPORTED_WORDS if w in lower), None)
    found.adsorption = any(w in lower for w in ADSORPTION_WORDS)
    found.adsorption_energy = any(w in lower for w in ADSORPTION_ENERGY_WORDS)
    found.reaction = found.equation is not None or any(w in lower for w in REACTION_WORDS)
    found.substitute_site = next((k for k, words in SUBSTITUTION_SITES.items() if words.search(text)), None)
    found.relax = not any(w in lower for w in NO_RELAX_WORDS)
    if fmax := _FMAX.search(text):
        found.fmax = float(fmax.group(1))
    if steps := _STEPS.search(text):
        found.steps = int(steps.group(1))
    if path := _FILE.search(text):
        found.file = path.group(1) or path.group(2)
    return found


def _words(table: dict[str, tuple[str, ...]]) -> list[str]:
    return [word for words in table.values() for word in words]


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _mask(text: str, words: list[str]) -> str:
    """Blank out known non-element words (site and calculator names) so their letters are not read."""
    for word in words:
        text = re.sub(re.escape(word), lambda m: " " * len(m.group(0)), text, flags=re.IGNORECASE)
    return text


def _symbol(match: re.Match[str], text: str) -> str | None:
    if match.group("ja"):
        return JAPANESE_NAMES[match.group("ja")]
    if match.group("name"):
        return _NAME_TO_SYMBOL.get(match.group("name").lower())
    symbol = match.group("symbol")
    if symbol in chemical_symbols[1:] and not (symbol in ENGLISH_WORDS and _is_word(match, text)):
        return symbol
    return None


def _is_word(match: re.Match[str], text: str) -> bool:
    """Whether a capitalised token is an English word: a lowercase word follows it."""
    return bool(re.match(r"\s+[a-z]", text[match.end() :])) or match.group(0) in ENGLISH_WORDS


def _unknown_symbol(token: str | None) -> bool:
    """A two-letter capitalised token that is neither an element nor a common word: a typo'd element."""
    return (
        bool(token)
        and len(token or "") == 2
        and token not in chemical_symbols
        and token not in TWO_LETTER_WORDS
    )
