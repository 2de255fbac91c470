"""Spec → a complete, commented ASE script a scientist can read, edit and run without sakuin.

The script *is* the computation: sakuin runs exactly this text in the sandbox, so what the scientist
reads is what produced the numbers. It prints one JSON line per event (relaxation steps, results)
for whoever runs it, and writes results.json, results.csv, PNG plots and the final structures into
its working directory.
"""

from __future__ import annotations

import textwrap

from sakuin.simulate.spec import (
    BINDING_ATOMS,
    CLEAN_SLAB,
    LAYER_OF_SITE,
    Bulk,
    Molecule,
    Slab,
    StructureFile,
    TaskSpec,
    crystal_of,
)

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
    name = label.replace(" + ", "+").replace(" ", "_").replace("*", "_ads")
    write(folder / f"{name}.cif", atoms)
    write(folder / f"{name}.xyz", atoms)
'''

GAS = '''

def gas_energy(name):
    """``name`` (ASE's G2 set) relaxed alone in a periodic box: the gas-phase molecule.

    Returns (energy in eV, converged?).
    """
    gas = molecule(name)
    gas.center(vacuum=6.0)
    gas.pbc = True
    return relax(gas, f"{name} gas")
'''

PLACE_ADSORBATE = '''

def place_adsorbate(atoms, species, site):
    """Put ``species`` HEIGHT Å above ``site`` of the top layer.

    An atom goes in as it is. A molecule is ASE's G2 geometry, turned upside down if needed so
    that its binding atom (BINDING_ATOM) is its lowest atom: that atom sits on the site, the rest
    points away from the surface.
    """
    if species not in BINDING_ATOM:
        add_adsorbate(atoms, species, HEIGHT, site)
        return
    gas = molecule(species)
    binding = gas.get_chemical_symbols().index(BINDING_ATOM[species])
    if gas.positions[binding, 2] > gas.positions[:, 2].min():
        gas.rotate(180, "x", center=gas.positions[binding])
    add_adsorbate(atoms, gas, HEIGHT, site, mol_index=binding)
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

# The adsorbate's energy is measured from gas molecules, each relaxed in a periodic box with the
# same calculator: O from ½ O2, H from ½ H2, N from ½ N2, C from CH4 − 2 H2; CO from the CO
# molecule, H2O from the H2O molecule, OH from H2O − ½ H2 (the hydrogen goes to H2).
GAS_REFERENCES = {{
    "O": {{"O2": 0.5}},
    "H": {{"H2": 0.5}},
    "N": {{"N2": 0.5}},
    "C": {{"CH4": 1.0, "H2": -2.0}},
    "CO": {{"CO": 1.0}},
    "OH": {{"H2O": 1.0, "H2": -0.5}},
    "H2O": {{"H2O": 1.0}},
}}


