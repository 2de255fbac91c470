"""``sakuin see IMAGE "prompt"``: detect what the prompt names, draw the boxes, and say how."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sakuin.embeddings import load_embedder
from sakuin.knowledge.ocr import LoadedImage, load_image
from sakuin.knowledge.parse import ParseError
from sakuin.terminal import err, out, settings_of
from sakuin.vision.base import Detections
from sakuin.vision.draw import draw_boxes
from sakuin.vision.local import LocalVision
from sakuin.vision.vlm import vision_model


def open_image(path: Path) -> LoadedImage:
    """An image file for the vision models (the same checks as ingest: type, truncation, size)."""
    if not path.is_file():
        raise ParseError(f"{path}: no such file.")
    return load_image(path, path.read_bytes())


def see(
    ctx: typer.Context,
    image: Annotated[Path, typer.Argument(help="A PNG, JPEG, TIFF, WebP, GIF or BMP image.")],
    prompt: Annotated[
        str,
        typer.Argument(help='What to find ("野菜を検出して", "detect the cups"); or a question with --ask.'),
    ] = "",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the detections (label, score, box) as JSON.")
    ] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the image with its boxes drawn (PNG).")
    ] = None,
    classify: Annotated[
        bool, typer.Option("--classify", help="Also classify the whole image (ImageNet-1k).")
    ] = False,
    read: Annotated[
        bool, typer.Option("--read", help="Also read the text in the image (Tesseract).")
    ] = False,
    ask: Annotated[
        bool, typer.Option("--ask", help="Answer the prompt as a question about the image.")
    ] = False,
    vlm_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible server with a vision model (default: vision.vlm_url)."),
    ] = None,
    vlm_model: Annotated[
        str | None, typer.Option(help="The vision model's name on that server (default: vision.vlm_model).")
    ] = None,
) -> None:
    """Detect what a prompt names in an image (COCO-80 locally; any words with --vlm-url)."""  # fmt: skip
    settings = settings_of(ctx)
    loaded = open_image(image)
    local = LocalVision(load_embedder(settings.knowledge.embedder, settings.model.threads))
    model = vision_model(settings.vision, local, url=vlm_url, model=vlm_model)
    result: dict[str, Any] = {"image": str(image), "notes": loaded.notes}
    if ask:
        answer = model.ask(loaded.image, prompt)
        result["answer"] = answer.to_json()
    else:
        detections = model.detect(loaded.image, prompt)
        result.update(detections.to_json())
        result["notes"] = loaded.notes + detections.notes
        if out_path is not None:
            draw_boxes(loaded.image, detections.objects).save(out_path, "PNG")
            result["boxed"] = str(out_path)
    if classify:
        classes = model.classify(loaded.image, "" if ask else prompt)
        result["classes"] = classes.to_json()
    if read:
        result["text"] = [t.to_json() for t in model.read(loaded.image)]
    if as_json:
        out.print_json(json.dumps(result, ensure_ascii=False))
    else:
        _print(result, detections if not ask else None)


def _print(result: dict[str, Any], detections: Detections | None) -> None:
    for note in result["notes"]:
        err.print(f"[yellow]note:[/] {escape(note)}")
    if "answer" in result:
        out.print(escape(result["answer"]["text"]))
    if detections is not None:
        err.print(f"labels used ({escape(detections.model)}):\n" + escape(detections.mapping.explain()))
        table = Table("label", "score", "box (left, top, right, bottom)")
        for d in detections.objects:
            table.add_row(
                escape(d.label), f"{d.score:.2f}", f"{d.box.left}, {d.box.top}, {d.box.right}, {d.box.bottom}"
            )
        out.print(table if detections.objects else "nothing found")
    if "boxed" in result:
        err.print(f"boxes drawn: {escape(result['boxed'])}")
    if "classes" in result:
        classes = result["classes"]
        out.print(f"{classes['model']} over {classes['label_set']}: " + ", ".join(
            f"{c['label']} {c['score']:.2f}" for c in classes["labels"]))  # fmt: skip
    if "text" in result:
        out.print("text read: " + (" / ".join(escape(t["text"]) for t in result["text"]) or "none"))
