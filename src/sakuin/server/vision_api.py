"""``POST /api/see``: an uploaded image, a prompt, and what the local vision models found in it.

The caller's image is only looked at, never stored: nothing enters the knowledge base (to make a
scan searchable, upload it to /api/documents, where OCR reads it). The reply carries the
detections with the labels the prompt was mapped to, the image with its boxes as a PNG data URL,
and optionally the whole-image classes and the text read.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from sakuin.knowledge.ocr import load_image
from sakuin.server.auth import PrincipalDep
from sakuin.server.services import Services, ServicesDep, exposes
from sakuin.server.uploads import safe_filename
from sakuin.vision.base import VisionModel
from sakuin.vision.draw import draw_boxes, png_bytes
from sakuin.vision.local import LocalVision
from sakuin.vision.vlm import vision_model

router = APIRouter(prefix="/api")


def app_vision(request: Request, services: Services) -> VisionModel:
    """One vision model per app, made on the first request (the detector worker stays up): the
    ``[vision]`` server's model in front of the local ones where one is configured."""
    vision: VisionModel | None = getattr(request.app.state, "vision", None)
    if vision is None:
        vision = vision_model(services.settings.vision, LocalVision(services.kb.embedder))
        request.app.state.vision = vision
    return vision


@router.post("/see", openapi_extra=exposes("self"))
def see(
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    image: Annotated[UploadFile, File(description="A PNG, JPEG, TIFF, WebP, GIF or BMP image.")],
    prompt: Annotated[str, Form(max_length=500, description='What to find: "野菜を検出して", "cups".')] = "",
    classify: Annotated[bool, Form(description="Also classify the whole image (ImageNet-1k).")] = False,
    read: Annotated[bool, Form(description="Also read the text in the image (Tesseract).")] = False,
    question: Annotated[
        str,
        Form(
            max_length=2000,
            description="A question about the image, for the vision-language model of [vision]; "
            "without one the answer says so and lists what the local models saw.",
        ),
    ] = "",
) -> dict[str, Any]:
    """Detect what the prompt names (COCO-80 labels locally, any words with a vision-language
    model; the mapping says which), boxes drawn as a PNG; answer ``question`` when one is asked.

    A file that is not an image, or a truncated one, is a 400 that says so; a huge image is
    scaled down and an animated one read at its first frame, both said in ``notes``.
    """
    name = safe_filename(image.filename)
    loaded = load_image(name, image.file.read())
    vision = app_vision(request, services)
    detections = vision.detect(loaded.image, prompt)
    result = detections.to_json()
    result["notes"] = loaded.notes + detections.notes
    boxed = png_bytes(draw_boxes(loaded.image, detections.objects))
    result["boxed_png"] = "data:image/png;base64," + base64.b64encode(boxed).decode("ascii")
    if classify:
        classes = vision.classify(loaded.image, prompt)
        result["classes"] = classes.to_json()
    if read:
        result["text"] = [line.to_json() for line in vision.read(loaded.image)]
    if question.strip():
        result["answer"] = vision.ask(loaded.image, question).to_json()
    return result
