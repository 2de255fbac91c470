"""The task spec: what a scientist asked for, validated before any script is written.

A spec is the contract between the three steps: the language model fills it from a request, the
script writer turns it into ASE code, and the results are read back against it. Everything a
request can leave open has a field with a stated default; everything it must say (the host
element, the property) has none, so a missing answer becomes a question, never a guess.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from ase.data import chemical_symbols, reference_states
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Calculator = Literal["emt", "chgnet", "sevenn"]
Property = Literal[
    "total_energy", "adsorption_energy", "reaction_energy", "equation_of_state", "vacancy_formation_energy"
]
Site = Literal["ontop", "bridge", "fcc", "hcp", "hollow", "longbridge", "shortbridge"]
Crystal = Literal["fcc", "bcc", "hcp", "sc", "diamond"]

EMT_ELEMENTS = frozenset({"Ni", "Cu", "Pd", "Ag", "Pt", "Au", "Al", "H", "C", "N", "O"})
"""What ASE's EMT has parameters for (the H, C, N, O ones are rough, for adsorbates only)."""

BINDING_ATOMS = {"CO": "C", "OH": "O", "H2O": "O"}
"""Molecular adsorbates (ASE G2 names) and the atom of each that bonds to the surface."""

ADSORBATES = ("H", "C", "N", "O", *BINDING_ATOMS)
"""Adsorbates, each with a gas-phase reference (see :mod:`sakuin.simulate.script`)."""

SubstitutionSite = Literal["surface", "subsurface"]
LAYER_OF_SITE = {"surface": 1, "subsurface": 2}
"""ASE tags slab layers from the top down: 1 is the surface layer, 2 the one below."""

CLEAN_SLAB = "*"
"""A reaction state that is the empty slab (a free site), as in CO* + O* → CO2 + 2 *."""

SLAB_SITES: dict[tuple[str, str], tuple[str, ...]] = {
    ("fcc", "111"): ("ontop", "bridge", "fcc", "hcp"),
    ("fcc", "100"): ("ontop", "bridge", "hollow"),
    ("fcc", "110"): ("ontop", "longbridge", "shortbridge", "hollow"),
    ("bcc", "100"): ("ontop", "bridge", "hollow"),
    ("bcc", "110"): ("ontop", "longbridge", "shortbridge", "hollow"),
    ("bcc", "111"): ("ontop",),
    ("hcp", "0001"): ("ontop", "bridge", "fcc", "hcp"),
}
"""Surfaces ASE builds, by the host's crystal structure and facet, with the sites it names on them."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_element(symbol: str) -> str:
    """``symbol`` if it is a chemical element, else a ValueError naming it."""
    if symbol not in chemical_symbols[1:]:
        raise ValueError(f"'{symbol}' is not a chemical element symbol (write e.g. Fe, Pt, V, Ni)")
    return symbol


def crystal_of(element: str) -> str:
    """The ground-state crystal structure ASE knows for ``element`` ('' when it knows none)."""
    state = reference_states[chemical_symbols.index(element)]
    return str(state["symmetry"]) if state else ""


class Slab(_Strict):
    """A surface slab of one element's ground-state crystal, cut along ``facet``."""

    kind: Literal["slab"] = "slab"
    element: str
    facet: str = Field(default="111", description="Miller indices as digits: 111, 100, 110 (hcp: 0001).")
    size: tuple[int, int, int] = Field(default=(3, 3, 3), description="Repeats along a and b, and layers.")
    vacuum: float = Field(default=7.5, gt=0, description="Vacuum on each side of the slab, in Å.")
    fixed_layers: int = Field(default=1, ge=0, description="Bottom layers held fixed while relaxing.")

    _element = field_validator("element")(check_element)

    @model_validator(mode="after")
    def _buildable(self) -> Slab:
        crystal = crystal_of(self.element)
        facets = sorted(f for c, f in SLAB_SITES if c == crystal)
        if not facets:
            raise ValueError(f"ASE builds no surface slab of {self.element} (its crystal is '{crystal}')")
        if self.facet not in facets:
            raise ValueError(
                f"no ({self.facet}) surface for {crystal} {self.element}; choose one of "
                + ", ".join(f"({f})" for f in facets)
            )
        if self.fixed_layers >= self.size[2]:
            raise ValueError(f"fixed_layers={self.fixed_layers} leaves none of {self.size[2]} layers free")
        return self

    @property
    def sites(self) -> tuple[str, ...]:
        return SLAB_SITES[(crystal_of(self.element), self.facet)]

    def describe(self) -> str:
        return f"{self.element}({self.facet}) slab {self.size[0]}×{self.size[1]}×{self.size[2]}"


