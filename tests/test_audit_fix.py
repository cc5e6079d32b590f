"""``nnconf audit --fix`` (issue 16, item 2): wrong and rounding-slip numbers and the numbers
carried from them corrected at their located places, their repeats as operands with them,
announced steps inserted in the style of their neighbours, prose left for a human; the round
trip (the fixed page has no wrong, rounding-slip or missing number) on synthetic pages and on
a copy of the real page; the writing (atomic, permissions kept, --diff writes nothing)."""

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from nnconf.audit import audit, catalogue, fix, notation, rewrite
from nnconf.audit.page import Page
from nnconf.cli import main as cli

from .test_audit_rule import CATALOGUE, _page

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"
BAD = ("wrong", "rounding-slip", "missing")

ADAM_CATALOGUE = '''
schema = "nnconf.claims/1"

[[example]]
id = "ad"
compute = "adam_example"
inputs = { theta0 = 5.0, lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, grads = [2.0, 1.5, 3.0] }

[[claim]]
id = "ad.m@1"
section = "ad"
kind = "number"
what = "m after step 1"
printed = "0.2"
locate = '- m₁ = ⋯ = **{}**'
value = "ad:m[0]"

[[claim]]
id = "ad.m@2"
section = "ad"
kind = "number"
what = "m after step 2"
printed = "0.33"
locate = '- m₂ = ⋯ = **{}**'
value = "ad:m[1]"
slip = "0.9*{ad.m@1} + 0.1*1.5"

[[claim]]
id = "ad.m_hat@2"
section = "ad"
kind = "number"
what = "m̂ after step 2"
printed = "1.737"
locate = '- m̂₂ = ⋯ = **{}**'
value = "ad:m_hat[1]"
slip = "{ad.m@2}/(1 - 0.9**2)"

[[claim]]
id = "ad.m@3"
section = "ad"
kind = "number"
what = "m after step 3, announced"
locate = '- m₃ = ⋯ = **{}**'
value = "ad:m[2]"
slip = "0.9*{ad.m@2} + 0.1*3.0"
announced = 'Adam (3 Steps)'
precision = 3

[[claim]]
id = "ad.m_hat@3"
section = "ad"
kind = "number"
what = "m̂ after step 3, announced"
locate = '- m̂₃ = ⋯ = **{}**'
value = "ad:m_hat[2]"
slip = "{ad.m@3}/(1 - 0.9**3)"
announced = 'Adam (3 Steps)'
precision = 3

[[exempt]]
section = "ad"
numbers = ["0", "1", "2"]
reason = "the step counter"
'''

ADAM_PAGE = '''# A page

### Adam (3 Steps) `[ad]`
θ₀ = 5.0, η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸; gradients g₁ = 2.0, g₂ = 1.5, g₃ = 3.0.

Step 1 (t = 1, g₁ = 2.0):
- m₁ = 0.9(0) + 0.1(2.0) = **0.2**

Step 2 (t = 2, g₂ = 1.5):
- m₂ = 0.9(0.2) + 0.1(1.5) = **{m2}**
- m̂₂ = {m2}/(1 − 0.81) = **{mh2}**

Result: the moments grow.
'''


def _files(tmp_path, page_text, catalogue_text=CATALOGUE):
    (tmp_path / "claims.toml").write_text(catalogue_text, encoding="utf-8")
    (tmp_path / "page.md").write_text(page_text, encoding="utf-8")
    return catalogue.load(tmp_path / "claims.toml"), Page.read(tmp_path / "page.md")


def _fixed(tmp_path, page_text, catalogue_text=CATALOGUE):
    cat, page = _files(tmp_path, page_text, catalogue_text)
    records = audit.run(cat, page)
    fixed = fix.plan(cat, page, records)
    after = {r["id"]: r for r in audit.run(cat, Page(fixed.text, "fixed.md"))}
    return records, fixed, after


def _no_bad_numbers(after: dict) -> None:
    bad = [(r["id"], r["verdict"]) for r in after.values() if r["kind"] == "number" and r["verdict"] in BAD]
    assert not bad, bad


