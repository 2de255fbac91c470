"""Prompts in Japanese and English to the detector's COCO-80 labels: the table, the hypernyms,
the embedder fallback, and words that map nowhere (said, with the nearest labels)."""

from __future__ import annotations

import pytest

from sakuin.embeddings import Embedder
from sakuin.vision.labels import COCO_LABELS, LabelMapper

VEHICLES = ("bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat")


@pytest.fixture(scope="module")
def mapper(embedder: Embedder) -> LabelMapper:
    return LabelMapper(embedder)


@pytest.mark.parametrize(
    ("prompt", "labels"),
    [
        ("野菜を検出して", ("broccoli", "carrot")),
        ("detect the vegetables", ("broccoli", "carrot")),
        ("乗り物", VEHICLES),
        ("find every vehicle", VEHICLES),
        ("人を探して", ("person",)),
        ("the people and their dogs", ("person", "dog")),
        ("信号と車はどこ？", ("traffic light", "car")),
        ("traffic lights and cars", ("traffic light", "car")),
        ("この写真の中のマグを見つけて", ("cup",)),
        ("コーヒーカップ", ("cup",)),
        ("kittens", ("cat",)),
        ("スマホとノートパソコン", ("cell phone", "laptop")),
        ("果物を囲んで", ("banana", "apple", "orange")),
    ],
)
def test_prompts_map_to_labels(mapper: LabelMapper, prompt: str, labels: tuple[str, ...]) -> None:
    mapping = mapper.map(prompt)
    assert set(mapping.labels) == set(labels)
    assert not mapping.unmapped


def test_the_mapping_says_how_each_word_was_mapped(mapper: LabelMapper) -> None:
    mapping = mapper.map("野菜と猫を検出して")
    assert [(t.term, t.via) for t in mapping.terms] == [("野菜", "hypernym"), ("猫", "table")]
    assert "野菜 → broccoli, carrot (hypernym)" in mapping.explain()


def test_a_word_outside_the_table_goes_through_the_embedder(mapper: LabelMapper) -> None:
    mapping = mapper.map("テレビジョン")
    assert mapping.labels == ("tv",)
    assert mapping.terms[0].via == "embedder" and (mapping.terms[0].score or 0) > 0.88


@pytest.mark.parametrize("prompt", ["ユニコーンを探して", "detect the dragons"])
def test_a_prompt_naming_no_known_label_says_so_with_the_nearest(mapper: LabelMapper, prompt: str) -> None:
    mapping = mapper.map(prompt)
    assert mapping.labels == () and not mapping.everything
    [miss] = mapping.unmapped
    assert len(miss.nearest) == 5 and all(label in COCO_LABELS for label, _ in miss.nearest)
    assert "no known label; nearest:" in mapping.explain()


@pytest.mark.parametrize("prompt", ["", "detect everything", "何が写っている？", "すべての物体"])
def test_a_prompt_naming_nothing_in_particular_asks_for_every_label(mapper: LabelMapper, prompt: str) -> None:
    mapping = mapper.map(prompt)
    assert mapping.everything and mapping.labels == COCO_LABELS


@pytest.mark.parametrize(
    ("prompt", "labels"),
    [
        ("動物園の動物を探して", ("bird", "elephant", "bear", "zebra", "giraffe")),  # setting + kind
        ("オフィス機器", ("tv", "laptop", "mouse", "keyboard", "cell phone")),
        ("office electronics", ("tv", "laptop", "mouse", "keyboard", "cell phone")),
        ("浴室", ("toilet", "sink", "toothbrush", "hair drier")),  # a setting alone: what is found there
        ("電動自転車はどこ？", ("bicycle",)),  # a compound the table lacks, by its head
    ],
)
def test_settings_narrow_kinds_and_compounds_map_by_their_head(
    mapper: LabelMapper, prompt: str, labels: tuple[str, ...]
) -> None:
    mapping = mapper.map(prompt)
    assert set(mapping.labels) == set(labels), mapping.explain()
    assert not mapping.unmapped


def test_a_setting_beside_a_specific_name_narrows_nothing_and_says_so(mapper: LabelMapper) -> None:
    mapping = mapper.map("cars on the street")
    assert mapping.labels == ("car",)
    assert "street: setting: narrows nothing named here" in mapping.explain()


@pytest.mark.parametrize(
    ("prompt", "labels", "describing"),
    [
        ("犬のおもちゃを探して", (), "犬"),  # AのB asks for B: the toy, not the dog
        ("テーブルの上のカップ", ("cup",), "テーブル"),
        ("a woman walking a dog", ("person", "dog"), None),  # a verb form ends a phrase
        ("parked cars", ("car",), "parked"),  # and begins one: parked cars are cars
        ("dog toys", (), "dog"),  # the last word of an English noun phrase is its head
        ("kitchen stuff", ("microwave", "oven", "toaster", "sink", "refrigerator", "knife", "fork",
                           "spoon", "bowl", "cup", "bottle", "wine glass", "dining table"), None),
    ],
)  # fmt: skip
def test_the_head_of_a_phrase_is_what_is_asked_for(
    mapper: LabelMapper, prompt: str, labels: tuple[str, ...], describing: str | None
) -> None:
    mapping = mapper.map(prompt)
    assert set(mapping.labels) == set(labels), mapping.explain()
    if describing is not None:
        assert f"{describing}: describes what follows" in mapping.explain()