def reference_energy(species):
    """Chemical potential of ``species`` from relaxed gas molecules (see GAS_REFERENCES)."""
    total = 0.0
    for name, weight in GAS_REFERENCES[species].items():
        energy, _ = gas_energy(name)
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
        place_adsorbate(with_adsorbate, ADSORBATE, SITE)
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
    "reaction_energy": '''

def state_label(species, site):
    """How a state is named in labels and result columns: CO*(fcc), CO2(g) or * (the clean slab)."""
    if species == "*":
        return "*"
    return f"{{species}}*({{site}})" if site else f"{{species}}(g)"


def main():
    gas = {{}}  # gas-phase energies do not depend on the variant: each molecule is relaxed once
    rows = []
    for variant in VARIANTS:
        energies, converged = {{}}, True
        for _, species, site in REACTANTS + PRODUCTS:
            label = state_label(species, site)
            if label in energies:
                continue
            if species != "*" and site is None:
                if species not in gas:
                    gas[species] = gas_energy(species)
                energies[label], done = gas[species]
            else:
                # Each adsorbed state has a slab of its own: states do not meet (no co-adsorption).
                atoms = build_structure()
                if species != "*":
                    place_adsorbate(atoms, species, site)
                if variant is not None:
                    substitute(atoms, variant)
                name = label if variant is None else f"{{label}} {{variant}}"
                energies[label], done = relax(atoms, name)
                save_structure(atoms, name)
            converged = converged and done
        reactants = sum(coefficient * energies[state_label(s, site)] for coefficient, s, site in REACTANTS)
        products = sum(coefficient * energies[state_label(s, site)] for coefficient, s, site in PRODUCTS)
        rows.append({{
            "variant": variant or "as given",
            # ΔE = Σ products − Σ reactants, each state's energy times its coefficient.
            "reaction_energy_eV": products - reactants,
            "reactants_eV": reactants,
            "products_eV": products,
            **{{f"E[{{label}}]_eV": energy for label, energy in energies.items()}},
            "converged": converged,
        }})
    write_results(rows, "reaction_energy_eV")
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
    elif isinstance(structure, StructureFile):
        lines += [f"STRUCTURE_FILE = {structure.path!r}"]
    if spec.adsorbate:
        lines += [
            f"ADSORBATE = {spec.adsorbate.species!r}",
            f"SITE = {spec.adsorbate.site!r}  # named site of the top layer",
            f"HEIGHT = {spec.adsorbate.height!r}  # Å above the surface to start from",
        ]
    if spec.reaction:
        lines += _reaction_settings(spec)
    if adsorbed := _adsorbed_species(spec):
        binding = {s: BINDING_ATOMS[s] for s in adsorbed if s in BINDING_ATOMS}
        lines.append(f"BINDING_ATOM = {binding!r}  # the atom of each molecule that bonds to the surface")
    sub = spec.substitution
    lines.append(f"VARIANTS = {list(sub.by) if sub else [None]!r}  # one result row per entry")
    if sub and sub.index is not None:
        lines.append(f"SUBSTITUTE_INDEX = {sub.index!r}  # ASE's 0-based atom index")
    elif sub and sub.site is not None:
        lines.append(
            f"SUBSTITUTE_LAYER = {LAYER_OF_SITE[sub.site]!r}  # {sub.site} layer "
            "(ASE tags slab layers 1, 2, … from the top); site_atom() picks the atom"
        )
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


def _reaction_settings(spec: TaskSpec) -> list[str]:
    assert spec.reaction is not None
    lines = [
        f"# The reaction {spec.reaction.describe()}, as (coefficient, species, site) states:",
        "# site None is the gas-phase molecule in a box, species '*' the clean slab, anything else",
        "# that species adsorbed on that site of its own slab (HEIGHT Å above it to start from).",
    ]
    for name, side in (("REACTANTS", spec.reaction.reactants), ("PRODUCTS", spec.reaction.products)):
        states = ", ".join(repr((s.coefficient, s.species, s.site)) for s in side)
        lines.append(f"{name} = [{states}]")
    if any(s.site for s in spec.reaction.states()):
        lines.append("HEIGHT = 1.5  # Å above the surface to start from")
    return lines


def _adsorbed_species(spec: TaskSpec) -> list[str]:
    """Species the script puts on the slab: the adsorbate, or the reaction's adsorbed states."""
    if spec.adsorbate:
        return [spec.adsorbate.species]
    if spec.reaction:
        return list(dict.fromkeys(s.species for s in spec.reaction.states() if s.site is not None))
    return []


def _build(spec: TaskSpec) -> str:
    """``build_structure()``: a fresh copy of the starting structure each time it is called."""
    structure = spec.structure
    if structure is None:
        return ""
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
    if sub.site is not None:
        body = (
            "    index = site_atom(atoms)\n"
            "    report('substituted', index=index, element=element, was=atoms[index].symbol)\n"
            "    atoms[index].symbol = element\n"
        )
        site_atom = SITE_ATOM.format(probe=PROBE if spec.adsorbate else "")
        return site_atom + SUBSTITUTE.format(what="the atom site_atom() picks", body=body)
    body = (
        "    for atom in atoms:\n"
        "        if atom.symbol == SUBSTITUTE_ELEMENT:\n"
        "            atom.symbol = element\n"
    )
    return SUBSTITUTE.format(what="every SUBSTITUTE_ELEMENT atom", body=body)


SITE_ATOM = '''

