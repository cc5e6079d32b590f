"""The page's pitfalls table as experiments (``nnconf/pitfalls``): the catalogue's strict
validation, the quantities and the verdict rule, every experiment on a tiny configuration,
planted non-effects judged not confirmed, the records' shape, and the command's errors."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from nnconf.audit.page import Page
from nnconf.cli import main as cli
from nnconf.cli import pitfalls as command
from nnconf.pitfalls import catalogue as C
from nnconf.pitfalls import experiments, quantities, records, stats
from nnconf.pitfalls.quantities import Value
from nnconf.pitfalls.tomlpos import positions
from nnconf.report import coverage

from .test_data import SHARED, needs_mnist

PAGE = Path(__file__).resolve().parents[2] / "shared" / "page" / "neural-network-basics.md"
BUNDLED = C.DEFAULT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mnist():
    from nnconf.mnist import data
    return data.load_dir(SHARED)


def tiny(cat, seeds: int = 1) -> experiments.Settings:
    """A few hundred samples, one epoch: every experiment executes in a second or two."""
    return experiments.Settings.from_catalogue(cat, seeds=seeds, epochs=1, train_samples=256,
                                               eval_samples=200)


# ------------------------------------------------------------------ the catalogue
def test_bundled_catalogue_has_every_row_of_the_page_table():
    cat = C.load()
    assert [r.id for r in cat.rows] == ["lr_high", "lr_low", "no_normalisation", "shapes", "no_bias",
                                        "no_shuffle", "integer_labels"]
    table = records.page_rows(Page.read(PAGE), cat.section)
    assert {r.locate.lower() for r in cat.rows} <= set(table)
    assert len([k for k in table if k != "mistake"]) == len(cat.rows)  # no row left out
    assert cat.rule["min_seeds"] >= 5 and all(r.symptom and r.fix_effect for r in cat.rows)


def _broken(tmp_path, old: str, new: str, count: int = 1) -> Path:
    assert old in BUNDLED
    p = tmp_path / "catalogue.toml"
    p.write_text(BUNDLED.replace(old, new, count), encoding="utf-8")
    return p


@pytest.mark.parametrize("old,new,needle,message", [
    ('lr = 1.0\n', 'lr = 1.0\nlearning_rate = 2\n', "learning_rate = 2", "unknown key(s) ['learning_rate']"),
    ('threshold = 1.5\n', 'threshold = "1.5"\n', 'threshold = "1.5"', "must be a number"),
    ('bias = true', 'bias = 1', "bias = 1", "must be true or false"),
    ('lr = 1.0\n', 'lr = true\n', "lr = true", "must be a number"),
    ('lr = 1.0\n', 'lr = -1.0\n', "lr = -1.0", "must be > 0"),
    ('quantity = "peak_loss"', 'quantity = "peak_los"', 'quantity = "peak_los"', "unknown quantity"),
    ('quantity = "wrong_loss"', 'quantity = "peak_loss"', 'quantity = "peak_loss"',
     "measures a training experiment, not 'integer_labels'"),
    ('claim = "greater"', 'claim = "bigger"', 'claim = "bigger"', "must be one of"),
    ('id = "lr_low"', 'id = "lr_high"', 'id = "lr_high"', "appears twice"),
    ('epochs = 2', 'epochs = 0', "epochs = 0", "must be ≥ 1"),
    ('params = { level = 1.0, window = 10 }', 'params = { level = 1.0, windows = 10 }',
     "windows = 10", "unknown key(s) ['windows']"),
    ('order = "sorted"', 'order = "sorted_by_label"', 'order = "sorted_by_label"', "must be one of"),
])
def test_malformed_catalogue_names_file_and_line(tmp_path, old, new, needle, message):
    path = _broken(tmp_path, old, new)
    with pytest.raises(C.CatalogueError) as exc:
        C.load(path)
    at = BUNDLED.index(old)  # the line the broken key was written on
    line = BUNDLED.count("\n", 0, at) + 1 + new[:new.index(needle)].count("\n")
    assert str(exc.value).startswith(f"{path}:{line}: "), (str(exc.value), line)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_catalogue_structure_errors(tmp_path):
    for old, new, needle, message in [
        ("[[row]]\nid = \"lr_high\"", "[[row]]  # a comment\nid = \"lr_high\"\nextra = 1", "extra = 1",
         "row 'lr_high': unknown key(s) ['extra']"),
        ('schema = "nnconf.pitfalls/1"', 'schema = "nnconf.pitfalls/2"', "schema", "schema must be"),
        ("\n[rule]\n", "\n[rules]\n", "[rules]", "unknown key(s) ['rules']"),
        ("[[row.symptom]]\nquantity = \"share_raising\"", "[[row.symptom]]\nquantity = \"share_raising\"\n"
         "bogus = true", "bogus", "shapes.symptom[1]: unknown key(s) ['bogus']"),
    ]:
        path = _broken(tmp_path, old, new)
        line = BUNDLED.count("\n", 0, BUNDLED.index(old)) + 1 + new[:new.index(needle)].count("\n")
        with pytest.raises(C.CatalogueError, match=f"^{re.escape(f'{path}:{line}: ')}.*{re.escape(message)}"):
            C.load(path)
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = \n", encoding="utf-8")
    with pytest.raises(C.CatalogueError, match=r"bad\.toml:1: not valid TOML"):
        C.load(bad)
    inline = tmp_path / "inline.toml"  # rows written inline are still validated
    head = 'schema = "nnconf.pitfalls/1"\nsection = "pitfalls"\nrow = [{ id = "x", oops = 1 }]\n'
    inline.write_text(head + "[scale]" + BUNDLED.split("\n[scale]")[1].split("# ------")[0], encoding="utf-8")
    with pytest.raises(C.CatalogueError, match=r"inline\.toml:3: row 'x': unknown key\(s\) \['oops'\]"):
        C.load(inline)
    with pytest.raises(C.CatalogueError, match="cannot be read"):
        C.load(tmp_path / "missing.toml")


def test_toml_positions_follow_the_document_structure():
    text = ('a = """x\n[[fake]]\n"""\n[[row]]  # c\nid = 1\nv = [1,\n 2]  # ]\n[[row.t]]\nq = 1\n'
            '[[row.t]]\nq = 2\n[row.arm]\nlr = 1\n[[row]]\n"k.x" = 3\n')
    pos = positions(text)
    assert pos[("row", 0)] == 4 and pos[("row", 0, "v")] == 6 and pos[("row", 0, "t", 1, "q")] == 11
    assert pos[("row", 0, "arm", "lr")] == 13 and pos[("row", 1, "k.x")] == 15
    assert ("fake", 0) not in pos


# ------------------------------------------------------------------ quantities and the rule
def test_quantities_on_synthetic_observations():
    obs = {"batch_losses": np.array([2.3, 2.0, float("nan"), 0.5, 0.4, 0.3]), "steps_per_epoch": 3}
    assert quantities.peak_loss(obs).value == pytest.approx(quantities.LOSS_BOUND / math.log(10))
    assert quantities.steps_to_level(obs, level=1.0, window=1) == Value(4.0)
    assert quantities.steps_to_level(obs, level=0.1, window=2) == Value(6.0, "lower")
    assert quantities.last_class_share({"eval_pred_counts": [1, 0, 3], "last_label": 2}).value == 0.75
    assert math.isnan(quantities.epoch_loss_correlation({**obs, "steps_per_epoch": 6}).value)
    cases = {"cases": [{"outcome": "raises", "trace_differs": True}, {"outcome": "wrong", "rel_error": 2.0,
                                                                        "trace_differs": False},
                       {"outcome": "correct", "rel_error": 0.0, "trace_differs": False},
                       {"outcome": "skipped", "trace_differs": None}]}
    assert quantities.share_raising(cases).value == pytest.approx(1 / 3)
    assert quantities.share_trace_reveals(cases).value == pytest.approx(1 / 3)
    assert quantities.wrong_loss(cases).value == 2.0


def _vals(xs, bound="exact"):
    return [Value(float(x), bound) for x in xs]


def test_verdict_rule_confirms_refutes_and_abstains():
    rule = dict(confidence=0.95)
    big = stats.estimate("mistake_over_fixed", _vals([4, 5, 6, 5, 4]), _vals([1, 1, 1, 1, 1]), **rule)
    assert big.estimate == pytest.approx(math.exp(np.mean(np.log([4, 5, 6, 5, 4]))))
    assert stats.judge(big, "greater", 1.5, min_seeds=5)[0] == "confirmed"
    none = stats.estimate("mistake_minus_fixed", _vals([1, 2, 3, 4, 5]), _vals([1, 2, 3, 4, 5]), **rule)
    assert (none.estimate, none.low, none.high) == (0, 0, 0)
    assert stats.judge(none, "greater", 0.2, min_seeds=5)[0] == "false"
    noisy = stats.estimate("mistake_minus_fixed", _vals([0.5, -0.3, 0.4, 0.0, 0.3]), _vals([0] * 5), **rule)
    assert stats.judge(noisy, "greater", 0.2, min_seeds=5)[0] == "unverifiable"
    few = stats.estimate("mistake_over_fixed", _vals([9, 9]), _vals([1, 1]), **rule)
    assert stats.judge(few, "greater", 1.5, min_seeds=5)[0] == "unverifiable"
    # a level not reached in the mistake arm: a lower bound on the ratio may confirm "greater" ...
    low = stats.estimate("mistake_over_fixed", _vals([100] * 5, "lower"), _vals([10, 11, 9, 10, 12]), **rule)
    assert low.bound == "lower" and stats.judge(low, "greater", 5, min_seeds=5)[0] == "confirmed"
    # ... but never prove it false, nor a claim that the effect is small
    assert stats.judge(low, "greater", 50, min_seeds=5)[0] == "unverifiable"
    assert stats.judge(low, "less", 50, min_seeds=5)[0] == "unverifiable"
    both = stats.estimate("mistake_over_fixed", _vals([5] * 5, "lower"), _vals([5] * 5, "lower"), **rule)
    assert both.bound == "unknown" and stats.judge(both, "greater", 1.1, min_seeds=5)[0] == "unverifiable"
    assert stats.combine(["confirmed", "unverifiable"]) == "unverifiable"
    assert stats.combine(["confirmed", "false"]) == "false" and stats.combine(["confirmed"] * 2) == "confirmed"


# ------------------------------------------------------------------ the experiments
@pytest.fixture(scope="module")
def tiny_section(mnist, tmp_path_factory):
    """The report's section on the tiny configuration (one seed), figures included."""
    cat = C.load()
    out = tmp_path_factory.mktemp("pitfalls")
    return cat, out, command.run_section(out, cat=cat, settings=tiny(cat), ds=mnist, page=PAGE)


