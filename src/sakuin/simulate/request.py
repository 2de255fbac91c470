"""Request (Japanese or English) → task spec, or the questions that must be answered first.

Parsing (``mentions.py``) reads what the request states outright. The language model then fills a
short form, one field at a time, by *scoring* a fixed set of answers after a few solved examples,
never by free generation: for the task the answers are the properties sakuin computes, for the
host, adsorbate and substituents they are the elements the request mentions. Every answer is
therefore a valid value, even from the small base model. A field with no candidate is asked back;
nothing is guessed. Properties sakuin does not compute are recognised by their names (band gap,
phonons, …) and refused: an "other" answer was tried, and Gemma 3 270M chose it for 4 of the 20
benchmark requests that were supported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import ValidationError

from sakuin.errors import SimulationQuestionsError, SimulationSpecError
from sakuin.models.base import LanguageModel, LocalLanguageModel, ScoreRequest
from sakuin.prompts import FewShot
from sakuin.simulate.mentions import Mentions, find_mentions
from sakuin.simulate.spec import ADSORBATES, CLEAN_SLAB, Calculator, Property, TaskSpec, crystal_of

TASKS = {
    "adsorption energy": "adsorption_energy",
    "total energy": "total_energy",
    "reaction energy": "reaction_energy",
    "bulk modulus": "equation_of_state",
    "vacancy formation energy": "vacancy_formation_energy",
}
STRUCTURES = ("surface", "bulk", "molecule")
NONE = "none"


def _answer(task: str, structure: str, host: str, adsorbate: str, substitute: str) -> str:
    """One solved form, written the way the model is asked to continue it."""
    return (
        f"Task: {task}\nStructure: {structure}\nHost: {host}\nAdsorbate: {adsorbate}\n"
        f"Substitute with: {substitute}"
    )


SIMULATION_FORM = FewShot(
    "Requests for atomistic simulations, each summarised as a form.",
    "Request: ",
    "",
    [
        (
            "How strongly does CO bind on top of Au(100) when a surface atom is replaced by Cu?",
            _answer("adsorption energy", "surface", "Au", "CO", "Cu"),
        ),
        (
            "エタン分子を緩和してエネルギーを求めて",
            _answer("total energy", "molecule", "C2H6", "none", "none"),
        ),
        (
            "On Cu(100), put H on the hollow site, swap atom 12 for Pd or Au, and give the binding energy.",
            _answer("adsorption energy", "surface", "Cu", "H", "Pd, Au"),
        ),
        (
            "Ni(111)のトップサイトに炭素を置いたときの吸着エネルギーを求めてください。",
            _answer("adsorption energy", "surface", "Ni", "C", "none"),
        ),
        (
            "How stiff is bulk aluminium? Fit the equation of state.",
            _answer("bulk modulus", "bulk", "Al", "none", "none"),
        ),
        (
            "銀の結晶で原子を一つ抜いたときの空孔のできやすさを調べたい。",
            _answer("vacancy formation energy", "bulk", "Ag", "none", "none"),
        ),
        (
            "Relax a Au(111) slab where atom 5 is replaced by Pt and report its energy.",
            _answer("total energy", "surface", "Au", "none", "Pt"),
        ),
        (
            "Remove one atom from bulk Cu and compute the vacancy formation energy.",
            _answer("vacancy formation energy", "bulk", "Cu", "none", "none"),
        ),
        (
            "パラジウム(111)にOをhcpサイトで吸着させ、7番目の原子をNi、Cu、Agに替えて安定性の指標となるエネルギーを比較。",
            _answer("adsorption energy", "surface", "Pd", "O", "Ni, Cu, Ag"),
        ),
    ],
)


@dataclass
class Reading:
    """What came of a request: a spec, or questions to answer first; and what the model chose.

    ``choices`` holds every form field filled; ``scored`` names those the model chose among two or
    more options (the others had one option, fixed by parsing).
    """

    spec: TaskSpec | None
    questions: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)
    scored: list[str] = field(default_factory=list)

    def require_spec(self) -> TaskSpec:
        """The spec, or a :class:`SimulationQuestionsError` that asks every open question."""
        if self.spec is None:
            raise SimulationQuestionsError(
                "the request leaves open: " + " ".join(self.questions) + " Please add it to the request."
            )
        return self.spec


class _Form:
    """Fills the form field by field; each choice is appended so later fields see earlier ones."""

    def __init__(self, model: LanguageModel, request: str) -> None:
        self.model = model
        self.query = SIMULATION_FORM.query(" ".join(request.split()))
        self.choices: dict[str, str] = {}
        self.scored: list[str] = []

    def choose(self, name: str, options: Sequence[str]) -> str:
        """The model's most likely option for field ``name`` (no model call for a single option)."""
        if len(options) == 1:
            chosen = options[0]
        else:
            scores = self._scores(f"{self.query}{name}:", options)
            chosen = options[max(range(len(options)), key=scores.__getitem__)]
            self.scored.append(name)
        self.query += f"{name}: {chosen}\n"
        self.choices[name] = chosen
        return chosen

    def _scores(self, prefix: str, options: Sequence[str]) -> list[float]:
        continuations = [f" {option}\n" for option in options]
        if isinstance(self.model, LocalLanguageModel):
            return self.model.score_batch(
                [ScoreRequest(prefix, continuations)], shared_prefix=SIMULATION_FORM.prefix()
            )[0]
        return self.model.score(SIMULATION_FORM.prefix() + prefix, continuations)