def site_atom(atoms):
    """The atom to substitute: in layer SUBSTITUTE_LAYER, the one nearest the adsorbate.

    The adsorbate's binding atom is its lowest atom (add_adsorbate tags adsorbate atoms 0).
    Distances count periodic images and are rounded to 10^-6 Å so that equal distances (e.g. the
    three atoms around a hollow) tie exactly; a tie goes to the lowest index. Without an adsorbate
    every atom of a layer is equivalent on the periodic slab, and the lowest index is taken.
    """
    layer = [atom.index for atom in atoms if atom.tag == SUBSTITUTE_LAYER]
    adsorbate = [atom.index for atom in atoms if atom.tag == 0]
{probe}    if not adsorbate:
        return min(layer)
    binding = min(adsorbate, key=lambda index: atoms.positions[index, 2])
    distances = atoms.get_distances(binding, layer, mic=True)
    return min(zip((round(float(d), 6) for d in distances), layer))[1]
'''
PROBE = """\
    if not adsorbate:  # a clean slab that gets ADSORBATE later: choose by where it will sit
        probe = atoms.copy()
        place_adsorbate(probe, ADSORBATE, SITE)
        return site_atom(probe)
"""


def _build_import(spec: TaskSpec) -> str:
    """What the script imports from ase.build: only what it uses."""
    structure = spec.structure
    names = ["molecule"] if _needs_gas(spec) or _adsorbed_species(spec) else []
    if isinstance(structure, Slab):
        names.append(f"{crystal_of(structure.element)}{structure.facet}")
    elif isinstance(structure, Bulk):
        names.append("bulk")
    elif isinstance(structure, Molecule):
        names.append("molecule")
    if _adsorbed_species(spec):
        names.append("add_adsorbate")
    return f"from ase.build import {', '.join(sorted(set(names)))}\n" if names else ""


def _needs_gas(spec: TaskSpec) -> bool:
    """Whether the script relaxes gas molecules: adsorption references or gas-phase reaction states."""
    states = spec.reaction.states() if spec.reaction else ()
    return spec.property == "adsorption_energy" or any(s.species != CLEAN_SLAB and not s.site for s in states)


def write_script(spec: TaskSpec, filename: str = "simulate.py") -> str:
    """The whole script for ``spec``; ``filename`` is only named in its header."""
    needs = {"emt": "", "sevenn": " and sevenn", "chgnet": " and chgnet"}[spec.calculator]
    structure = spec.structure
    subject = spec.reaction.describe() if spec.reaction else ""
    if structure is not None:
        subject += (" on " if subject else "") + structure.describe()
    title = f"{spec.property.replace('_', ' ').capitalize()} of {subject}"
    if spec.substitution:
        title += f", substituted by {', '.join(spec.substitution.by)}"
    request = textwrap.fill(
        " ".join(spec.request.split()) or "(written as a spec, not a request)",
        width=96,
        initial_indent="    ",
        subsequent_indent="    ",
    )
    adsorb = "        place_adsorbate(atoms, ADSORBATE, SITE)\n" if spec.adsorbate else ""
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
        GAS if _needs_gas(spec) else "",
        _build(spec),
        PLACE_ADSORBATE if _adsorbed_species(spec) else "",
        _substitute(spec),
        WRITE_RESULTS,
        MAIN[spec.property].format(adsorb=adsorb),
        '\n\nif __name__ == "__main__":\n    main()\n',
    ]
    return "".join(parts)