@needs_mnist
def test_every_experiment_runs_on_a_tiny_configuration(tiny_section):
    cat, _, section = tiny_section
    recs = section["records"]
    assert [r["id"] for r in recs] == [f"pitfalls.{r.id}.{p}" for r in cat.rows for p in ("symptom", "fix")]
    assert all(r["verdict"] == "unverifiable" and "the rule needs at least 5" in r["explanation"]
               for r in recs)  # one seed: measured, never judged
    by_id = {row["id"]: row for row in section["rows"]}

    def arm(row_id, role):
        return section["arms"][by_id[row_id]["arms"][role]]["seeds"]["0"]
    base = arm("lr_high", "main:fixed")
    assert base["steps"] == 4 and len(base["eval_pred_counts"]) == 10 and math.isfinite(base["train_loss"])
    assert by_id["no_bias"]["arms"]["main:fixed"] == by_id["lr_high"]["arms"]["main:fixed"]  # shared arm
    cases = arm("shapes", "main:mistake")["cases"]
    assert {c["framework"] for c in cases} >= {"reference"} and len(cases) % 5 == 0
    assert all(c["outcome"] == "raises" for c in cases if c["framework"] == "reference")
    labels = arm("integer_labels", "main:fixed")["cases"]
    assert all(c["outcome"] in ("correct", "raises", "skipped") for c in labels)
    printed = {r["id"]: r["printed"] for r in recs}
    assert printed["pitfalls.lr_high.symptom"] and printed["pitfalls.lr_high.fix"]  # read from the page
    assert all(isinstance(r["page_line"], int) for r in recs)


