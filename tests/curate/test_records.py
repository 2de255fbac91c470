"""Reading corpora: bad lines are counted with their numbers and reasons, and never stop a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.curate.records import CurateError, parse_lines, public, read_records, write_records


def test_bad_lines_are_named_by_number_and_reason(corpus_path: Path) -> None:
    corpus = read_records(corpus_path)
    assert len(corpus.records) == 8
    reasons = {bad.line: bad.reason for bad in corpus.bad}
    assert sorted(reasons) == [9, 10, 11, 12]
    assert "no 'text' field" in reasons[9]
    assert "not valid JSON" in reasons[10]
    assert "not UTF-8" in reasons[11]
    assert "empty 'text'" in reasons[12]
    assert [r["_line"] for r in corpus.records] == list(range(1, 9))


def test_huge_records_and_other_text_fields() -> None:
    corpus = parse_lines([b'{"body": "short"}', b'{"body": "' + b"x" * 50 + b'"}'], "body", max_chars=20)
    assert [r["body"] for r in corpus.records] == ["short"]
    assert "more than the limit of 20" in corpus.bad[0].reason


def test_missing_file_and_wrong_format_are_clear(tmp_path: Path) -> None:
    with pytest.raises(CurateError, match="does not exist"):
        read_records(tmp_path / "none.jsonl")
    (tmp_path / "table.csv").write_text("text\nhello\n")
    with pytest.raises(CurateError, match="JSONL"):
        read_records(tmp_path / "table.csv")


def test_written_records_keep_every_field_but_bookkeeping(tmp_path: Path) -> None:
    records = [{"id": 1, "text": "日本語", "meta": {"a": [1]}, "_line": 3}]
    assert write_records(records, tmp_path / "out.jsonl") == 1
    assert read_records(tmp_path / "out.jsonl").records == [{**public(records[0]), "_line": 1}]
