"""The results cache (issue 17, item 3): a rerun reuses rows and MNIST runs, a changed input
misses, --no-cache recomputes, a corrupt entry is recomputed, concurrent writers are safe."""

from __future__ import annotations

import json
import threading

import pytest

from nnconf.cli import main as cli
from nnconf.conformance.registry import all_rows
from nnconf.report import build as report
from nnconf.run import cache as cache_mod

ROWS = [r for r in all_rows() if r.check.id in ("act.relu.value", "loss.mse.grad") and r.oracle == "sklearn"]


def test_a_rerun_takes_every_row_from_the_cache_and_gives_the_same_records(tmp_path, monkeypatch):
    cache = cache_mod.Cache(tmp_path)
    first = report.run(ROWS, profile="ci", cache=cache)["checks"]
    assert (cache.hits, cache.misses) == (0, len(ROWS))

    def not_again(*args, **kwargs):
        raise AssertionError("a cached row ran again")

    monkeypatch.setattr(report, "run_row", not_again)
    again = cache_mod.Cache(tmp_path)
    second = report.run(ROWS, profile="ci", cache=again)["checks"]
    assert (again.hits, again.misses) == (len(ROWS), 0)
    assert json.loads(json.dumps(first)) == second  # seconds included: they are the run's own


def test_the_key_changes_with_profile_seed_code_and_versions(monkeypatch):
    base = cache_mod.key("check-row", row=["a", "b", "c"], profile="ci", seed=None)[0]
    assert cache_mod.key("check-row", row=["a", "b", "c"], profile="thorough", seed=None)[0] != base
    assert cache_mod.key("check-row", row=["a", "b", "c"], profile="ci", seed=1)[0] != base
    monkeypatch.setattr(cache_mod, "code_fingerprint", lambda: "edited")
    assert cache_mod.key("check-row", row=["a", "b", "c"], profile="ci", seed=None)[0] != base
    monkeypatch.undo()
    env = dict(cache_mod.environment())
    monkeypatch.setattr(cache_mod, "environment", lambda: {**env, "torch": "9.9"})
    assert cache_mod.key("check-row", row=["a", "b", "c"], profile="ci", seed=None)[0] != base


def test_the_fingerprint_covers_the_reference_and_not_the_audit():
    files = []
    for package in cache_mod.CODE:
        files += [p.relative_to(cache_mod.ROOT).as_posix() for p in (cache_mod.ROOT / package).rglob("*.py")]
    assert "reference/activations.py" in files and "oracles/torch_oracle.py" in files
    assert any(f.startswith("nnconf/audit/") for f in files) and cache_mod.NOT_UPSTREAM == ("nnconf/audit",)


def test_a_corrupt_entry_is_recomputed_not_trusted(tmp_path):
    cache = cache_mod.Cache(tmp_path)
    report.run(ROWS[:1], profile="ci", cache=cache)
    (entry,) = list(tmp_path.rglob("*.json"))
    doc = json.loads(entry.read_text())
    doc["payload"]["status"] = "pass" if doc["payload"]["status"] != "pass" else "fail"  # tampered
    entry.write_text(json.dumps(doc))
    again = cache_mod.Cache(tmp_path)
    report.run(ROWS[:1], profile="ci", cache=again)
    assert again.corrupt == 1 and again.hits == 0
    entry.write_text("{ not json")  # truncated by a crash
    third = cache_mod.Cache(tmp_path)
    report.run(ROWS[:1], profile="ci", cache=third)
    assert third.corrupt == 1 and third.hits == 0


def test_no_cache_recomputes_and_refreshes(tmp_path):
    report.run(ROWS[:1], profile="ci", cache=cache_mod.Cache(tmp_path))
    forced = cache_mod.Cache(tmp_path, enabled=False)
    report.run(ROWS[:1], profile="ci", cache=forced)
    assert forced.hits == 0 and forced.misses == 1


def test_concurrent_writers_share_the_cache_safely(tmp_path):
    k, material = cache_mod.key("test", n=1)
    errors = []

    def writer(i):
        try:
            for _ in range(50):
                cache_mod.Cache(tmp_path).put(k, material, {"value": list(range(200))})
                got = cache_mod.Cache(tmp_path).get(k, material)
                assert got in (None, {"value": list(range(200))})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert cache_mod.Cache(tmp_path).get(k, material) == {"value": list(range(200))}
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_report_command_says_what_came_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCONF_NO_CACHE", "0")
    args = ["report", "--profile", "ci", "--only", "act.relu.value", "--oracle", "sklearn", "--mnist-epochs", "0",
            "--jobs", "1", "--no-progress", "--no-figures", "--cache-dir", str(tmp_path / "c")]
    assert cli.main([*args, "--out-dir", str(tmp_path / "a")]) == 0
    assert cli.main([*args, "--out-dir", str(tmp_path / "b")]) == 0
    prov = json.loads((tmp_path / "b" / "conformance.json").read_text())["provenance"]
    assert prov["cache"]["hits"] == 1 and prov["cache"]["misses"] == 0
    assert cli.main([*args, "--no-cache", "--out-dir", str(tmp_path / "c2")]) == 0
    prov = json.loads((tmp_path / "c2" / "conformance.json").read_text())["provenance"]
    assert prov["cache"]["hits"] == 0 and prov["cache"]["enabled"] is False


def test_an_mnist_run_is_cached_by_data_checksums_and_configuration(tmp_path, monkeypatch):
    from pathlib import Path

    from nnconf.mnist import experiment as mnist

    monkeypatch.setenv("NNCONF_NO_CACHE", "0")
    mnist_dir = Path(__file__).resolve().parents[2] / "shared" / "mnist"
    args = ["mnist", "--epochs", "1", "--steps-per-epoch", "3", "--framework", "reference", "--no-progress",
            "--mnist-dir", str(mnist_dir), "--cache-dir", str(tmp_path / "c")]
    assert cli.main([*args, "--out-dir", str(tmp_path / "a")]) == 0
    monkeypatch.setitem(mnist.RUNNERS, "reference", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran")))
    assert cli.main([*args, "--out-dir", str(tmp_path / "b")]) == 0  # from the cache
    a = json.loads((tmp_path / "a" / "mnist.json").read_text())
    b = json.loads((tmp_path / "b" / "mnist.json").read_text())
    assert a == b
    with pytest.raises(AssertionError, match="ran"):  # another configuration: not in the cache
        cli.main([*args, "--lr", "0.002", "--out-dir", str(tmp_path / "c2")])
