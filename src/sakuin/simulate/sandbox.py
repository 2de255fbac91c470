"""Run a simulation script in a sandboxed subprocess, streaming its progress back.

The walls, from outside in:

- an operating-system sandbox (:mod:`sakuin.simulate.walls`): bubblewrap namespaces (user, PID,
  network, IPC, UTS, mount), no capabilities, a file system of read-only system and Python folders
  with the run's scratch folder the one writable place, and a seccomp filter that refuses new
  processes, tracing, mounts and non-local sockets. These hold against native code, which the
  scientific stack makes one line away (``numpy.ctypeslib``). Where they cannot start, a script a
  model wrote is refused and a template script from a validated spec runs behind the walls below;
- rlimits: CPU time, address space (torch reserves a lot of it, so the limit is per calculator),
  file size and processes; a wall-clock deadline, an output budget, a scratch-folder disk budget and
  a floor of free space on the disk that holds it, enforced by this runner, which kills the whole
  process group (the floor is checked every tick, in O(1), so no run fills the host's disk however
  fast it writes between two walks of its folder);
- a scrubbed environment: nothing of the caller's variables, tokens or paths reaches the script,
  except the BLAS/OpenMP settings that guard numerical correctness on some processors;
- a static check of the script's imports (and of ``eval``/``exec``-style escapes) against an
  allow-list, and an audit hook in the interpreter that stops writes outside scratch, sockets and
  subprocesses: the fast, readable first errors for accidents and naive code.

Progress comes as JSON lines on standard output (see ``script.py``).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sakuin.errors import (
    SandboxLimitError,
    SandboxUnavailableError,
    ScriptRejectedError,
    SimulationCancelledError,
    SimulationFailedError,
)
from sakuin.simulate.seccomp import filter_descriptor
from sakuin.simulate.walls import INSTALL_HINT, Walls, sandbox_command, walls_here

ALLOWED_IMPORTS = frozenset(
    {
        "__future__", "ase", "chgnet", "collections", "csv", "dataclasses", "functools", "itertools",
        "json", "math", "matplotlib", "numpy", "pathlib", "scipy", "sevenn", "statistics", "time",
        "torch", "typing",
    }
)  # fmt: skip
"""Top-level modules a simulation script may import: the scientific stack and harmless stdlib."""

FORBIDDEN_NAMES = frozenset({"eval", "exec", "compile", "__import__", "breakpoint", "globals", "vars"})
VIOLATION_EXIT = 86
"""Exit status of a process the audit hook killed (its reason is the last JSON line it printed)."""

NUMERICAL_SETTINGS = ("OPENBLAS_", "GOTO_", "OMP_", "KMP_", "MKL_", "BLIS_")
"""Prefixes of the caller's variables a script inherits: BLAS/OpenMP kernel choices such as
``OPENBLAS_CORETYPE`` guard correctness on some processors, and results should not depend on
whether they ran inside the sandbox. Thread counts are the run's own (``Limits.threads``)."""

DISK_CHECK_SECONDS = 0.2
TICK_SECONDS = 0.02
CANCEL_CHECK_SECONDS = 0.1

Event = dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """What one run may use."""

    wall_seconds: float = 1800.0
    cpu_seconds: int = 3600
    memory_bytes: int = 2 * 2**30
    output_bytes: int = 8 * 2**20
    file_bytes: int = 256 * 2**20
    scratch_bytes: int = 2 * 2**30
    disk_reserve_bytes: int = 256 * 2**20  # free space a run leaves on the disk that holds its folder
    processes: int = 512
    threads: int = 2


@dataclass
class RunResult:
    """A finished run: its events (parsed JSON lines), other output and timing."""

    returncode: int
    events: list[Event] = field(default_factory=list)
    stdout: list[str] = field(default_factory=list)
    stderr_tail: str = ""
    seconds: float = 0.0


