"""The seccomp filter a sandboxed simulation runs under: system calls a simulation never makes fail.

A relaxation needs files, memory, threads and the clock. It never needs to start a process, trace
or read another process's memory, mount, load kernel code or BPF, make namespaces, or talk to
anything but a local socket, so those calls fail with ``EPERM`` (the script gets an ordinary
``OSError`` rather than being killed mid-write). Threads are new tasks sharing the process, so
``clone`` is allowed only with ``CLONE_THREAD``; ``clone3`` hides its flags in memory a filter
cannot read, so it answers ``ENOSYS`` and the C library falls back to ``clone``.

The filter is compiled by libseccomp (through ``pyseccomp``) for this machine's architecture and
handed to bubblewrap as BPF on a file descriptor.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
from functools import cache

import pyseccomp as seccomp

CLONE_THREAD = 0x00010000

REFUSED_SYSCALLS = (
    # other processes: start, trace, read or write their memory, compare their kernel objects
    "fork", "vfork", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "pidfd_open", "pidfd_getfd", "pidfd_send_signal",
    # the file system tree and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "name_to_handle_at",
    "open_by_handle_at",
    # the kernel itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
    "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "acct", "quotactl",
    "swapon", "swapoff", "reboot", "syslog", "settimeofday", "clock_settime", "adjtimex",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)  # fmt: skip
"""Calls that fail with EPERM; names this architecture lacks (``fork`` on arm64) are skipped."""


def _rules() -> seccomp.SyscallFilter:
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    refuse = seccomp.ERRNO(errno.EPERM)
    for name in REFUSED_SYSCALLS:
        try:
            rules.add_rule(refuse, name)
        except (OSError, ValueError):  # unknown on this architecture or this libseccomp
            continue
    rules.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    rules.add_rule(refuse, "socketpair", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    return rules


@cache
def compiled_filter() -> bytes:
    """The filter as BPF for this machine, compiled once per process."""
    with tempfile.TemporaryFile() as handle:
        _rules().export_bpf(handle)
        handle.seek(0)
        return handle.read()


def filter_descriptor() -> int:
    """A fresh readable descriptor holding the BPF (bubblewrap reads it once); the caller closes it."""
    descriptor = os.memfd_create("sakuin-seccomp")
    os.write(descriptor, compiled_filter())
    os.lseek(descriptor, 0, os.SEEK_SET)
    return descriptor
