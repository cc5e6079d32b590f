"""The audit as a gate on a changing page (issue 14), on small synthetic pages: the exact rule
for printed numbers (a last-digit typo is wrong, a carried rounding is a rounding-slip naming
what it carried, an origin slip and its consequences), claims that read the page (a rewritten
sentence, an empty page), nothing printed passing silently, printed links, formulas."""

from types import SimpleNamespace

import pytest

from nnconf.audit import audit, catalogue, formulas
from nnconf.audit.page import Page
from nnconf.cli import main as cli

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
what = "the sum of the exponentials"
printed = "11.212"
locate = 'Σ = … = **{}**'
value = "sm:sum"
slip = "{sm.e0} + {sm.e1} + {sm.e2}"

[[claim]]
id = "sm.p0"
section = "sm"
kind = "number"
what = "softmax(z)₀"
printed = "0.659"
locate = 'p₀ = … = **{}**'
value = "sm:softmax[0]"
slip = "{sm.e0}/{sm.sum}"

[[claim]]
id = "loss.harsher"
section = "loss"
kind = "prose"
what = "CE's bad/good ratio exceeds MSE's"
locate = 'Cross-entropy penalizes the bad prediction more than MSE does.'
test = "ratio_greater"
args = { example = "loss", larger = "ce_ratio", smaller = "mse_ratio" }

[[claim]]
id = "loss.ce.general"
section = "loss"
kind = "formula"
what = "cross-entropy, a sum over samples"
printed = "−Σᵢ Σₖ yᵢₖ log ŷᵢₖ"
locate = 'L = {formula};'
sympy = "-sum(y[i][k]*log(p[i][k]) for i in range(N) for k in range(K))"
quantity = "cross_entropy"
args = { reduction = "sum" }

[[claim]]
id = "loss.ce.onehot"
section = "loss"
kind = "formula"
what = "cross-entropy with one-hot labels, a mean"
printed = "−(1/N) Σᵢ log ŷ_(i,cᵢ)"
locate = 'one-hot labels L = {formula}.'
sympy = "-(1/N)*sum(log(p[i][c[i]]) for i in range(N))"
quantity = "cross_entropy"
'''

PAGE = '''# A page

### Softmax `[sm]`
z = [2.0, 1.0, 0.1].
- e^2.0 = **7.389**, e^1.0 = **2.718**, e^0.1 = **1.105**
- Σ = {terms} = **{sum}**
- p₀ = 7.389/{sum} = **{p0}**

