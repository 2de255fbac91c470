"""Vision: latency, what prompts find, prompt → label precision, OCR accuracy and scanned retrieval.

1. Latency per image, cold (start/load) and warm (median): the COCO detector in its kept-alive
   Node worker, the EfficientNet-Lite0 classifier, and Tesseract per rendered page.
2. Detection: scikit-image's photographs and composed images (the hand-marked cup, astronaut and
   cat pasted at random places and sizes onto other photographs): for each prompt, whether the
   object it names is found (IoU >= 0.5 with where it was pasted) and whether a prompt naming
   something else stays empty.
3. Prompt → label mapping: precision and exact-match rate on 40 JA + EN prompts written here
   (by the author of the curated table, so an upper bound), and precision, recall, exact match and
   "empty when nothing is named" on three sets of 60 held-out prompts: sets 1 and 2
   (``data/vision_prompts_blind.jsonl``, ``data/vision_prompts_blind2.jsonl``), whose misses were
   read while fixing the mapper, so upper bounds now, and set 3
   (``data/vision_prompts_blind3.jsonl``), written after those fixes and still blind.
4. OCR character accuracy (1 - edit distance / length, whitespace ignored) on Japanese and
   English pages rendered with the Noto CJK fonts: clean, with speckle noise, rotated 1.5°.
5. Retrieval recall@1/@5 of questions over those pages ingested as noisy scans (PNG, OCR) against
   the same text ingested directly, in two SQLite knowledge bases side by side; then the same on
   ``--jsquad N`` JSQuAD paragraphs (JGLUE; neighbouring paragraphs of the same articles, so
   they compete) rendered as clean pages, with their own OCR character accuracy.

Timings are noisy where other jobs share the CPU; the ratios within one run are what compare.

    .venv/bin/python benchmarks/vision.py [--warm 10] [--jsquad 24]
    .venv/bin/python benchmarks/vision.py --only mapping   # both mapping parts, merged into the JSON
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image
from rich.console import Console
from rich.table import Table
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsquad import load_jsquad

from sakuin.config import load_settings
from sakuin.embeddings import load_embedder
from sakuin.knowledge import ocr
from sakuin.knowledge.access import EVERYONE
from sakuin.knowledge.ocr import Box
from sakuin.knowledge.parse import ParsedDocument, normalise
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.vision.classifier import ImageNetClassifier
from sakuin.vision.detector import NodeDetector
from sakuin.vision.labels import LabelMapper
from sakuin.vision.local import LocalVision
from tests.vision.pages import render_page
from tests.vision.test_detect import ASTRONAUT_PERSON, COFFEE_CUP, iou

RESULTS = Path(__file__).parent / "results" / "vision.json"
# Held-out prompts: each set is 30 JA + 30 EN written by a helper session (Claude) from the COCO-80
# label names alone, without opening the curated table (src/sakuin/vision/labels.py), PROMPTS below,
# the mapping tests or the other sets, and committed before the mapper was read. A hypernym expects
# the COCO members that clearly belong (家具 → chair, couch, bed, dining table); five per set name
# nothing in COCO. The mapper was changed after reading the misses of sets 1 and 2, so only set 3
# is blind.
BLIND_PROMPTS = Path(__file__).parent / "data" / "vision_prompts_blind.jsonl"
BLIND_PROMPTS_2 = Path(__file__).parent / "data" / "vision_prompts_blind2.jsonl"
BLIND_PROMPTS_3 = Path(__file__).parent / "data" / "vision_prompts_blind3.jsonl"
HELD_OUT = {
    "mapping_blind": ("held-out set 1 (seen while fixing the mapper: an upper bound)", BLIND_PROMPTS),
    "mapping_blind2": (
        "held-out set 2 (seen while fixing the mapper: an upper bound)",
        BLIND_PROMPTS_2,
    ),
    "mapping_blind3": ("held-out set 3 (blind)", BLIND_PROMPTS_3),
}
console = Console()

# (photograph, hand-marked box of the object, COCO label, a JA prompt and an EN prompt naming it)
OBJECTS = [
    ("coffee", COFFEE_CUP, "cup", "カップを検出して", "find the cup"),
    ("astronaut", ASTRONAUT_PERSON, "person", "人を探して", "detect the people"),
    ("chelsea", Box(0, 0, 451, 300), "cat", "猫を検出して", "detect the cat"),
]
BACKGROUNDS = ("rocket", "coffee", "astronaut", "chelsea", "hubble_deep_field", "immunohistochemistry")

# 40 prompts with the COCO labels they should map to (set; () = no known label; None = every label)
PROMPTS: list[tuple[str, tuple[str, ...] | None]] = [
    ("野菜を検出して", ("broccoli", "carrot")),
    ("detect the vegetables", ("broccoli", "carrot")),
    ("乗り物", ("bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat")),
    ("show me all vehicles", ("bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat")),
    ("人を探して", ("person",)),
    ("find the people", ("person",)),
    ("犬と猫", ("dog", "cat")),
    ("dogs and cats", ("dog", "cat")),
    ("果物はどこ？", ("banana", "apple", "orange")),
    ("where is the fruit", ("banana", "apple", "orange")),
    ("コーヒーカップを見つけて", ("cup",)),
    ("find the mug", ("cup",)),
    ("信号機を検出", ("traffic light",)),
    ("traffic lights", ("traffic light",)),
    ("スマホ", ("cell phone",)),
    ("detect the smartphone", ("cell phone",)),
    ("ノートパソコンとマウス", ("laptop", "mouse")),
    ("laptop and keyboard", ("laptop", "keyboard")),
    ("家具を囲んで", ("chair", "couch", "bed", "dining table", "bench")),
    ("find the furniture", ("chair", "couch", "bed", "dining table", "bench")),
    (
        "動物を検出して",
        ("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"),
    ),
    ("animals", ("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe")),
    ("自転車に乗っている人", ("bicycle", "person")),
    ("a man riding a bike", ("person", "bicycle")),
    ("冷蔵庫と電子レンジ", ("refrigerator", "microwave")),
    ("fridge", ("refrigerator",)),
    ("子犬を探して", ("dog",)),
    ("puppies", ("dog",)),
    ("傘を持った女性", ("umbrella", "person")),
    ("a woman with an umbrella", ("person", "umbrella")),
    ("ピザとケーキ", ("pizza", "cake")),
    ("donuts and sandwiches", ("donut", "sandwich")),
    ("スケボー", ("skateboard",)),
    ("the skateboarder", ("person",)),
    ("テレビジョン", ("tv",)),
    ("automobiles", ("car",)),
    ("ユニコーンを探して", ()),
    ("detect the dragons", ()),
    ("何が写っている？", None),
    ("detect everything", None),
]

PAGES_JA = [
    [
        "出張旅費規程",
        "国内出張の日当は一日三千円とする。",
        "宿泊費は一泊一万二千円を上限とする。",
        "新幹線の利用は片道百キロ以上の場合に限る。",
        "精算は帰社後五営業日以内に行うこと。",
    ],
    [
        "情報セキュリティ規程",
        "社外に持ち出すパソコンは暗号化すること。",
        "パスワードは十二文字以上とする。",
        "不審なメールを受け取った場合は情報システム部へ連絡する。",
        "USBメモリの使用は原則禁止とする。",
    ],
    [
        "育児休業について",
        "育児休業は子が一歳になるまで取得できる。",
        "保育所に入れない場合は二歳まで延長できる。",
        "申請は休業開始の一か月前までに人事部へ提出する。",
        "休業中の社会保険料は免除される。",
    ],
    [
        "社内食堂のご案内",
        "食堂は本館の地下一階にあります。",
        "営業時間は午前十一時から午後二時までです。",
        "日替わり定食は四百五十円です。",
        "社員証で支払いができます。",
    ],
    [
        "防災訓練の実施",
        "防災訓練は毎年九月一日に実施する。",
        "避難場所は東側の駐車場とする。",
        "各フロアの防災責任者が点呼を行う。",
        "訓練後に消火器の使い方を説明する。",
    ],
    [
        "経費精算システム",
        "領収書は写真で登録できる。",
        "交通費は乗換案内の経路で申請する。",
        "承認は上長と経理部の二段階で行う。",
        "月末締めで翌月二十五日に支払われる。",
    ],
]
PAGES_EN = [
    [
        "Remote Work Policy",
        "Employees may work from home up to three days a week.",
        "Requests go to the line manager one day in advance.",
        "A VPN connection is required outside the office.",
        "Core hours are from 10 a.m. to 3 p.m.",
    ],
    [
        "Parking Rules",
        "The staff car park opens at 7 a.m.",
        "Each employee may register one vehicle.",
        "Bicycles are parked in the basement racks.",
        "Visitors use the spaces next to the main gate.",
    ],
    [
        "Laptop Replacement",
        "Laptops are replaced every four years.",
        "Broken screens are repaired by the IT desk.",
        "Lost devices must be reported within 24 hours.",
        "Old laptops are wiped before recycling.",
    ],
    [
        "Meeting Room Booking",
        "Rooms are booked in the shared calendar.",
        "A booking longer than two hours needs approval.",
        "Cancel unused bookings so others can use the room.",
        "The large hall seats eighty people.",
    ],
]
QUESTIONS = [
    (0, "国内出張の日当はいくらですか？"), (0, "宿泊費の上限は？"),
    (1, "パスワードは何文字以上必要ですか？"), (1, "USBメモリは使えますか？"),
    (2, "育児休業は何歳まで取れますか？"), (2, "育児休業の申請はいつまでに出しますか？"),
    (3, "社員食堂の営業時間を教えてください"), (3, "日替わり定食の値段は？"),
    (4, "防災訓練はいつ行われますか？"), (4, "避難場所はどこですか？"),
    (5, "経費の承認は誰が行いますか？"), (5, "経費はいつ支払われますか？"),
    (6, "How many days a week can I work from home?"), (6, "Do I need a VPN outside the office?"),
    (7, "When does the staff car park open?"), (7, "Where do I park my bicycle?"),
    (8, "How often are laptops replaced?"), (8, "What do I do if I lose my laptop?"),
    (9, "How do I book a meeting room?"), (9, "How many people fit in the large hall?"),
]  # fmt: skip


def median_s(calls: list[float]) -> float:
    return statistics.median(calls) if calls else float("nan")


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(data, name)()).convert("RGB")


def latency(detector: NodeDetector, warm: int) -> tuple[dict[str, Any], ImageNetClassifier]:
    images = [photo(name) for name in ("astronaut", "coffee", "chelsea", "rocket")]
    _, detector_cold = timed(detector.detect, images[0])
    detector_warm = [timed(detector.detect, images[i % len(images)])[1] for i in range(warm)]
    classifier, classifier_load = timed(ImageNetClassifier)
    _, classifier_first = timed(classifier.classify, images[0])
    classifier_warm = [timed(classifier.classify, images[i % len(images)])[1] for i in range(warm)]
    page = render_page(PAGES_JA[0])
    ocr_pages = [timed(ocr.read_page, page)[1] for _ in range(3)]
    return {
        "detector_cold_s": detector_cold,
        "detector_warm_median_s": median_s(detector_warm),
        "classifier_load_s": classifier_load,
        "classifier_first_s": classifier_first,
        "classifier_warm_median_s": median_s(classifier_warm),
        "ocr_page_median_s": median_s(ocr_pages),
        "ocr_page_size": list(page.size),
        "warm_images": warm,
    }, classifier


def compose(
    rng: random.Random, item: tuple[str, Box, str, str, str], background: str
) -> tuple[Image.Image, Box]:
    """The marked object cut out and pasted onto another photograph, at 40-70 % of its height."""
    name, box = item[0], item[1]
    crop = photo(name).crop((box.left, box.top, box.right, box.bottom))
    canvas = photo(background).resize((640, 480))
    scale = rng.uniform(0.4, 0.7) * canvas.height / crop.height
    crop = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))))
    left = rng.randrange(0, max(1, canvas.width - crop.width))
    top = rng.randrange(0, max(1, canvas.height - crop.height))
    canvas.paste(crop, (left, top))
    return canvas, Box(left, top, left + crop.width, top + crop.height)


def detection(vision: LocalVision) -> dict[str, Any]:
    rng = random.Random(16)
    cases: list[tuple[str, Image.Image, Box, tuple[str, Box, str, str, str]]] = []
    for item in OBJECTS:
        cases.append((f"{item[0]} (photo)", photo(item[0]), item[1], item))
        for background in rng.sample([b for b in BACKGROUNDS if b != item[0]], 3):
            image, where = compose(rng, item, background)
            cases.append((f"{item[0]} on {background}", image, where, item))
    rows: list[dict[str, Any]] = []
    for case, image, where, (_, _, label, prompt_ja, prompt_en) in cases:
        for prompt in (prompt_ja, prompt_en):
            found = vision.detect(image, prompt).objects
            best = max((iou(d.box, where) for d in found if d.label == label), default=0.0)
            rows.append(
                {"image": case, "prompt": prompt, "label": label, "found": best >= 0.5, "iou": round(best, 3)}
            )
        stray = vision.detect(image, "野菜を検出して").objects  # nothing here is a vegetable
        rows.append(
            {"image": case, "prompt": "野菜を検出して", "label": "(none)", "found": not stray, "iou": None}
        )
    photos = [r for r in rows if r["label"] != "(none)" and "(photo)" in r["image"]]
    composed = [r for r in rows if r["label"] != "(none)" and "(photo)" not in r["image"]]
    absent = [r for r in rows if r["label"] == "(none)"]
    return {
        "photos_recall": share(photos),
        "composed_recall": share(composed),
        "empty_when_absent": share(absent),
        "rows": rows,
    }


def share(rows: list[dict[str, Any]]) -> float:
    """The share of ``rows`` whose check held."""
    return sum(r["found"] for r in rows) / len(rows) if rows else float("nan")


def mapping(mapper: LabelMapper) -> dict[str, Any]:
    """Precision over the labels of prompts that name something; exact match over all prompts.

    A prompt for every label is right when it says so; a prompt naming no known label is right
    when it maps to nothing and lists the nearest labels.
    """
    rows: list[dict[str, Any]] = []
    predicted = correct = exact = 0
    for prompt, expected in PROMPTS:
        result = mapper.map(prompt)
        if expected is None:
            right = result.everything
        else:
            right = set(result.labels) == set(expected) and (bool(expected) or bool(result.unmapped))
            predicted += len(result.labels)
            correct += len(set(result.labels) & set(expected))
        exact += right
        rows.append(
            {"prompt": prompt, "expected": expected, "labels": list(result.labels)[:12], "exact": right}
        )
    return {
        "prompts": len(rows),
        "precision": correct / predicted if predicted else 1.0,
        "exact_match": exact / len(rows),
        "rows": rows,
    }


def blind_mapping(mapper: LabelMapper, path: Path = BLIND_PROMPTS) -> dict[str, Any]:
    """Precision, recall and exact match on held-out prompts, overall and per language.

    Precision counts every returned label, so labels returned for a prompt that names nothing
    count against it; recall is over the prompts that expect labels. "Empty when nothing" is the
    share of those that name nothing which map to no label.
    """
    rows: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        result = mapper.map(case["prompt"])
        expected, labels = set(case["expected"]), set(result.labels)
        rows.append(
            {
                "prompt": case["prompt"],
                "lang": case["lang"],
                "expected": sorted(expected),
                "labels": sorted(labels) if not result.everything else ["(every label)"],
                "missing": sorted(expected - labels),
                "extra": sorted(labels - expected)[:12],
                "exact": labels == expected,
                "how": result.explain().splitlines(),
            }
        )
    summary = {"all": _blind_scores(rows)} | {
        lang: _blind_scores([r for r in rows if r["lang"] == lang]) for lang in ("ja", "en")
    }
    return summary | {"misses": [r for r in rows if not r["exact"]], "rows": rows}


def held_out(mapper: LabelMapper) -> dict[str, dict[str, Any]]:
    """:func:`blind_mapping` on every set of :data:`HELD_OUT`, under its JSON key, with its title."""
    return {
        key: {"title": title, "file": path.name} | blind_mapping(mapper, path)
        for key, (title, path) in HELD_OUT.items()
    }


def _blind_scores(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The four scores of :func:`blind_mapping` over ``rows``."""
    returned = sum(len(r["expected"]) - len(r["missing"]) + len(r["extra"]) for r in rows)
    hit = sum(len(r["expected"]) - len(r["missing"]) for r in rows)
    expected = sum(len(r["expected"]) for r in rows)
    nothing = [r for r in rows if not r["expected"]]
    return {
        "prompts": len(rows),
        "precision": hit / returned if returned else 1.0,
        "recall": hit / expected if expected else float("nan"),
        "exact_match": sum(r["exact"] for r in rows) / len(rows),
        "empty_when_nothing": share([{"found": not r["labels"]} for r in nothing]),
        "nothing_prompts": len(nothing),
    }


