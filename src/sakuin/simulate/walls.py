"""The operating-system walls around a simulation script: a bubblewrap sandbox with a seccomp filter.

A script that reaches native code (``numpy.ctypeslib`` loads libc in one line) steps over every
wall that lives inside Python, so the walls that matter are the kernel's. ``bwrap`` (Debian's
``bubblewrap``) starts the interpreter in new user, mount, PID, network, IPC, UTS and cgroup
namespaces with no capabilities, in a file system built from nothing but read-only views of what
a simulation needs (system libraries, the Python installation with its packages and the
potentials' weights inside them) plus the run's own scratch folder, the one writable place, and
an empty private ``/tmp``. The sakuin data directory, home folders and the rest of the host are
simply not there. The seccomp filter (see :mod:`sakuin.simulate.seccomp`) then refuses the system
calls a simulation never makes: starting processes, tracing others, mounting, loading kernel code
and opening non-local sockets.

Where ``bwrap`` cannot start (not installed, namespaces refused), :func:`probe` says why, and the
runner decides what may still run (see :mod:`sakuin.simulate.sandbox`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SYSTEM_DIRECTORIES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
"""System folders a script sees read-only; on merged-/usr systems most are links into /usr."""

SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/localtime",
)
"""The few files of /etc that the dynamic loader, fontconfig and time zones read; nothing else of /etc."""

SANDBOX_UID = 65534
"""The script runs as "nobody" inside its user namespace: it owns nothing it can see but scratch."""

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"


@dataclass(frozen=True)
class Walls:
    """Which operating-system walls a run gets; ``reason`` says why they are down when they are."""

    os_sandbox: bool
    reason: str = ""
    bwrap: str = "bwrap"

    def describe(self) -> str:
        """One line for the user: the walls that are up, or why the strong ones are not."""
        if self.os_sandbox:
            return (
                "sandbox: bubblewrap (new user, PID, network, IPC, UTS and mount namespaces, no "
                "capabilities, read-only system, only the run's folder writable) + seccomp, rlimits, "
                "wall clock"
            )
        return (
            f"sandbox: the OS sandbox is down ({self.reason}); spec-made scripts run behind the "
            "import check, an audit hook, rlimits and the wall clock only, model-written scripts are "
            f"refused; {INSTALL_HINT}"
        )


def probe(bwrap: str | None = None) -> Walls:
    """Start a trivial command behind the same walls a script gets, and report what happened."""
    executable = shutil.which(bwrap or "bwrap")
    if executable is None:
        return Walls(False, f"'{bwrap or 'bwrap'}' was not found", bwrap or "bwrap")
    command = [executable, *_namespace_arguments(), *_system_arguments(), "--", _true()]
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Walls(False, f"bubblewrap could not start ({exc})", executable)
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return Walls(False, f"bubblewrap could not create its namespaces: {said[0]}", executable)
    return Walls(True, "", executable)


@cache
def walls_here() -> Walls:
    """The walls this machine offers, probed once per process."""
    return probe()


def sandbox_command(walls: Walls, scratch: Path, seccomp_fd: int, command: list[str]) -> list[str]:
    """``command`` wrapped in bubblewrap: what the script sees, and nothing else.

    The scratch folder keeps its host path, so paths in results read the same inside and out; the
    folders above it exist only as empty, read-only steps on the way. Once everything is in place
    the root and ``/tmp`` are remounted read-only: the scratch folder is the one writable place.
    """
    arguments = [walls.bwrap, *_namespace_arguments(), "--tmpfs", "/tmp", *_system_arguments()]
    for path in _python_paths():
        arguments += ["--ro-bind", path, path]
    arguments += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    arguments += ["--remount-ro", "/tmp", "--remount-ro", "/"]
    return [*arguments, "--seccomp", str(seccomp_fd), "--", *command]


def _namespace_arguments() -> list[str]:
    return [
        "--unshare-user",
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--disable-userns",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname", "sandbox",
        "--unshare-cgroup-try",
        "--cap-drop", "ALL",
        "--die-with-parent",
        "--new-session",
        "--proc", "/proc",
        "--dev", "/dev",
    ]  # fmt: skip


def _system_arguments() -> list[str]:
    """Read-only system folders, as links where the host has links (merged /usr)."""
    arguments: list[str] = []
    for path in SYSTEM_DIRECTORIES:
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    for path in SYSTEM_FILES:
        arguments += ["--ro-bind-try", path, path]
    return arguments


def _python_paths() -> list[str]:
    """The interpreter's installation and the environment's packages (weights included), outermost only.

    Each prefix is kept under both its own name and its real path, because a virtual environment's
    interpreter is a link into the base installation.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)}
    candidates = {path for prefix in prefixes for path in (prefix, os.path.realpath(prefix))}
    kept = sorted(
        path
        for path in candidates
        if os.path.isdir(path) and not any(_within(path, system) for system in SYSTEM_DIRECTORIES)
    )
    return [path for path in kept if not any(other != path and _within(path, other) for other in kept)]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _true() -> str:
    return shutil.which("true") or "/bin/true"