def test_an_origin_slip_and_what_carried_it_are_corrected_where_they_are_printed(tmp_path):
    # Σ printed 11.312 (an arithmetic slip: exact 11.2125), p₀ = 7.389/11.312 = 0.653 carries it
    records, fixed, after = _fixed(tmp_path, _page(sum_="11.312", p0="0.653"))
    assert {r["id"]: r["verdict"] for r in records}["sm.p0"] == "wrong"
    assert "= **11.213**" in fixed.text and "p₀ = 7.389/11.213 = **0.659**" in fixed.text
    assert "11.312" not in fixed.text and "0.653" not in fixed.text
    kinds = {(c.claim, c.action, c.old, c.new) for c in fixed.changes}
    assert kinds == {("sm.sum", "value", "11.312", "11.213"), ("sm.sum", "operand", "11.312", "11.213"),
                     ("sm.p0", "value", "0.653", "0.659")}
    _no_bad_numbers(after)
    assert after["sm.sum"]["verdict"] == after["sm.p0"]["verdict"] == "confirmed"


def test_a_rounding_slip_is_rounded_correctly_and_the_link_it_came_from_is_then_reported(tmp_path):
    records, fixed, after = _fixed(tmp_path, _page(sum_="11.212", p0="0.659"))
    assert {r["id"]: r["verdict"] for r in records}["sm.sum"] == "rounding-slip"
    assert [(c.line, c.old, c.new) for c in fixed.changes if c.action == "value"] == [(6, "11.212", "11.213")]
    _no_bad_numbers(after)
    # the sum of the printed (rounded) terms is 11.212: the link is now the page's to rephrase
    assert any(r["verdict"] == "inconsistent" and r["line"] == 6 for r in after.values())


def test_the_fix_edits_located_spans_never_the_same_text_elsewhere(tmp_path):
    page = _page(sum_="11.312", p0="0.653")
    page = page.replace("z = [2.0, 1.0, 0.1].", "z = [2.0, 1.0, 0.1]; a reader once wrote 11.312 here.")
    page += "Elsewhere: x = 11.312 + 0 = **11.312**.\n"
    _, fixed, after = _fixed(tmp_path, page)
    lines = fixed.text.splitlines()
    assert "a reader once wrote 11.312 here" in lines[3]  # before the fixed value: not a repeat of it
    assert lines[-1] == "Elsewhere: x = 11.312 + 0 = **11.312**."  # another section
    _no_bad_numbers(after)


def test_prose_claims_are_listed_for_a_human_not_rewritten(tmp_path):
    records, fixed, _ = _fixed(tmp_path, _page(sum_="11.312", p0="0.653"))
    human = {r["id"]: r["verdict"] for r in fixed.for_human}
    assert human.get("loss.harsher") == "false" and "same:cross_entropy" in human
    assert "Cross-entropy penalizes the bad prediction more than MSE does." in fixed.text
    assert not [c for c in fixed.changes if c.claim in human]


def test_an_announced_step_is_inserted_like_its_neighbours_with_its_header(tmp_path):
    records, fixed, after = _fixed(tmp_path, ADAM_PAGE.format(m2="0.33", mh2="1.737"), ADAM_CATALOGUE)
    assert {r["id"]: r["verdict"] for r in records}["ad.m@3"] == "missing"
    block = ("- m̂₂ = 0.33/(1 − 0.81) = **1.737**\n\nStep 3 (t = 3, g₃ = 3.0):\n"
             "- m₃ = 0.9(0.33) + 0.1(3.0) = **0.597**\n- m̂₃ = 0.597/(1 − 0.9³) = **2.203**\n\nResult:")
    assert block in fixed.text, fixed.text
    assert [(c.claim, c.line) for c in fixed.changes] == [("ad.m@3", 11), ("ad.m_hat@3", 11)]
    _no_bad_numbers(after)
    assert after["ad.m@3"]["verdict"] == after["ad.m_hat@3"]["verdict"] == "confirmed"
    # the inserted arithmetic is read back by the link check, and every number is accounted for
    assert not [r for r in after.values() if r["verdict"] in ("inconsistent", "unchecked")]