class Bulk(_Strict):
    """A bulk crystal of one element, repeated into a supercell."""

    kind: Literal["bulk"] = "bulk"
    element: str
    crystal: Crystal | None = Field(default=None, description="Default: the element's ground state.")
    lattice_constant: float | None = Field(default=None, gt=0, description="Å; default: ASE's reference.")
    repeat: tuple[int, int, int] = Field(default=(2, 2, 2), description="Supercell of the cubic cell.")

    _element = field_validator("element")(check_element)

    @model_validator(mode="after")
    def _buildable(self) -> Bulk:
        if self.crystal is None and crystal_of(self.element) not in ("fcc", "bcc", "hcp", "sc", "diamond"):
            raise ValueError(f"ASE has no simple ground-state crystal for {self.element}; name one")
        return self

    def describe(self) -> str:
        return f"bulk {self.crystal or crystal_of(self.element)} {self.element} ×{self.repeat}"


def check_molecule(name: str) -> str:
    """``name`` if ASE's G2 set has that molecule, else a ValueError naming it."""
    from ase.collections import g2

    if name not in g2.names:
        raise ValueError(f"'{name}' is not in ASE's G2 molecule set (e.g. H2O, CO2, CH4, NH3)")
    return name


def composition(species: str) -> Counter[str]:
    """Atoms per element of a G2 molecule or adsorbate name ('*', the empty slab, has none)."""
    if species == CLEAN_SLAB:
        return Counter()
    from ase.build import molecule

    if species in chemical_symbols:
        return Counter([species])
    symbols = molecule(species).get_chemical_symbols()  # type: ignore[no-untyped-call]
    return Counter(symbols)


class Molecule(_Strict):
    """A gas-phase molecule from ASE's G2 set (H2O, CO2, CH4, …) in a periodic box."""

    kind: Literal["molecule"] = "molecule"
    name: str
    box: float = Field(default=12.0, gt=0, description="Edge of the cubic box, in Å.")

    _name = field_validator("name")(check_molecule)

    def describe(self) -> str:
        return f"molecule {self.name}"


class StructureFile(_Strict):
    """A structure the scientist uploaded: CIF, POSCAR or XYZ (anything ``ase.io.read`` reads)."""

    kind: Literal["file"] = "file"
    path: str

    def describe(self) -> str:
        return f"structure from {self.path}"


Structure = Annotated[Slab | Bulk | Molecule | StructureFile, Field(discriminator="kind")]


class Substitution(_Strict):
    """Replace one atom (by index or by site) or every atom of one element, once per new element.

    A site names a slab layer; the script resolves it to one atom by a fixed rule: the atom of that
    layer nearest the adsorbate's binding atom (in a reaction, each adsorbed state's own), else the
    layer's lowest index (every atom of a layer is equivalent on a clean periodic slab). Ties go to
    the lower index.
    """

    index: int | None = Field(default=None, ge=0, description="ASE's 0-based atom index.")
    element: str | None = Field(default=None, description="Replace every atom of this element instead.")
    site: SubstitutionSite | None = Field(default=None, description="Or one atom of this slab layer.")
    by: tuple[str, ...] = Field(min_length=1, description="One variant per element.")

    @field_validator("element")
    @classmethod
    def _element(cls, symbol: str | None) -> str | None:
        return None if symbol is None else check_element(symbol)

    @field_validator("by")
    @classmethod
    def _by(cls, symbols: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"an element is listed twice in {', '.join(symbols)}")
        return tuple(check_element(s) for s in symbols)

    @model_validator(mode="after")
    def _one_target(self) -> Substitution:
        if [self.index, self.element, self.site].count(None) != 2:
            raise ValueError(
                "a substitution names one of: an atom index, an element to replace, "
                "or a site (surface, subsurface)"
            )
        return self


