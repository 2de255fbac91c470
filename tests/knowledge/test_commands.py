"""The knowledge-base CLI as users run it: users, groups, ingest, docs, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import sakuin

pytestmark = pytest.mark.slow


def test_the_upload_then_search_story(tmp_path: Path) -> None:
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "aurora.md").write_text(
        "# Aurora\n製品Auroraは省エネ型のスマートサーモスタットです。", encoding="utf-8"
    )
    (docs / "leave.txt").write_bytes("年次有給休暇は10日です。".encode("cp932"))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")

    assert sakuin("users", "add", "alice", "bob", data_dir=data).returncode == 0
    assert sakuin("groups", "add", "sales", "--members", "alice", data_dir=data).returncode == 0

    ingest = sakuin("ingest", str(docs), "--readers", "group:sales", data_dir=data)
    assert ingest.returncode == 1  # one file failed: reported, and the rest ingested
    assert "2 added" in ingest.stdout and "1 failed" in ingest.stdout
    assert "broken.pdf" in ingest.stderr
    reembed = sakuin("docs", "reembed", data_dir=data)
    assert reembed.returncode == 0 and "reembed: 0 added, 2 updated" in reembed.stdout, reembed.stderr

    found = json.loads(
        sakuin("search", "Auroraとは何ですか", "--as", "alice", "--json", data_dir=data).stdout
    )
    assert found[0]["source"] == str(docs / "aurora.md")
    assert sakuin("search", "Auroraとは何ですか", "--as", "bob", data_dir=data).stdout.strip() == (
        "no readable document matches"
    )

    listed = json.loads(sakuin("docs", "list", "--json", data_dir=data).stdout)
    aurora = next(d for d in listed if d["source"].endswith("aurora.md"))
    assert aurora["readers"] == ["group:sales"]
    assert sakuin("docs", "share", str(aurora["id"]), "--readers", "user:bob", data_dir=data).returncode == 0
    shown = sakuin("docs", "show", str(aurora["id"]), "--as", "bob", data_dir=data)
    assert "スマートサーモスタット" in shown.stdout
    denied = sakuin("docs", "show", str(aurora["id"]), "--as", "alice", data_dir=data)
    assert denied.returncode == 1 and "that you can read" in denied.stderr

    assert sakuin("docs", "delete", str(aurora["id"]), data_dir=data).returncode == 0
    assert "no readable document" in sakuin("search", "Aurora", "--as", "bob", data_dir=data).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "東京", "--as", "nobody"], "no user 'nobody'"),
        (["ingest", "/nowhere", "--readers", "everyone"], "no such file or folder"),
        (["ingest", ".", "--readers", "admins"], "reader 'admins'"),
        (["groups", "add", "sales", "--members", "ghost"], "no user 'ghost'"),
        (["docs", "delete", "42"], "no document 42"),
    ],
)
def test_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    result = sakuin(*args, data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
