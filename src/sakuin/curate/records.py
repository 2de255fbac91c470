"""Reading and writing corpora as JSONL records, and the records a run could not use.

A crawl always holds a few broken lines. Reading never stops at one: every line that is not
UTF-8, not a JSON object, lacks the text field, or has an empty or huge text becomes a
:class:`BadRecord` with its line number and reason, and the run goes on with the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sakuin.errors import SakuinError

Record = dict[str, Any]
LINE = "_line"  # the input line number a record came from, carried through a run and dropped on output
MAX_CHARS = 1_000_000  # a single record longer than this is almost always a concatenation gone wrong


class CurateError(SakuinError):
    """A curation input or configuration that cannot be used: a missing file, a bad rubric or step."""


@dataclass(frozen=True)
class BadRecord:
    """A line of the input that was skipped, and why."""

    line: int
    reason: str


@dataclass
class Corpus:
    """The usable records of a file (each with its line number under ``_line``) and the bad ones."""

    records: list[Record]
    bad: list[BadRecord]


def read_records(path: Path, text_field: str = "text", *, max_chars: int = MAX_CHARS) -> Corpus:
    """Every record of a JSONL file; lines that cannot be used are reported, not fatal."""
    if not path.is_file():
        raise CurateError(f"{path} does not exist; give a JSONL file with one record per line.")
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise CurateError(f"{path}: curation reads JSONL (.jsonl, one JSON object per line).")
    with path.open("rb") as handle:
        return parse_lines(handle, text_field, max_chars=max_chars)


def parse_lines(lines: Iterable[bytes], text_field: str = "text", *, max_chars: int = MAX_CHARS) -> Corpus:
    """Records from raw lines (bytes), numbered from 1; see :func:`read_records`."""
    corpus = Corpus([], [])
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        record, reason = _parse(raw, text_field, max_chars)
        if record is None:
            corpus.bad.append(BadRecord(number, reason))
        else:
            record[LINE] = number
            corpus.records.append(record)
    return corpus


def _parse(raw: bytes, text_field: str, max_chars: int) -> tuple[Record | None, str]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start}); re-encode the file as UTF-8"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return None, f"a JSON {type(record).__name__}, not an object with a '{text_field}' field"
    text = record.get(text_field)
    if text is None:
        return None, f"no '{text_field}' field (fields: {sorted(record)[:8]}); pass --text-field"
    if not isinstance(text, str):
        return None, f"'{text_field}' is a {type(text).__name__}, not text"
    if not text.strip():
        return None, f"empty '{text_field}'"
    if len(text) > max_chars:
        return None, f"'{text_field}' has {len(text):,} characters, more than the limit of {max_chars:,}"
    return record, ""


def public(record: Record) -> Record:
    """The record as written out: every input field and what the run added, without bookkeeping."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def write_records(records: Iterable[Record], path: Path) -> int:
    """Write records as JSONL through a temporary file; returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".writing")
    count = 0
    with partial.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(public(record), ensure_ascii=False, default=str) + "\n")
            count += 1
    partial.replace(path)
    return count


def read_yaml(path: Path, what: str) -> Any:
    """The YAML document in ``path`` (a ``what`` file: pipeline, rubric), or a CurateError that
    says it is not valid YAML and which file to fix."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CurateError(f"{path} is not valid YAML ({exc}); fix the {what} file.") from exc