def check_adsorbate(species: str) -> str:
    if species not in ADSORBATES:
        raise ValueError(f"adsorbate '{species}' is not supported; use one of {', '.join(ADSORBATES)}")
    return species


class Adsorbate(_Strict):
    """One adsorbate (an atom, or a molecule with its binding atom down) on a named slab site."""

    species: str
    site: Site
    height: float = Field(default=1.5, gt=0, description="Starting height above the surface, in Å.")

    _species = field_validator("species")(check_adsorbate)


class ReactionState(_Strict):
    """``coefficient`` × a gas molecule (no site), an adsorbate on ``site`` of its own slab, or '*'."""

    coefficient: float = Field(default=1.0, gt=0, description="Stoichiometric coefficient.")
    species: str = Field(description="G2 molecule name; with a site, an adsorbate; '*': the clean slab.")
    site: Site | None = Field(default=None, description="Adsorbed on this site; None: gas phase.")

    @model_validator(mode="after")
    def _known(self) -> ReactionState:
        if self.species == CLEAN_SLAB:
            if self.site is not None:
                raise ValueError("the clean slab '*' has no site")
        elif self.site is not None:
            check_adsorbate(self.species)
        else:
            check_molecule(self.species)
        return self

    @property
    def on_slab(self) -> bool:
        return self.species == CLEAN_SLAB or self.site is not None

    def describe(self) -> str:
        count = "" if self.coefficient == 1 else f"{self.coefficient:g} "
        if self.species == CLEAN_SLAB:
            return f"{count}*"
        return f"{count}{self.species}" + (f"*({self.site})" if self.site else "(g)")