def mapping_rows(table: Table, mapped: dict[str, Any], held: dict[str, dict[str, Any]]) -> None:
    """The mapping rows of the results table: the table author's prompts, then each held-out set."""
    table.add_row(
        f"label mapping precision ({mapped['prompts']} prompts)", f"{mapped['precision']:.3f}", "≥ 0.9"
    )
    table.add_row("label mapping exact match", f"{mapped['exact_match']:.3f}", "")
    for blind in held.values():
        table.add_row(f"{blind['title']}: P / R / exact / empty when nothing named", "", "")
        for lang in ("all", "ja", "en"):
            scores = blind[lang]
            table.add_row(
                f"  {lang}: {scores['prompts']} prompts, {scores['nothing_prompts']} name nothing",
                f"{scores['precision']:.3f} / {scores['recall']:.3f} / {scores['exact_match']:.3f}"
                f" / {scores['empty_when_nothing']:.2f}",
                "P ≥ 0.9" if lang == "all" else "",
            )


def mapping_only(embedder: Any) -> None:
    """Both mapping parts alone (seconds), merged into the JSON the full run wrote."""
    mapper = LabelMapper(embedder)
    mapped, held = mapping(mapper), held_out(mapper)
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results.update({"mapping": mapped} | held)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    table = Table("measure", "value", "goal")
    mapping_rows(table, mapped, held)
    console.print(table)
    for blind in held.values():
        for miss in blind["misses"]:
            console.print(
                f"miss ({blind['file']}): {miss['prompt']!r} expected {miss['expected']}"
                f" got {miss['labels']}; {' | '.join(miss['how'])}",
                markup=False,
            )
    console.print(f"merged mapping and {', '.join(held)} into {RESULTS}")


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def char_accuracy(truth: str, read: str) -> float:
    t, r = "".join(normalise(truth).split()), "".join(read.split())
    return max(0.0, 1.0 - edit_distance(t, r) / max(1, len(t)))


