"""Listings as evidence (issue 14 item 6): what a listing defines is called, in the sandbox, on
the page's own small inputs, and judged by the reference; it must run as printed, and what it
says about itself (a docstring, a stated accuracy) is checked where it can be computed.

The MNIST listing's own run (its 20 training epochs, ~40 s) is the ``slow`` test at the end;
everything else here loads the listings without running their ``__main__`` block.
"""

import dataclasses
import json
from pathlib import Path

import pytest

from nnconf import sandbox
from nnconf.audit import audit, catalogue
from nnconf.audit.listing_claims import defined_names, uncalled_names
from nnconf.audit.page import Page
from nnconf.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"
SANDBOXED = audit.Options(listings=sandbox.Settings(limits=sandbox.Limits(timeout_s=120)))

SYNTHETIC_CATALOGUE = '''schema = "nnconf.claims/1"

[[claim]]
id = "code.double"
section = "code"
kind = "listing"
what = "double(x) runs on the page's x"
listing = "code"
locate = 'def double(x):'
exercise = "call"
args = { function = "double", args = [[1.0, 2.0]] }

[[claim]]
id = "code.runs"
section = "code"
kind = "listing"
what = "the listing runs"
listing = "code"
locate = 'def double(x):'

[[claim]]
id = "other.runs"
section = "other"
kind = "listing"
what = "the other listing runs"
listing = "other"
locate = 'def half(x):'
'''


def _synthetic(tmp_path, code: str):
    page = (f"# P\n\n### Code `[code]`\n\n```python\n{code}\n```\n\n"
            "### Other `[other]`\n\n```python\ndef half(x):\n    return x / 2\n```\n")
    (tmp_path / "page.md").write_text(page, encoding="utf-8")
    (tmp_path / "claims.toml").write_text(SYNTHETIC_CATALOGUE, encoding="utf-8")
    return catalogue.load(tmp_path / "claims.toml"), Page.read(tmp_path / "page.md")


def test_a_listing_whose_function_fails_when_called_is_not_confirmed(tmp_path):
    cat, page = _synthetic(tmp_path, "def double(x):\n    return np.asarray(x) * 2")  # no import
    recs = {r["id"]: r for r in audit.run(cat, page, SANDBOXED)}
    assert recs["code.double"]["verdict"] == "false"
    assert "double(*[[1.0, 2.0]]) raised NameError: name 'np' is not defined" in recs["code.double"]["explanation"]
    assert recs["code.runs"]["verdict"] == "confirmed"  # running the file defines double: that much works
    assert "called by code.double" in recs["code.runs"]["explanation"]
    # a listing that only defines functions, which nothing calls, is not shown to work
    assert recs["other.runs"]["verdict"] == "unverifiable" and "defines half and running it calls none" in \
        recs["other.runs"]["explanation"]


def test_the_same_function_with_its_import_is_confirmed(tmp_path):
    cat, page = _synthetic(tmp_path, "import numpy as np\n\ndef double(x):\n    return np.asarray(x) * 2")
    recs = {r["id"]: r for r in audit.run(cat, page, SANDBOXED)}
    assert recs["code.double"]["verdict"] == "confirmed" and "array([2., 4.])" in recs["code.double"]["computed"]