def read_request(request: str, model: LanguageModel, *, calculator: Calculator) -> Reading:
    """Turn ``request`` into a validated spec, or into the questions it leaves open.

    ``calculator`` is used unless the request names one (EMT, CHGNet or SevenNet).
    Raises :class:`SimulationSpecError` for what no answer can fix: an unknown element symbol,
    an unsupported property, an atom index or site that the structure does not have.
    """
    if not request.strip():
        raise SimulationSpecError("the request is empty; describe the structure and what to compute")
    found = find_mentions(request)
    if found.unknown_symbols:
        raise SimulationSpecError(
            f"'{found.unknown_symbols[0]}' is not a chemical element symbol; "
            "check the spelling (e.g. Fe, Pt, V, Ni)"
        )
    if found.unsupported:
        raise SimulationSpecError(
            f"sakuin cannot compute {found.unsupported!r}; it computes: " + ", ".join(TASKS)
        )
    if found.reaction and found.equation is None:
        return Reading(None, [REACTION_QUESTION])
    form = _Form(model, request)
    task = TASKS[form.choose("Task", _task_options(found))]
    structure = form.choose("Structure", _structure_options(found, task))
    fields: dict[str, Any] = {
        "request": request,
        "property": task,
        "calculator": found.calculator or calculator,
    }
    questions: list[str] = []
    if structure == "molecule":
        _molecule(form, found, task, fields, questions)
    else:
        _solid(form, found, task, structure, fields, questions)
    if not found.relax:
        fields["relax"] = None
    elif found.fmax or found.steps:
        fields["relax"] = {k: v for k, v in (("fmax", found.fmax), ("steps", found.steps)) if v}
    if questions:
        return Reading(None, questions, form.choices, form.scored)
    return Reading(build_spec(fields), [], form.choices, form.scored)


REACTION_QUESTION = (
    "Which reaction? Write it with an arrow, e.g. CO + O → CO2 on Pt(111) (adsorbates at the fcc site), "
    "or 2 H2 + O2 → 2 H2O."
)


def _molecule(form: _Form, found: Mentions, task: str, fields: dict[str, Any], questions: list[str]) -> None:
    """A gas-phase molecule's fields (or a gas-phase reaction's, which has no structure)."""
    if found.file and task != "reaction_energy":
        fields["structure"] = {"kind": "file", "path": found.file}
        return
    if symbols := found.symbols():  # e.g. "… on platinum": a surface without its facet, not ignored
        questions.append(
            f"The request names {', '.join(symbols)} beside the gas-phase molecules: for a surface give "
            f"its facet, e.g. {symbols[0]}(111); otherwise leave {', '.join(symbols)} out."
        )
    if task == "reaction_energy":
        fields["reaction"] = _reaction(found, None, questions)
        return
    names = found.molecule_names()
    if not names:
        unknown = f"'{found.unknown_molecule}' is not one sakuin knows; " if found.unknown_molecule else ""
        questions.append(
            f"Which molecule? {unknown}name one of ASE's G2 set (e.g. H2O, CO2, CH4, NH3, "
            "or water, ammonia, メタン), or give a structure file."
        )
        return
    fields["structure"] = {"kind": "molecule", "name": form.choose("Host", names)}


