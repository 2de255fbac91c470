"""Fact sets: (subject, relation, object) triples in JSONL, read with errors that name line and field.

A fact may carry the sentence it was stated in and the knowledge-base document it came from;
that document's readers later decide who may use what was learnt from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from sakuin.errors import SakuinError

Lang = Literal["ja", "en"]
_FIELDS = ("subject", "relation", "object")


class FactSetError(SakuinError):
    """A fact set that cannot be used: malformed JSONL, an empty field, contradictions, too few facts."""


@dataclass(frozen=True)
class Fact:
    """One fact; ``document`` is the id of the knowledge-base document it came from, if any."""

    subject: str
    relation: str
    object: str
    lang: Lang = "en"
    sentence: str = ""
    document: int | None = None
    source: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.subject, self.relation)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


def parse_fact(data: Any, where: str) -> Fact:
    """One fact from a decoded JSON value; ``where`` names it in errors (``facts.jsonl:3``)."""
    if not isinstance(data, dict):
        raise FactSetError(f"{where}: expected a JSON object with subject, relation, object.")
    for name in _FIELDS:
        value = data.get(name)
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise FactSetError(f"{where}: field '{name}' is missing or not text.")
        if not str(value).strip():
            raise FactSetError(f"{where}: field '{name}' is empty.")
    lang = data.get("lang") or _guess_lang(str(data["subject"]) + str(data["object"]))
    if lang not in ("ja", "en"):
        raise FactSetError(f"{where}: field 'lang' is '{lang}'; use 'ja' or 'en'.")
    document = data.get("document")
    if document is not None and (not isinstance(document, int) or isinstance(document, bool)):
        raise FactSetError(f"{where}: field 'document' must be a document id (an integer).")
    unknown = set(data) - {*_FIELDS, "lang", "sentence", "document", "source"}
    if unknown:
        raise FactSetError(f"{where}: unknown field '{sorted(unknown)[0]}'.")
    return Fact(
        str(data["subject"]).strip(),
        str(data["relation"]).strip(),
        str(data["object"]).strip(),
        lang,
        str(data.get("sentence") or "").strip(),
        document,
        str(data.get("source") or ""),
    )


def _guess_lang(text: str) -> Lang:
    return "ja" if any("\u3040" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text) else "en"


def load_facts(path: Path) -> list[Fact]:
    """Every fact of a JSONL file (blank lines skipped); refuses contradictions, listing them."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FactSetError(f"no fact set at {path}.") from None
    except UnicodeDecodeError:
        raise FactSetError(f"{path} is not UTF-8 text.") from None
    facts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FactSetError(f"{path.name}:{number}: not valid JSON ({exc.msg}).") from None
        facts.append(parse_fact(data, f"{path.name}:{number}"))
    if not facts:
        raise FactSetError(f"{path} holds no facts.")
    check_consistent(facts)
    return facts


def contradictions(facts: Iterable[Fact]) -> dict[tuple[str, str], list[str]]:
    """Subject and relation pairs stated with more than one object, with every object stated."""
    objects: dict[tuple[str, str], list[str]] = {}
    for fact in facts:
        seen = objects.setdefault(fact.key, [])
        if fact.object not in seen:
            seen.append(fact.object)
    return {key: found for key, found in objects.items() if len(found) > 1}


def check_consistent(facts: Sequence[Fact]) -> None:
    """Raise listing every contradiction (one line, so the CLI can print it whole)."""
    found = contradictions(facts)
    if found:
        listed = "; ".join(f"{s} / {r}: {' vs '.join(objs)}" for (s, r), objs in found.items())
        raise FactSetError(f"{len(found)} contradictory facts (same subject and relation): {listed}.")


def write_facts(facts: Iterable[Fact], path: Path) -> None:
    path.write_text(
        "".join(json.dumps(f.to_json(), ensure_ascii=False) + "\n" for f in facts), encoding="utf-8"
    )


def fact_set_hash(facts: Iterable[Fact]) -> str:
    """A digest of the facts in order, for manifests and for refusing a stale checkpoint."""
    digest = hashlib.sha256()
    for fact in facts:
        digest.update(json.dumps(fact.to_json(), ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()
