"""``nnconf tables`` in the page's own layout (issue 16, item 5): the sigmoid example's tables
with the page's header and row labels and the computed values at the page's precision, the
step lists as step lists (with the steps the page announces), Markdown and LaTeX."""

import re
import shutil
from pathlib import Path

import numpy as np

from nnconf.audit import catalogue
from nnconf.audit.verdicts import fmt
from nnconf.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"


def _tables(markdown: str) -> list[list[list[str]]]:
    """The Markdown tables of a text (a header row, then the rule row): rows of cells."""
    lines, out, i = markdown.splitlines(), [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[-| :]+\|", lines[i + 1]):
            rows, i = [lines[i]], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append([[c.strip() for c in r.strip("|").split("|")] for r in rows])
        else:
            i += 1
    return out


def _section(text: str, section: str) -> str:
    start = text.index(f"`[{section}]`")
    start = text.rindex("\n", 0, start) + 1
    end = text.find("\n#", start)
    return text[start:end + 1 if end >= 0 else len(text)]


def _run(capsys, *args, page=PAGE) -> str:
    assert cli.main(["tables", "--page", str(page), *args]) == 0
    return capsys.readouterr().out


def test_the_sigmoid_example_comes_back_in_the_pages_own_table_layout(capsys):
    out = _run(capsys, "--example", "act.sigmoid.example")
    ours = _tables(out)
    page = _tables(_section(PAGE.read_text(encoding="utf-8"), "act.sigmoid.example"))
    assert len(ours) == len(page) == 2
    for mine, theirs in zip(ours, page, strict=True):
        assert mine[0] == theirs[0]  # the header: x | e⁻ˣ | σ(x) (as printed), x | σ(x) | σ′(x)
        assert [r[0] for r in mine[1:]] == [r[0] for r in theirs[1:]] == ["−2", "0", "0.75", "3"]
    assert ours[0][0] == ["x", "e⁻ˣ", "σ(x) (as printed)"]
    # the computed values, at the page's precision
    x = np.array([-2, 0, 0.75, 3.0])
    sig = 1 / (1 + np.exp(-x))
    assert [r[1] for r in ours[0][1:]] == [fmt(v, "0.000") for v in np.exp(-x)]
    assert [r[2].split(" = ")[1] for r in ours[0][1:]] == [fmt(v, "0.000") for v in sig]
    assert [r[2].split(" = ")[1] for r in ours[1][1:]] == [fmt(v, "0.000") for v in sig * (1 - sig)]
    assert out.startswith("### Worked Example — Sigmoid Activation and Derivative `[act.sigmoid.example]`\n")


def test_a_wrong_printed_value_comes_back_computed(tmp_path, capsys):
    page = tmp_path / "page.md"
    shutil.copy(PAGE, page)
    text = page.read_text(encoding="utf-8").replace("| 0.75 | 0.472 | 1/1.472 = 0.679 |",
                                                     "| 0.75 | 0.482 | 1/1.472 = 0.689 |")
    page.write_text(text, encoding="utf-8")
    rows = _tables(_run(capsys, "--example", "act.sigmoid.example", page=page))[0]
    assert rows[3] == ["0.75", "0.472", "1/1.472 = 0.679"]


def test_step_lists_stay_step_lists_with_the_announced_steps(capsys):
    out = _run(capsys, "--example", "optim.adam.example")
    assert "Step 2 (t = 2, g₂ = 1.5):\n- m₂ = 0.9(0.2) + 0.1(1.5) = **0.33**\n" in out
    assert "Step 3 (t = 3, g₃ = 3.0):\n- m₃ = 0.9(0.33) + 0.1(3.0) = **0.597**\n" in out
    cat = catalogue.load()
    unshown = [c for c in cat.claims if c.section == "optim.adam.example" and c.announced]
    assert unshown and all(f"= **{fmt(v, '0.' + '0' * c.precision)}**" in out
                           for c in unshown for v in [catalogue.value_of(cat, c.value, {})])


def test_latex_has_the_same_columns_and_rows(capsys):
    tex = _run(capsys, "--example", "act.sigmoid.example", "--format", "latex")
    assert r"\subsection*{Worked Example — Sigmoid Activation and Derivative}\label{act.sigmoid.example}" in tex
    assert tex.count(r"\begin{tabular}{lll}") == 2
    assert "x & e⁻ˣ & σ(x) (as printed) \\\\" in tex and "0.75 & 0.472 & 1/1.472 = 0.679 \\\\" in tex
    tex = _run(capsys, "--example", "backprop.full.example", "--format", "latex")
    assert r"\begin{itemize}" in tex and r"\item Step 1: δ⁽²⁾" in tex and r"W⁽²⁾\_new" in tex


def test_the_flat_list_is_still_there(capsys):
    out = _run(capsys, "--example", "act.sigmoid.example", "--layout", "flat")
    assert "| quantity | value |" in out
    assert cli.main(["tables", "--page", str(PAGE), "--layout", "page", "--format", "csv"]) == 2
    assert "CSV is the flat list" in capsys.readouterr().err
