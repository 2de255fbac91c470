"""Spec → script → sandboxed run with EMT reproduces a direct ASE calculation exactly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from ase import Atoms
from ase.build import add_adsorbate, fcc111, molecule
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.io import read
from ase.optimize import BFGS

from sakuin.config import SimulateSettings
from sakuin.errors import SimulationFailedError
from sakuin.simulate import run_simulation
from sakuin.simulate.spec import Adsorbate, Relaxation, Slab, Substitution, TaskSpec
from tests.simulate.physics import same_energy, same_rows

SPEC = TaskSpec(
    request="Pt(111) 3×3×3, O on the fcc site, atom 19 → Ni or Pt: adsorption energy",
    structure=Slab(element="Pt"),
    property="adsorption_energy",
    calculator="emt",
    adsorbate=Adsorbate(species="O", site="fcc"),
    substitution=Substitution(index=19, by=("Ni", "Pt")),
    relax=Relaxation(fmax=0.05, steps=200),
)

pytestmark = pytest.mark.blas  # run again with the BLAS kernel settings flipped (make test)


def _direct_adsorption_energy(element: str) -> float:
    """The same computation written by hand with ASE, in this process."""

    def relaxed(atoms):  # type: ignore[no-untyped-def]
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.05, steps=200)
        return atoms.get_potential_energy()

    o2 = molecule("O2")
    o2.center(vacuum=6.0)
    o2.pbc = True
    slab = fcc111("Pt", size=(3, 3, 3), vacuum=7.5)
    slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag == 3]))
    slab[19].symbol = element
    with_o = slab.copy()
    add_adsorbate(with_o, "O", 1.5, "fcc")
    return float(relaxed(with_o) - relaxed(slab) - 0.5 * relaxed(o2))


def test_emt_run_reproduces_direct_ase(tmp_path: Path) -> None:
    events: list[dict[str, object]] = []
    result = run_simulation(SPEC, tmp_path, SimulateSettings(), on_event=events.append)
    energies = {row["variant"]: row["adsorption_energy_eV"] for row in result.rows}
    assert energies == same_energy(
        {"Ni": _direct_adsorption_energy("Ni"), "Pt": _direct_adsorption_energy("Pt")}
    )
    assert energies["Ni"] != energies["Pt"]
    assert not result.not_converged
    steps = [e for e in events if e["event"] == "step"]
    assert steps and {e["label"] for e in steps} >= {"O2 gas", "slab Ni", "slab Ni + O", "slab Pt + O"}
    with (tmp_path / "results.csv").open(encoding="utf-8") as handle:
        assert [row["variant"] for row in csv.DictReader(handle)] == ["Ni", "Pt"]
    names = {path.name for path in result.files}
    assert {"energies.png", "relaxation.png", "slab_Ni+O.cif", "slab_Pt+O.xyz"} <= names
    assert (tmp_path / "energies.png").read_bytes()[:4] == b"\x89PNG"
    assert "SUBSTITUTE_INDEX = 19" in result.script.read_text(encoding="utf-8")


def test_script_runs_without_sakuin(tmp_path: Path) -> None:
    """The written script is standalone: plain python in its folder gives the same results."""
    import subprocess
    import sys

    run_simulation(SPEC, tmp_path / "sandboxed", SimulateSettings())
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "simulate.py").write_text((tmp_path / "sandboxed" / "simulate.py").read_text())
    subprocess.run(
        [sys.executable, "-I", "simulate.py"], cwd=tmp_path / "plain", check=True, capture_output=True
    )
    rows = [json.loads((tmp_path / d / "results.json").read_text())["rows"] for d in ("sandboxed", "plain")]
    assert same_rows(rows[0], rows[1])


def test_unconverged_relaxation_is_reported_with_its_last_energy(tmp_path: Path) -> None:
    spec = SPEC.model_copy(update={"relax": Relaxation(fmax=0.001, steps=2), "substitution": None})
    result = run_simulation(spec, tmp_path, SimulateSettings())
    assert result.not_converged == ["as given"]
    assert result.as_json()["complete"] is False
    assert isinstance(result.rows[0]["energy_with_adsorbate_eV"], float)


def test_bulk_modulus_and_vacancy_with_emt(tmp_path: Path) -> None:
    eos = TaskSpec.model_validate(
        {"structure": {"kind": "bulk", "element": "Cu"}, "property": "equation_of_state"}
    )
    modulus = run_simulation(eos, tmp_path / "eos", SimulateSettings()).rows[0]["bulk_modulus_GPa"]
    assert 100 < modulus < 180  # EMT's Cu; experiment ≈ 140 GPa
    vacancy = TaskSpec.model_validate(
        {"structure": {"kind": "bulk", "element": "Cu"}, "property": "vacancy_formation_energy"}
    )
    energy = run_simulation(vacancy, tmp_path / "vac", SimulateSettings()).rows[0][
        "vacancy_formation_energy_eV"
    ]
    assert 0.5 < energy < 2.0  # experiment ≈ 1.3 eV


def test_structure_file_that_the_script_reads(tmp_path: Path) -> None:
    from ase.build import bulk
    from ase.io import write

    write(tmp_path / "ni.cif", bulk("Ni", cubic=True))
    spec = TaskSpec.model_validate(
        {
            "structure": {"kind": "file", "path": str(tmp_path / "ni.cif")},
            "property": "total_energy",
            "relax": None,
        }
    )
    result = run_simulation(spec, tmp_path / "run", SimulateSettings())
    assert result.rows[0]["atoms"] == 4


@pytest.mark.slow
@pytest.mark.parametrize("calculator", ["chgnet", "sevenn"])
def test_ml_potential_smoke(tmp_path: Path, calculator: str) -> None:
    """Each ML potential loads offline inside the sandbox (no network) and relaxes a tiny system."""
    spec = TaskSpec.model_validate(
        {
            "structure": {"kind": "molecule", "name": "H2O"},
            "property": "total_energy",
            "calculator": calculator,
            "relax": {"fmax": 0.1, "steps": 20},
        }
    )
    result = run_simulation(spec, tmp_path, SimulateSettings())
    assert -20 < result.rows[0]["energy_eV"] < -5  # H2O is about -14 eV in both potentials' reference


def test_failing_script_is_reported(tmp_path: Path) -> None:
    spec = SPEC.model_copy(update={"substitution": Substitution(index=99, by=("Ni",))})
    with pytest.raises(SimulationFailedError, match="atom 99 does not exist: the structure has 27 atoms"):
        run_simulation(spec, tmp_path, SimulateSettings())


def _relaxed_energy(atoms) -> float:  # type: ignore[no-untyped-def]
    atoms.calc = EMT()
    BFGS(atoms, logfile=None).run(fmax=0.05, steps=200)
    return float(atoms.get_potential_energy())


def _small_pt_slab():  # type: ignore[no-untyped-def]
    slab = fcc111("Pt", size=(2, 2, 3), vacuum=7.5)
    slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag == 3]))
    return slab


def _gas(name: str) -> float:
    gas = molecule(name)
    gas.center(vacuum=6.0)
    gas.pbc = True
    return _relaxed_energy(gas)


def test_co_adsorption_with_surface_substitution_reproduces_direct_ase(tmp_path: Path) -> None:
    """CO stands C-down on top of the surface atom nearest it, which is the one substituted."""
    spec = TaskSpec.model_validate(
        {
            "structure": {"kind": "slab", "element": "Pt", "size": [2, 2, 3]},
            "property": "adsorption_energy",
            "adsorbate": {"species": "CO", "site": "ontop"},
            "substitution": {"site": "surface", "by": ["Ni"]},
        }
    )
    events: list[dict[str, object]] = []
    result = run_simulation(spec, tmp_path, SimulateSettings(), on_event=events.append)

    clean = _small_pt_slab()
    top = [a.index for a in clean if a.tag == 1]
    probe = clean.copy()
    add_adsorbate(probe, molecule("CO"), 1.5, "ontop", mol_index=1)  # ASE's CO already has C below O
    nearest = top[int(probe.get_distances(len(clean) + 1, top, mic=True).argmin())]
    assert [e["index"] for e in events if e["event"] == "substituted"] == [nearest]
    clean[nearest].symbol = "Ni"
    with_co = clean.copy()
    add_adsorbate(with_co, molecule("CO"), 1.5, "ontop", mol_index=1)
    expected = _relaxed_energy(with_co) - _relaxed_energy(clean) - _gas("CO")
    assert result.rows[0]["adsorption_energy_eV"] == same_energy(expected)
    final = read(tmp_path / "structures" / "slab_Ni+CO.xyz", index=-1)
    assert isinstance(final, Atoms)
    assert final.get_chemical_symbols()[-2:] == ["O", "C"]
    assert final.positions[-1, 2] < final.positions[-2, 2]  # C below O: bound through carbon


def test_reaction_energy_on_a_slab_reproduces_direct_ase(tmp_path: Path) -> None:
    """CO* + O* → CO2 + 2 *: each adsorbed state on its own slab, CO2 in a box."""
    spec = TaskSpec.model_validate(
        {
            "structure": {"kind": "slab", "element": "Pt", "size": [2, 2, 3]},
            "property": "reaction_energy",
            "reaction": {
                "reactants": [{"species": "CO", "site": "fcc"}, {"species": "O", "site": "fcc"}],
                "products": [{"species": "CO2"}, {"species": "*", "coefficient": 2}],
            },
        }
    )
    row = run_simulation(spec, tmp_path, SimulateSettings()).rows[0]
    with_co, with_o, clean = _small_pt_slab(), _small_pt_slab(), _small_pt_slab()
    add_adsorbate(with_co, molecule("CO"), 1.5, "fcc", mol_index=1)
    add_adsorbate(with_o, "O", 1.5, "fcc")
    reactants = _relaxed_energy(with_co) + _relaxed_energy(with_o)
    products = _gas("CO2") + 2 * _relaxed_energy(clean)
    assert row["reaction_energy_eV"] == same_energy(products - reactants)
    assert row["converged"] is True
    assert {"E[CO*(fcc)]_eV", "E[O*(fcc)]_eV", "E[CO2(g)]_eV", "E[*]_eV"} <= set(row)


def test_gas_phase_reaction_energy_reproduces_direct_ase(tmp_path: Path) -> None:
    spec = TaskSpec.model_validate(
        {
            "property": "reaction_energy",
            "reaction": {
                "reactants": [{"species": "H2", "coefficient": 2}, {"species": "O2"}],
                "products": [{"species": "H2O", "coefficient": 2}],
            },
        }
    )
    row = run_simulation(spec, tmp_path, SimulateSettings()).rows[0]
    assert row["reaction_energy_eV"] == same_energy(2 * _gas("H2O") - (2 * _gas("H2") + _gas("O2")))


def test_site_substitution_in_a_reaction_follows_each_adsorbed_state(tmp_path: Path) -> None:
    """Each adsorbed state gets the subsurface atom nearest its own adsorbate; the clean slab the
    layer's lowest index (all equivalent there)."""
    spec = TaskSpec.model_validate(
        {
            "structure": {"kind": "slab", "element": "Pt", "size": [2, 2, 3]},
            "property": "reaction_energy",
            "substitution": {"site": "subsurface", "by": ["Ni"]},
            "reaction": {
                "reactants": [{"species": "O", "site": "hcp"}, {"species": "H2"}],
                "products": [{"species": "H2O"}, {"species": "*"}],
            },
        }
    )
    events: list[dict[str, object]] = []
    run_simulation(spec, tmp_path, SimulateSettings(), on_event=events.append)
    chosen = [e["index"] for e in events if e["event"] == "substituted"]

    slab = _small_pt_slab()
    subsurface = [a.index for a in slab if a.tag == 2]
    add_adsorbate(slab, "O", 1.5, "hcp")
    distances = slab.get_distances(len(slab) - 1, subsurface, mic=True)
    assert distances.min() < sorted(distances)[1]  # an hcp site sits right above one subsurface atom
    assert chosen == [subsurface[int(distances.argmin())], min(subsurface)]