@needs_mnist
def test_planted_non_effect_is_never_confirmed(mnist):
    """Both arms identical (for the framework rows: no mistake planted at all): no symptom is
    confirmed over the rule's 5 seeds. Each is false, except where the tiny run (4 steps) never
    brings the loss to the level in either arm: the steps are then only bounds, and the ratio
    of two lower bounds proves nothing (unverifiable)."""
    cat = C.load()
    same = []
    for row in cat.rows:
        arm = {"shapes": {"mistakes": []}, "integer_labels": {"labels": "one_hot"}}.get(
            row.experiment, row.fixed_arm)
        same.append(dataclasses.replace(row, mistake_arm=arm, fixed_arm=arm, settings=()))
    planted = dataclasses.replace(cat, rows=tuple(same))
    result = experiments.run(planted, mnist, tiny(planted, seeds=5))
    verdicts = {row["id"]: row["settings"][0]["symptom"] for row in result["rows"]}
    assert "confirmed" not in verdicts.values()
    assert verdicts == {**dict.fromkeys(verdicts, "false"), "lr_low": "unverifiable"}, verdicts
    lr_low = next(r for r in result["rows"] if r["id"] == "lr_low")["settings"][0]["tests"]["symptom"][0]
    assert lr_low["bound"] == "unknown" and lr_low["estimate"] == 1.0


