"""Spec validation for molecular adsorbates, substitution by site and reaction energies."""

from __future__ import annotations

from typing import Any

import pytest

from sakuin.errors import SimulationSpecError
from sakuin.simulate import build_spec
from sakuin.simulate.script import write_script

PT = {"kind": "slab", "element": "Pt"}
CO_OXIDATION = {
    "reactants": [{"species": "CO", "site": "fcc"}, {"species": "O", "site": "fcc"}],
    "products": [{"species": "CO2"}, {"species": "*", "coefficient": 2}],
}
WATER = {
    "reactants": [{"species": "H2", "coefficient": 2}, {"species": "O2"}],
    "products": [{"species": "H2O", "coefficient": 2}],
}


def test_reaction_specs_are_accepted_and_described() -> None:
    on_slab = build_spec({"structure": PT, "property": "reaction_energy", "reaction": CO_OXIDATION})
    assert on_slab.reaction is not None
    assert on_slab.reaction.describe() == "CO*(fcc) + O*(fcc) → CO2(g) + 2 *"
    assert set(on_slab.elements()) == {"Pt", "C", "O"}
    gas = build_spec({"property": "reaction_energy", "reaction": WATER})
    assert gas.structure is None and gas.reaction is not None
    assert gas.reaction.describe() == "2 H2(g) + O2(g) → 2 H2O(g)"
    assert "REACTANTS = [(2.0, 'H2', None), (1.0, 'O2', None)]" in write_script(gas)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"property": "reaction_energy", "reaction": {**WATER, "products": [{"species": "H2O"}]}},
            r"2 H2\(g\) \+ O2\(g\) → H2O\(g\) is not balanced: H 4 → 2, O 2 → 1",
        ),
        (
            {
                "structure": PT,
                "property": "reaction_energy",
                "reaction": {**CO_OXIDATION, "products": [{"species": "CO2"}]},
            },
            r"uses 2 slab\(s\) on the left and 0 on the right.*add clean slabs",
        ),
        (
            {"property": "reaction_energy", "reaction": CO_OXIDATION},
            r"adsorbed states in CO\*\(fcc\).* need a surface slab",
        ),
        (
            {"structure": PT, "property": "reaction_energy", "reaction": WATER},
            "a gas-phase reaction has no structure",
        ),
        (
            {"structure": {**PT, "facet": "100"}, "property": "reaction_energy", "reaction": CO_OXIDATION},
            r"no 'fcc' site on Pt\(100\) slab 3×3×3 \(for CO\*\(fcc\)\)",
        ),
        ({"structure": PT, "property": "reaction_energy"}, "a reaction energy needs its reaction"),
        ({"property": "total_energy"}, "total energy needs a structure"),
        (
            {"property": "reaction_energy", "reaction": {**WATER, "reactants": [{"species": "H4"}]}},
            "'H4' is not in ASE's G2 molecule set",
        ),
        (
            {
                "structure": PT,
                "property": "reaction_energy",
                "reaction": {**CO_OXIDATION, "reactants": [{"species": "CO2", "site": "fcc"}]},
            },
            "adsorbate 'CO2' is not supported; use one of H, C, N, O, CO, OH, H2O",
        ),
        (
            {
                "structure": PT,
                "property": "adsorption_energy",
                "adsorbate": {"species": "CH4", "site": "ontop"},
            },
            "adsorbate 'CH4' is not supported",
        ),
        (
            {
                "structure": {"kind": "bulk", "element": "Cu"},
                "property": "total_energy",
                "substitution": {"site": "surface", "by": ["Ni"]},
            },
            r"substitution by site \(surface, subsurface\) needs a surface slab",
        ),
        (
            {
                "structure": {**PT, "size": [2, 2, 1], "fixed_layers": 0},
                "property": "total_energy",
                "substitution": {"site": "subsurface", "by": ["Ni"]},
            },
            "a one-layer slab has no subsurface atom",
        ),
        (
            {
                "structure": PT,
                "property": "total_energy",
                "substitution": {"site": "surface", "index": 3, "by": ["Ni"]},
            },
            "a substitution names one of: an atom index, an element to replace, or a site",
        ),
        (
            {"structure": {"kind": "molecule", "name": "SH2"}, "property": "total_energy"},
            "EMT has no parameters for S",
        ),
    ],
)
def test_bad_specs_are_refused_with_what_is_wrong(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SimulationSpecError, match=message):
        build_spec({"calculator": "emt", **fields})


def test_script_explains_the_site_rule_and_the_references() -> None:
    spec = build_spec(
        {
            "structure": PT,
            "property": "adsorption_energy",
            "adsorbate": {"species": "OH", "site": "fcc"},
            "substitution": {"site": "subsurface", "by": ["Ni"]},
        }
    )
    script = write_script(spec)
    assert "SUBSTITUTE_LAYER = 2  # subsurface layer" in script
    assert "in layer SUBSTITUTE_LAYER, the one nearest the adsorbate" in script
    assert "OH from H2O − ½ H2" in script and '"OH": {"H2O": 1.0, "H2": -0.5}' in script
    assert "BINDING_ATOM = {'OH': 'O'}" in script
    compile(script, "simulate.py", "exec")