### Losses `[loss]`
Cross-entropy penalizes the bad prediction more than MSE does.
Cross-entropy: L = −Σᵢ Σₖ yᵢₖ log ŷᵢₖ; with one-hot labels L = −(1/N) Σᵢ log ŷ_(i,cᵢ).
'''


def _audit(tmp_path, page_text: str, catalogue_text: str = CATALOGUE) -> dict:
    (tmp_path / "claims.toml").write_text(catalogue_text, encoding="utf-8")
    (tmp_path / "page.md").write_text(page_text, encoding="utf-8")
    cat = catalogue.load(tmp_path / "claims.toml")
    return {r["id"]: r for r in audit.run(cat, Page.read(tmp_path / "page.md"))}


def _page(sum_="11.213", p0="0.659", terms="7.389 + 2.718 + 1.105"):
    return PAGE.format(sum=sum_, p0=p0, terms=terms)


def test_the_right_page_is_confirmed(tmp_path):
    recs = _audit(tmp_path, _page(terms="7.389 + 2.718 + 1.106"))
    assert {recs[c]["verdict"] for c in ("sm.e0", "sm.sum", "sm.p0", "loss.ce.general")} == {"confirmed"}
    assert not [r for r in recs.values() if r["verdict"] in ("unchecked", "inconsistent")]


def test_a_last_digit_typo_in_a_result_is_wrong(tmp_path):
    # exact 11.2125 → 11.213; the printed terms give 11.212: 11.214 is neither (the old interval
    # rule, ± half a unit on every printed input and on the result, called it a rounding-slip)
    recs = _audit(tmp_path, _page(sum_="11.214", p0="0.659"))
    r = recs["sm.sum"]
    assert r["verdict"] == "wrong" and r["carried_from"] is None, r
    assert "printed 11.214" in r["explanation"] and "exact 11.212509" in r["explanation"]


def test_a_carried_rounding_is_a_rounding_slip_naming_what_it_carried(tmp_path):
    recs = _audit(tmp_path, _page(sum_="11.212", p0="0.659"))
    r = recs["sm.sum"]
    assert r["verdict"] == "rounding-slip", r
    assert r["carried"] and "sm.e0 (7.389)" in r["explanation"], r  # 7.389 + e + e^0.1 = 11.21245


def test_an_origin_slip_and_its_carried_consequences(tmp_path):
    # Σ printed 11.312: an arithmetic slip (exact 11.2125, from the printed terms 11.212);
    # p₀ = 7.389/11.312 = 0.653 only carries it
    recs = _audit(tmp_path, _page(sum_="11.312", p0="0.653"))
    origin, consequence = recs["sm.sum"], recs["sm.p0"]
    assert origin["verdict"] == "wrong" and origin["carried_from"] is None
    assert "arithmetic slip" in origin["explanation"]
    assert consequence["verdict"] == "wrong" and consequence["carried_from"] == "sm.sum"
    assert consequence["explanation"].startswith("carried from sm.sum:")
    assert any(r["verdict"] == "inconsistent" and r["line"] == 6 for r in recs.values())  # 7.389 + … = 11.312


def test_a_rewritten_false_sentence_is_no_longer_false(tmp_path):
    recs = _audit(tmp_path, _page())
    assert recs["loss.harsher"]["verdict"] == "false" and recs["loss.harsher"]["line"] == 10
    fixed = _page().replace("Cross-entropy penalizes the bad prediction more than MSE does.",
                            "By the bad/good ratio, MSE penalizes the bad prediction more than cross-entropy.")
    recs = _audit(tmp_path, fixed)
    assert recs["loss.harsher"]["verdict"] == "stale", recs["loss.harsher"]
    assert "Cross-entropy penalizes" in recs["loss.harsher"]["explanation"]


def test_a_page_with_no_content_is_stale_everywhere_and_fails(tmp_path, capsys):
    recs = _audit(tmp_path, "# A page\n")
    claims = catalogue.load(tmp_path / "claims.toml").claims
    assert {recs[c.id]["verdict"] for c in claims} == {"stale"}
    assert not {r["verdict"] for r in recs.values()} & {"false", "missing", "confirmed"}
    code = cli.main(["audit", "--page", str(tmp_path / "page.md"), "--claims", str(tmp_path / "claims.toml"),
                     "--no-write", "--results", "", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1 and f"{tmp_path / 'claims.toml'}:" in out and " stale sm.e0" in out


def test_an_announced_step_that_appears_is_judged(tmp_path):
    cat_text = CATALOGUE + '''
