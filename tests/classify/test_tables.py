"""Reading tables: formats, legacy encodings, and clear errors for what is not a table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sakuin.classify.run import check_columns
from sakuin.classify.tables import read_table, write_table
from sakuin.classify.task import make_task
from sakuin.errors import InputFileError


def test_shift_jis_csv_reads_as_japanese(tmp_path: Path) -> None:
    path = tmp_path / "sjis.csv"
    path.write_bytes("本文,点数\n商品がすぐに届きました,5\n壊れていました,1\n".encode("shift_jis"))
    frame = read_table(path)
    assert list(frame.columns) == ["本文", "点数"]
    assert frame["本文"].tolist() == ["商品がすぐに届きました", "壊れていました"]


def test_missing_text_column_lists_the_columns_that_exist(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1], "body": ["x"]})
    with pytest.raises(InputFileError, match=r"no column\(s\) \['review'\].*\['id', 'body'\]"):
        check_columns(frame, make_task(["a", "b"], text_columns=["review"]), "x.csv")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("binary.csv", b"\x00\x01\x02PK\x03\x04" * 10, "binary"),
        ("ragged.csv", b"a,b\n1,2,3,4\n5\n", "does not look like a CSV"),
        ("empty.csv", b"", "empty"),
        ("table.xlsx", b"PK", "unknown table format"),
        ("bad.jsonl", b'{"a": 1}\nnot json\n', "could not be read"),
    ],
)
def test_files_that_are_not_tables_are_refused(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=problem):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_every_format_round_trips(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame(
        {"text": ["良い", "bad"], "predicted": ["positive", "negative"], "p_positive": [0.9, 0.2]}
    )
    path = tmp_path / f"out{suffix}"
    write_table(frame, path)
    back = read_table(path)
    assert back["text"].tolist() == ["良い", "bad"]
    assert [float(v) for v in back["p_positive"]] == [0.9, 0.2]