VARIANTS: dict[str, dict[str, float]] = {"clean": {}, "noise": {"noise": 0.02}, "rotated": {"rotate": 1.5}}


def ocr_accuracy(folder: Path) -> tuple[dict[str, Any], dict[int, ParsedDocument]]:
    """Character accuracy per language and variant; the noisy scans' documents for retrieval."""
    rows: list[dict[str, Any]] = []
    scans: dict[int, ParsedDocument] = {}
    for number, lines in enumerate(PAGES_JA + PAGES_EN):
        language = "ja" if number < len(PAGES_JA) else "en"
        for variant, options in VARIANTS.items():
            path = folder / f"page-{number}-{variant}.png"
            page = render_page(
                lines, seed=number, noise=options.get("noise", 0.0), rotate=options.get("rotate", 0.0)
            )
            page.save(path)
            document, seconds = timed(ocr.parse_image, path, path.read_bytes())
            accuracy = char_accuracy("".join(lines), document.text)
            rows.append(
                {"page": number, "language": language, "variant": variant, "seconds": round(seconds, 2),
                 "accuracy": round(accuracy, 4)}
            )  # fmt: skip
            if variant == "noise":
                scans[number] = document
    summary = {
        f"{language}_{variant}": statistics.mean(
            r["accuracy"] for r in rows if r["language"] == language and r["variant"] == variant
        )
        for language in ("ja", "en")
        for variant in VARIANTS
    }
    return {"summary": summary, "rows": rows}, scans