@needs_mnist
def test_records_fit_the_report_schema_and_fill_the_coverage(tiny_section):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(cli.__file__).parents[1] / "report" / "schemas" / "conformance.schema.json").read_text())
    cat, out, section = tiny_section
    claim = {**schema["$defs"]["claim"], "$defs": schema["$defs"]}
    for r in section["records"]:
        jsonschema.validate(r, claim)
    json.dumps(section, allow_nan=False)  # JSON-able, no NaN
    assert set(section["figures"]) == {"pitfalls"} | {f"pitfalls-{r.id}" for r in cat.rows}
    assert all((out / f).stat().st_size > 0 for f in section["figures"].values())
    assert section["seconds"] > 0 and len(section["cache_key"]) == 64
    judged = [{**r, "verdict": "confirmed"} for r in section["records"]]  # as the real run judges them
    row = next(x for x in coverage.matrix({"claims": judged}, ["pitfalls"])["rows"] if x["section"] == "pitfalls")
    assert all(row["cells"][c] for c in ("reference", "torch", "jax", "sklearn", "claims")), row


@needs_mnist
def test_a_missing_framework_makes_the_framework_rows_unverifiable(mnist, monkeypatch):
    monkeypatch.setenv("NNCONF_DISABLE", "torch")
    cat = C.load()
    rows = tuple(r for r in cat.rows if r.experiment != "training")
    cat = dataclasses.replace(cat, rows=rows)
    result = experiments.run(cat, mnist, tiny(cat, seeds=5))
    recs = records.make(cat, result["rows"], result["arms"], scale="tiny")
    assert {r["verdict"] for r in recs} == {"unverifiable"}
    assert all(r["explanation"].startswith("unverifiable: not run in torch") for r in recs)
    assert all("torch" not in r["frameworks"] for r in recs)


@needs_mnist
def test_stale_row_when_the_page_lost_it(tiny_section):
    cat, _, section = tiny_section
    page = Page("## 11. Common Pitfalls `[pitfalls]`\n| mistake | symptom | fix |\n|---|---|---|\n"
                "| learning rate too high | loss explodes | reduce LR |\n")
    assert records.page_rows(page, "pitfalls")["learning rate too high"] == (
        ["learning rate too high", "loss explodes", "reduce LR"], 4)
    recs = {r["id"]: r for r in records.make(cat, section["rows"], section["arms"], scale="x", page=page)}
    assert recs["pitfalls.lr_high.symptom"]["printed"] == "loss explodes"
    assert recs["pitfalls.lr_high.fix"]["printed"] == "reduce LR" and recs["pitfalls.lr_high.fix"]["page_line"] == 4
    stale = recs["pitfalls.no_bias.symptom"]
    assert stale["verdict"] == "stale" and "no row 'forgetting bias'" in stale["explanation"]


@needs_mnist
def test_a_cached_run_gives_the_same_section(mnist, tmp_path):
    from nnconf.run.cache import Cache
    cat, cache = C.load(), Cache(tmp_path / "cache")
    first = command.run_section(tmp_path / "a", cat=cat, settings=tiny(cat), ds=mnist, page=PAGE,
                                cache=cache, panels=False)
    again = command.run_section(tmp_path / "b", cat=cat, settings=tiny(cat), ds=mnist, page=PAGE,
                                cache=cache, panels=False)
    assert (first["cache"], again["cache"]) == ("miss", "hit")
    assert again["records"] == first["records"] and again["arms"] == first["arms"]
    assert (tmp_path / "b" / "pitfalls.png").stat().st_size > 0  # figures drawn from the cached data
    other = command.run_section(tmp_path / "c", cat=cat, settings=tiny(cat, seeds=2), ds=mnist,
                                cache=cache, panels=False)
    assert other["cache"] == "miss"  # another seed list is another entry


