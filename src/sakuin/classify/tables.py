"""Reading and writing the tables classification works on: CSV, JSONL and Parquet.

CSV bytes are decoded the way the knowledge base decodes documents (BOM, UTF-8, then the
Japanese legacy encodings such as Shift_JIS), so a spreadsheet export reads as it is. Every
cell is kept as it was read; the output is the input plus the engine's columns.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from sakuin.errors import InputFileError
from sakuin.knowledge.parse import ParseError, decode_text

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def table_format(path: Path) -> str:
    """``csv``, ``jsonl`` or ``parquet`` from the file name, or a clear error."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InputFileError(f"{path}: unknown table format '{path.suffix}'; use .csv, .jsonl or .parquet.")
    return found


def read_table(path: Path) -> pd.DataFrame:
    """The whole table, every column as read (CSV cells as text, empty cells as missing)."""
    kind = table_format(path)
    if not path.is_file():
        raise InputFileError(f"{path} does not exist.")
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        text = decode_text(path, path.read_bytes())
        if kind == "jsonl":
            return pd.read_json(io.StringIO(text), lines=True, dtype=False)
        _check_csv(path, text)
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except ParseError as exc:
        raise InputFileError(str(exc)) from exc
    except (ValueError, pd.errors.ParserError, OSError) as exc:
        raise InputFileError(f"{path} could not be read as {kind} ({exc}); check the file.") from exc


def _check_csv(path: Path, text: str) -> None:
    """Refuse text that is not a table: a CSV needs a header and rows of the header's width."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if not lines:
        raise InputFileError(f"{path} is empty; a CSV needs a header row naming its columns.")
    rows = list(csv.reader(lines))
    if len(rows[0]) < 1 or any(len(row) != len(rows[0]) for row in rows[1:]):
        raise InputFileError(
            f"{path} does not look like a CSV (rows of different widths); check the file type and delimiter."
        )


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` in the format the file name asks for, through a temporary file."""
    kind = table_format(path)
    partial = path.with_name(path.name + ".writing")
    if kind == "parquet":
        frame.to_parquet(partial, index=False)
    elif kind == "jsonl":
        with partial.open("w", encoding="utf-8") as handle:
            for record in frame.to_dict(orient="records"):
                handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    else:
        frame.to_csv(partial, index=False)
    partial.replace(path)
