"""Spec → a complete, commented ASE script a scientist can read, edit and run without sakuin.

The script *is* the computation: sakuin runs exactly this text in the sandbox, so what the scientist
reads is what produced the numbers. It prints one JSON line per event (relaxation steps, results)
for whoever runs it, and writes results.json, results.csv, PNG plots and the final structures into
its working directory.
"""

from __future__ import annotations

import textwrap

from sakuin.simulate.spec import Bulk, Molecule, Slab, StructureFile, TaskSpec, crystal_of

CALCULATOR_CODE = {
    "emt": (
        "# ASE's EMT: a fast classical potential for Ni, Cu, Pd, Ag, Pt, Au, Al (+ rough H, C, N, O).\n"
        "from ase.calculators.emt import EMT\n\n"
        "CALCULATOR = EMT()"
    ),
    "sevenn": (
        "# SevenNet-0: a universal machine-learned potential (weights ship inside the sevenn package).\n"
        "from sevenn.calculator import SevenNetCalculator\n\n"
        'CALCULATOR = SevenNetCalculator(model="7net-0", device="cpu")'
    ),
    "chgnet": (
        "# CHGNet 0.3.0: a universal machine-learned potential (weights ship inside the chgnet package).\n"
        "from chgnet.model import CHGNet\n"
        "from chgnet.model.dynamics import CHGNetCalculator\n\n"
        "CALCULATOR = CHGNetCalculator(\n"
        '    model=CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False), use_device="cpu"\n'
        ")"
    ),
}

HEADER = '''"""{title}

Written by sakuin from the request:

    {request}

Run it yourself with `python {filename}` (needs ase{needs}). It writes into the current directory:
results.json and results.csv (one row per variant), energies.png and relaxation.png, and the final
structures under structures/ as CIF and XYZ. Progress is printed as one JSON line per event.
"""

import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files; no display needed
import matplotlib.pyplot as plt
{build_import}{constraints}from ase.io import {io_names}
from ase.optimize import BFGS
'''

COMMON = '''
RELAXATIONS = []  # every relaxation's energy curve, for relaxation.png and results.json


def report(event, **fields):
    """Print one JSON line, so a runner (or you) can follow the calculation as it goes."""
    print(json.dumps({"event": event, **fields}), flush=True)


def max_force(atoms):
    """Largest force on a free atom, eV/Å (what the optimiser compares with FMAX)."""
    return float((atoms.get_forces() ** 2).sum(axis=1).max() ** 0.5)


def relax(atoms, label):
    """Relax positions with BFGS until every force is below FMAX (or MAX_STEPS is reached).

    Returns (energy in eV, converged?). A relaxation that does not converge is reported as such,
    with its last energy: its numbers are not final.
    """
    atoms.calc = CALCULATOR
    curve = {"label": label, "energies_eV": [], "fmax_eV_per_A": []}
    RELAXATIONS.append(curve)
    if not RELAX:
        energy = float(atoms.get_potential_energy())
        curve["energies_eV"].append(energy)
        curve["fmax_eV_per_A"].append(max_force(atoms))
        report("energy", label=label, energy_eV=energy)
        return energy, True

    def step():
        energy = float(atoms.get_potential_energy())
        curve["energies_eV"].append(energy)
        curve["fmax_eV_per_A"].append(max_force(atoms))
        report("step", label=label, step=len(curve["energies_eV"]) - 1, energy_eV=energy,
               fmax_eV_per_A=curve["fmax_eV_per_A"][-1])

    optimizer = BFGS(atoms, logfile=None)
    optimizer.attach(step)
    converged = bool(optimizer.run(fmax=FMAX, steps=MAX_STEPS))
    energy = float(atoms.get_potential_energy())
    curve["converged"] = converged
    report("relaxed", label=label, converged=converged, steps=optimizer.nsteps, energy_eV=energy)
    return energy, converged


def save_structure(atoms, label):
    """The final structure as CIF and XYZ under structures/ (energies are in results.json)."""
    atoms = atoms.copy()  # without the shared calculator, whose results may be another structure's
    atoms.info.pop("adsorbate_info", None)
    folder = Path("structures")
    folder.mkdir(exist_ok=True)
    name = label.replace(" + ", "+").replace(" ", "_")
    write(folder / f"{name}.cif", atoms)
    write(folder / f"{name}.xyz", atoms)
'''

SUBSTITUTE = '''

def substitute(atoms, element):
    """Put ``element`` in place of {what}."""
{body}'''

