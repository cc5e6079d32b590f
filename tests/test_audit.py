"""The audit: every verdict kind arises, on the real page and on small synthetic pages; a
malformed catalogue gives a clear error; the CLI gates; planted bugs change verdicts."""

import dataclasses
import importlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from nnconf.audit import audit, catalogue, listings, tables
from nnconf.audit.page import Page
from nnconf.cli import main as cli
from nnconf.conformance.mutants import MUTANTS, Mutant
from nnconf.mnist import data
from reference import losses as L

# NNCONF_TEST_PAGE: the mutation run executes a copy of the tests one folder deeper (mutants/)
PAGE = Path(os.environ.get("NNCONF_TEST_PAGE")
            or Path(__file__).resolve().parents[2] / "shared" / "page" / "neural-network-basics.md")


@pytest.fixture(scope="module")
def real():
    cat = catalogue.load()
    records = audit.run(cat, Page.read(PAGE), audit.Options(results=None))
    return cat, {r["id"]: r for r in records}


# ------------------------------------------------------------------ the real page
def test_every_claim_of_the_page_is_located(real):
    cat, recs = real
    stale = [r["id"] for r in recs.values() if r["verdict"] == "stale"]
    assert not stale, f"claims no longer found on the page: {stale}"
    assert len(cat.claims) > 150 and all(c.id in recs for c in cat.claims)
    located = [recs[c.id] for c in cat.claims if recs[c.id]["verdict"] != "stale"]
    assert all(r["line"] and r["page_line"] == r["line"] for r in located), [r["id"] for r in located if not r["line"]]
    unchecked = [(r["line"], r["printed"]) for r in recs.values() if r["verdict"] == "unchecked"]
    assert not unchecked, f"printed numbers no claim judges: {unchecked}"


def test_every_worked_example_number_gets_a_computed_verdict(real):
    cat, recs = real
    numbers = [c for c in cat.claims if c.kind == "number"]
    assert {c.section for c in numbers} >= {
        "perceptron.decision", "perceptron.update", "mlp.forward", "act.sigmoid.example",
        "act.softmax.example", "loss.example", "backprop.output.example", "backprop.full.example",
        "optim.adam.example"}
    for c in numbers:
        r = recs[c.id]
        assert r["verdict"] in ("confirmed", "rounding-slip", "wrong", "missing"), r
        assert r["computed"], r
        if r["verdict"] in ("rounding-slip", "wrong"):  # both numbers, so an author can fix it
            assert "printed " in r["explanation"] and "exact " in r["explanation"], r
        if r["verdict"] == "missing":
            assert "the reference gives" in r["explanation"], r


def test_the_page_findings(real):
    _, recs = real
    # ŷ = [0.438, 0.562]: neither the exact softmax nor the softmax of the printed z⁽²⁾ gives
    # it (an arithmetic slip); δ⁽²⁾, ∂L/∂W⁽²⁾ and (W⁽²⁾)ᵀδ⁽²⁾ only carry it
    y_hat = recs["backprop.full.example.y_hat"]
    assert y_hat["verdict"] == "wrong" and y_hat["carried_from"] is None and y_hat["line"] == 163
    for cid in ("delta2", "dW2", "back"):
        r = recs[f"backprop.full.example.{cid}"]
        assert r["verdict"] == "wrong" and r["carried_from"] == "backprop.full.example.y_hat", r
    assert recs["act.softmax.example.sum"]["verdict"] == "rounding-slip"
    assert "act.softmax.example.exp@2.0 (7.389)" in recs["act.softmax.example.sum"]["explanation"]
    links = {r["line"]: r for r in recs.values() if r["verdict"] == "inconsistent"}
    assert set(links) == {91, 163}, links  # 1/1.050 = 0.953 (it is 0.952); softmax([0.179, 0.431])
    assert recs["same:cross_entropy"]["verdict"] == "false"  # −ΣΣ y log ŷ vs −(1/N)Σ log ŷ: a factor N
    assert all(recs[c]["verdict"] == "confirmed" for c in ("same:sigmoid_grad", "same:tanh_grad",
                                                            "same:softmax_ce_grad"))
    assert recs["optim.adam.example.theta@3"]["verdict"] == "missing"
    assert recs["loss.example.ce_harsher_than_mse"]["verdict"] == "false"
    assert recs["optim.adam.example.uncorrected_tiny_updates"]["verdict"] == "false"
    assert recs["act.sigmoid.example.sigmoid@-2"]["verdict"] == "confirmed"
    assert recs["mlp.universal_approximation"]["verdict"] == "not-checkable"  # a theorem, declared so
    # no results given: the curve claims say why they cannot be judged
    assert recs["mnist.expected.loss@20"]["verdict"] == "unverifiable"
    assert "nnconf report" in recs["mnist.expected.loss@20"]["explanation"]


