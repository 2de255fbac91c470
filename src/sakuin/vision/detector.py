"""The COCO-80 CenterNet of @vladmandic/human, run by a Node.js worker that is started once and kept.

Starting Node and loading the model takes about a second; one detection a fraction of that, so
the worker stays alive between images (one per process, shared by threads under a lock) and is
restarted if it dies. Pixels go over as raw RGB in base64 (Node needs no image decoder); images
are scaled so that their longer side is at most ``SEND_SIDE`` first (the network sees 512 px).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sakuin.knowledge.ocr import Box
from sakuin.vision.base import Detection, VisionError

if TYPE_CHECKING:
    from PIL.Image import Image

NODE_DIR = Path(__file__).parent / "node"
WORKER = NODE_DIR / "worker.js"
SEND_SIDE = 1024
START_TIMEOUT_S = 60.0
DETECT_TIMEOUT_S = 60.0
MODEL_NAME = "centernet-mobilenetv3 (COCO-80, @vladmandic/human)"


@dataclass(frozen=True)
class WorkerInfo:
    """What the worker said when it was ready."""

    backend: str
    versions: str
    pid: int


class NodeDetector:
    """A kept-alive detector worker; ``detect`` returns every object above ``min_score``."""

    name = MODEL_NAME

    def __init__(self, node: str = "node", *, timeout_s: float = DETECT_TIMEOUT_S) -> None:
        self.node = node
        self.timeout_s = timeout_s
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: IO[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self.info: WorkerInfo | None = None
        self.starts = 0

    def _check_installed(self) -> str:
        node = shutil.which(self.node)
        if node is None:
            raise VisionError("the detector needs Node.js (node 20 or newer) on PATH; install it.")
        if not (NODE_DIR / "node_modules" / "@vladmandic" / "human" / "models" / "centernet.bin").is_file():
            raise VisionError(
                f"the detector's npm packages are not installed in {NODE_DIR}: run `make setup` "
                f"(or `npm ci` there)."
            )
        return node

    def _start(self) -> None:
        node = self._check_installed()
        # kept open for the worker's life and closed in close(): what it says before dying is the reason
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._lines = queue.Queue()
        self._process = subprocess.Popen(
            [node, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            cwd=NODE_DIR,
        )
        threading.Thread(target=self._pump, args=(self._process.stdout,), daemon=True).start()
        ready = self._reply(START_TIMEOUT_S, "start")
        if not ready.get("ready"):
            self.close()
            raise VisionError(f"the detector worker failed to start: {ready.get('error', ready)}")
        self.info = WorkerInfo(
            ready.get("backend", "?"),
            f"human {ready.get('human')}, tfjs {ready.get('tfjs')}",
            self._process.pid,
        )
        self.starts += 1

    def _pump(self, stream: IO[str] | None) -> None:
        """Lines from the worker into a queue, so that reading them can time out."""
        assert stream is not None
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _reply(self, timeout_s: float, doing: str) -> dict[str, Any]:
        """The worker's next JSON object; anything else a library prints to stdout is skipped."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                raise VisionError(
                    f"the detector worker did not answer within {timeout_s:.0f} s ({doing})."
                ) from None
            if line is None:
                detail = self._stderr_tail()
                self.close()
                raise VisionError(f"the detector worker exited ({doing}): {detail or 'no message'}")
            try:
                reply = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(reply, dict):
                return reply

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-500:].strip()

    def detect(self, image: Image, *, min_score: float = 0.2, max_detected: int = 50) -> list[Detection]:
        """Every COCO object in ``image`` scoring at least ``min_score``, boxes in its own pixels."""
        rgb = image.convert("RGB")
        scale = min(1.0, SEND_SIDE / max(rgb.size))
        sent = (
            rgb
            if scale == 1.0
            else rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))))
        )
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            assert self._process is not None and self._process.stdin is not None
            self._next_id += 1
            request = {
                "id": self._next_id,
                "op": "detect",
                "width": sent.width,
                "height": sent.height,
                "rgb": base64.b64encode(sent.tobytes()).decode("ascii"),
                "min_score": min_score,
                "max_detected": max_detected,
            }
            try:
                self._process.stdin.write(json.dumps(request) + "\n")
                self._process.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                self.close()
                raise VisionError(f"the detector worker is gone ({exc}); the next call restarts it.") from exc
            reply = self._reply(self.timeout_s, "detect")
        if not reply.get("ok"):
            raise VisionError(f"the detector failed on this image: {reply.get('error')}")
        return [_detection(o, scale, rgb.size) for o in reply["objects"]]

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.stdin:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _detection(found: dict[str, Any], scale: float, size: tuple[int, int]) -> Detection:
    """A worker's ``[x, y, width, height]`` in the sent image to a box in the original, clipped."""
    x, y, w, h = (float(v) / scale for v in found["box"])
    box = Box(max(0, round(x)), max(0, round(y)), min(size[0], round(x + w)), min(size[1], round(y + h)))
    return Detection(str(found["label"]), float(found["score"]), box)


@cache
def shared_detector() -> NodeDetector:
    """The process's one worker, closed when Python exits."""
    detector = NodeDetector()
    atexit.register(detector.close)
    return detector