def knowledge_base(folder: Path, embedder: Any, documents: dict[str, ParsedDocument]) -> KnowledgeBase:
    """A SQLite knowledge base holding ``documents`` (by the name readers see), readable by "reader"."""
    kb = KnowledgeBase.__new__(KnowledgeBase)
    kb.__dict__["embedder"] = embedder
    kb.__init__(load_settings(folder))  # type: ignore[misc]  # share the loaded embedder (as the tests do)
    kb.store.add_user("reader")
    for name, document in documents.items():
        kb.ingestor.ingest_document(document, frozenset({EVERYONE}), name=name)
    return kb


def recalls(kb: KnowledgeBase, questions: list[tuple[str, str]], kind: str) -> dict[str, float]:
    """recall@1 and @5 of (gold name, question) pairs."""
    ranks = []
    for gold, question in questions:
        names = [h.name for h in kb.search(question, "reader", k=10)]
        ranks.append(names.index(gold) + 1 if gold in names else None)
    return {
        f"recall_at_{k}_{kind}": sum(r is not None and r <= k for r in ranks) / len(ranks) for k in (1, 5)
    }


def retrieval(folder: Path, scans: dict[int, ParsedDocument], embedder: Any) -> dict[str, Any]:
    texts = {
        f"page-{n}": ParsedDocument(lines[0], "\n".join(lines), f"page-{n}.txt", "text/plain")
        for n, lines in enumerate(PAGES_JA + PAGES_EN)
    }
    questions = [(f"page-{page}", question) for page, question in QUESTIONS]
    found: dict[str, Any] = {"questions": len(questions), "documents": len(texts)}
    for kind, documents in (("text", texts), ("scan", {f"page-{n}": d for n, d in scans.items()})):
        kb = knowledge_base(folder / kind, embedder, documents)
        found.update(recalls(kb, questions, kind))
        kb.close()
    return found