# ------------------------------------------------------------------ synthetic pages
CATALOGUE = '''
schema = "nnconf.claims/1"

[[example]]
id = "sm"
compute = "softmax_example"
inputs = { z = [2.0, 1.0, 0.1] }

[[example]]
id = "loss"
compute = "loss_example"
inputs = { y = [0, 1, 0], good = [0.1, 0.7, 0.2], bad = [0.1, 0.1, 0.8] }

[[claim]]
id = "sm.e0"
section = "sm"
kind = "number"
what = "e^2"
printed = "7.389"
locate = 'e^2.0 = **{}**'
value = "sm:exp[0]"

[[claim]]
id = "sm.e1"
section = "sm"
kind = "number"
what = "e^1"
printed = "2.718"
locate = 'e^1.0 = **{}**'
value = "sm:exp[1]"

[[claim]]
id = "sm.e2"
section = "sm"
kind = "number"
what = "e^0.1"
printed = "1.105"
locate = 'e^0.1 = **{}**'
value = "sm:exp[2]"

[[claim]]
id = "sm.sum"
section = "sm"
kind = "number"
what = "sum"
printed = "11.212"
locate = 'Σ = … = **{}**'
value = "sm:sum"
slip = "{sm.e0} + {sm.e1} + {sm.e2}"

[[claim]]
id = "sm.p"
section = "sm"
kind = "number"
what = "softmax"
printed = "[0.659, 0.242, 0.099]"
locate = 'softmax = **{}**'
value = "sm:softmax"

[[claim]]
id = "sm.step4"
section = "sm"
kind = "number"
what = "an announced step"
locate = 'Step 4: … = **{}**'
value = "sm:total"
announced = 'Softmax in 4 steps'
precision = 2

[[claim]]
id = "loss.harsher"
section = "loss"
kind = "prose"
what = "CE's ratio exceeds MSE's"
locate = 'Cross-entropy penalizes harder.'
test = "ratio_greater"
args = { example = "loss", larger = "ce_ratio", smaller = "mse_ratio" }

[[claim]]
id = "loss.theorem"
section = "loss"
kind = "prose"
what = "not computable"
locate = 'A theorem says so.'
test = "not_computable"
args = { reason = "a theorem" }

[[claim]]
id = "listing.out"
section = "code"
kind = "listing"
what = "the listing's output"
printed = "[1, 3]"
locate = 'print(…)  # {}'
listing = "code"

[[claim]]
id = "curve.loss@1"
section = "curve"
kind = "curve"
what = "loss after epoch 1"
printed = "0.5832"
locate = '| 1 | {} |'
epoch = 1
quantity = "loss"
'''

PAGE_TEXT = '''# A page

### Softmax in 4 steps `[sm]`
- e^2.0 = **7.389**, e^1.0 = **2.718**, e^0.1 = **1.105**
- Σ = 7.389 + 2.718 + 1.105 = **{sum}**
- softmax = **{p}**

### Losses `[loss]`
Cross-entropy penalizes harder. A theorem says so.

### Code `[code]`

```python
print([1, 2])  # [1, 3]
```

### Curve `[curve]`
| 1 | 0.5832 |
'''