def test_an_inserted_step_computes_from_the_corrected_values(tmp_path):
    # m₂ printed 0.34 (wrong, exact 0.33 at its two decimals) and m̂₂ = 0.34/0.19 = 1.789 carried
    # from it: both corrected, the operand with them, and the inserted step 3 uses 0.33
    _, fixed, after = _fixed(tmp_path, ADAM_PAGE.format(m2="0.34", mh2="1.789"), ADAM_CATALOGUE)
    assert "- m₂ = 0.9(0.2) + 0.1(1.5) = **0.33**" in fixed.text
    assert "- m̂₂ = 0.33/(1 − 0.81) = **1.737**" in fixed.text  # its repeat as an operand, then its own value
    assert "- m₃ = 0.9(0.33) + 0.1(3.0) = **0.597**" in fixed.text
    _no_bad_numbers(after)


def test_a_missing_step_without_a_slip_is_not_invented(tmp_path):
    cat_text = ADAM_CATALOGUE.replace('slip = "0.9*{ad.m@2} + 0.1*3.0"\n', "")
    _, fixed, _ = _fixed(tmp_path, ADAM_PAGE.format(m2="0.33", mh2="1.737"), cat_text)
    assert [c for c, _ in fixed.not_inserted] == ["ad.m@3"] and "slip" in fixed.not_inserted[0][1]
    assert "m₃" not in fixed.text


def test_slips_are_written_in_the_pages_notation():
    printed = {"a": "0.33", "v": "[−0.038, 0.127]", "t": "4.802", "m": "2.203", "s": "5.085"}
    assert notation.render("0.9*{a} + 0.1*3.0", printed) == "0.9(0.33) + 0.1(3.0)"
    assert notation.render("{a}/(1 - 0.9**3)", printed) == "0.33/(1 − 0.9³)"
    assert notation.render("{t} - 0.1*{m}/(sqrt({s}) + 1e-8)", printed) == "4.802 − 0.1 × 2.203/(√5.085 + 10⁻⁸)"
    assert notation.render("0.3 - 0.5*{v}[0]", printed) == "0.3 − 0.5(−0.038)"
    assert notation.render("[{v}[1]*1.0, {v}[0]*0.5]", printed) == "[0.127 × 1.0, −0.038 × 0.5]"
    with pytest.raises(notation.NotationError):
        notation.render("max({a}, 1)", printed)


# ------------------------------------------------------------------ the command
def _cli(tmp_path, *extra):
    return cli.main(["audit", "--page", str(tmp_path / "page.md"), "--claims", str(tmp_path / "claims.toml"),
                     "--results", "", "--no-progress", *extra])


