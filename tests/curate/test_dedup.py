"""MinHash LSH finds planted near copies in Japanese and English and keeps distinct texts apart."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sakuin.curate.dedup import NearDuplicates, duplicates_of, exact_clusters
from sakuin.curate.records import CurateError
from tests.curate.conftest import GOOD

OTHERS = [
    # same topics, different texts: must stay apart
    "東京は日本の首都である。江戸時代には江戸と呼ばれ、徳川幕府が置かれて政治の中心となった。",
    "光合成は葉緑体で行われる。光が強いほど盛んになるが、温度や二酸化炭素の濃さにも左右される。",
    "The Amazon is a river in South America. It carries more water than any other river in the world.",
    "An even number is a whole number that can be divided by two without a remainder, such as four.",
]


def near_copies() -> list[str]:
    """One near copy of each good text: a changed word, a site header, a typo, a date."""
    return [
        GOOD[0].replace("およそ", "約"),
        "【公式】" + GOOD[1],
        GOOD[2].replace("northeastern", "north-eastern"),
        GOOD[3].replace("For example", "As an example"),
    ]


def test_near_copies_are_clustered_in_japanese_and_english() -> None:
    texts = [*GOOD, *OTHERS, *near_copies()]
    clusters = NearDuplicates(threshold=0.7).clusters(texts)
    assert sorted(clusters) == [[0, 8], [1, 9], [2, 10], [3, 11]]
    assert duplicates_of(clusters) == {8: 0, 9: 1, 10: 2, 11: 3}


def test_distinct_texts_on_the_same_topics_stay_apart() -> None:
    assert NearDuplicates(threshold=0.5).clusters([*GOOD, *OTHERS]) == []


def test_exact_copies_match_after_width_case_and_spacing() -> None:
    texts = ["ＡＢＣ　テスト", "abc テスト", "abc  テスト ", "abd テスト"]
    assert exact_clusters(texts) == [[0, 1, 2]]


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(CurateError, match="between 0 and 1"):
        NearDuplicates(threshold=1.5)
    with pytest.raises(CurateError, match="divide num_perm"):
        NearDuplicates(num_perm=128, bands=24)


def test_sketches_agree_across_processes() -> None:
    """Ray workers and the driver must sketch alike: no per-process hashing may enter."""
    code = "from sakuin.curate.dedup import NearDuplicates as N; print(N().sketch('首都は東京').digest())"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there.strip() == str(NearDuplicates().sketch("首都は東京").digest())