def _write(tmp_path, *, sum_text="11.212", p_text="[0.659, 0.242, 0.099]", catalogue_text=CATALOGUE):
    (tmp_path / "claims.toml").write_text(catalogue_text, encoding="utf-8")
    (tmp_path / "page.md").write_text(PAGE_TEXT.format(sum=sum_text, p=p_text), encoding="utf-8")
    return catalogue.load(tmp_path / "claims.toml"), Page.read(tmp_path / "page.md")


def _sweep(tmp_path, loss_at_1: float) -> Path:
    """A report whose MNIST section has the page's configuration and the canonical checksums."""
    canonical = {name: sha for name, (sha, _, _) in data.FILES.items()}
    seeds = [{"seed": s, "epoch_losses": [loss_at_1 + 0.01 * s], "accuracy": [0.67]} for s in range(5)]
    doc = {"mnist": {"dataset": "MNIST", "data_provenance": {"verified": True, "sha256_uncompressed": canonical},
                     "config": {"sizes": [784, 256, 128, 10], "lr": 0.001, "batch_size": 64,
                                "steps_per_epoch": None, "dtype": "float64", "epochs": 1},
                     "sweep": seeds, "agreement": {}}}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_each_verdict_kind_arises(tmp_path):
    cat, page = _write(tmp_path)
    recs = {r["id"]: r for r in audit.run(cat, page, audit.Options(run_listings=True, listing_timeout=60,
                                                                     results=str(_sweep(tmp_path, 1.94))))}
    assert recs["sm.e0"]["verdict"] == "confirmed"
    assert recs["sm.sum"]["verdict"] == "rounding-slip"  # 11.2125 exact, 11.212 from the rounded terms
    assert "11.212" in recs["sm.sum"]["explanation"] and "11.2125" in recs["sm.sum"]["explanation"]
    assert recs["sm.step4"]["verdict"] == "missing" and recs["sm.step4"]["computed"] == "1.00"
    assert recs["loss.harsher"]["verdict"] == "false"
    assert "6.456" in recs["loss.harsher"]["explanation"] and "10.43" in recs["loss.harsher"]["explanation"]
    assert recs["loss.theorem"]["verdict"] == "not-checkable"
    assert recs["listing.out"]["verdict"] == "wrong"
    assert "[1, 2]" in recs["listing.out"]["explanation"] and "[1, 3]" in recs["listing.out"]["explanation"]
    assert recs["curve.loss@1"]["verdict"] == "not-reproduced"
    assert "0.5832" in recs["curve.loss@1"]["explanation"]


def test_a_wrong_number_and_a_stale_claim_follow_the_page(tmp_path):
    cat, page = _write(tmp_path, sum_text="11.300", p_text="[0.659, 0.242, 0.099]")
    recs = {r["id"]: r for r in audit.run(cat, page)}
    assert recs["sm.sum"]["verdict"] == "wrong"
    assert "11.300" in recs["sm.sum"]["explanation"] or "11.3" in recs["sm.sum"]["explanation"]
    text = (tmp_path / "page.md").read_text().replace("softmax = **", "softmax is **")
    recs = {r["id"]: r for r in audit.run(cat, Page(text))}
    assert recs["sm.p"]["verdict"] == "stale"
    assert "softmax = **{}**" in recs["sm.p"]["explanation"]


def test_a_printed_result_within_the_sweep_is_confirmed(tmp_path):
    cat, page = _write(tmp_path)
    recs = {r["id"]: r for r in audit.run(cat, page, audit.Options(results=str(_sweep(tmp_path, 0.58))))}
    assert recs["curve.loss@1"]["verdict"] == "confirmed"


def test_without_a_page_the_catalogue_text_is_judged(tmp_path):
    cat, _ = _write(tmp_path)
    recs = {r["id"]: r for r in audit.run(cat, None)}
    assert recs["sm.sum"]["verdict"] == "rounding-slip" and recs["sm.sum"]["printed"] == "11.212"
    assert recs["sm.step4"]["verdict"] == "missing"


