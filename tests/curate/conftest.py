"""Fixtures for curation: a small JA + EN corpus with planted junk, copies and bad lines; a tiny rubric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.models.conftest import build_tiny_model

GOOD = [
    "東京は日本の首都であり、政治や経済の中心地である。人口はおよそ千四百万人で、多くの企業が本社を置いている。",
    "光合成とは、植物が光のエネルギーを使って二酸化炭素と水から有機物をつくり、酸素を出すはたらきである。",
    "The Nile is a river in northeastern Africa. It flows north for about 6,650 km and empties into the "
    "Mediterranean Sea, and it has been central to life in Egypt for thousands of years.",
    "A prime number is a whole number greater than one whose only divisors are one and itself. For example, "
    "seven is prime, but eight is not, because it can be written as two times four.",
]
JUNK = [
    "ホーム > ログイン | 会員登録 | 利用規約 | プライバシーポリシー\nお問い合わせ | サイトマップ | 著作権\n"
    "このサイトではCookieを使用しています。詳しくはこちら\nページの先頭へ | 次のページ",
    "激安 ホテル 予約 格安 ホテル 予約 最安値 ホテル 予約 おすすめ ホテル 予約 人気 ホテル 予約 口コミ",
]


@pytest.fixture(scope="session")
def tiny_curate_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-curate"))


@pytest.fixture
def tiny_rubric(tmp_path: Path) -> Path:
    """A short English rubric: the tiny model's context is small and its tokenizer byte-level."""
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "name: tiny\ninstruction: Rate the text.\nmax_chars: 60\ngrades: ['0', '1', '2']\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    """Good texts, a copy and a near copy, junk, and four bad lines (numbers 9-12)."""
    records = [{"id": i, "text": t} for i, t in enumerate(GOOD)]
    records.append({"id": "copy", "text": f"  {GOOD[0].upper()}\n"})  # the same after normalisation
    records.append({"id": "near", "text": GOOD[2].replace("6,650 km", "6,650 kilometres")})
    records += [{"id": f"junk{i}", "text": t} for i, t in enumerate(JUNK)]
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    lines += [
        b'{"id": "no text"}',
        b"{not json",
        '{"text": "シフトJIS"}'.encode("shift_jis"),
        b'{"text": "  "}',
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path