def check_script(source: str) -> None:
    """Refuse a script whose imports leave the allow-list or that reaches for dynamic code."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScriptRejectedError(f"the script is not valid Python (line {exc.lineno}: {exc.msg})") from exc
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] if node.level == 0 else ["(relative import)"]
        for module in modules:
            if module.split(".")[0] not in ALLOWED_IMPORTS:
                raise ScriptRejectedError(
                    f"line {line}: import of '{module}' is not allowed in a simulation script "
                    f"(allowed: {', '.join(sorted(ALLOWED_IMPORTS))})"
                )
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            raise ScriptRejectedError(f"line {line}: '{node.id}' is not allowed in a simulation script")
        if isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr != "__name__":
            raise ScriptRejectedError(f"line {line}: '{node.attr}' is not allowed in a simulation script")


# Runs inside the sandboxed interpreter before the script: the audit hook that guards writes,
# sockets and subprocesses. Kept as source text because it executes in the child process.
BOOTSTRAP = r"""
import json, os, runpy, sys, traceback

SCRATCH = os.path.realpath(os.getcwd())
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
PATH_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
               "os.link": (0, 1), "os.symlink": (1,), "os.chmod": (0,), "os.chown": (0,),
               "os.truncate": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "os.chdir": (0,)}
SPAWN_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.forkpty", "pty.spawn"}
ALLOWED_PROGRAMS = {"fc-list"}  # matplotlib lists the system's fonts once per font cache
LOOPBACK = {"::1", "127.0.0.1", "localhost"}
NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                  "socket.getaddrinfo", "socket.gethostbyname"}


def kill(limit, what):
    sys.stdout.flush()
    line = json.dumps({"event": "sandbox_violation", "limit": limit, "what": what}) + "\n"
    os.write(1, line.encode())
    os._exit(%(exit)d)


def inside(path):
    if isinstance(path, int):
        return True
    path = os.fsdecode(path)
    real = os.path.realpath(path)
    return real == SCRATCH or real.startswith(SCRATCH + os.sep) or real == os.devnull


def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS)
        if path is not None and writes and not inside(path):
            kill("write", f"write to {path} outside the scratch directory")
    elif event in PATH_EVENTS:
        for position in PATH_EVENTS[event]:
            if args[position] is not None and not inside(args[position]):
                kill("write", f"{event} on {args[position]} outside the scratch directory")
    elif event == "socket.bind" and isinstance(args[1], tuple) and args[1][0] in LOOPBACK:
        pass  # urllib3 probes for IPv6 support by binding to ::1 when it is imported
    elif event in NETWORK_EVENTS:
        kill("network", f"network access ({event})")
    elif event == "subprocess.Popen" and os.path.basename(str(args[0])) in ALLOWED_PROGRAMS:
        pass
    elif event in SPAWN_EVENTS:
        kill("process", f"started a process ({event})")


def refused_socket(error):
    # the OS sandbox's seccomp filter refuses non-local sockets when they are made, before connect
    frames = traceback.walk_tb(error.__traceback__)
    return any(os.path.basename(frame.f_code.co_filename) == "socket.py" for frame, _ in frames)


sys.addaudithook(hook)
script = sys.argv[1]
sys.argv = sys.argv[1:]
try:
    runpy.run_path(script, run_name="__main__")
except PermissionError as error:
    if refused_socket(error):
        kill("network", "network access (a socket was refused)")
    raise
""".replace("%(exit)d", str(VIOLATION_EXIT))


@cache
def network_namespace_available() -> bool:
    """Whether ``unshare --net`` works here (root or user namespaces allowed)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    done = subprocess.run([unshare, "--net", "true"], capture_output=True, check=False)
    return done.returncode == 0


def _environment(scratch: Path, limits: Limits) -> dict[str, str]:
    threads = str(limits.threads)
    numerical = {k: v for k, v in os.environ.items() if k.startswith(NUMERICAL_SETTINGS)}
    return {
        **numerical,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(scratch),
        "USER": "sandbox",
        "TMPDIR": str(scratch / "tmp"),
        "XDG_CACHE_HOME": str(scratch / ".cache"),
        "MPLCONFIGDIR": str(scratch / ".cache" / "matplotlib"),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "LANG": "C.UTF-8",
    }


