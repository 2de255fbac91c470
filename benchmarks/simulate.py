"""Natural language → simulation: spec accuracy of the default model, and the seed's catalyst run.

1. Requests (JA + EN, varied phrasing) with their expected specs: exact-match accuracy of the
   spec the default model (Gemma 3 270M base, llama.cpp) reads, and seconds per request. The
   first 20 cover atomic adsorbates, bulk properties and total energies; the next 16 molecular
   adsorbates (CO, OH, H2O), substitution by site, named molecules and reaction energies.
2. The seed request: Pt(111) 3×3×3 slab, O on the fcc hollow, atom 19 substituted by Fe, Pt, V
   and Ni, adsorption energy against ½ O2. Run through sakuin (generated script in the sandbox)
   with the default potential (CHGNet) and as a hand-written ASE script run directly: the
   energies must agree exactly. SevenNet runs the Pt variant alone for the speed comparison
   (seconds per force call). EMT is not in this run: it has no Fe or V.

3. The new kinds of spec with the default potential: CO adsorbed C-down on Pt(111) (energy and
   geometry), the CO* + O* → CO2 reaction energy on Pt(111), and 2 H2 + O2 → 2 H2O in the gas.
4. The OS sandbox's cost: the same small script (numpy imported, one JSON line) run through
   ``run_script`` inside bubblewrap + seccomp and with the OS sandbox off (the walls inside Python
   only), alternating, so the difference per run is measured side by side (goal: < 50 ms).

Prints a table and writes ``benchmarks/results/simulate.json``.

    .venv/bin/python benchmarks/simulate.py [--part all|specs|seed|kinds|sandbox]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ase import Atoms
from ase.io import read
from rich.console import Console
from rich.table import Table

from sakuin.config import SimulateSettings, load_settings
from sakuin.errors import SakuinError
from sakuin.models import load_model
from sakuin.simulate import read_request, run_simulation
from sakuin.simulate.sandbox import Limits, run_script
from sakuin.simulate.spec import Adsorbate, Relaxation, Slab, Substitution, TaskSpec
from sakuin.simulate.walls import probe, walls_here

RESULTS = Path(__file__).parent / "results" / "simulate.json"
SEED_REQUEST = (
    "For the catalyst Pt(111) with O on the fcc hollow site, substitute atom 19 with Fe, Pt, V and Ni "
    "and compute the catalytic activity energy (the O adsorption energy)."
)
FMAX, STEPS = 0.05, 200
DEFAULT, OTHER = "chgnet", "sevenn"
VARIANTS = ("Fe", "Pt", "V", "Ni")
PLOT = RESULTS.with_name("simulate_seed.png")

O_ON_PT = {"species": "O", "site": "fcc"}
PT = {"kind": "slab", "element": "Pt"}
CO_OXIDATION = {
    "reactants": [{"species": "CO", "site": "fcc"}, {"species": "O", "site": "fcc"}],
    "products": [{"species": "CO2"}, {"species": "*", "coefficient": 2}],
}
WATER = {
    "reactants": [{"species": "H2", "coefficient": 2}, {"species": "O2"}],
    "products": [{"species": "H2O", "coefficient": 2}],
}
SEED = {"structure": {"kind": "slab", "element": "Pt"}, "property": "adsorption_energy",
        "adsorbate": O_ON_PT, "substitution": {"index": 19, "by": ["Fe", "Pt", "V", "Ni"]}}  # fmt: skip

# (request, expected fields); defaults (calculator chgnet, relax on) are filled in by the spec.
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    (SEED_REQUEST, SEED),
    (
        "Pt(111)表面のfccサイトに酸素を吸着させ、19番の原子をFe、Pt、V、Niに置換して吸着エネルギーを計算してください。",
        SEED,
    ),
    (
        "触媒のPt(111)で19番目の原子を鉄、白金、バナジウム、ニッケルに置き換え、fccホローのOの吸着エネルギーを求めて",
        SEED,
    ),
    (
        "How strongly does oxygen bind at the fcc hollow of Pt(111) "
        "when atom 19 is swapped for Fe, Pt, V or Ni?",
        SEED,
    ),
    (
        "Adsorption energy of H on the ontop site of Cu(100)",
        {
            "structure": {"kind": "slab", "element": "Cu", "facet": "100"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "H", "site": "ontop"},
        },
    ),
    (
        "Ni(111)のhcpサイトに水素を置いたときの吸着エネルギー",
        {
            "structure": {"kind": "slab", "element": "Ni"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "H", "site": "hcp"},
        },
    ),
    (
        "Compute the N adsorption energy on the bridge site of Pd(111).",
        {
            "structure": {"kind": "slab", "element": "Pd"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "N", "site": "bridge"},
        },
    ),
    (
        "Au(100)のホローサイトに炭素を吸着させ、原子10をAgとCuに置換したときの吸着エネルギー",
        {
            "structure": {"kind": "slab", "element": "Au", "facet": "100"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "C", "site": "hollow"},
            "substitution": {"index": 10, "by": ["Ag", "Cu"]},
        },
    ),
    (
        "What is the bulk modulus of copper?",
        {"structure": {"kind": "bulk", "element": "Cu"}, "property": "equation_of_state"},
    ),
    (
        "アルミニウムの体積弾性率を状態方程式から求めて",
        {"structure": {"kind": "bulk", "element": "Al"}, "property": "equation_of_state"},
    ),
    (
        "Fit an equation of state for bulk Pd.",
        {"structure": {"kind": "bulk", "element": "Pd"}, "property": "equation_of_state"},
    ),
    (
        "鉄の結晶の体積弾性率は？",
        {"structure": {"kind": "bulk", "element": "Fe"}, "property": "equation_of_state"},
    ),
    (
        "Compute the vacancy formation energy of bulk Ni.",
        {"structure": {"kind": "bulk", "element": "Ni"}, "property": "vacancy_formation_energy"},
    ),
    (
        "銅の空孔形成エネルギーを計算して",
        {"structure": {"kind": "bulk", "element": "Cu"}, "property": "vacancy_formation_energy"},
    ),
    (
        "How much energy does it cost to make a vacancy in platinum?",
        {"structure": {"kind": "bulk", "element": "Pt"}, "property": "vacancy_formation_energy"},
    ),
    (
        "Relax a Pt(111) slab and give me its total energy.",
        {"structure": {"kind": "slab", "element": "Pt"}, "property": "total_energy"},
    ),
    (
        "Ag(110)スラブを緩和して全エネルギーを出して",
        {"structure": {"kind": "slab", "element": "Ag", "facet": "110"}, "property": "total_energy"},
    ),
    (
        "Total energy of Cu(111) with atom 20 replaced by Ni, Pd or Au",
        {
            "structure": {"kind": "slab", "element": "Cu"},
            "property": "total_energy",
            "substitution": {"index": 20, "by": ["Ni", "Pd", "Au"]},
        },
    ),
    (
        "Pt(100)のトップサイトにOを置き、原子22をNiとCuに変えて吸着エネルギーを比較したい",
        {
            "structure": {"kind": "slab", "element": "Pt", "facet": "100"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "O", "site": "ontop"},
            "substitution": {"index": 22, "by": ["Ni", "Cu"]},
        },
    ),
    (
        "Single-point energy of a Au(111) slab without relaxation",
        {"structure": {"kind": "slab", "element": "Au"}, "property": "total_energy", "relax": None},
    ),
    # Added with molecular adsorbates, named molecules, substitution by site and reaction energies.
    (
        "Compute the adsorption energy of CO on the ontop site of Pt(111).",
        {"structure": PT, "property": "adsorption_energy", "adsorbate": {"species": "CO", "site": "ontop"}},
    ),
    (
        "Pt(111)のトップサイトに一酸化炭素を吸着させたときの吸着エネルギーを計算して",
        {"structure": PT, "property": "adsorption_energy", "adsorbate": {"species": "CO", "site": "ontop"}},
    ),
    (
        "OH adsorption energy at the fcc site of Pt(111), with a surface atom substituted by Ni and Cu",
        {
            "structure": PT,
            "property": "adsorption_energy",
            "adsorbate": {"species": "OH", "site": "fcc"},
            "substitution": {"site": "surface", "by": ["Ni", "Cu"]},
        },
    ),
    (
        "Cu(111)の水酸基の吸着エネルギーをhcpサイトで、表面の原子をPdに置換して",
        {
            "structure": {"kind": "slab", "element": "Cu"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "OH", "site": "hcp"},
            "substitution": {"site": "surface", "by": ["Pd"]},
        },
    ),
    (
        "Adsorption energy of H2O on the ontop site of Cu(100)",
        {
            "structure": {"kind": "slab", "element": "Cu", "facet": "100"},
            "property": "adsorption_energy",
            "adsorbate": {"species": "H2O", "site": "ontop"},
        },
    ),
    (
        "Pt(111)のfccサイトに酸素を吸着させ、表面下の原子をFe、Niに置換して吸着エネルギーを計算",
        {
            "structure": PT,
            "property": "adsorption_energy",
            "adsorbate": O_ON_PT,
            "substitution": {"site": "subsurface", "by": ["Fe", "Ni"]},
        },
    ),
    (
        "Substitute a subsurface atom of Pt(111) with Ni and Cu and compute O adsorption at the fcc site",
        {
            "structure": PT,
            "property": "adsorption_energy",
            "adsorbate": O_ON_PT,
            "substitution": {"site": "subsurface", "by": ["Ni", "Cu"]},
        },
    ),
    (
        "Relax the CO molecule and report its total energy",
        {"structure": {"kind": "molecule", "name": "CO"}, "property": "total_energy"},
    ),
    (
        "水分子の全エネルギーを求めて",
        {"structure": {"kind": "molecule", "name": "H2O"}, "property": "total_energy"},
    ),
    (
        "Total energy of ammonia",
        {"structure": {"kind": "molecule", "name": "NH3"}, "property": "total_energy"},
    ),
    (
        "メタンを緩和してエネルギーを計算",
        {"structure": {"kind": "molecule", "name": "CH4"}, "property": "total_energy"},
    ),
    (
        "Reaction energy of CO + O → CO2 on Pt(111), adsorbates at the fcc site",
        {"structure": PT, "property": "reaction_energy", "reaction": CO_OXIDATION},
    ),
    (
        "Pt(111)上でCO + O → CO2の反応エネルギーを計算して。吸着サイトはfcc",
        {"structure": PT, "property": "reaction_energy", "reaction": CO_OXIDATION},
    ),
    (
        "Reaction energy of CO + O → CO2 on Pt(111) at the fcc site, with atom 19 replaced by Ni or Cu",
        {
            "structure": PT,
            "property": "reaction_energy",
            "reaction": CO_OXIDATION,
            "substitution": {"index": 19, "by": ["Ni", "Cu"]},
        },
    ),
    ("Reaction energy of 2 H2 + O2 → 2 H2O", {"property": "reaction_energy", "reaction": WATER}),
    ("2H2 + O2 -> 2H2Oの反応エネルギーを求めて", {"property": "reaction_energy", "reaction": WATER}),
]

HANDWRITTEN = r"""
# The seed's computation written by hand with ASE, run directly (no sakuin, no sandbox).
import json, sys, time
from ase.build import fcc111, add_adsorbate, molecule
from ase.constraints import FixAtoms
from ase.optimize import BFGS
from chgnet.model import CHGNet
from chgnet.model.dynamics import CHGNetCalculator