def _solid(
    form: _Form, found: Mentions, task: str, structure: str, fields: dict[str, Any], questions: list[str]
) -> None:
    """A slab's or bulk crystal's fields: host, facet, adsorbate, substitution, reaction states."""
    host, adsorbate, substituents = _roles(form, found, task, structure)
    if host is None:
        questions.append("Which element is the crystal or surface made of?")
    if structure == "surface":
        slab: dict[str, Any] = {"kind": "slab", "element": host}
        if found.facet is None:
            questions.append("Which surface facet, e.g. (111)?")
        slab["facet"] = found.facet or "111"
        if found.size:
            slab["size"] = found.size
        fields["structure"] = slab
    else:
        fields["structure"] = {"kind": "bulk", "element": host}
    if found.file:
        fields["structure"] = {"kind": "file", "path": found.file}
        questions[:] = [q for q in questions if "element" not in q and "facet" not in q]
    if task == "reaction_energy":
        fields["reaction"] = _reaction(found, fields["structure"], questions)
    elif task == "adsorption_energy" or adsorbate:
        if adsorbate is None:
            questions.append(f"Which adsorbate ({', '.join(ADSORBATES)})?")
        site = _site(found, fields["structure"], questions)
        fields["adsorbate"] = {"species": adsorbate, "site": site}
    if substituents:
        if found.index is not None:
            fields["substitution"] = {"index": found.index, "by": substituents}
        elif found.substitute_site is not None:
            fields["substitution"] = {"site": found.substitute_site, "by": substituents}
        else:
            questions.append(
                f"Which atom should {', '.join(substituents)} replace? Give its index (e.g. atom 19) "
                "or its layer (a surface or subsurface atom)."
            )
    elif found.index is not None:
        questions.append(f"Which element(s) should replace atom {found.index}?")


def _reaction(found: Mentions, slab: dict[str, Any] | None, questions: list[str]) -> dict[str, Any]:
    """The equation's states. On a slab an unmarked supported adsorbate is adsorbed (at the one site
    the request names) and anything else is gas; each adsorbed state has its own slab, so clean
    slabs ('*') are added to the side with fewer, as in CO + O → CO2 + 2 *.
    """
    assert found.equation is not None
    sides: list[list[dict[str, Any]]] = [[], []]
    site: str | None = None
    for side, terms in zip(sides, (found.equation.reactants, found.equation.products), strict=True):
        for term in terms:
            adsorbed = (
                slab is not None
                and term.species != CLEAN_SLAB
                and (term.species in ADSORBATES if term.adsorbed is None else term.adsorbed)
            )
            if adsorbed and site is None:
                site = _one_site(found, slab or {}, questions)
            side.append(
                {"coefficient": term.coefficient, "species": term.species, "site": site if adsorbed else None}
            )
    if slab is not None:
        slabs = [
            sum(t["coefficient"] for t in side if t["species"] == CLEAN_SLAB or t["site"]) for side in sides
        ]
        if slabs[0] != slabs[1]:
            fewer = sides[slabs[0] > slabs[1]]
            fewer.append({"coefficient": abs(slabs[0] - slabs[1]), "species": CLEAN_SLAB})
    return {"reactants": sides[0], "products": sides[1]}


def build_spec(fields: dict[str, Any]) -> TaskSpec:
    """Validate ``fields`` into a spec, turning the first problem into one clear error."""
    try:
        spec = TaskSpec.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["loc"] == ("property",):
            raise SimulationSpecError(
                f"unsupported property {first['input']!r}; sakuin computes: {', '.join(get_args(Property))}"
            ) from exc
        where = ".".join(str(part) for part in first["loc"] if not str(part).startswith(("slab", "bulk")))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SimulationSpecError(f"{message}" + (f" ({where})" if where else "")) from exc
    check_atom_indices(spec)
    return spec


