"""The COCO detector through its kept-alive Node worker, on scikit-image's photographs, checked
against boxes marked by hand; and what `see` says. Needs the worker's npm packages (`make setup`
runs `npm ci`): without them these tests fail, they never skip."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from skimage import data

from sakuin.embeddings import Embedder
from sakuin.knowledge.ocr import Box
from sakuin.vision.detector import NodeDetector
from sakuin.vision.draw import draw_boxes
from sakuin.vision.local import LocalVision
from tests.conftest import sakuin_command

# Marked by hand on the photographs (left, top, right, bottom): the astronaut down to the frame's
# bottom edge, the cup with its handle (not the saucer).
ASTRONAUT_PERSON = Box(0, 0, 390, 512)
COFFEE_CUP = Box(172, 18, 412, 300)


def iou(a: Box, b: Box) -> float:
    width = max(0, min(a.right, b.right) - max(a.left, b.left))
    height = max(0, min(a.bottom, b.bottom) - max(a.top, b.top))
    inter = width * height

    def area(box: Box) -> int:
        return (box.right - box.left) * (box.bottom - box.top)

    return inter / (area(a) + area(b) - inter)


@pytest.fixture(scope="module")
def detector() -> Iterator[NodeDetector]:
    worker = NodeDetector()
    yield worker
    worker.close()


@pytest.fixture(scope="module")
def vision(embedder: Embedder, detector: NodeDetector) -> LocalVision:
    return LocalVision(embedder, detector)


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(data, name)())


def test_the_astronaut_is_a_person_and_the_coffee_a_cup_in_one_worker(vision: LocalVision) -> None:
    person = vision.detect(photo("astronaut"), "人を検出して")
    assert person.mapping.labels == ("person",)
    assert [d.label for d in person.objects] == ["person"]
    assert iou(person.objects[0].box, ASTRONAUT_PERSON) >= 0.7

    cup = vision.detect(photo("coffee"), "find the coffee cup")
    assert [d.label for d in cup.objects] == ["cup"]
    assert iou(cup.objects[0].box, COFFEE_CUP) >= 0.6
    pid = vision.detector.info.pid if vision.detector.info else None

    again = vision.detect(photo("astronaut"), "detect the people")
    assert again.objects[0].box == person.objects[0].box
    assert vision.detector.starts == 1 and vision.detector.info and vision.detector.info.pid == pid


def test_a_prompt_for_something_absent_says_what_was_seen(vision: LocalVision) -> None:
    result = vision.detect(photo("coffee"), "野菜を検出して")
    assert result.mapping.labels == ("broccoli", "carrot") and result.objects == []
    assert "the detector did see: cup" in result.notes[0]


def test_a_dead_worker_is_restarted_on_the_next_image(detector: NodeDetector) -> None:
    detector.detect(photo("coffee"))
    assert detector._process is not None
    detector._process.kill()
    detector._process.wait()
    assert [d.label for d in detector.detect(photo("coffee"))] == ["cup"]
    assert detector.starts >= 2


def test_boxes_are_drawn_onto_a_copy(vision: LocalVision) -> None:
    image = photo("coffee")
    result = vision.detect(image, "cup")
    boxed = draw_boxes(image, result.objects)
    assert boxed.size == image.size and boxed.tobytes() != image.convert("RGB").tobytes()
    box = result.objects[0].box
    assert boxed.getpixel((box.left, (box.top + box.bottom) // 2)) != image.getpixel(
        (box.left, (box.top + box.bottom) // 2)
    )


def test_the_classifier_knows_the_cat_and_the_espresso(vision: LocalVision) -> None:
    assert vision.classify(photo("chelsea")).labels[0].label == "tabby cat"
    coffee = vision.classify(photo("coffee"), "")
    assert coffee.labels[0].label == "espresso" and "not open vocabulary" in coffee.label_set
    cats = vision.classify(photo("chelsea"), "猫")
    assert {"tabby cat", "Persian cat", "Siamese cat"} <= set(cats.mapping.labels if cats.mapping else ())
    assert "7 of 1000" in cats.label_set or "of 1000 classes asked for" in cats.label_set


def test_ask_without_a_vision_language_model_reports_only_what_was_seen(vision: LocalVision) -> None:
    """In the question's language: a Japanese question gets the Japanese explanation."""
    answer = vision.ask(photo("astronaut"), "この人は何をしていますか？")
    assert not answer.reasoned
    assert answer.text.startswith("この質問に答えるには視覚言語モデルが必要です")
    assert "person 0." in answer.text and "ImageNet-1k" in answer.text and "読み取った文字" in answer.text
    english = vision.ask(photo("astronaut"), "What is she doing?")
    assert english.text.startswith("A vision-language model is needed") and "person 0." in english.text


def test_see_prints_the_detections_as_json_and_draws_them(tmp_path: Path) -> None:
    image = tmp_path / "astronaut.png"
    photo("astronaut").save(image)
    boxed = tmp_path / "boxed.png"
    env = {**os.environ, "SAKUIN_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [*sakuin_command(), "see", str(image), "detect the person", "--json", "--out", str(boxed)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [d["label"] for d in result["detections"]] == ["person"]
    assert iou(Box(*result["detections"][0]["box"]), ASTRONAUT_PERSON) >= 0.7
    assert result["mapping"]["terms"][0] == {
        "term": "person",
        "labels": ["person"],
        "via": "table",
        "score": None,
    }
    assert Image.open(boxed).size == (512, 512)


def test_see_refuses_a_file_that_is_no_image(tmp_path: Path) -> None:
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"GIF89a-not-really")
    env = {**os.environ, "SAKUIN_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [*sakuin_command(), "see", str(bad), "person"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0 and "not an image" in done.stderr and "Traceback" not in done.stderr
