"""The MNIST section's training runs as independent jobs, spread over worker processes.

A section is several full trainings — every framework on seed 0, the reference on the sweep's
other seeds, a float64 reference beside a float32 run — and each is a pure function of the
data and its configuration; :func:`run_one` runs one, in a worker process
(one BLAS thread per worker: on two cores two single-threaded trainings get through ~1.7× more
epochs than one two-threaded one, measured), as tasks of :mod:`nnconf.run.work` (longest first).

Workers read MNIST themselves from the directory the main process verified (checksums again:
the files could change in between), once per worker; other data sets (the digits) travel with
the job.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace

from nnconf.mnist import data
from nnconf.mnist import experiment as mnist

# seconds per epoch, single-threaded, measured here: the order to start the jobs in
COST = {"sklearn": 2.8, "torch": 2.1, "reference": 2.0, "jax": 1.6}
_LOADED: dict = {}  # in a worker: the data set it has read, by directory


@dataclass(frozen=True, kw_only=True)
class Job:
    label: str  # the run's name in the section ("torch", "reference seed 3", ...)
    framework: str
    config: mnist.Config

    @property
    def cost(self) -> float:
        per_epoch = COST.get(self.framework, 2.0) * (0.6 if self.config.dtype == "float32" else 1.0)
        return per_epoch * self.config.epochs


def plan(cfg: mnist.Config, seeds: list[int], frameworks: list[str], *, sweep_dtype: str | None = None) -> list[Job]:
    """Every framework on ``seeds[0]``; the reference on the other seeds (in ``sweep_dtype``,
    default the run's dtype); a float64 reference when the run is in float32 (its drift)."""
    jobs = [Job(label=name, framework=name, config=cfg) for name in frameworks]
    if cfg.dtype != "float64":
        jobs.append(Job(label="reference-float64", framework="reference", config=replace(cfg, dtype="float64")))
    for seed in seeds[1:]:
        jobs.append(Job(label=f"reference seed {seed}", framework="reference",
                        config=replace(cfg, seed=seed, dtype=sweep_dtype or cfg.dtype)))
    return jobs


def spec(ds: data.Dataset):
    """What a worker needs to have the data: the verified directory (this process keeps ``ds``
    for it, so jobs run here do not read it again), or the data set itself."""
    checksums = ds.provenance.get("sha256_uncompressed")
    if ds.name == "MNIST" and checksums and ds.provenance.get("path"):
        _LOADED.setdefault(ds.provenance["path"], ds)
        return ("dir", ds.provenance["path"], checksums)
    return ("data", ds)


def dataset(spec) -> data.Dataset:
    """The data set of a :func:`spec` (read once per process)."""
    if spec[0] == "data":
        return spec[1]
    _, path, checksums = spec
    if path not in _LOADED:
        ds = data.load_dir(path)
        if ds.provenance.get("sha256_uncompressed") != checksums:
            raise data.DataError(f"{path}: the MNIST files on {socket.gethostname()} do not match the checksums "
                                 "the report verified (changed while it ran, or another copy on a cluster worker)")
        _LOADED[path] = ds
    return _LOADED[path]


def run_one(job: Job, spec) -> mnist.Run:
    """One training (in a worker process, or here)."""
    ds = dataset(spec)
    return mnist.RUNNERS[job.framework](ds, mnist.make_inputs(job.config, len(ds.x_train)), job.config)
