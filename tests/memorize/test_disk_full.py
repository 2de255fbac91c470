"""A full disk while saving: a checkpoint or an adapter that cannot be written fails with a clear error
and leaves what was saved before whole. The disk "fills" through RLIMIT_FSIZE in a subprocess (no
root, no loop device): any write past the limit fails with EFBIG, as a full disk fails with ENOSPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, resource, sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from sakuin.memorize.adapters import WEIGHTS, AdapterError, AdapterRegistry, Manifest
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.train import CHECKPOINT, TrainingError, train_lora

base, root = Path(sys.argv[1]), Path(sys.argv[2])
texts = ["Valmor Tarven was born in Porto.", "榊瀬遥真は金沢で生まれた。", "Quelkin Works is based in Graz."]
config = TrainConfig(rank=2, alpha=4, batch_size=1, epochs=2, checkpoint_every=1)
work = root / "work"
unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)


def fill_after_the_first_checkpoint(done, total, loss):
    if done == 2:  # the step-1 checkpoint exists; the step-2 one will not fit
        limit = (work / CHECKPOINT).stat().st_size // 2
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


report = {}
try:
    train_lora(base, texts, config, work, progress=False, on_step=fill_after_the_first_checkpoint)
except TrainingError as exc:
    report["checkpoint_error"] = str(exc)
resource.setrlimit(resource.RLIMIT_FSIZE, unlimited)
report["kept_step"] = torch.load(work / CHECKPOINT, weights_only=False)["step"]
report["partials"] = sorted(p.name for p in work.iterdir() if p.name != CHECKPOINT)

result = train_lora(base, texts, config, work, progress=False)  # resumes from step 1
report["resumed_from"] = result.resumed_from
registry = AdapterRegistry(root / "adapters")


def manifest(name):
    return Manifest(name, "alice", "tiny", "0" * 64, "0" * 64, 0, {}, {}, [1])


registry.save(manifest("old"), [], lambda folder: result.model.save_pretrained(folder))
before = load_file(registry.folder("old") / WEIGHTS)
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.RLIM_INFINITY))
try:
    registry.save(manifest("new"), [], lambda folder: result.model.save_pretrained(folder))
except AdapterError as exc:
    report["adapter_error"] = str(exc)
resource.setrlimit(resource.RLIMIT_FSIZE, unlimited)
after = load_file(registry.folder("old") / WEIGHTS)
report["old_intact"] = before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
report["old_manifest"] = registry.manifest("old").name
report["adapters"] = sorted(p.name for p in registry.root.iterdir())
print(json.dumps(report))
"""


def test_a_full_disk_keeps_the_previous_checkpoint_and_adapters(tiny_base: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tiny_base), str(tmp_path)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["checkpoint_error"].startswith(
        "could not save the checkpoint of step 2 (not enough disk space"
    )
    assert (
        "the previous checkpoint" in report["checkpoint_error"] and "run again" in report["checkpoint_error"]
    )
    assert report["kept_step"] == 1 and report["partials"] == [] and report["resumed_from"] == 1
    assert report["adapter_error"].startswith("could not save adapter 'new' (not enough disk space")
    assert "nothing was saved" in report["adapter_error"]
    assert report["old_intact"] and report["old_manifest"] == "old" and report["adapters"] == ["old"]