# ------------------------------------------------------------------ malformed catalogues
@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('kind = "prose"', 'kind = "poetry"', 1), "kind must be one of"),
    (lambda t: t.replace('value = "sm:exp[1]"\n', ""), "needs 'value'"),
    (lambda t: t.replace('test = "not_computable"', 'test = "no_such_test"'), "unknown test"),
    (lambda t: t.replace("{sm.e2}", "{sm.nothing}"), "unknown claim {sm.nothing}"),
    (lambda t: t.replace('value = "sm:sum"', 'value = "sm:no_such_quantity"'), "not computed"),
    (lambda t: t.replace('what = "e^1"', 'wat = "e^1"'), "unknown field"),
    (lambda t: t.replace('id = "sm.e1"', 'id = "sm.e0"'), "appears twice"),
    (lambda t: t.replace('printed = "7.389"', 'printed = "7.389'), "not valid TOML"),
])
def test_a_malformed_catalogue_names_file_and_line(tmp_path, edit, message):
    path = tmp_path / "claims.toml"
    path.write_text(edit(CATALOGUE), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError) as err:
        catalogue.load(path)
    text = str(err.value)
    assert message in text and text.startswith(f"{path}:") and text.split(":")[1].isdigit(), text


def test_cli_malformed_catalogue_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "claims.toml"
    bad.write_text(CATALOGUE.replace('kind = "prose"', 'kind = "poetry"', 1), encoding="utf-8")
    code = cli.main(["audit", "--claims", str(bad), "--no-write", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "claims.toml:" in err[0] and "Traceback" not in err[0]


# ------------------------------------------------------------------ the CLI and tables
def test_cli_audit_gates_and_writes_the_claims_section(tmp_path, capsys):
    code = cli.main(["audit", "--page", str(PAGE), "--out-dir", str(tmp_path), "--results", "",
                     "--no-progress", "--no-listings"])  # listings: tests/test_sandbox.py, test_listing_exercises.py
    assert code == 1  # the page has missing steps and false claims
    out = capsys.readouterr().out
    assert "missing" in out and "confirmed" in out and "coverage: " in out
    assert f"{PAGE}:163: wrong backprop.full.example.y_hat" in out  # like a compiler's message
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert {"id", "section", "printed", "computed", "verdict", "explanation"} <= set(doc["claims"][0])
    assert doc["audit"]["page_sha256"] and "## The page's claims" in (tmp_path / "conformance.md").read_text()
    assert doc["audit"]["coverage"]["unchecked"] == 0 and doc["audit"]["coverage"]["printed"] > 400
    assert "| line | verdict |" in (tmp_path / "conformance.md").read_text()
    assert cli.main(["audit", "--page", str(PAGE), "--no-write", "--results", "", "--no-progress",
                     "--no-listings", "--fail-on", "stale,unchecked"]) == 0


def test_tables_in_three_formats_include_unshown_steps(tmp_path, capsys):
    cat = catalogue.load()
    rows = tables.rows(cat, Page.read(PAGE))
    adam = rows["optim.adam.example"]
    assert [r for r in adam if not r["shown_on_page"]] and all(r["value"] for r in adam)
    for fmt in ("md", "latex", "csv"):
        assert cli.main(["tables", "--format", fmt, "--page", str(PAGE), "--example", "optim.adam.example"]) == 0
        text = capsys.readouterr().out
        assert text.count("\n") >= len(adam)
    md = tables.render({"optim.adam.example": adam}, "md")
    assert "(not shown on the page)" in md


# ------------------------------------------------------------------ listings
def test_png_dpi_reads_phys():
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    plt.figure(figsize=(1, 1)).savefig(buf, dpi=150, format="png")
    plt.close("all")
    assert abs(listings.png_dpi(buf.getvalue()) - 150) < 0.5


# ------------------------------------------------------------------ planted bugs
# The reference functions the worked examples run through. Not listed: losses.mse_grad and
# losses.cross_entropy_grad (the page prints neither gradient; the one prose claim that uses them
# compares their magnitudes at the true class, which a sign or a constant factor leaves as it is —
# until the planted bugs stopped recursing into themselves, the sign bug "changed" a verdict by
# crashing) and optim.adam (its planted bug,
# the folded bias correction, differs by ε-sized amounts, far below the printed precision);
# the registry's planted-bug tests catch both.
AUDITED = {"activations.sigmoid", "activations.sigmoid_grad", "activations.softmax", "activations.relu",
           "losses.mse", "losses.cross_entropy", "losses.softmax_cross_entropy_grad", "perceptron.predict",
           "perceptron.update",
           "perceptron.train", "mlp.forward", "mlp.backward", "mlp._output_delta",
           "optim._adam_direction"}

# the original, bound before a planted bug replaces it (a bug built on it must not call itself)
_CROSS_ENTROPY = L.cross_entropy

# Bugs a person working through the examples would plausibly make, beside the shared ones
# (which include bugs the examples cannot show: overflow without the max shift, a point on the
# perceptron's boundary, the mean over rows of a 1-D vector).
EXAMPLE_MUTANTS = [
    Mutant("activations.softmax", "max subtracted in the numerator only",
           function=lambda z, axis=-1: np.exp(z - np.max(z, axis=axis, keepdims=True))
           / np.sum(np.exp(z), axis=axis, keepdims=True)),
    Mutant("losses.mse", "sum instead of mean",
           function=lambda y_pred, y_true, reduction="mean": np.sum((np.asarray(y_pred) - y_true) ** 2)),
    Mutant("losses.cross_entropy", "log10 instead of the natural log",
           function=lambda y_pred, y_true, eps=1e-12, reduction="mean":
           _CROSS_ENTROPY(y_pred, y_true, eps=eps, reduction=reduction) / np.log(10.0)),
    Mutant("perceptron.predict", "bias forgotten (a pitfall the page lists)",
           function=lambda w, b, x: (np.asarray(x, float) @ np.asarray(w, float) > 0).astype(np.int64)),
]


@pytest.fixture(scope="module")
def fast_catalogue():
    """The catalogue without claims decided by registry rows (those rows have their own planted
    bugs) and without the formulas (``test_audit_rule.py`` plants theirs)."""
    cat = catalogue.load()
    return dataclasses.replace(cat, claims=[c for c in cat.claims if not c.evidence
                                            and c.kind not in ("curve", "formula")])


@pytest.mark.mutation
@pytest.mark.parametrize("target", sorted(AUDITED))
def test_a_planted_bug_changes_a_verdict(target, fast_catalogue, monkeypatch):
    baseline = {r["id"]: r["verdict"] for r in audit.run(fast_catalogue, None)}
    caught = []
    for mutant in [m for m in MUTANTS + EXAMPLE_MUTANTS if m.target == target]:
        module, name = target.rsplit(".", 1)
        with monkeypatch.context() as mp:
            mp.setattr(importlib.import_module(f"reference.{module}"), name, mutant.build())
            try:
                now = {r["id"]: r["verdict"] for r in audit.run(fast_catalogue, None)}
            except Exception as exc:  # the bug crashes the computation: also caught
                caught.append(f"{mutant.description}: {type(exc).__name__}")
                continue
        changed = [k for k in baseline if now[k] != baseline[k]]
        if changed:
            caught.append(f"{mutant.description}: {changed[:3]}")
    assert caught, f"no planted bug in {target} changes any audit verdict"


def test_cli_unreadable_page_is_one_line_and_exit_2(tmp_path, capsys):
    code = cli.main(["audit", "--page", str(tmp_path / "nowhere.md"), "--no-write", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "nowhere.md" in err[0] and "cannot be read" in err[0]