def wrapped(text: str, width: int = 34) -> list[str]:
    """Japanese prose cut into lines of ``width`` characters (as a page would wrap it)."""
    return [text[i : i + width] for i in range(0, len(text), width)]


def jsquad_scans(folder: Path, embedder: Any, paragraphs: int) -> dict[str, Any]:
    """JSQuAD paragraphs rendered as pages and read back: OCR accuracy and recall against the text."""
    documents, all_questions = load_jsquad()
    chosen = documents[:paragraphs]
    texts, scans, accuracy = {}, {}, []
    for number, document in enumerate(chosen):
        lines = [document.title, *wrapped(document.text)]
        path = folder / f"jsquad-{number}.png"
        render_page(lines, size=(1240, 100 + 58 * len(lines)), font_px=32).save(path)
        read = ocr.parse_image(path, path.read_bytes())
        accuracy.append(char_accuracy("".join(lines), read.text))
        name = f"jsquad-{number}"
        texts[name] = document
        scans[name] = replace(read, title=document.title)  # the same title on both sides: text is compared
    names = {document.source: f"jsquad-{n}" for n, document in enumerate(chosen)}
    questions = [(names[q.source], q.question) for q in all_questions if q.source in names]
    found: dict[str, Any] = {
        "paragraphs": len(chosen),
        "questions": len(questions),
        "ocr_char_accuracy": statistics.mean(accuracy),
    }
    for kind, corpus in (("text", texts), ("scan", scans)):
        kb = knowledge_base(folder / f"jsquad-{kind}", embedder, corpus)
        found.update(recalls(kb, questions, kind))
        kb.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warm", type=int, default=10, help="warm calls timed per model")
    parser.add_argument(
        "--jsquad", type=int, default=24, help="JSQuAD paragraphs rendered as scans (0: none)"
    )
    parser.add_argument(
        "--only", choices=["mapping"], help="run only this part and merge it into the existing JSON"
    )
    args = parser.parse_args()
    embedder = load_embedder()
    if args.only == "mapping":
        mapping_only(embedder)
        return
    detector = NodeDetector()
    started = time.perf_counter()
    try:
        timings, classifier = latency(detector, args.warm)
        vision = LocalVision(embedder, detector)
        vision.__dict__["classifier"] = classifier
        detected = detection(vision)
        mapped = mapping(vision.mapper)
        held = held_out(vision.mapper)
        with tempfile.TemporaryDirectory(prefix="sakuin-vision-bench-") as folder:
            read, scans = ocr_accuracy(Path(folder))
            found = retrieval(Path(folder), scans, embedder)
            squad = jsquad_scans(Path(folder), embedder, args.jsquad) if args.jsquad else None
    finally:
        detector.close()
    results = {
        "latency": timings,
        "detection": detected,
        "mapping": mapped,
        **held,
        "ocr": read,
        "retrieval": found,
        "jsquad_scans": squad,
        "wall_s": time.perf_counter() - started,
        "note": "2-core machine shared with other jobs: timings are noisy; compare within this run",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    table = Table("measure", "value", "goal")
    table.add_row("detector warm, s/image (median)", f"{timings['detector_warm_median_s']:.3f}", "≤ 0.3")
    table.add_row("detector cold (start + first image), s", f"{timings['detector_cold_s']:.2f}", "")
    table.add_row("classifier warm, s/image", f"{timings['classifier_warm_median_s']:.3f}", "")
    table.add_row("classifier load + first image, s",
                  f"{timings['classifier_load_s'] + timings['classifier_first_s']:.2f}", "")  # fmt: skip
    table.add_row("OCR per page (1240x880), s", f"{timings['ocr_page_median_s']:.2f}", "")
    table.add_row("detection: named object found (photos)", f"{detected['photos_recall']:.2f}", "")
    table.add_row("detection: named object found (composed)", f"{detected['composed_recall']:.2f}", "")
    table.add_row(
        "detection: empty when the prompt names an absent label", f"{detected['empty_when_absent']:.2f}", ""
    )
    mapping_rows(table, mapped, held)
    for key, value in read["summary"].items():
        table.add_row(
            f"OCR character accuracy {key}", f"{value:.3f}", "≥ 0.95" if key.endswith("clean") else ""
        )
    for k in (1, 5):
        recall = f"{found[f'recall_at_{k}_text']:.2f} / {found[f'recall_at_{k}_scan']:.2f}"
        table.add_row(f"recall@{k} text / scanned (noisy), {found['documents']} pages", recall, "within 0.05")
    if squad:
        table.add_row(
            f"OCR character accuracy, {squad['paragraphs']} JSQuAD pages",
            f"{squad['ocr_char_accuracy']:.3f}",
            "",
        )
        for k in (1, 5):
            recall = f"{squad[f'recall_at_{k}_text']:.3f} / {squad[f'recall_at_{k}_scan']:.3f}"
            table.add_row(
                f"JSQuAD recall@{k} text / scanned ({squad['questions']} questions)", recall, "within 0.05"
            )
    console.print(table)
    console.print(f"wrote {RESULTS} ({results['wall_s']:.0f} s)")


if __name__ == "__main__":
    main()
