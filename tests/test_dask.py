"""The report's work on a dask.distributed cluster (issue 17, item 4): the rows and the MNIST
trainings (the seed sweep) on a LocalCluster of worker processes give results identical to the
serial run, through joblib's dask backend."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from nnconf.cli import main as cli
from nnconf.conformance.registry import all_rows
from nnconf.mnist import data
from nnconf.mnist import experiment as mnist
from nnconf.mnist import runs as mnist_runs
from nnconf.report import build as report
from nnconf.run import parallel, work

from .test_data import SHARED, needs_mnist

distributed = pytest.importorskip("dask.distributed", reason="the dask extra: pip install 'nnconf[dask]'")

ROWS = [r for r in all_rows() if r.check.id in ("act.relu.value", "loss.mse.grad", "minibatch.unbiased")
        and r.oracle in ("sklearn", "reference")]


def _strip(records):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def test_rows_on_a_local_cluster_give_the_serial_results():
    serial = report.run(ROWS, profile="ci", jobs=1)["checks"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_cluster = report.run(ROWS, profile="ci", backend="dask")["checks"]
        workers = parallel.describe(client)["workers"]
    assert workers == 2 and len(serial) == len(ROWS) > 1
    assert _strip(on_cluster) == _strip(serial)


def _plans(ds):
    """A rows plan and a two-seed sweep of short reference trainings, as the report builds them."""
    cfg = mnist.Config(epochs=1, steps_per_epoch=5)
    jobs = mnist_runs.plan(cfg, [0, 1], ["reference"])
    spec = mnist_runs.spec(ds)
    sweep = work.Plan(name="mnist", finish=lambda runs: runs,
                      tasks=[work.Task(fn=mnist_runs.run_one, args=(j, spec), cost=j.cost) for j in jobs])
    return [report.plan(ROWS, profile="ci", seed=None, argv=[], portable=True), sweep]


@needs_mnist
def test_rows_and_the_seed_sweep_on_a_local_cluster_give_the_serial_results():
    from threadpoolctl import threadpool_limits

    ds = data.load_dir(SHARED)  # the workers read the same directory and verify its checksums
    # one BLAS thread, as in each dask worker (its nanny sets OMP/OPENBLAS/MKL_NUM_THREADS=1): a
    # product split over two threads sums in another order, and the weights would differ in
    # their last bits; with the same threads the results are the same bit for bit
    with threadpool_limits(limits=1):
        serial = work.run(_plans(ds), jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        on_cluster = work.run(_plans(ds), backend="dask")
        ran_in = set(work.LAST["busy"])
    assert ran_in and str(os.getpid()) not in ran_in, ran_in  # the tasks ran in the cluster's workers
    assert _strip(on_cluster["checks"]["checks"]) == _strip(serial["checks"]["checks"])
    assert len(on_cluster["mnist"]) == len(serial["mnist"]) == 2
    for a, b in zip(on_cluster["mnist"], serial["mnist"], strict=True):
        assert a.batch_losses == b.batch_losses and a.correct == b.correct
        for (wa, ba), (wb, bb) in zip(a.params, b.params, strict=True):
            assert np.array_equal(wa, wb) and np.array_equal(ba, bb)
    # the two seeds are two different trainings, not one result twice
    assert on_cluster["mnist"][0].batch_losses != on_cluster["mnist"][1].batch_losses


def test_an_unreachable_scheduler_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("NNCONF_DASK_TIMEOUT", "1s")
    code = cli.main(["report", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "--only", "act.relu.value",
                     "--mnist-epochs", "0", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler tcp://127.0.0.1:9" in err[0]


def test_report_with_the_dask_backend_runs_its_pool_on_a_local_cluster(tmp_path):
    code = cli.main(["report", "--backend", "dask", "--jobs", "2", "--only", "act.relu.value", "--oracle", "torch",
                     "--oracle", "sklearn",
                     "--mnist-epochs", "0", "--no-progress", "--no-figures", "--out-dir", str(tmp_path)])
    assert code == 0
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert doc["provenance"]["dask"]["workers"] == 2, doc["provenance"].get("dask")
    assert len(doc["checks"]) == 2 and {r["status"] for r in doc["checks"]} == {"pass"}, doc["checks"]
