"""Adding a formula as docs/adding-a-quantity.md says: a reference function pair, its op in an
oracle, one declaration, and everything keyed by the quantity follows. Shown here for a small
function defined in this test (softsign x/(1 + |x|)): its value and derivative rows, its
exactness entries and the exactness row's uses, its planted-bug requirement and bugs, its
figure panel."""

import copy

import numpy as np
import pytest

import oracles
import reference.activations as A
from nnconf.conformance import checks, registry
from nnconf.conformance import strategies as S
from nnconf.conformance.exactness import measure
from nnconf.conformance.quantities import Panel, Quantity, Side
from nnconf.conformance.records import Bug, Page
from nnconf.conformance.runner import run_row
from nnconf.conformance.tolerance import EPS, TINY, Tolerance


def softsign(x):
    """x / (1 + |x|)."""
    x = np.asarray(x, dtype=np.float64)
    return x / (1.0 + np.abs(x))


def softsign_grad(x):
    """1 / (1 + |x|)²."""
    x = np.asarray(x, dtype=np.float64)
    return 1.0 / (1.0 + np.abs(x)) ** 2


VALUE = Tolerance(rtol=4 * EPS, atol=TINY, reason="an add, an abs and a division: 4 ulp")
GRAD = Tolerance(rtol=16 * EPS, atol=TINY, rtol_x=4 * EPS,
                 reason="torch differentiates x/(1 + |x|) by the quotient rule, 1/(1 + |x|) − |x|/(1 + |x|)², a "
                        "cancellation whose relative error grows as |x| (measured ~0.7 ulp per unit |x|): "
                        "rtol_x = 4ε per unit max|x|, 16 ulp besides")


@pytest.fixture
def softsign_declared(monkeypatch):
    if not oracles.available("torch")[0]:
        pytest.skip("torch is not installed")
    import torch
    import torch.nn.functional as F

    # 1. the reference pair (here patched in; normally written in reference/activations.py)
    monkeypatch.setattr(A, "softsign", softsign, raising=False)
    monkeypatch.setattr(A, "softsign_grad", softsign_grad, raising=False)
    # 2. the op in an oracle (normally one entry of FUNCTIONS in oracles/torch_oracle.py)
    o = oracles.get("torch")
    monkeypatch.setattr(oracles.base, "_REQUIRED", copy.deepcopy(oracles.base._REQUIRED))

    def value(x, dtype="float64"):
        return F.softsign(torch.from_numpy(np.array(x, dtype=dtype))).numpy()

    def grad(args, cotangent, dtype="float64"):
        x = torch.from_numpy(np.array(args[0], dtype=dtype)).requires_grad_(True)
        (g,) = torch.autograd.grad(F.softsign(x).sum(), x)
        return g.numpy()

    monkeypatch.setitem(o.values, "softsign", value)
    monkeypatch.setitem(o.grads, "softsign", grad)
    # 3. one declaration (normally in nnconf/conformance/checks/activations.py's QUANTITIES)
    q = Quantity(
        name="softsign", module="activations", family="act", section="act.softsign",
        description="x / (1 + |x|)", inputs=S.elementwise,
        value=Side(tolerance=VALUE, oracles={"torch": (Page(),)}, exact=lambda x: x / (1 + abs(x)),
                   bugs=(Bug(description="|x| squared: x/(1 + x²)", function=lambda x: x / (1.0 + x * x)),)),
        grad=Side(tolerance=GRAD, oracles={"torch": (Page(),)}, exact=lambda x: 1 / (1 + abs(x)) ** 2,
                  bugs=(Bug(description="not squared", function=lambda x: 1.0 / (1.0 + np.abs(x))),)),
        panel=Panel(title="Softsign", derivative="Softsign'"))
    monkeypatch.setattr(checks, "DECLARATIONS", [*checks.DECLARATIONS, q])
    return q


def test_its_rows_appear_and_pass(softsign_declared):
    rows = {r.key: r for r in registry.all_rows()}
    for key in ("act.softsign.value[torch:page]", "act.softsign.grad[torch:page]"):
        assert key in rows
        record = run_row(rows[key], profile="ci")
        assert record["status"] == "pass", record["note"]
        assert record["reference"].startswith("activations.softsign")


def test_its_exactness_entries_and_uses_appear(softsign_declared):
    assert {"softsign", "softsign_grad"} <= {e.name for e in checks.exact_entries()}
    assert {"activations.softsign", "activations.softsign_grad"} <= set(registry.exactness_property().uses())
    r = measure.run("ci", None, 20, names=["softsign", "softsign_grad"])
    cells = {(row["formula"], row["impl"], row["dtype"]) for row in r["rows"]}
    assert cells == {(f, impl, d) for f in ("softsign", "softsign_grad") for impl in ("reference", "torch")
                     for d in ("float64", "float32")}
    assert not r["violations"]


def test_its_planted_bugs_are_required_and_caught(softsign_declared, monkeypatch):
    required = registry.mutant_requirements()
    assert {"activations.softsign", "activations.softsign_grad"} <= required
    mutants = [m for m in registry.declared_mutants() if m.target.startswith("activations.softsign")]
    assert {m.description for m in mutants} == {"|x| squared: x/(1 + x²)", "not squared"}
    rows = [r for r in registry.all_rows() if r.check.id.startswith("act.softsign")]
    for m in mutants:
        with monkeypatch.context() as mp:
            mp.setattr(A, m.target.split(".")[1], m.build())
            statuses = [run_row(r, profile="mutation")["status"] for r in rows if m.target in r.uses()]
        assert "fail" in statuses, m.description


def test_its_figure_panel_appears(softsign_declared):
    assert softsign_declared in registry.activation_panels()
