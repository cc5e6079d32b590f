"""The report command: files, JSON contract, exit codes, a missing framework, bad usage."""

import json

import pytest

import oracles
from nnconf.cli import main as cli
from nnconf.conformance.registry import all_rows
from nnconf.conformance.runner import run_row
from nnconf.report import build as report

CONTRACT = {"id", "section", "oracle", "status", "max_abs_err", "max_rel_err", "tolerance",
            "examples", "settings", "note"}


def test_report_writes_json_and_markdown(tmp_path, capsys):
    code = cli.main(["report", "--profile", "ci", "--only", "act.relu*", "--only", "loss.mse*",
                     "--out-dir", str(tmp_path), "--no-progress", "--mnist-epochs", "0", "--jobs", "1",
                     "--no-figures"])  # the figures are drawn in the browser test
    assert code == cli.EXIT_OK
    data = json.loads((tmp_path / "conformance.json").read_text())
    assert data["schema"] == report.SCHEMA
    for key in ("python", "numpy", "torch", "jax", "optax", "scikit-learn", "platform", "cpu",
                "blas", "dtype", "hypothesis_profile", "git"):
        assert key in data["provenance"]
    assert data["checks"] and all(CONTRACT <= set(c) for c in data["checks"])
    assert {c["id"] for c in data["checks"]} == {"act.relu.value", "act.relu.grad",  # ids and sections
                                                  "loss.mse.value", "loss.mse.grad", "sympy.mse_derivative"}
    md = (tmp_path / "conformance.md").read_text()
    assert "### `act.relu`" in md and "### `loss.mse`" in md
    assert "pass," in capsys.readouterr().out


def test_a_failing_row_makes_the_exit_code_nonzero(tmp_path, monkeypatch):
    import reference.activations as A
    monkeypatch.setattr(A, "relu", lambda x: x)  # a planted bug
    code = cli.main(["report", "--profile", "mutation", "--only", "act.relu.value",
                     "--oracle", "torch", "--out-dir", str(tmp_path), "--no-progress",
                     "--mnist-epochs", "0", "--jobs", "1"])
    assert code == cli.EXIT_FAIL
    data = json.loads((tmp_path / "conformance.json").read_text())
    assert data["summary"]["fail"] == 1 and "input" in data["checks"][0]["note"]


def test_parallel_rows_give_the_same_results_in_registry_order():
    # rows whose oracles need neither torch nor JAX, so the two spawned workers start fast
    rows = [r for r in all_rows() if r.check.id in ("act.relu.value", "loss.mse.grad", "minibatch.unbiased")
            and r.oracle in ("sklearn", "reference")]
    serial = report.run(rows, profile="ci", jobs=1)["checks"]
    parallel = report.run(rows, profile="ci", jobs=2)["checks"]
    diffs = [(a["id"], a["oracle"], k, a[k], b[k]) for a, b in zip(serial, parallel, strict=True)
             for k in a if k != "seconds" and a[k] != b[k]]
    assert not diffs and len(serial) == len(rows) > 1


def test_unknown_selection_is_a_usage_error(tmp_path, capsys):
    code = cli.main(["report", "--only", "no.such.check", "--out-dir", str(tmp_path)])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("nnconf: error:") and "Traceback" not in err
    assert not (tmp_path / "conformance.json").exists()


def test_missing_framework_gives_skipped_rows(monkeypatch):
    monkeypatch.setitem(oracles.base._MODULES, "jax", "oracles.no_such_module")
    monkeypatch.delitem(oracles.base._cache, "jax", raising=False)
    row = next(r for r in all_rows() if r.oracle == "jax")
    record = run_row(row, profile="ci")
    assert record["status"] == "skipped"
    assert "not installed" in record["note"] and "pip install" in record["note"]


def test_non_finite_figures_are_valid_json():
    assert report._finite({"a": [float("inf"), float("nan"), 1.0]}) == {"a": ["inf", "nan", 1.0]}


def test_help_explains(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", "--help"])
    assert exc.value.code == 0
    assert "hypothesis profile" in capsys.readouterr().out


def test_mnist_command_on_the_digits_fallback(tmp_path, capsys):
    code = cli.main(["mnist", "--digits", "--epochs", "1", "--framework", "reference",
                     "--framework", "torch", "--out-dir", str(tmp_path), "--no-progress"])
    assert code == cli.EXIT_OK
    result = json.loads((tmp_path / "mnist.json").read_text())
    assert result["dataset"] == "sklearn digits (fallback)" and result["verdicts"] == []
    assert result["agreement"]["torch"]["same_correct_counts"]
    assert (tmp_path / "mnist.png").stat().st_size > 0


def test_mnist_bad_directory_is_one_clear_line(tmp_path, capsys):
    code = cli.main(["mnist", "--mnist-dir", str(tmp_path / "nowhere"), "--out-dir", str(tmp_path)])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("nnconf: error:") and "missing" in err and "\n" not in err
