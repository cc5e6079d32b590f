"""Whether listings can run sandboxed here: finding bwrap and a trial run of the real command."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nnconf.sandbox.command import environment
from nnconf.sandbox.spec import BWRAP_ENV, INSTALL_HINT, SANDBOX_UID, Availability, Job, Limits
from nnconf.sandbox.watch import run


def find(setting: str | None = None) -> str | None:
    """The bwrap executable: ``setting`` (a path or a name), else ``$NNCONF_BWRAP``, else
    ``bwrap`` on PATH; None when there is none."""
    name = setting or os.environ.get(BWRAP_ENV) or "bwrap"
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    return shutil.which(name)


@functools.lru_cache(maxsize=8)
def _probe(bwrap: str, privileged: bool) -> Availability:
    try:
        version = subprocess.run([bwrap, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.strip() or "bubblewrap (version unknown)"
    except (OSError, subprocess.SubprocessError) as exc:
        return Availability(False, bwrap, "", f"bubblewrap at {bwrap} does not run ({exc}); {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="nnconf-probe-") as tmp:
        job = Job(argv=(sys.executable, "-I", "-S", "-c", "import os; print('nnconf-sandbox-ok', os.getuid())"),
                  workdir=Path(tmp), env=environment(home=Path(tmp)))
        r = run(job, Limits(timeout_s=60, cpu_s=30), bwrap=bwrap)
    if r.returncode == 0 and r.stdout.startswith("nnconf-sandbox-ok"):
        who = f"as uid {SANDBOX_UID} (nobody)" if privileged else "in a user namespace"
        return Availability(True, bwrap, version, f"{version} at {bwrap}, {who}")
    why = (r.stderr.strip().splitlines() or [r.killed or f"exit {r.returncode}"])[-1]
    hint = ("" if privileged else "; unprivileged user namespaces may be disabled "
            "(sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0)")
    return Availability(False, bwrap, version, f"{version} at {bwrap} cannot start a sandbox here: "
                                               f"{why}{hint}")


def available(setting: str | None = None) -> Availability:
    """Whether listings can run sandboxed (a trial run of the real command line, cached)."""
    bwrap = find(setting)
    if bwrap is None:
        where = setting or os.environ.get(BWRAP_ENV)
        return Availability(False, None, "", f"bubblewrap is not installed (no bwrap "
                                             f"{'at ' + where if where else 'on PATH'}); {INSTALL_HINT}")
    return _probe(bwrap, os.geteuid() == 0)