[[claim]]
id = "sm.total"
section = "sm"
kind = "number"
what = "Σ softmax, announced"
locate = 'total = **{}**'
value = "sm:total"
announced = 'Softmax'
precision = 2
'''
    recs = _audit(tmp_path, _page(), cat_text)
    assert recs["sm.total"]["verdict"] == "missing" and recs["sm.total"]["computed"] == "1.00"
    recs = _audit(tmp_path, _page().replace("\n### Losses", "- total = **1.00**\n\n### Losses"), cat_text)
    assert recs["sm.total"]["verdict"] == "confirmed" and recs["sm.total"]["line"] == 8
    recs = _audit(tmp_path, _page().replace("### Softmax", "### Exponentials"), cat_text)
    assert recs["sm.total"]["verdict"] == "stale"  # the announcement is gone: not 'missing'


def test_a_new_bold_number_is_unchecked_with_its_line(tmp_path):
    page = _page().replace("- p₀ =", "- the largest share is **65.9%**\n- p₀ =")
    recs = _audit(tmp_path, page)
    new = [r for r in recs.values() if r["verdict"] == "unchecked"]
    assert [(r["line"], r["printed"]) for r in new] == [(7, "65.9")], new
    assert "a bold number is a result" in new[0]["explanation"]


def test_a_plain_number_in_a_worked_line_is_unchecked_unless_exempt(tmp_path):
    page = _page().replace("z = [2.0, 1.0, 0.1].", "z = [2.0, 1.0, 0.1]; K = 3 classes.")
    assert [r["printed"] for r in _audit(tmp_path, page).values() if r["verdict"] == "unchecked"] == ["3"]
    exempt = CATALOGUE + '\n[[exempt]]\nsection = "sm"\nnumbers = ["3"]\nreason = "the number of classes"\n'
    assert not [r for r in _audit(tmp_path, page, exempt).values() if r["verdict"] == "unchecked"]


def test_a_broken_link_whose_final_value_is_right_is_reported(tmp_path):
    # 7.389 + 2.718 + 1.105 = 11.212, not 11.213; yet 11.213 is the exact sum rounded
    recs = _audit(tmp_path, _page(sum_="11.213"))
    assert recs["sm.sum"]["verdict"] == "confirmed"
    bad = [r for r in recs.values() if r["verdict"] == "inconsistent"]
    assert len(bad) == 1 and bad[0]["line"] == 6, bad
    assert "7.389 + 2.718 + 1.105 = 11.213" in bad[0]["printed"] and "11.212" in bad[0]["explanation"]
    assert "inconsistent" not in audit.FAILING


def test_two_formulas_for_one_quantity_that_disagree_are_false(tmp_path):
    recs = _audit(tmp_path, _page())
    assert recs["loss.ce.general"]["verdict"] == recs["loss.ce.onehot"]["verdict"] == "confirmed"
    pair = recs["same:cross_entropy"]
    assert pair["verdict"] == "false" and pair["line"] == 11, pair
    assert "0.5 × the second" in pair["explanation"] and "1/N" in pair["explanation"]
    agreeing = CATALOGUE.replace('-(1/N)*sum(log(p[i][c[i]]) for i in range(N))',
                                 '-sum(log(p[i][c[i]]) for i in range(N))')
    agreeing = agreeing.replace('args = { reduction = "sum" }', "")
    recs = _audit(tmp_path, _page(), agreeing)
    assert recs["same:cross_entropy"]["verdict"] == "confirmed"


# ------------------------------------------------------------------ formulas fail on planted bugs
PLANTED = [
    ("sigmoid", "1/(1 + exp(x))"), ("sigmoid_grad", "s*(1 + s)"), ("tanh_grad", "1 + tanh(x)**2"),
    ("relu_grad", "Piecewise((1, x >= 0), (0, True)) - Piecewise((1, x < 0), (0, True))"),
    ("leaky_relu", "Piecewise((x, x > 0), (-alpha*x, True))"), ("gelu", "x*(1 + erf(x/2))/2"),
    ("gelu_tanh", "0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.04472*x**3)))"),
    ("softmax", "exp(z[i])/sum(exp(z[j]) for j in range(K - 1))"),
    ("mse", "sum((y[i] - p[i])**2 for i in range(N))"), ("mse_grad", "(1/N)*(p[i] - y[i])"),
    ("cross_entropy", "sum(log(p[i][c[i]]) for i in range(N))/N"),
    ("bce", "-(1/N)*sum(y[i]*log(p[i]) for i in range(N))"),
    ("softmax_ce_grad", "y[i] - p[i]"), ("softmax_jac_diag", "p[k]*(1 + p[k])"),
    ("softmax_jac_offdiag", "p[k]*p[i]"), ("ce_grad_probs", "y[k]/q[k]"),
    ("grad_W_out", "a1 @ delta2.T"), ("delta_hidden", "(W2 @ delta2) * sigmoid_grad(z1)"),
    ("grad_W_general", "delta[l] @ a[l].T"), ("he_std", "sqrt(1/fan_in)"),
    ("perceptron_predict", "1 if w @ X[j] + b >= 0 else 0"),
    ("central_difference", "(f(x + eps*e(i)) - f(x))/eps"),
    ("adam_update", ["m = b1*m + (1 - b1)*g", "v = b2*v + (1 - b2)*g**2",
                     "theta = theta - lr*m/(sqrt(v) + eps)"]),
    ("momentum_update", ["v = beta*v + g", "theta = theta - lr*v"]),
]


@pytest.mark.parametrize("quantity, sympy", PLANTED, ids=[p[0] for p in PLANTED])
def test_a_planted_formula_bug_is_false(quantity, sympy):
    claim = SimpleNamespace(id="planted", quantity=quantity, printed="…", args={},
                            sympy=tuple(sympy) if isinstance(sympy, list) else (sympy,))
    assert formulas.check({"quantity": quantity, "sympy": sympy}) is None
    assert formulas.judge(claim).verdict == "false"
