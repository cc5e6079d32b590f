"""The rows on a dask.distributed cluster (issue 17, item 4): a LocalCluster of worker
processes gives results identical to the serial run, through joblib's dask backend."""

from __future__ import annotations

import pytest

from nnconf import cli, parallel, report
from nnconf.registry import all_rows

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


def test_an_unreachable_scheduler_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("NNCONF_DASK_TIMEOUT", "1s")
    code = cli.main(["report", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9", "--only", "act.relu.value",
                     "--mnist-epochs", "0", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler tcp://127.0.0.1:9" in err[0]