def test_without_mnist_every_record_is_unverifiable(tmp_path):
    from nnconf.mnist import data
    section = command.for_report(tmp_path, mnist_dir=tmp_path / "nowhere")
    assert len(section["records"]) == 14 and section["summary"]["unverifiable"] == 14
    assert "MNIST unavailable" in section["records"][0]["explanation"]
    digits = command.for_report(tmp_path, dataset=data.load_digits_fallback())  # the report's fallback
    assert digits["summary"]["unverifiable"] == 14 and "not MNIST" in digits["records"][0]["explanation"]


# ------------------------------------------------------------------ the command
@pytest.mark.parametrize("argv,option", [
    (["--seeds", "0"], "--seeds"), (["--epochs", "-1"], "--epochs"),
    (["--train-samples", "0"], "--train-samples"), (["--seeds", "two"], "--seeds"),
    (["--out-dir", ""], "--out-dir"), (["--page", ""], "--page"), (["--catalogue", ""], "--catalogue"),
])
def test_bad_numbers_and_names_are_one_line_and_exit_2(tmp_path, capsys, argv, option):
    with pytest.raises(SystemExit) as exc:
        cli.main(["pitfalls", "--out-dir", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == cli.EXIT_USAGE
    assert f"error: argument {option}" in err and "\n" not in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,message", [
    (["--train-samples", "70000"], "--train-samples 70000: the data has 60000"),
    (["--fail-on", "false,bogus"], "--fail-on: unknown verdict(s) ['bogus']"),
    (["--mnist-dir", "/nonexistent/mnist"], "missing"),
    (["--page", "/nonexistent/page.md"], "cannot be read"),
])
def test_bad_inputs_are_one_line_and_exit_2_before_work(tmp_path, capsys, argv, message):
    if argv[0] == "--train-samples" and not SHARED.exists():
        pytest.skip("needs MNIST")
    extra = [] if "--mnist-dir" in argv else ["--mnist-dir", str(SHARED)]
    code = cli.main(["pitfalls", "--out-dir", str(tmp_path / "out"), *extra, *argv])
    err = capsys.readouterr().err.strip()
    assert code == cli.EXIT_USAGE
    assert err.startswith("nnconf: error:") and message in err and "\n" not in err, err
    assert not (tmp_path / "out").exists()


def test_bad_out_dir_and_catalogue(tmp_path, capsys):
    afile = tmp_path / "file"
    afile.write_text("x")
    assert cli.main(["pitfalls", "--out-dir", str(afile), "--mnist-dir", str(SHARED)]) == cli.EXIT_USAGE
    assert "not a directory" in capsys.readouterr().err
    bad = _broken(tmp_path, "bias = true", "bias = 1")
    assert cli.main(["pitfalls", "--catalogue", str(bad), "--out-dir", str(tmp_path / "o")]) == cli.EXIT_USAGE
    assert f"{bad}:" in capsys.readouterr().err


@needs_mnist
def test_command_writes_json_and_figure(tmp_path, capsys):
    code = cli.main(["pitfalls", "--seeds", "1", "--epochs", "1", "--train-samples", "128",
                     "--mnist-dir", str(SHARED), "--out-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 1  # one seed: every verdict unverifiable, which fails by default
    assert "\r" not in err and "pitfalls: done" in err  # off a terminal: plain lines, no bar
    doc = json.loads((tmp_path / "pitfalls.json").read_text())
    assert doc["summary"]["unverifiable"] == 14 and doc["settings"]["seeds"] == [0]
    assert (tmp_path / "pitfalls.png").stat().st_size > 0 and "pitfalls.lr_high.symptom" in out
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "pitfalls.json", "pitfalls.png"]
    assert cli.main(["pitfalls", "--seeds", "1", "--epochs", "1", "--train-samples", "128", "--fail-on", "false",
                     "--mnist-dir", str(SHARED), "--out-dir", str(tmp_path), "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
@needs_mnist
def test_default_configuration_gives_the_readme_verdicts(mnist, tmp_path):
    """The catalogue's own scale (5 seeds, 5000 images, 2 epochs; about 30 CPU-s): the
    verdicts README reports."""
    section = command.for_report(tmp_path, dataset=mnist, page=PAGE)
    got = {r["id"].removeprefix("pitfalls."): r["verdict"] for r in section["records"]}
    false = {"shapes.symptom", "shapes.fix", "no_bias.symptom", "no_bias.fix"}
    assert got == {k: "false" if k in false else "confirmed" for k in got}, got
    assert section["cpu_seconds"] < 120