fmax, steps = float(sys.argv[1]), int(sys.argv[2])
model = CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False)
calc = CHGNetCalculator(model=model, use_device="cpu")

def relaxed_energy(atoms):
    atoms.calc = calc
    BFGS(atoms, logfile=None).run(fmax=fmax, steps=steps)
    return float(atoms.get_potential_energy())

start = time.perf_counter()
o2 = molecule("O2")
o2.center(vacuum=6.0)
o2.pbc = True
mu_o = 0.5 * relaxed_energy(o2)
energies = {}
for element in ["Fe", "Pt", "V", "Ni"]:
    slab = fcc111("Pt", size=(3, 3, 3), vacuum=7.5)
    slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag > 2]))
    slab[19].symbol = element
    with_o = slab.copy()
    add_adsorbate(with_o, "O", 1.5, "fcc")
    energies[element] = relaxed_energy(with_o) - relaxed_energy(slab) - mu_o
print(json.dumps({"energies": energies, "seconds": time.perf_counter() - start}))
"""


def spec_accuracy(console: Console) -> dict[str, Any]:
    settings = load_settings()
    model = load_model(settings)
    rows = []
    for request, expected in REQUESTS:
        wanted = TaskSpec.model_validate({"request": request, "calculator": "chgnet", **expected})
        started = time.perf_counter()
        chose: list[str] | None = None  # the fields the model chose among options (None: error)
        try:
            reading = read_request(request, model, calculator="chgnet")
            chose = reading.scored
            got: Any = (
                reading.spec.model_dump(mode="json") if reading.spec else {"questions": reading.questions}
            )
        except SakuinError as exc:
            got = {"error": str(exc)}
        seconds = time.perf_counter() - started
        rows.append(
            {
                "request": request,
                "correct": got == wanted.model_dump(mode="json"),
                "seconds": seconds,
                "model_chose": chose,
                "got": got if got != wanted.model_dump(mode="json") else "as expected",
            }
        )
    model.close()
    times = sorted(r["seconds"] for r in rows[1:])  # the first request pays for the prefix cache
    scored = sorted(r["seconds"] for r in rows[1:] if r["model_chose"])
    table = Table("request", "correct", "s")
    for row in rows:
        table.add_row(row["request"][:70], "yes" if row["correct"] else "[red]no[/]", f"{row['seconds']:.2f}")
    console.print(table)
    return {
        "model": settings.model.name,
        "backend": settings.model.backend,
        "requests": len(rows),
        "correct": sum(r["correct"] for r in rows),
        "accuracy": sum(r["correct"] for r in rows) / len(rows),
        "correct_first_20": sum(r["correct"] for r in rows[:20]),
        "correct_new_kinds": f"{sum(r['correct'] for r in rows[20:])}/{len(rows) - 20}",
        "median_seconds": times[len(times) // 2],
        "requests_with_a_model_choice": len(scored),
        "median_seconds_with_a_model_choice": scored[len(scored) // 2] if scored else None,
        "first_seconds": rows[0]["seconds"],
        "items": rows,
    }


def seed_run(calculator: str, folder: Path, variants: tuple[str, ...]) -> dict[str, Any]:
    """The seed through sakuin (spec → script → sandbox), with wall time per relaxation."""
    spec = TaskSpec(
        request=SEED_REQUEST,
        structure=Slab(element="Pt"),
        property="adsorption_energy",
        adsorbate=Adsorbate(species="O", site="fcc"),
        calculator=calculator,  # type: ignore[arg-type]
        substitution=Substitution(index=19, by=variants),
        relax=Relaxation(fmax=FMAX, steps=STEPS),
    )
    marks: list[dict[str, Any]] = []
    last = [time.perf_counter()]

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "relaxed":
            now = time.perf_counter()
            # the first relaxation's time includes starting Python and loading the potential
            marks.append({"label": event["label"], "seconds": now - last[0], "steps": event["steps"]})
            last[0] = now

    result = run_simulation(spec, folder, SimulateSettings(threads=2), on_event=on_event)
    timed = marks[1:]
    evaluations = sum(m["steps"] + 1 for m in timed)
    return {
        "calculator": calculator,
        "seconds": result.seconds,
        "rows": result.rows,
        "relaxations": marks,
        "seconds_per_relaxation": sum(m["seconds"] for m in timed) / len(timed),
        "seconds_per_force_call": sum(m["seconds"] for m in timed) / evaluations,
        "plot": (folder / "energies.png").read_bytes(),
    }


def handwritten_run() -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", HANDWRITTEN, str(FMAX), str(STEPS)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def seed_benchmark(console: Console) -> dict[str, Any]:
    """The default potential on all four variants and by hand; the other potential on Pt alone."""
    seed: dict[str, Any] = {
        "slab": "Pt(111) 3×3×3, vacuum 7.5 Å, bottom layer fixed, O 1.5 Å above the fcc site",
        "fmax_eV_per_A": FMAX,
        "max_steps": STEPS,
        "threads": 2,
        "reference": "½ E(O2) relaxed in a box",
        "emt": "not run: EMT has no parameters for Fe or V",
    }
    with tempfile.TemporaryDirectory() as scratch:
        default = seed_run(DEFAULT, Path(scratch) / DEFAULT, VARIANTS)
        PLOT.write_bytes(default.pop("plot"))
        other = seed_run(OTHER, Path(scratch) / OTHER, ("Pt",))
        other.pop("plot")
    by_hand = handwritten_run()
    generated = {row["variant"]: row["adsorption_energy_eV"] for row in default["rows"]}
    seed.update(
        {
            "default": default,
            "other_potential_on_pt": other,
            "handwritten": by_hand,
            "exact_agreement": generated == by_hand["energies"],
            "speed_ratio_other_per_force_call": other["seconds_per_force_call"]
            / default["seconds_per_force_call"],
        }
    )
    table = Table("variant", f"{DEFAULT} via sakuin (eV)", f"{DEFAULT} by hand (eV)", f"{OTHER} (eV)")
    other_rows = {row["variant"]: row["adsorption_energy_eV"] for row in other["rows"]}
    for variant, energy in generated.items():
        hand = by_hand["energies"][variant]
        table.add_row(variant, f"{energy:.6f}", f"{hand:.6f}", f"{other_rows.get(variant, float('nan')):.4f}")
    console.print(table)
    for run in (default, other):
        console.print(
            f"{run['calculator']}: {run['seconds']:.1f} s in all, {run['seconds_per_relaxation']:.1f} s per "
            f"relaxation, {run['seconds_per_force_call']:.2f} s per force call"
        )
    console.print(f"by hand: {by_hand['seconds']:.1f} s; exact agreement: {seed['exact_agreement']}")
    return seed


SMALL_PT = {"kind": "slab", "element": "Pt", "size": [2, 2, 3]}
NEW_KINDS = {
    "CO on top of Pt(111) 2×2×3: adsorption energy vs the CO molecule": {
        "structure": SMALL_PT,
        "property": "adsorption_energy",
        "adsorbate": {"species": "CO", "site": "ontop"},
    },
    "CO* + O* → CO2 + 2 * on Pt(111) 2×2×3, fcc sites: reaction energy": {
        "structure": SMALL_PT,
        "property": "reaction_energy",
        "reaction": CO_OXIDATION,
    },
    "2 H2 + O2 → 2 H2O in the gas phase: reaction energy": {
        "property": "reaction_energy",
        "reaction": WATER,
    },
}


def new_kinds(console: Console) -> dict[str, Any]:
    """The new kinds of spec run with the default potential (no hand-written twin here: the tests
    check the generated scripts against direct ASE with EMT, bit for bit)."""
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for number, (name, fields) in enumerate(NEW_KINDS.items()):
            spec = TaskSpec.model_validate({"calculator": DEFAULT, **fields})
            folder = Path(scratch) / str(number)
            result = run_simulation(spec, folder, SimulateSettings(threads=2))
            runs[name] = {"seconds": result.seconds, "row": result.rows[0]}
            if spec.adsorbate:  # where the molecule ended up: binding atom height and bond length
                final = read(folder / "structures" / "slab+CO.xyz", index=-1)
                assert isinstance(final, Atoms)
                top = max(final.positions[: len(final) - 2, 2])
                runs[name]["C_height_above_surface_A"] = float(final.positions[-1, 2] - top)
                bond = final.positions[-1] - final.positions[-2]
                runs[name]["C_O_bond_A"] = float((bond**2).sum() ** 0.5)
    table = Table("calculation", f"{DEFAULT} (eV)", "s")
    for name, run in runs.items():
        energy = run["row"].get("adsorption_energy_eV", run["row"].get("reaction_energy_eV"))
        table.add_row(name, f"{energy:.3f}", f"{run['seconds']:.0f}")
    console.print(table)
    return {"calculator": DEFAULT, "fmax_eV_per_A": 0.05, "runs": runs}


SANDBOX_PROBE = (
    "import json\nimport numpy\nprint(json.dumps({'event': 'done', 'x': float(numpy.ones(3).sum())}))\n"
)


def sandbox_overhead(console: Console, runs: int = 30) -> dict[str, Any]:
    """Seconds per run of one small script with and without the OS sandbox, alternating."""
    walls = walls_here()
    if not walls.os_sandbox:
        console.print(f"[red]OS sandbox down, nothing to compare: {walls.reason}[/]")
        return {"os_sandbox": False, "reason": walls.reason}
    off = probe("/nonexistent/bwrap")  # the same runner with only the walls inside Python
    limits = Limits(wall_seconds=60)
    seconds: dict[str, list[float]] = {"bubblewrap + seccomp": [], "without the OS sandbox": []}
    with tempfile.TemporaryDirectory() as scratch:
        for number in range(runs + 1):  # the first pair warms the page cache and is dropped
            for name, chosen in (("bubblewrap + seccomp", walls), ("without the OS sandbox", off)):
                folder = Path(scratch) / f"{number}-{len(name)}"
                started = time.perf_counter()
                run_script(SANDBOX_PROBE, folder, limits, walls=chosen, model_written=False)
                if number:
                    seconds[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    overhead = medians["bubblewrap + seccomp"] - medians["without the OS sandbox"]
    table = Table("walls", "median s per run", "min s", "runs")
    for name, values in seconds.items():
        table.add_row(name, f"{medians[name]:.3f}", f"{min(values):.3f}", str(len(values)))
    console.print(table)
    console.print(f"OS sandbox overhead: {overhead * 1000:.1f} ms per run (goal < 50 ms)")
    return {
        "os_sandbox": True,
        "runs": runs,
        "median_seconds": medians,
        "min_seconds": {name: min(values) for name, values in seconds.items()},
        "overhead_ms": overhead * 1000,
        "script": SANDBOX_PROBE,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        choices=["all", "specs", "seed", "kinds", "sandbox"],
        default="all",
        help="run one part; the other part's numbers are kept from the previous results file",
    )
    args = parser.parse_args()
    console = Console()
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_at_start": os.getloadavg(),
        }
    }
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    kept = ("spec_accuracy", "seed", "new_kinds", "sandbox_overhead")
    report.update({k: v for k, v in previous.items() if k in kept})
    if args.part in ("all", "specs"):
        report["spec_accuracy"] = spec_accuracy(console)
        console.print(
            f"spec accuracy {report['spec_accuracy']['accuracy']:.0%} "
            f"(first 20: {report['spec_accuracy']['correct_first_20']}/20, "
            f"new kinds: {report['spec_accuracy']['correct_new_kinds']}); "
            f"{report['spec_accuracy']['requests_with_a_model_choice']} requests had a model choice, "
            f"median {report['spec_accuracy']['median_seconds_with_a_model_choice']:.2f} s; overall "
            f"median {report['spec_accuracy']['median_seconds']:.2f} s per request"
        )
    if args.part in ("all", "seed"):
        report["seed"] = seed_benchmark(console)
    if args.part in ("all", "kinds"):
        report["new_kinds"] = new_kinds(console)
    if args.part in ("all", "sandbox"):
        report["sandbox_overhead"] = sandbox_overhead(console)
    report["machine"]["load_at_end"] = os.getloadavg()  # the machine is shared: timings vary with it
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