WRITE_RESULTS = '''

def write_results(rows, main):
    """results.json, results.csv and the two plots."""
    Path("results.json").write_text(
        json.dumps({"rows": rows, "relaxations": RELAXATIONS}, indent=2), encoding="utf-8"
    )
    with open("results.csv", "w", newline="", encoding="utf-8") as handle:
        table = csv.DictWriter(handle, fieldnames=list(rows[0]))
        table.writeheader()
        table.writerows(rows)

    figure, axes = plt.subplots(figsize=(5, 3.5))
    axes.bar([row["variant"] for row in rows], [row[main] for row in rows], color="tab:blue")
    axes.set_ylabel(main)
    axes.set_title(main.replace("_", " "))
    figure.tight_layout()
    figure.savefig("energies.png", dpi=120)

    figure, axes = plt.subplots(figsize=(6, 4))
    for curve in RELAXATIONS:
        axes.plot(curve["energies_eV"], marker=".", label=curve["label"])
    axes.set_xlabel("optimiser step")
    axes.set_ylabel("energy (eV)")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig("relaxation.png", dpi=120)
    report("done", rows=rows)
'''

MAIN = {
    "total_energy": """

def main():
    rows = []
    for variant in VARIANTS:
        atoms = build_structure()
        label = "structure"
        if variant is not None:
            substitute(atoms, variant)
            label = variant
{adsorb}        energy, converged = relax(atoms, label)
        save_structure(atoms, label)
        rows.append({{"variant": variant or "as given", "energy_eV": energy,
                     "energy_per_atom_eV": energy / len(atoms), "atoms": len(atoms),
                     "converged": converged}})
    write_results(rows, "energy_eV")
""",
    "adsorption_energy": '''

# The adsorbate's energy is measured from gas molecules (O from O2, H from H2, N from N2,
# C from CH4 - 2 H2), each relaxed in a periodic box with the same calculator.
GAS_REFERENCES = {{
    "O": {{"O2": 0.5}},
    "H": {{"H2": 0.5}},
    "N": {{"N2": 0.5}},
    "C": {{"CH4": 1.0, "H2": -2.0}},
}}


def reference_energy(species):
    """Chemical potential of ``species`` from relaxed gas molecules (see GAS_REFERENCES)."""
    total = 0.0
    for name, weight in GAS_REFERENCES[species].items():
        gas = molecule(name)
        gas.center(vacuum=6.0)
        gas.pbc = True
        energy, _ = relax(gas, f"{{name}} gas")
        total += weight * energy
    return total


def main():
    reference = reference_energy(ADSORBATE)
    rows = []
    for variant in VARIANTS:
        clean = build_structure()
        label = "slab"
        if variant is not None:
            substitute(clean, variant)
            label = f"slab {{variant}}"
        with_adsorbate = clean.copy()
        add_adsorbate(with_adsorbate, ADSORBATE, HEIGHT, SITE)
        energy_clean, converged_clean = relax(clean, label)
        energy_with, converged_with = relax(with_adsorbate, f"{{label}} + {{ADSORBATE}}")
        save_structure(clean, label)
        save_structure(with_adsorbate, f"{{label}} + {{ADSORBATE}}")
        rows.append({{
            "variant": variant or "as given",
            "adsorption_energy_eV": energy_with - energy_clean - reference,
            "energy_with_adsorbate_eV": energy_with,
            "energy_clean_eV": energy_clean,
            "reference_eV": reference,
            "converged": converged_clean and converged_with,
        }})
    write_results(rows, "adsorption_energy_eV")
''',
    "equation_of_state": """

def main():
    from ase.eos import EquationOfState
    from ase.units import GPa

    rows = []
    for variant in VARIANTS:
        atoms = build_structure()
        label = "bulk"
        if variant is not None:
            substitute(atoms, variant)
            label = f"bulk {{variant}}"
        atoms.calc = CALCULATOR
        cell = atoms.get_cell()
        start_volume = atoms.get_volume()
        volumes, energies = [], []
        # Energy at volumes from (1 - EOS_STRAIN)^3 to (1 + EOS_STRAIN)^3 times the starting one.
        for point in range(EOS_POINTS):
            scale = 1 - EOS_STRAIN + 2 * EOS_STRAIN * point / (EOS_POINTS - 1)
            atoms.set_cell(cell * scale, scale_atoms=True)
            volumes.append(float(atoms.get_volume()))
            energies.append(float(atoms.get_potential_energy()))
            report("step", label=label, step=point, energy_eV=energies[-1], volume_A3=volumes[-1])
        RELAXATIONS.append({{"label": label, "energies_eV": energies, "volumes_A3": volumes}})
        fit = EquationOfState(volumes, energies, eos="birchmurnaghan")
        volume, energy, modulus = fit.fit()
        # Keep the structure at the fitted equilibrium volume.
        atoms.set_cell(cell * (volume / start_volume) ** (1 / 3), scale_atoms=True)
        save_structure(atoms, label)
        rows.append({{"variant": variant or "as given", "bulk_modulus_GPa": float(modulus / GPa),
                     "volume_per_atom_A3": float(volume) / len(atoms),
                     "energy_per_atom_eV": float(energy) / len(atoms), "converged": True}})
    write_results(rows, "bulk_modulus_GPa")
""",
    "vacancy_formation_energy": """

def main():
    rows = []
    for variant in VARIANTS:
        perfect = build_structure()
        label = "bulk"
        if variant is not None:
            substitute(perfect, variant)
            label = f"bulk {{variant}}"
        vacancy = perfect.copy()
        del vacancy[VACANCY_INDEX]
        energy_perfect, converged_perfect = relax(perfect, label)
        energy_vacancy, converged_vacancy = relax(vacancy, f"{{label}} vacancy")
        save_structure(vacancy, f"{{label}} vacancy")
        atoms = len(perfect)
        rows.append({{
            "variant": variant or "as given",
            # E_f = E(N-1 atoms, relaxed) - (N-1)/N E(N atoms): the removed atom goes to the bulk.
            "vacancy_formation_energy_eV": energy_vacancy - (atoms - 1) / atoms * energy_perfect,
            "energy_perfect_eV": energy_perfect,
            "energy_vacancy_eV": energy_vacancy,
            "converged": converged_perfect and converged_vacancy,
        }})
    write_results(rows, "vacancy_formation_energy_eV")
""",
}


