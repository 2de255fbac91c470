"""Request → spec with the real default model (JA + EN), and the bad-input list."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.errors import SimulationFailedError, SimulationQuestionsError, SimulationSpecError
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.simulate import build_spec, read_request
from sakuin.simulate.mentions import find_mentions

SEED_FIELDS = {
    "structure": {"kind": "slab", "element": "Pt", "facet": "111"},
    "adsorbate": {"species": "O", "site": "fcc"},
    "substitution": {"index": 19, "by": ("Fe", "Pt", "V", "Ni")},
}


def _subset(spec: dict[str, object], expected: dict[str, object]) -> bool:
    return all(
        _subset(spec[k], v) if isinstance(v, dict) else spec[k] == v  # type: ignore[arg-type]
        for k, v in expected.items()
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("request_text", "property_", "fields"),
    [
        (
            "For the catalyst Pt(111) with O on the fcc hollow, substitute atom 19 with Fe, Pt, V and Ni and "
            "compute the catalytic activity energy",
            "adsorption_energy",
            SEED_FIELDS,
        ),
        (
            "Pt(111)表面のfccサイトに酸素を吸着させ、19番の原子をFe、Pt、V、Niに置換して吸着エネルギーを計算して",
            "adsorption_energy",
            SEED_FIELDS,
        ),
        (
            "What is the bulk modulus of copper?",
            "equation_of_state",
            {"structure": {"kind": "bulk", "element": "Cu"}},
        ),
        (
            "銅の空孔形成エネルギーを計算して",
            "vacancy_formation_energy",
            {"structure": {"kind": "bulk", "element": "Cu"}},
        ),
        (
            "Relax Au(100) and give me its total energy",
            "total_energy",
            {"structure": {"kind": "slab", "element": "Au", "facet": "100"}},
        ),
    ],
)
def test_requests_become_specs(
    gemma_llama: LlamaCppModel, request_text: str, property_: str, fields: dict[str, object]
) -> None:
    spec = read_request(request_text, gemma_llama, calculator="chgnet").require_spec()
    assert spec.property == property_
    assert _subset(spec.model_dump(), fields)


@pytest.mark.slow
def test_missing_information_is_asked_back(gemma_llama: LlamaCppModel) -> None:
    reading = read_request(
        "Put O on the hollow site of Pt(111) and compute the adsorption energy", gemma_llama, calculator="emt"
    )
    assert reading.spec is None and reading.questions == ["Which hollow site: fcc or hcp?"]
    with pytest.raises(SimulationQuestionsError, match="fcc or hcp"):
        reading.require_spec()
    reading = read_request(
        "Substitute Fe and Ni into Pt(111) and compute O adsorption at the fcc site",
        gemma_llama,
        calculator="chgnet",
    )
    assert any("Give its index" in q for q in reading.questions)


@pytest.mark.parametrize("request_text", ["Calculate the phonon spectrum of Pt", "白金のフォノンを計算して"])
def test_unsupported_property_is_refused_before_the_model(request_text: str) -> None:
    with pytest.raises(
        SimulationSpecError, match=r"cannot compute .(phonon|フォノン).; it computes: adsorption"
    ):
        read_request(request_text, model=None, calculator="emt")  # type: ignore[arg-type]


def test_unknown_element_is_refused_before_the_model() -> None:
    with pytest.raises(SimulationSpecError, match="'Xz' is not a chemical element"):
        read_request("Substitute atom 19 of Pt(111) with Xz", model=None, calculator="emt")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "structure": {"kind": "slab", "element": "Pt"},
                "property": "total_energy",
                "substitution": {"index": 40, "by": ["Ni"]},
            },
            r"index 40 is out of range: Pt\(111\) slab 3×3×3 has 27 atoms",
        ),
        (
            {
                "structure": {"kind": "slab", "element": "Pt", "facet": "100"},
                "property": "adsorption_energy",
                "adsorbate": {"species": "O", "site": "fcc"},
            },
            r"no 'fcc' site on Pt\(100\) slab.*ontop, bridge, hollow",
        ),
        (
            {"structure": {"kind": "bulk", "element": "Cu"}, "property": "band_gap"},
            "unsupported property .band_gap.; sakuin computes: total_energy",
        ),
        (
            {"structure": {"kind": "slab", "element": "Qq"}, "property": "total_energy"},
            "'Qq' is not a chemical element",
        ),
        (
            {"structure": {"kind": "slab", "element": "Fe"}, "property": "total_energy"},
            "EMT has no parameters for Fe",
        ),
        (
            {"structure": {"kind": "slab", "element": "Pt", "facet": "123"}, "property": "total_energy"},
            r"no \(123\) surface",
        ),
    ],
)
def test_bad_specs_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(SimulationSpecError, match=message):
        build_spec({"calculator": "emt", **fields})


def test_structure_file_that_does_not_parse(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cif"
    broken.write_text("data_x\n_cell_length_a oops\n", encoding="utf-8")
    with pytest.raises(SimulationSpecError, match="does not parse"):
        build_spec({"structure": {"kind": "file", "path": str(broken)}, "property": "total_energy"})


def test_mentions_read_symbols_names_and_numbers() -> None:
    found = find_mentions(
        "Pt(111)の19番の原子を鉄、白金、バナジウム、ニッケルに置換、3x3 slab 4 layers, fmax 0.02"
    )
    assert found.symbols() == ["Pt", "Fe", "V", "Ni"]
    assert found.enumerations() == [["Fe", "Pt", "V", "Ni"]]
    assert (found.index, found.facet, found.facet_element, found.size, found.fmax) == (
        19,
        "111",
        "Pt",
        (3, 3, 4),
        0.02,
    )
    assert find_mentions("合金と金属").symbols() == []
    assert find_mentions("In a Cu crystal, I want EMT").symbols() == ["Cu"]


@pytest.mark.slow
def test_free_form_repair_loop_is_bounded(gemma_llama: LlamaCppModel, tmp_path: Path) -> None:
    """The 270M base model writes no working script; the loop stops after its attempts and says so."""
    from sakuin.simulate.freeform import write_and_run
    from sakuin.simulate.sandbox import Limits

    with pytest.raises(SimulationFailedError, match=r"no working script in 2 attempts.*last error"):
        write_and_run("Relax a Cu(111) slab with EMT", gemma_llama, tmp_path, Limits(wall_seconds=60),
                      attempts=2, max_tokens=96)  # fmt: skip
    assert sorted(p.parent.name for p in tmp_path.glob("attempt-*/simulate.py")) == ["attempt-1", "attempt-2"]


def _states(*states: tuple[float, str, str | None]) -> list[dict[str, object]]:
    return [{"coefficient": c, "species": s, "site": site} for c, s, site in states]


CO_OXIDATION_STATES = {
    "reactants": _states((1.0, "CO", "fcc"), (1.0, "O", "fcc")),
    "products": _states((1.0, "CO2", None), (2.0, "*", None)),
}
WATER_STATES = {
    "reactants": _states((2.0, "H2", None), (1.0, "O2", None)),
    "products": _states((2.0, "H2O", None)),
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("request_text", "property_", "fields"),
    [
        (
            "Compute the adsorption energy of CO on the ontop site of Pt(111).",
            "adsorption_energy",
            {"structure": {"element": "Pt"}, "adsorbate": {"species": "CO", "site": "ontop"}},
        ),
        (
            "Pt(111)のトップサイトに一酸化炭素を吸着させたときの吸着エネルギーを計算して",
            "adsorption_energy",
            {"structure": {"element": "Pt"}, "adsorbate": {"species": "CO", "site": "ontop"}},
        ),
        (
            "Cu(111)の水酸基の吸着エネルギーをhcpサイトで、表面の原子をPdとAuに置換して比較",
            "adsorption_energy",
            {
                "structure": {"element": "Cu"},
                "adsorbate": {"species": "OH", "site": "hcp"},
                "substitution": {"site": "surface", "by": ["Pd", "Au"], "index": None},
            },
        ),
        (
            "Substitute a subsurface atom of Pt(111) with Ni and Cu and compute O adsorption at the fcc site",
            "adsorption_energy",
            {"substitution": {"site": "subsurface", "by": ["Ni", "Cu"]}, "adsorbate": {"species": "O"}},
        ),
        ("水分子の全エネルギーを求めて", "total_energy", {"structure": {"kind": "molecule", "name": "H2O"}}),
        ("Total energy of ammonia", "total_energy", {"structure": {"kind": "molecule", "name": "NH3"}}),
        (
            "Reaction energy of CO + O → CO2 on Pt(111), adsorbates at the fcc site",
            "reaction_energy",
            {"structure": {"element": "Pt", "facet": "111"}, "reaction": CO_OXIDATION_STATES},
        ),
        (
            "2H2 + O2 -> 2H2Oの反応エネルギー",
            "reaction_energy",
            {"reaction": WATER_STATES, "structure": None},
        ),
    ],
)  # fmt: skip
def test_new_kinds_of_request_become_specs(
    gemma_llama: LlamaCppModel, request_text: str, property_: str, fields: dict[str, object]
) -> None:
    spec = read_request(request_text, gemma_llama, calculator="emt").require_spec()
    assert spec.property == property_
    assert _subset(spec.model_dump(mode="json"), fields)


@pytest.mark.slow
@pytest.mark.parametrize("request_text", ["Relax the caffeine molecule", "カフェイン分子を緩和して"])
def test_unknown_molecule_is_asked_back_by_name(gemma_llama: LlamaCppModel, request_text: str) -> None:
    reading = read_request(request_text, gemma_llama, calculator="emt")
    assert reading.spec is None
    assert reading.questions[0].startswith(
        "Which molecule? '" + ("caffeine" if "caf" in request_text else "カフェイン")
    )


def test_unbalanced_reaction_names_the_elements_before_the_model() -> None:
    """An equation fixes the task and the structure kind, so no model call is made at all."""
    with pytest.raises(SimulationSpecError, match=r"H2\(g\) \+ O2\(g\) → H2O\(g\) is not balanced: O 2 → 1"):
        read_request("Reaction energy of H2 + O2 → H2O", model=None, calculator="emt")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "request_text",
    ["Compute the reaction energy of CO oxidation on Pt(111)", "白金上のCO酸化の反応エネルギー"],
)
def test_reaction_without_an_equation_is_asked_back(request_text: str) -> None:
    reading = read_request(request_text, model=None, calculator="emt")  # type: ignore[arg-type]
    assert reading.spec is None and reading.questions[0].startswith("Which reaction? Write it with an arrow")


def test_mentions_read_molecules_equations_and_substitution_sites() -> None:
    found = find_mentions("Pt(111)の一酸化炭素と水酸基、表面下のPt原子をNiに置換")
    assert (found.molecule_names(), found.symbols(), found.substitute_site) == (
        ["CO", "OH"],
        ["Pt", "Ni"],
        "subsurface",
    )
    found = find_mentions("the top-layer atom nearest the adsorbate → Cu; water and 水素 on Co(0001)")
    assert (found.molecule_names(), found.symbols(), found.substitute_site) == (
        ["H2O"],
        ["Cu", "H", "Co"],
        "surface",
    )
    equation = find_mentions("energy of 2 CO* + O2(g) → 2CO2 + 2 * please").equation
    assert equation is not None
    assert [(t.coefficient, t.species, t.adsorbed) for t in equation.reactants] == [
        (2, "CO", True),
        (1, "O2", False),
    ]
    assert [(t.coefficient, t.species, t.adsorbed) for t in equation.products] == [
        (2, "CO2", None),
        (2, "*", None),
    ]
    assert [
        find_mentions(t).molecule_names() for t in ("水素と水銀", "水平な表面", "炭水化物", "水の分子")
    ] == [[], [], [], ["H2O"]]
    assert find_mentions("Relax the CO molecule").unknown_molecule is None
    assert find_mentions("Relax the caffeine molecule").unknown_molecule == "caffeine"


def test_several_sites_in_a_reaction_are_asked_back() -> None:
    reading = read_request(
        "Reaction energy of CO + O → CO2 on Pt(111), CO on top and O at the fcc site",
        model=None,  # type: ignore[arg-type]
        calculator="emt",
    )
    assert reading.spec is None
    assert reading.questions[0].startswith("The request names several sites (fcc, ontop)")


@pytest.mark.slow
def test_molecule_from_a_file_is_read_from_the_file(gemma_llama: LlamaCppModel, tmp_path: Path) -> None:
    from ase.build import molecule
    from ase.io import write

    write(tmp_path / "water.xyz", molecule("H2O"))
    reading = read_request(
        f"Relax the water molecule in {tmp_path / 'water.xyz'}", gemma_llama, calculator="emt"
    )
    assert reading.spec is not None and reading.spec.structure is not None
    assert reading.spec.structure.model_dump() == {"kind": "file", "path": str(tmp_path / "water.xyz")}
