"""Running untrusted code (the page's listings) under bubblewrap, with limits, and killing all of it.

One :class:`Job` (argv, a fresh work directory, an environment built from an allow-list,
read-only paths it needs) runs under ``bwrap`` (:func:`command` builds the command line):

- **namespaces**: pid, network, ipc, uts and cgroup are new (no network at all: only a
  loopback of its own); without root the user namespace is new too (``--unshare-all``).
  As root, the command instead starts as root in the sandbox holding only CAP_SETUID and
  CAP_SETGID and drops at once to uid/gid 65534 (nobody, no capabilities, no supplementary
  groups): the kernel's per-user process limit does not apply to uid 0, even inside a user
  namespace, and a fork bomb must meet it;
- **filesystem**: an empty root with read-only binds of ``/usr`` (and ``/bin``, ``/lib``…),
  a few files of ``/etc`` (the loader cache, fonts, passwd, localtime), the Python
  installation and the job's own read-only paths; everything else (``/home``, ``/root``,
  ``/work``, the project's source, ``/var``) does not exist inside. ``/tmp`` and ``/dev/shm``
  are private tmpfs of bounded size; the work directory, the job's cwd and HOME, is the only
  writable host path;
- **limits** (:class:`Limits`), set with ``setrlimit`` by the job's first process (a small
  launcher, :func:`launcher`, that then becomes the job) and inherited by everything it starts
  (nnconf itself never runs Python between fork and exec: no ``preexec_fn``): address
  space, CPU seconds, tasks (processes and threads, counted per user by the kernel: the limit
  is the user's tasks at start plus the allowance), file size, no core files; nnconf's own
  watch loop adds the wall-clock timeout, the resident memory of all the job's processes
  together and the bytes written to the work directory;
- **killing**: ``--die-with-parent`` and ``--new-session``; at the timeout (or a watched limit)
  bwrap's process group and every process of the sandbox's pid namespace get SIGKILL; the pid
  namespace dies with its first process, so grandchildren, detached or not, die too; the
  runner then checks ``/proc`` until none is left (``Result.left_behind`` counts any it had to
  kill one by one);
- **output**: stdout and stderr are read without blocking and capped (the first and last half
  of ``Limits.output_bytes`` each are kept).

Without a working bwrap nothing runs unless the caller asks for ``unsafe`` (``bwrap=None``):
the same environment, limits, timeout and kill of the process session, but no namespaces:
the code has the network and the user's files, and a process that leaves the session escapes.
"""

from nnconf.sandbox.command import command, environment, launcher, read_only_paths
from nnconf.sandbox.probe import available, find
from nnconf.sandbox.spec import (
    BWRAP_ENV,
    INSTALL_HINT,
    SANDBOX_GID,
    SANDBOX_UID,
    Availability,
    GiB,
    Job,
    Limits,
    MiB,
    Result,
    SandboxError,
    Settings,
    size_text,
)
from nnconf.sandbox.watch import run

__all__ = ["BWRAP_ENV", "INSTALL_HINT", "SANDBOX_GID", "SANDBOX_UID", "Availability", "GiB", "Job", "Limits",
           "MiB", "Result", "SandboxError", "Settings", "available", "command", "environment", "find", "launcher",
           "read_only_paths", "run", "size_text"]