def _settings(spec: TaskSpec) -> str:
    """The block of constants at the top of the script: everything a scientist may want to edit."""
    lines = ["", "# --- What to compute (taken from the request; edit freely) ---"]
    structure = spec.structure
    if isinstance(structure, Slab):
        lines += [
            f"HOST = {structure.element!r}  # slab element",
            f"SIZE = {structure.size!r}  # repeats along a and b, number of layers",
            f"VACUUM = {structure.vacuum!r}  # Å of vacuum on each side",
            f"FIXED_LAYERS = {structure.fixed_layers!r}  # bottom layers held at bulk positions",
        ]
    elif isinstance(structure, Bulk):
        lines += [
            f"HOST = {structure.element!r}",
            f"CRYSTAL = {structure.crystal or crystal_of(structure.element)!r}",
            f"LATTICE_CONSTANT = {structure.lattice_constant!r}  # Å; None: ASE's reference value",
            f"REPEAT = {structure.repeat!r}  # supercell of the conventional cell",
        ]
    elif isinstance(structure, Molecule):
        lines += [f"MOLECULE = {structure.name!r}", f"BOX = {structure.box!r}  # Å"]
    else:
        lines += [f"STRUCTURE_FILE = {structure.path!r}"]
    if spec.adsorbate:
        lines += [
            f"ADSORBATE = {spec.adsorbate.species!r}",
            f"SITE = {spec.adsorbate.site!r}  # named site of the top layer",
            f"HEIGHT = {spec.adsorbate.height!r}  # Å above the surface to start from",
        ]
    sub = spec.substitution
    lines.append(f"VARIANTS = {list(sub.by) if sub else [None]!r}  # one result row per entry")
    if sub and sub.index is not None:
        lines.append(f"SUBSTITUTE_INDEX = {sub.index!r}  # ASE's 0-based atom index")
    elif sub:
        lines.append(f"SUBSTITUTE_ELEMENT = {sub.element!r}  # every atom of this element is replaced")
    relax = spec.relax
    lines += [
        f"RELAX = {relax is not None!r}  # False: energies at the starting positions",
        f"FMAX = {relax.fmax if relax else 0.05!r}  # eV/Å: relaxation stops when every force is below",
        f"MAX_STEPS = {relax.steps if relax else 0!r}  # relaxations not converged by then are reported",
    ]
    if spec.property == "equation_of_state":
        lines += [f"EOS_STRAIN = {spec.eos_strain!r}", f"EOS_POINTS = {spec.eos_points!r}"]
    if spec.property == "vacancy_formation_energy":
        lines.append(f"VACANCY_INDEX = {spec.vacancy_index!r}  # the atom removed")
    return "\n".join(lines) + "\n"


