"""Build a spec's starting structure in-process, only to check it before a script is written.

The script builds its own structure with the same ASE calls; this copy answers "how many atoms?"
and "does the file parse?" in milliseconds, so bad indices and broken files are refused up front.
"""

from __future__ import annotations

from ase import Atoms
from ase import build as ase_build
from ase.io import read

from sakuin.errors import SimulationSpecError
from sakuin.simulate.spec import Bulk, Molecule, Slab, StructureFile, crystal_of


def build_atoms(structure: Slab | Bulk | Molecule | StructureFile) -> Atoms:
    """The starting structure without substitutions or adsorbates."""
    if isinstance(structure, Slab):
        maker = getattr(ase_build, f"{crystal_of(structure.element)}{structure.facet}")
        atoms: Atoms = maker(structure.element, size=structure.size, vacuum=structure.vacuum)
        return atoms
    if isinstance(structure, Bulk):
        crystal = structure.crystal or crystal_of(structure.element)
        shape = {"orthorhombic": True} if crystal == "hcp" else {"cubic": True}
        cell = ase_build.bulk(structure.element, crystal, a=structure.lattice_constant, **shape)
        repeated: Atoms = cell.repeat(structure.repeat)  # type: ignore[no-untyped-call]
        return repeated
    if isinstance(structure, Molecule):
        gas: Atoms = ase_build.molecule(structure.name)  # type: ignore[no-untyped-call]
        return gas
    try:
        loaded = read(structure.path)
    except FileNotFoundError as exc:
        raise SimulationSpecError(f"structure file {structure.path} does not exist") from exc
    except Exception as exc:  # ase.io raises many kinds for a file it cannot parse
        raise SimulationSpecError(
            f"structure file {structure.path} does not parse as CIF, POSCAR or XYZ ({exc}); check the file"
        ) from exc
    if not isinstance(loaded, Atoms) or len(loaded) == 0:
        raise SimulationSpecError(f"structure file {structure.path} holds no atoms")
    return loaded


def count_atoms(structure: Slab | Bulk | Molecule | StructureFile) -> int:
    return len(build_atoms(structure))