def check_atom_indices(spec: TaskSpec) -> None:
    """An atom index the structure does not have is refused, saying how many atoms there are."""
    from sakuin.simulate.structures import count_atoms

    if spec.structure is None:  # a gas-phase reaction: no atoms are named by index
        return
    indices = {"substituted atom": spec.substitution.index if spec.substitution else None}
    if spec.property == "vacancy_formation_energy":
        indices["vacancy"] = spec.vacancy_index
    count = count_atoms(spec.structure)
    for what, index in indices.items():
        if index is not None and index >= count:
            raise SimulationSpecError(
                f"{what} index {index} is out of range: {spec.structure.describe()} has {count} atoms "
                f"(indices 0 to {count - 1})"
            )


def _task_options(found: Mentions) -> list[str]:
    """Tasks the request can ask for: a reaction energy needs an equation (and an equation means
    one), "adsorption energy" written out means one, an adsorption energy otherwise needs an
    adsorbate or the word for it, and a request about a surface facet is not about a bulk property.
    Offering those would only let the model pick a task the request cannot be about.
    """
    if found.equation:
        return ["reaction energy"]
    if found.adsorption_energy:
        return ["adsorption energy"]
    adsorbed_molecule = found.facet and any(m in ADSORBATES for m in found.molecule_names())
    adsorption = found.adsorption or any(s in ADSORBATES for s in found.symbols()) or adsorbed_molecule
    impossible = {"reaction_energy"} | (set() if adsorption else {"adsorption_energy"})
    if found.facet:  # a surface: the bulk-only properties are not what it asks for
        impossible |= {"equation_of_state", "vacancy_formation_energy"}
    return [name for name, task in TASKS.items() if task not in impossible]


def _structure_options(found: Mentions, task: str) -> list[str]:
    """A facet means a surface, a named molecule without one means the molecule (or a gas-phase
    reaction); the model chooses only between what is left."""
    if found.facet or task == "adsorption_energy":
        return ["surface"]
    if task in ("equation_of_state", "vacancy_formation_energy"):
        return ["bulk"]
    if task == "reaction_energy" or found.molecule_names() or found.unknown_molecule:
        return ["molecule"]
    return list(STRUCTURES)


def _roles(
    form: _Form, found: Mentions, task: str, structure: str
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Which mentioned element is the host, which the adsorbate, which the substituents."""
    symbols = found.symbols()
    lists = found.enumerations()
    if found.facet_element:
        host: str | None = form.choose("Host", [found.facet_element])
    else:
        hosts = [s for s in symbols if crystal_of(s) in ("fcc", "bcc", "hcp", "diamond", "sc")]
        host = form.choose("Host", hosts) if hosts else None
    adsorbate = None
    mentioned = sorted(
        [(e.start, e.symbol) for e in found.elements] + [(m.start, m.name) for m in found.molecules]
    )
    candidates = list(dict.fromkeys(s for _, s in mentioned if s in ADSORBATES and s != host))
    if structure == "surface" and candidates and task != "reaction_energy":  # its states carry them
        # a named site means something sits on it: then "none" is not an answer
        options = candidates if task == "adsorption_energy" or found.sites else [*candidates, NONE]
        chosen = form.choose("Adsorbate", options)
        adsorbate = None if chosen == NONE else chosen
    else:
        form.choose("Adsorbate", [NONE])
    substituents: tuple[str, ...] = ()
    if found.substitute:
        options = [", ".join(run) for run in lists] or [s for s in symbols if s not in (host, adsorbate)]
        if options:
            substituents = tuple(form.choose("Substitute with", options).split(", "))
    return host, adsorbate, substituents


def _one_site(found: Mentions, slab: dict[str, Any], questions: list[str]) -> str:
    """The site of every adsorbed state in a reaction: a request names one (several are asked back)."""
    if len([s for s in found.sites if s != "hollow"]) > 1:
        questions.append(
            f"The request names several sites ({', '.join(found.sites)}); a request gives one site for "
            "all adsorbed states. Name one, or write each state's site in a spec file (--spec)."
        )
        return "?"
    return _site(found, slab, questions) or "?"


def _site(found: Mentions, structure: dict[str, Any], questions: list[str]) -> str | None:
    sites = [s for s in found.sites if s != "hollow"] or found.sites
    if not sites:
        questions.append("On which adsorption site (ontop, bridge, fcc, hcp or hollow)?")
        return None
    if sites == ["hollow"] and structure.get("facet", "111") in ("111", "0001"):
        questions.append("Which hollow site: fcc or hcp?")
        return None
    return sites[0]