def _build(spec: TaskSpec) -> str:
    """``build_structure()``: a fresh copy of the starting structure each time it is called."""
    structure = spec.structure
    if isinstance(structure, Slab):
        maker = f"{crystal_of(structure.element)}{structure.facet}"
        body = (
            f"    atoms = {maker}(HOST, size=SIZE, vacuum=VACUUM)\n"
            "    # ASE tags layers from the top (1) down; hold the bottom FIXED_LAYERS in place.\n"
            "    bottom = SIZE[2] - FIXED_LAYERS\n"
            "    atoms.set_constraint(FixAtoms(indices=[a.index for a in atoms if a.tag > bottom]))\n"
        )
    elif isinstance(structure, Bulk):
        shape = (
            "orthorhombic=True"
            if (structure.crystal or crystal_of(structure.element)) == "hcp"
            else ("cubic=True")
        )
        body = f"    atoms = bulk(HOST, CRYSTAL, a=LATTICE_CONSTANT, {shape}).repeat(REPEAT)\n"
    elif isinstance(structure, Molecule):
        body = "    atoms = molecule(MOLECULE)\n    atoms.center(vacuum=BOX / 2)\n    atoms.pbc = True\n"
    else:
        body = "    atoms = read(STRUCTURE_FILE)\n"
    return (
        '\n\ndef build_structure():\n    """The starting structure (a new object on every call)."""\n'
        + body
        + "    return atoms\n"
    )


def _substitute(spec: TaskSpec) -> str:
    sub = spec.substitution
    if sub is None:
        return ""
    if sub.index is not None:
        body = (
            "    if SUBSTITUTE_INDEX >= len(atoms):\n"
            "        raise SystemExit(f'atom {SUBSTITUTE_INDEX} does not exist: "
            "the structure has {len(atoms)} atoms (0 to {len(atoms) - 1})')\n"
            "    atoms[SUBSTITUTE_INDEX].symbol = element\n"
        )
        return SUBSTITUTE.format(what="atom SUBSTITUTE_INDEX", body=body)
    body = (
        "    for atom in atoms:\n"
        "        if atom.symbol == SUBSTITUTE_ELEMENT:\n"
        "            atom.symbol = element\n"
    )
    return SUBSTITUTE.format(what="every SUBSTITUTE_ELEMENT atom", body=body)


def _build_import(spec: TaskSpec) -> str:
    """What the script imports from ase.build: only what it uses."""
    structure = spec.structure
    names = ["molecule"] if spec.property == "adsorption_energy" else []
    if isinstance(structure, Slab):
        names.append(f"{crystal_of(structure.element)}{structure.facet}")
    elif isinstance(structure, Bulk):
        names.append("bulk")
    elif isinstance(structure, Molecule):
        names.append("molecule")
    if spec.adsorbate:
        names.append("add_adsorbate")
    return f"from ase.build import {', '.join(sorted(set(names)))}\n" if names else ""


def write_script(spec: TaskSpec, filename: str = "simulate.py") -> str:
    """The whole script for ``spec``; ``filename`` is only named in its header."""
    needs = {"emt": "", "sevenn": " and sevenn", "chgnet": " and chgnet"}[spec.calculator]
    structure = spec.structure
    title = f"{spec.property.replace('_', ' ').capitalize()} of {structure.describe()}"
    if spec.substitution:
        title += f", substituted by {', '.join(spec.substitution.by)}"
    request = textwrap.fill(
        " ".join(spec.request.split()) or "(written as a spec, not a request)",
        width=96,
        initial_indent="    ",
        subsequent_indent="    ",
    )
    adsorb = "        add_adsorbate(atoms, ADSORBATE, HEIGHT, SITE)\n" if spec.adsorbate else ""
    parts = [
        HEADER.format(
            title=title,
            request=request.strip(),
            filename=filename,
            needs=needs,
            build_import=_build_import(spec),
            constraints="from ase.constraints import FixAtoms\n" if isinstance(structure, Slab) else "",
            io_names="read, write" if isinstance(structure, StructureFile) else "write",
        ),
        _settings(spec),
        "\n" + CALCULATOR_CODE[spec.calculator] + "\n",
        COMMON,
        _build(spec),
        _substitute(spec),
        WRITE_RESULTS,
        MAIN[spec.property].format(adsorb=adsorb),
        '\n\nif __name__ == "__main__":\n    main()\n',
    ]
    return "".join(parts)