class Reaction(_Strict):
    """Reactant and product states; atoms and slabs must be the same on both sides."""

    reactants: tuple[ReactionState, ...] = Field(min_length=1)
    products: tuple[ReactionState, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _balanced(self) -> Reaction:
        left, right = (_count(self.reactants), _count(self.products))
        differ = sorted(e for e in left.keys() | right.keys() if abs(left.get(e, 0) - right.get(e, 0)) > 1e-9)
        if differ:
            raise ValueError(
                f"{self.describe()} is not balanced: "
                + ", ".join(f"{e} {left.get(e, 0):g} → {right.get(e, 0):g}" for e in differ)
                + " (reactants → products); fix the coefficients"
            )
        slabs = [sum(s.coefficient for s in side if s.on_slab) for side in (self.reactants, self.products)]
        if abs(slabs[0] - slabs[1]) > 1e-9:
            raise ValueError(
                f"{self.describe()} uses {slabs[0]:g} slab(s) on the left and {slabs[1]:g} on the right: "
                "each adsorbed state is on its own slab, so add clean slabs ('*') to balance"
            )
        return self

    def states(self) -> tuple[ReactionState, ...]:
        return (*self.reactants, *self.products)

    def describe(self) -> str:
        return " → ".join(" + ".join(s.describe() for s in side) for side in (self.reactants, self.products))


def _count(side: tuple[ReactionState, ...]) -> dict[str, float]:
    total: dict[str, float] = {}
    for state in side:
        for element, atoms in composition(state.species).items():
            total[element] = total.get(element, 0.0) + state.coefficient * atoms
    return total


class Relaxation(_Strict):
    """How positions (never the cell) are relaxed: BFGS until every force is below ``fmax``."""

    fmax: float = Field(default=0.05, gt=0, description="Force threshold, eV/Å.")
    steps: int = Field(default=200, ge=1, description="Most optimiser steps before giving up.")


class TaskSpec(_Strict):
    """One simulation: a structure, optional substitution and adsorbate, one property, one calculator."""

    request: str = Field(default="", description="The scientist's words, kept for the script's header.")
    structure: Structure | None = Field(default=None, description="None only for a gas-phase reaction.")
    property: Property
    calculator: Calculator = "emt"
    substitution: Substitution | None = None
    adsorbate: Adsorbate | None = None
    reaction: Reaction | None = Field(default=None, description="reaction_energy: the states.")
    relax: Relaxation | None = Field(default_factory=Relaxation)
    vacancy_index: int = Field(default=0, ge=0, description="vacancy_formation_energy: the atom removed.")
    eos_strain: float = Field(default=0.04, gt=0, lt=0.2, description="equation_of_state: ± linear strain.")
    eos_points: int = Field(default=7, ge=5, le=21, description="equation_of_state: volumes sampled.")

    @model_validator(mode="after")
    def _consistent(self) -> TaskSpec:
        self._check_reaction()
        if self.structure is None and self.property != "reaction_energy":
            raise ValueError(
                f"{self.property.replace('_', ' ')} needs a structure (slab, bulk, molecule or file)"
            )
        if self.substitution is not None and self.substitution.site is not None:
            if not isinstance(self.structure, Slab):
                raise ValueError("substitution by site (surface, subsurface) needs a surface slab")
            if self.substitution.site == "subsurface" and self.structure.size[2] < 2:
                raise ValueError("a one-layer slab has no subsurface atom; use 2 or more layers")
        if self.property == "adsorption_energy":
            if self.adsorbate is None:
                raise ValueError("an adsorption energy needs an adsorbate (e.g. O on the fcc site)")
            if not isinstance(self.structure, Slab):
                raise ValueError("an adsorption energy needs a surface slab")
        if self.adsorbate is not None:
            if not isinstance(self.structure, Slab):
                raise ValueError("adsorbates go on surface slabs; describe a slab (e.g. Pt(111))")
            if self.adsorbate.site not in self.structure.sites:
                raise ValueError(
                    f"there is no '{self.adsorbate.site}' site on {self.structure.describe()}; "
                    f"its sites are {', '.join(self.structure.sites)}"
                )
        if self.property in ("equation_of_state", "vacancy_formation_energy") and not isinstance(
            self.structure, Bulk
        ):
            raise ValueError(f"{self.property.replace('_', ' ')} needs a bulk crystal")
        if self.calculator == "emt":
            used = set(self.elements())
            missing = sorted(used - EMT_ELEMENTS)
            if missing:
                raise ValueError(
                    f"EMT has no parameters for {', '.join(missing)}; use --calculator sevenn or chgnet"
                )
        return self

    def _check_reaction(self) -> None:
        if (self.property == "reaction_energy") != (self.reaction is not None):
            raise ValueError(
                "a reaction energy needs its reaction (reactant and product states), and a reaction "
                "is only used for the reaction energy"
            )
        if self.reaction is None:
            return
        if self.adsorbate is not None:
            raise ValueError("a reaction lists its adsorbed states itself; leave out the separate adsorbate")
        on_slab = [s for s in self.reaction.states() if s.on_slab]
        if not on_slab:
            if self.structure is not None or self.substitution is not None:
                raise ValueError(
                    "a gas-phase reaction has no structure to build or substitute; "
                    "give adsorbed states a site, or leave out the structure"
                )
            return
        if not isinstance(self.structure, Slab):
            raise ValueError(
                f"adsorbed states in {self.reaction.describe()} need a surface slab (e.g. Pt(111))"
            )
        for state in on_slab:
            if state.site is not None and state.site not in self.structure.sites:
                raise ValueError(
                    f"there is no '{state.site}' site on {self.structure.describe()} "
                    f"(for {state.describe()}); its sites are {', '.join(self.structure.sites)}"
                )

    def elements(self) -> list[str]:
        """Every element the spec names (a file's elements are known only once it is read)."""
        found: list[str] = []
        if isinstance(self.structure, Slab | Bulk):
            found.append(self.structure.element)
        if isinstance(self.structure, Molecule):
            found += list(composition(self.structure.name))
        if self.substitution:
            found += list(self.substitution.by)
        if self.adsorbate:
            found += list(composition(self.adsorbate.species))
        if self.reaction:
            found += [e for state in self.reaction.states() for e in composition(state.species)]
        return list(dict.fromkeys(found))

    def variants(self) -> list[str]:
        """One row of results per variant: each substituting element, or the structure as given."""
        return list(self.substitution.by) if self.substitution else ["as given"]
