"""Red team: scripts that pass the static check and then reach for native code, run in the real sandbox.

Each attempt is its own script, run through ``run_script`` as a model-written script would be.
``numpy.ctypeslib`` hands any script ``ctypes`` in one line, so the audit hook inside Python sees
none of these calls: what stops them is the operating-system sandbox (namespaces, a read-only file
system of only what a simulation needs, seccomp). Every attempt must fail, the host must see no
change, and the runner must say why.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from sakuin.errors import SandboxLimitError, SandboxUnavailableError, SimulationFailedError
from sakuin.simulate.sandbox import Limits, RunResult, run_script
from sakuin.simulate.walls import probe, walls_here

pytestmark = pytest.mark.skipif(
    not walls_here().os_sandbox and os.environ.get("CI") != "true",
    reason=f"the OS sandbox is down here: {walls_here().reason}",
)  # in CI it must be up: the set-up installs bubblewrap, so there a missing sandbox fails the suite

LIMITS = Limits(wall_seconds=30, cpu_seconds=20, memory_bytes=2**30)

NATIVE = """\
import json
import numpy

ctypes = numpy.ctypeslib.ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.strerror.restype = ctypes.c_char_p


def fails(what, returned):
    if returned == -1:
        raise SystemExit(f"{what} failed: {libc.strerror(ctypes.get_errno()).decode()}")
    print(json.dumps({"event": "escaped", "what": what, "returned": returned}))
"""
"""What every attempt starts with: libc through numpy's ctypes, and a report of how the call ended."""


