"""The sandbox kills what it must: endless loops, memory hogs, sockets, writes outside scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.errors import SandboxLimitError, ScriptRejectedError, SimulationCancelledError
from sakuin.simulate.sandbox import Limits, check_script, run_script

TIGHT = Limits(wall_seconds=20, cpu_seconds=2, memory_bytes=2**30)


def _limit(source: str, scratch: Path, limits: Limits = TIGHT) -> str:
    with pytest.raises(SandboxLimitError) as caught:
        run_script(source, scratch, limits)
    return caught.value.limit


def test_forever_loop_is_killed_at_the_cpu_limit(tmp_path: Path) -> None:
    assert _limit("while True:\n    pass\n", tmp_path) == "cpu"


def test_sleeping_forever_is_killed_at_the_wall_clock(tmp_path: Path) -> None:
    assert _limit("import time\ntime.sleep(600)\n", tmp_path, Limits(wall_seconds=1.5)) == "wall"


def test_memory_hog_is_stopped(tmp_path: Path) -> None:
    assert _limit("import numpy\nhog = numpy.ones(2**31)\n", tmp_path) == "memory"


def test_socket_opened_through_an_allowed_library_is_killed(tmp_path: Path) -> None:
    source = (
        "from ase.calculators import socketio\n"
        "client = socketio.socket.socket(socketio.socket.AF_INET)\n"
        "client.connect(('192.0.2.1', 80))\n"
    )
    assert _limit(source, tmp_path) == "network"


def test_write_outside_scratch_is_killed(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert _limit("from pathlib import Path\nPath('../escaped.txt').write_text('x')\n", scratch) == "write"
    assert _limit(f"open({str(tmp_path / 'abs.txt')!r}, 'a')\n", scratch) == "write"
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "abs.txt").exists()


def test_output_flood_is_killed(tmp_path: Path) -> None:
    flood = "while True:\n    print('x' * 1000)\n"
    assert _limit(flood, tmp_path, Limits(output_bytes=2**20, cpu_seconds=20)) == "output"


def test_environment_is_scrubbed_and_writes_inside_scratch_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_TOKEN", "hunter2")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")  # guards correctness on some CPUs: passed through
    source = (
        "import json\nfrom pathlib import Path\nPath('out.txt').write_text('ok')\n"
        "print(json.dumps({'event': 'env', 'home': str(Path.home())}))\n"
    )
    result = run_script(source, tmp_path, TIGHT)
    assert (tmp_path / "out.txt").read_text() == "ok"
    assert result.events == [{"event": "env", "home": str(tmp_path.resolve())}]
    probe = (
        "import json\nfrom pathlib import Path\n"
        "print(json.dumps({'event': 'env', 'x': Path('/proc/self/environ').read_bytes().decode()}))\n"
    )
    seen = str(run_script(probe, tmp_path, TIGHT).events)
    assert "hunter2" not in seen and "OPENBLAS_CORETYPE=Haswell" in seen


def test_cancel_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(SimulationCancelledError):
        run_script("import time\ntime.sleep(60)\n", tmp_path, TIGHT, should_cancel=lambda: True)


@pytest.mark.parametrize(
    "source",
    [
        "import os\n",
        "import subprocess\n",
        "from urllib import request\n",
        "exec('1')\n",
        "__import__('os')\n",
        "x = ().__class__.__bases__\n",
        "import socket\n",
    ],
)
def test_static_check_refuses_escapes(source: str) -> None:
    with pytest.raises(ScriptRejectedError, match="not allowed"):
        check_script(source)