def _set_limits(limits: Limits) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_script(
    source: str,
    scratch: Path,
    limits: Limits,
    *,
    filename: str = "simulate.py",
    model_written: bool = True,
    walls: Walls | None = None,
    on_event: Callable[[Event], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> RunResult:
    """Check ``source``, write it into ``scratch`` and run it there within ``limits``.

    ``model_written`` is False only for template scripts made from a validated spec: those may
    still run where the OS sandbox is down; anything else is refused there with
    :class:`SandboxUnavailableError`. ``walls`` defaults to what this machine offers
    (:func:`sakuin.simulate.walls.walls_here`). ``on_event`` gets each JSON line the script prints,
    as it arrives, in the calling thread; ``should_cancel`` is polled about ten times a second and
    stops the run when it returns True. Raises :class:`ScriptRejectedError` before running,
    :class:`SandboxLimitError` when a limit killed the run, :class:`SimulationCancelledError`, or
    :class:`SimulationFailedError` when the script exited with an error. Files the script wrote
    stay in ``scratch`` in every case.
    """
    check_script(source)
    walls = walls or walls_here()
    if model_written and not walls.os_sandbox:
        raise SandboxUnavailableError(
            f"a model-written script runs only inside the OS sandbox, and it is down here "
            f"({walls.reason}); {INSTALL_HINT}"
        )
    scratch = scratch.resolve()
    _require_free_disk(scratch, limits)
    (scratch / "tmp").mkdir(parents=True, exist_ok=True)
    (scratch / filename).write_text(source, encoding="utf-8")
    command = [sys.executable, "-I", "-B", "-c", BOOTSTRAP, filename]
    seccomp = filter_descriptor() if walls.os_sandbox else None
    if seccomp is not None:
        command = sandbox_command(walls, scratch, seccomp, command)
    elif network_namespace_available():
        command = ["unshare", "--net", "--", *command]
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(
                command,
                cwd=scratch,
                env=_environment(scratch, limits),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,
                pass_fds=() if seccomp is None else (seccomp,),
                preexec_fn=_set_limits(limits),  # only setrlimit, before exec
            )
        finally:
            if seccomp is not None:
                os.close(seccomp)
        result = RunResult(returncode=0)
        stopped = _watch(process, scratch, limits, result, on_event, should_cancel, started)
        if seccomp is not None and 128 < result.returncode < 128 + signal.NSIG:
            result.returncode = 128 - result.returncode  # bwrap reports a signalled child as 128 + signal
        result.seconds = time.monotonic() - started
        stderr.seek(0)
        result.stderr_tail = stderr.read()[-4000:].decode("utf-8", errors="replace")
    _raise_for_failure(result, stopped, limits)
    return result


def _watch(
    process: subprocess.Popen[bytes],
    scratch: Path,
    limits: Limits,
    result: RunResult,
    on_event: Callable[[Event], None] | None,
    should_cancel: Callable[[], bool] | None,
    started: float,
) -> tuple[str, str] | None:
    """Stream the run's lines into ``result`` and kill it at the first limit it crosses."""
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
    reader.start()
    stopped: tuple[str, str] | None = None
    output = 0
    cancel_checked = disk_checked = started
    while True:
        try:
            line = lines.get(timeout=TICK_SECONDS)
        except queue.Empty:
            line = ""
        if line is None:
            break
        if line:
            output += len(line)
            _take(line, result, on_event)
        if stopped:
            continue
        now = time.monotonic()
        if output > limits.output_bytes:
            stopped = ("output", f"printed more than {_mib(limits.output_bytes)} of output")
        elif now - started > limits.wall_seconds:
            stopped = ("wall", f"ran longer than the wall-clock limit of {limits.wall_seconds:g} s")
        elif _free_disk_bytes(scratch) < limits.disk_reserve_bytes:
            floor = _mib(limits.disk_reserve_bytes)
            stopped = ("disk", f"filled the disk that holds its folder to under {floor} free")
        elif should_cancel is not None and now - cancel_checked > CANCEL_CHECK_SECONDS:
            cancel_checked = now
            if should_cancel():
                stopped = ("cancelled", "cancelled")
        if not stopped and now - disk_checked > DISK_CHECK_SECONDS:
            disk_checked = now
            if _folder_bytes(scratch) > limits.scratch_bytes:
                stopped = ("disk", f"wrote more than {_mib(limits.scratch_bytes)} into its folder")
        if stopped:
            _kill_group(process)
    result.returncode = process.wait()
    reader.join()
    return stopped


def _require_free_disk(scratch: Path, limits: Limits) -> None:
    """Refuse to start a run on a disk that is already at the floor it would be killed at."""
    free = _free_disk_bytes(scratch)
    if free < limits.disk_reserve_bytes:
        raise SandboxLimitError(
            "disk",
            f"the simulation was not started: the disk that holds {scratch} has {_mib(free)} free, "
            f"under the {_mib(limits.disk_reserve_bytes)} a run must leave; free some space and run it again",
        )


def _free_disk_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def _mib(size: int) -> str:
    """A byte count as people read a limit: whole MiB where it is one, else to a tenth."""
    return f"{round(size / 2**20, 1):g} MiB"


def _folder_bytes(folder: Path) -> int:
    """Disk space the files below ``folder`` take (allocated blocks, so sparse files count as written)."""
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            total += path.lstat().st_blocks * 512
    return total


def _read_lines(process: subprocess.Popen[bytes], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        lines.put(raw.decode("utf-8", errors="replace"))
    lines.put(None)


def _take(line: str, result: RunResult, on_event: Callable[[Event], None] | None) -> None:
    """A JSON object line is an event; anything else is plain output kept for the record."""
    text = line.strip()
    if text.startswith("{"):
        try:
            event = json.loads(text)
        except json.JSONDecodeError:
            event = None
        if isinstance(event, dict) and "event" in event:
            result.events.append(event)
            if on_event is not None:
                on_event(event)
            return
    result.stdout.append(line)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _raise_for_failure(result: RunResult, stopped: tuple[str, str] | None, limits: Limits) -> None:
    """Turn how the process ended into one clear error (or nothing, when it succeeded)."""
    if stopped and stopped[0] == "cancelled":
        raise SimulationCancelledError("the simulation was cancelled; no results were produced")
    if stopped:
        raise SandboxLimitError(stopped[0], f"the simulation was killed: it {stopped[1]}")
    code = result.returncode
    violation = next((e for e in reversed(result.events) if e["event"] == "sandbox_violation"), None)
    if code == VIOLATION_EXIT and violation:
        raise SandboxLimitError(str(violation["limit"]), f"the simulation was killed: {violation['what']}")
    if code == -signal.SIGXFSZ or (code != 0 and "File too large" in result.stderr_tail):
        raise SandboxLimitError(
            "file", f"the simulation was killed: it wrote a file over {_mib(limits.file_bytes)}"
        )
    if code != 0 and "No space left on device" in result.stderr_tail:
        raise SandboxLimitError("disk", "the simulation was killed: the disk that holds its folder is full")
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in result.stderr_tail:
        raise SandboxLimitError(
            "cpu", f"the simulation was killed at its CPU-time limit of {limits.cpu_seconds} s"
        )
    tail = result.stderr_tail
    if code != 0 and any(s in tail for s in ("MemoryError", "bad_alloc", "Cannot allocate memory")):
        raise SandboxLimitError(
            "memory", f"the simulation ran out of its memory limit of {limits.memory_bytes / 2**30:.1f} GiB"
        )
    if code != 0:
        last = [line for line in tail.strip().splitlines() if line.strip()][-1:] or [f"exit status {code}"]
        raise SimulationFailedError(f"the simulation script failed: {last[0].strip()}")