def test_out_writes_a_corrected_copy_and_leaves_the_page(tmp_path, capsys):
    _files(tmp_path, _page(sum_="11.312", p0="0.653"))
    before = (tmp_path / "page.md").read_bytes()
    code = _cli(tmp_path, "--out", str(tmp_path / "fixed.md"))
    out = capsys.readouterr().out
    assert (tmp_path / "page.md").read_bytes() == before
    assert "**11.213**" in (tmp_path / "fixed.md").read_text(encoding="utf-8")
    assert f"{tmp_path / 'page.md'}:6: sm.sum (wrong): value 11.312 -> 11.213" in out
    assert "left for a human" in out and "false loss.harsher" in out
    assert code == 1  # the fixed page still has a false claim: the gate stays shut
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".nnconf-tmp")]


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path, capsys):
    _files(tmp_path, _page(sum_="11.312", p0="0.653"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _cli(tmp_path, "--diff")
    captured = capsys.readouterr()
    assert captured.out.startswith(f"--- {tmp_path / 'page.md'}\n+++ {tmp_path / 'page.md'}\n@@")
    assert "-- Σ = 7.389 + 2.718 + 1.105 = **11.312**" in captured.out
    assert "+- Σ = 7.389 + 2.718 + 1.105 = **11.213**" in captured.out
    assert "sm.sum (wrong)" in captured.err and "sm.sum" not in captured.out.split("@@", 2)[2].split("\n")[0]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_in_place_is_atomic_and_keeps_the_pages_permissions(tmp_path, capsys):
    _files(tmp_path, _page(sum_="11.312", p0="0.653").replace("\n", "\r\n"))
    page = tmp_path / "page.md"
    os.chmod(page, 0o640)
    link = tmp_path / "link.md"
    link.symlink_to(page)
    _cli(tmp_path, "--in-place")
    assert stat.S_IMODE(page.stat().st_mode) == 0o640
    raw = page.read_bytes()
    assert b"**11.213**" in raw and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    rewrite.write_atomic(link, "through the link\n")  # a link is written through, not replaced
    assert link.is_symlink() and page.read_text() == "through the link\n"


def test_an_interrupted_write_leaves_the_page_whole(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("old\n", encoding="utf-8")

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rewrite.write_atomic(page, "new\n")
    assert page.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["page.md"]


@pytest.mark.parametrize("extra, words", [
    ((), "--out FILE, --in-place, or --diff"),
    (("--in-place", "--diff"), "choose one"),
    (("--format", "sarif", "--diff"), "text or json"),
    (("--out", "{page}"), "use --in-place"),
    (("--out", "{tmp}/no/such/dir/x.md"), "does not exist"),
])
def test_fix_options_are_checked_before_any_work(tmp_path, capsys, extra, words):
    _files(tmp_path, _page())
    extra = [e.format(page=tmp_path / "page.md", tmp=tmp_path) for e in extra]
    assert _cli(tmp_path, "--fix", *extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


# ------------------------------------------------------------------ the real page
def test_the_round_trip_on_a_copy_of_the_real_page(tmp_path, capsys):
    digest = hashlib.sha256(REAL_PAGE.read_bytes()).hexdigest()
    copy = tmp_path / "page.md"
    shutil.copy(REAL_PAGE, copy)
    code = cli.main(["audit", "--page", str(copy), "--in-place", "--results", "", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1  # false prose claims are left for a human
    assert hashlib.sha256(REAL_PAGE.read_bytes()).hexdigest() == digest  # the shared page is never touched
    text = copy.read_text(encoding="utf-8")
    for shown in ("Σ = 7.389 + 2.718 + 1.105 = **11.213**", "softmax([0.179, 0.431]) = **[0.437, 0.563]**",
                  "[0.437 − 1, 0.563 − 0] = **[−0.563, 0.563]**", "**[[−0.370, −0.281], [0.370, 0.281]]**",
                  "[−0.563, 0.563]ᵀ = **[−0.169, 0.507]**", "δ⁽¹⁾ = [−0.169 × 0.225, 0.507 × 0.250]",
                  "- Step 5: ∂L/∂W⁽¹⁾ = ", "= **[[0.319, 0.710], [−0.263, 0.368]]**",
                  "Step 3 (t = 3, g₃ = 3.0):\n- m₃ = 0.9(0.33) + 0.1(3.0) = **0.597**",
                  "- θ₃ = 4.802 − 0.1 × 2.203/(√5.085 + 10⁻⁸) = **4.704**"):
        assert shown in text, shown
    assert "fix: 5 printed values and 10 operands repeating them corrected, 7 missing steps inserted" in out
    cat = catalogue.load()
    after = {r["id"]: r for r in audit.audit(cat, Page.read(copy), audit.Options(results="")).records}
    _no_bad_numbers(after)
    assert all(after[c.id]["verdict"] == "confirmed" for c in cat.claims if c.kind == "number")
    assert not [r for r in after.values() if r["verdict"] in ("unchecked", "stale")]
    assert {r["verdict"] for r in after.values() if r["kind"] not in ("number", "link")} <= {
        "confirmed", "false", "unverifiable", "not-checkable"}