def test_exercise_names_and_inputs_are_checked_when_the_catalogue_loads(tmp_path):
    bad = SYNTHETIC_CATALOGUE.replace('exercise = "call"', 'exercise = "nope"')
    (tmp_path / "c.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="exercise 'nope' must be one of"):
        catalogue.load(tmp_path / "c.toml")
    cat = catalogue.load()
    assert all(c.kind == "listing" for c in cat.claims if c.exercise)


def test_defined_names():
    assert defined_names("import x\ndef f():\n    pass\nclass C:\n    pass\nf()\n") == ["f", "C"]
    assert defined_names("def broken(:\n") == []
    main = "def f():\n    pass\ndef g():\n    pass\nif __name__ == '__main__':\n    f()\n"
    assert uncalled_names(main) == ["g"] and uncalled_names("class C:\n    pass\nC()\n") == []


# ------------------------------------------------------------------ the page's listings
def _page_audit(page_text: str | None = None, only=None) -> dict:
    cat = catalogue.load()
    keep = [c for c in cat.claims if c.kind == "listing" and c.id != "mnist.listing.output"
            and (only is None or c.listing == only)]
    cat = dataclasses.replace(cat, claims=keep)
    page = Page(page_text) if page_text is not None else Page.read(PAGE)
    opts = dataclasses.replace(SANDBOXED, mnist_dir=str(ROOT.parent / "shared" / "mnist"))
    return {r["id"]: r for r in audit.run(cat, page, opts) if r["kind"] == "listing"}  # not the page's findings


def test_the_pages_listings_as_evidence():
    recs = _page_audit()
    verdicts = {k: r["verdict"] for k, r in recs.items()}
    # as printed the gradient-checking listing has no `import numpy as np`: calling it fails
    assert verdicts.pop("gradcheck.listing.runs") == "false"
    grad = recs["gradcheck.listing.runs"]["explanation"]
    assert "NameError: name 'np' is not defined" in grad and "< the 1e-05 its comment states" in grad
    # MLP.backward's docstring says "Returns gradients"; it returns None
    assert verdicts.pop("mnist.listing.calls.backward_returns") == "false"
    assert "returned None" in recs["mnist.listing.calls.backward_returns"]["explanation"]
    assert set(verdicts.values()) == {"confirmed"}, verdicts
    assert all(r["listing_run"]["mode"] == "sandboxed" for r in recs.values())


# Planted bugs in the page's listings, each one a slip an author could make: the claim it must
# turn from confirmed to false (a check that cannot fail is a defect).
PLANTED = [
    ("mnist.listing.calls.relu", "return (z > 0).astype(float)", "return (z >= 0).astype(float)"),
    ("mnist.listing.calls.relu", "return np.maximum(0, z)", "return np.maximum(0.01 * z, z)"),
    ("mnist.listing.calls.softmax", "return exp_z / np.sum(exp_z, axis=1, keepdims=True)",
     "return exp_z / np.sum(exp_z)"),
    ("mnist.listing.calls.cross_entropy", "loss = -np.sum(y_true * np.log(y_pred)) / N",
     "loss = -np.sum(y_true * np.log(y_pred))"),
    ("mnist.listing.calls.he_init", "np.sqrt(2.0 / fan_in)", "np.sqrt(1.0 / fan_in)"),
    ("mnist.listing.calls.mlp_init", "b = np.zeros((1, layer_sizes[i + 1]))", "b = np.ones((1, layer_sizes[i + 1]))"),
    ("mnist.listing.calls.forward", "            a = relu(z)\n", "            a = z\n"),
    ("mnist.listing.calls.backward_updates", "self.weights[i] -= self.lr * dW", "self.weights[i] += self.lr * dW"),
    ("mnist.listing.calls.backward_updates", "delta = (self.activations[-1] - y_true) / N",
     "delta = (self.activations[-1] - y_true)"),
    ("perceptron.listing.calls.update", "self.w += self.lr * error * xi", "self.w -= self.lr * error * xi"),
]


@pytest.mark.parametrize("claim,old,new", PLANTED, ids=[f"{c}:{n.strip()[:30]}" for c, _, n in PLANTED])
def test_a_planted_bug_in_a_listing_is_found(claim, old, new):
    text = PAGE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    recs = _page_audit(text.replace(old, new), only=claim.split(".calls.")[0])
    assert recs[claim]["verdict"] == "false", recs[claim]


def test_the_gradient_check_with_its_import_is_confirmed_and_a_planted_bug_is_found():
    text = PAGE.read_text(encoding="utf-8")
    fixed = text.replace("```python\ndef numerical_gradient", "```python\nimport numpy as np\n\ndef numerical_gradient")
    assert fixed != text
    assert _page_audit(fixed, only="gradcheck.listing")["gradcheck.listing.runs"]["verdict"] == "confirmed"
    planted = fixed.replace("grad[idx] = (f_plus - f_minus) / (2 * eps)", "grad[idx] = (f_plus - f_minus) / eps")
    rec = _page_audit(planted, only="gradcheck.listing")["gradcheck.listing.runs"]
    assert rec["verdict"] == "false" and "≥ 1e-05" in rec["explanation"], rec


@pytest.mark.slow
def test_report_runs_the_four_listings_sandboxed_by_default(tmp_path):
    """`nnconf report --page` runs every listing of the page, sandboxed, without being asked
    (the MNIST listing trains its 20 epochs: ~40 s on a quiet 2-core machine)."""
    code = cli.main(["report", "--profile", "ci", "--only", "act.relu.value", "--mnist-epochs", "0", "--jobs", "1",
                     "--no-progress", "--no-figures", "--page", str(PAGE), "--out-dir", str(tmp_path),
                     "--mnist-dir", str(ROOT.parent / "shared" / "mnist"),
                     "--listing-timeout", "3600"])  # 40 s on a quiet machine, 21 min seen on a loaded one
    assert code == 0
    doc = json.loads((tmp_path / "conformance.json").read_text())
    assert doc["audit"]["listings"]["mode"] == "sandboxed" and doc["audit"]["run_listings"]
    runs = {c["section"]: c for c in doc["claims"] if c.get("listing_run")}
    assert {"perceptron.listing", "act.plot.listing", "mnist.listing", "gradcheck.listing"} <= set(runs)
    mnist = next(c for c in doc["claims"] if c["id"] == "mnist.listing.output")
    assert mnist["listing_run"]["mode"] == "sandboxed" and mnist["listing_run"]["returncode"] == 0
    assert mnist["listing_run"]["redirected_loader"] and mnist["verdict"] in ("confirmed", "not-reproduced")
    assert "Epoch 20" in mnist["listing_run"]["stdout_tail"]
    md = (tmp_path / "conformance.md").read_text()
    assert "**Page listings:** ran sandboxed" in md