def _attempt(body: str, scratch: Path, limits: Limits = LIMITS) -> str:
    """Run one attempt; return the runner's error message (the attempt must not succeed)."""
    source = NATIVE + textwrap.dedent(body)
    with pytest.raises(SimulationFailedError) as caught:
        run_script(source, scratch, limits)
    return str(caught.value)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A sakuin data directory with a store holding a canary; runs get a folder inside it, as in real use."""
    data = tmp_path / "data"
    (data / "simulations").mkdir(parents=True)
    with sqlite3.connect(data / "sakuin.db") as db:
        db.execute("CREATE TABLE tokens (token TEXT)")
        db.execute("INSERT INTO tokens VALUES ('canary-token-5f1c')")
    return data


@pytest.fixture
def scratch(data_dir: Path) -> Path:
    folder = data_dir / "simulations" / "run-1"
    folder.mkdir()
    return folder


def test_the_issues_three_lines_no_longer_run_a_shell(scratch: Path) -> None:
    marker = Path("/tmp") / f"sakuin-escaped-{os.getpid()}"
    libc_folder = next(str(p) for p in Path("/lib").glob("*-linux-gnu") if (p / "libc.so.6").exists())
    body = f"""
    lib = numpy.ctypeslib.load_library("libc.so.6", {libc_folder!r})
    status = lib.system(b"id > {marker}")  # 127 << 8: no shell could start
    fails("system", -1 if status != 0 else 0)
    """
    assert "system failed" in _attempt(body, scratch)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ("libc.fork()", "Operation not permitted"),
        ("libc.socket(2, 1, 0)", "Operation not permitted"),  # AF_INET, SOCK_STREAM
        ("libc.socket(10, 2, 0)", "Operation not permitted"),  # AF_INET6, SOCK_DGRAM
        (f"libc.ptrace(16, {os.getpid()}, None, None)", "Operation not permitted"),  # attach to the parent
        ("libc.unshare(0x10000000)", "Operation not permitted"),  # CLONE_NEWUSER
        ("libc.mount(b'none', b'/usr', b'tmpfs', 0, None)", "Operation not permitted"),
    ],
)
def test_native_calls_a_simulation_never_makes_are_refused(call: str, reason: str, scratch: Path) -> None:
    assert reason in _attempt(f"fails({call!r}, {call})\n", scratch)


def test_a_fork_bomb_starts_no_process(scratch: Path) -> None:
    message = _attempt("for _ in range(10000):\n    fails('fork', libc.fork())\n", scratch)
    assert "fork failed: Operation not permitted" in message


@pytest.mark.parametrize("where", ["sibling", "usr", "data"])
def test_native_writes_outside_scratch_fail_and_the_host_sees_nothing(
    where: str, scratch: Path, data_dir: Path
) -> None:
    target = {
        "sibling": scratch.parent / "escaped.txt",
        "usr": Path("/usr/sakuin-escaped.txt"),
        "data": data_dir / "sakuin.db",
    }[where]
    before = target.read_bytes() if target.exists() else None
    message = _attempt(
        f"fails('open for writing', libc.open({str(target).encode()!r}, 0o1101, 0o644))\n", scratch
    )
    assert "open for writing failed: Read-only file system" in message
    assert (target.read_bytes() if target.exists() else None) == before


def test_the_hosts_tmp_is_not_there_and_the_private_one_is_read_only(scratch: Path) -> None:
    host_file = Path("/tmp") / f"sakuin-red-team-{os.getpid()}"
    host_file.write_text("host")
    try:
        assert "No such file or directory" in _attempt(
            f"fails('read the host /tmp', libc.open({str(host_file).encode()!r}, 0))\n", scratch
        )
        assert "Read-only file system" in _attempt(
            f"fails('write /tmp', libc.open({str(host_file).encode()!r}, 0o1101, 0o644))\n", scratch
        )
        assert host_file.read_text() == "host"
    finally:
        host_file.unlink()


def test_a_file_in_home_is_not_there(scratch: Path) -> None:
    if not os.access(Path.home(), os.W_OK):
        pytest.skip("the home folder is not writable here")
    with tempfile.NamedTemporaryFile(dir=Path.home(), prefix="sakuin-canary-") as handle:
        message = _attempt(f"fails('open a file in home', libc.open({handle.name.encode()!r}, 0))\n", scratch)
    assert "No such file or directory" in message


def test_the_data_directory_shows_only_the_way_to_the_runs_folder(scratch: Path, data_dir: Path) -> None:
    message = _attempt(
        f"fails('open the store', libc.open({str(data_dir / 'sakuin.db').encode()!r}, 0))\n", scratch
    )
    assert "No such file or directory" in message and "canary-token" not in message
    source = (
        "import json\nfrom pathlib import Path\n"
        f"seen = sorted(p.name for p in Path({str(data_dir)!r}).iterdir())\n"
        "print(json.dumps({'event': 'seen', 'names': seen}))\n"
    )
    assert run_script(source, scratch, LIMITS).events == [{"event": "seen", "names": ["simulations"]}]


def test_python_level_reads_of_the_store_fail_too(scratch: Path, data_dir: Path) -> None:
    message = _attempt(f"print(open({str(data_dir / 'sakuin.db')!r}, 'rb').read())\n", scratch)
    assert "No such file or directory" in message


def test_no_environment_of_the_caller_is_readable(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKUIN_RED_TEAM_SECRET", "hunter2-canary")
    source = NATIVE + textwrap.dedent(
        f"""
        from pathlib import Path
        seen = []
        for pid in ("1", "self", "{os.getpid()}", "{os.getppid()}"):
            try:
                seen.append(Path(f"/proc/{{pid}}/environ").read_bytes().decode(errors="replace"))
            except OSError as error:
                seen.append(f"{{pid}}: {{error.strerror}}")
        print(json.dumps({{"event": "environ", "seen": seen}}))
        """
    )
    result = run_script(source, scratch, LIMITS)
    seen = " ".join(result.events[0]["seen"])
    assert "hunter2-canary" not in seen and "hunter2-canary" not in result.stderr_tail
    assert f"{os.getpid()}: No such file or directory" in seen  # the host's processes are not there


def test_the_parent_cannot_be_signalled(scratch: Path) -> None:
    received: list[int] = []

    def note(number: int, frame: FrameType | None) -> None:
        received.append(number)

    previous = signal.signal(signal.SIGUSR1, note)
    try:
        message = _attempt(
            f"fails('kill the parent', libc.kill({os.getpid()}, {int(signal.SIGUSR1)}))\n", scratch
        )
        time.sleep(0.2)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert "kill the parent failed: No such process" in message
    assert received == []


FILL_THE_DISK = NATIVE + textwrap.dedent(
    """
    block = b"x" * 2**20
    for number in range(100000):
        with open(f"fill-{number}.bin", "wb") as handle:
            for _ in range(4):
                handle.write(block)
    """
)
"""Writes 4 MiB files as fast as it can until it is killed."""


@pytest.fixture
def filled(scratch: Path) -> Iterator[Path]:
    """The scratch folder of a disk-filling run; what the run wrote is removed afterwards, pass or fail."""
    yield scratch
    for path in scratch.glob("fill-*.bin"):
        path.unlink()


def _written(scratch: Path) -> int:
    return sum(path.stat().st_size for path in scratch.glob("fill-*.bin"))


def test_filling_the_disk_is_stopped_at_the_scratch_budget(filled: Path) -> None:
    budget = 64 * 2**20
    with pytest.raises(SandboxLimitError) as caught:
        run_script(FILL_THE_DISK, filled, Limits(wall_seconds=60, scratch_bytes=budget, disk_reserve_bytes=0))
    assert caught.value.limit == "disk"
    assert "wrote more than 64 MiB into its folder" in str(caught.value)
    assert budget < _written(filled) < budget + 2**30  # killed within a check interval of crossing it


def test_a_run_never_takes_the_disk_under_its_free_space_floor(filled: Path) -> None:
    """The host's disk is protected even where the scratch budget is larger than what is free: the
    floor is what free space the run must leave, and it stops the run long before its budget."""
    allowed = 48 * 2**20
    reserve = shutil.disk_usage(filled).free - allowed
    with pytest.raises(SandboxLimitError) as caught:
        run_script(FILL_THE_DISK, filled, Limits(wall_seconds=60, disk_reserve_bytes=reserve))
    assert caught.value.limit == "disk"
    assert "filled the disk that holds its folder to under" in str(caught.value)
    assert allowed / 2 < _written(filled) < allowed + 2**30


def test_a_run_is_not_started_on_a_disk_already_under_the_floor(scratch: Path) -> None:
    reserve = shutil.disk_usage(scratch).free + 2**30
    with pytest.raises(SandboxLimitError) as caught:
        run_script(FILL_THE_DISK, scratch, Limits(wall_seconds=60, disk_reserve_bytes=reserve))
    assert caught.value.limit == "disk"
    assert "was not started" in str(caught.value) and "free some space" in str(caught.value)
    assert list(scratch.iterdir()) == []  # not even the script was written


def test_one_huge_file_stops_at_the_file_size_limit(scratch: Path) -> None:
    body = "open('huge.bin', 'wb').write(b'x' * (8 * 2**20))\n"
    with pytest.raises(SandboxLimitError) as caught:
        run_script(NATIVE + body, scratch, Limits(wall_seconds=30, file_bytes=2**20))
    assert caught.value.limit == "file"
    assert (scratch / "huge.bin").stat().st_size <= 2**20


def test_a_memory_bomb_through_native_code_is_stopped(scratch: Path) -> None:
    body = "fails('malloc 4 GiB', -1 if not libc.malloc(ctypes.c_size_t(4 * 2**30)) else 0)\n"
    message = _attempt("libc.malloc.restype = ctypes.c_void_p\n" + body, scratch)
    assert "ran out of its memory limit of 1.0 GiB" in message


def test_normal_work_runs_threads_writes_scratch_and_reports(scratch: Path) -> None:
    source = (
        "import json\nimport numpy\nfrom pathlib import Path\n"
        "a = numpy.random.default_rng(0).random((300, 300))\n"
        "Path('out.txt').write_text(str(float((a @ a).trace())))\n"
        "print(json.dumps({'event': 'done'}))\n"
    )
    result: RunResult = run_script(source, scratch, LIMITS)
    assert result.events == [{"event": "done"}]
    assert float((scratch / "out.txt").read_text()) > 0


def test_without_the_os_sandbox_model_written_scripts_are_refused(scratch: Path) -> None:
    down = probe("/nonexistent/bwrap")
    assert not down.os_sandbox and "was not found" in down.reason
    with pytest.raises(SandboxUnavailableError, match="install bubblewrap"):
        run_script("print('hello')\n", scratch, LIMITS, walls=down)
    assert not (scratch / "simulate.py").exists()  # refused before anything is written or run
    done = run_script('print(\'{"event": "ok"}\')\n', scratch, LIMITS, walls=down, model_written=False)
    assert done.events == [{"event": "ok"}]
    assert "spec-made scripts run behind" in down.describe()
