"""The page readers (issue 21, first part): format detection, the Jekyll/MathJax/SVG reader on
CS231n's "Backpropagation, Intuitions", its displayed LaTeX checked by SymPy, and listings that
cannot run as printed. The page is read as input; the tests name what it prints."""

from pathlib import Path

import pytest

from nnconf.audit import latex, unbound
from nnconf.audit.readers import detect, jekyll

SHARED = Path(__file__).resolve().parents[2] / "shared"
CS231N = SHARED / "pages" / "cs231n" / "optimization-2.md"
FIRST = SHARED / "page" / "neural-network-basics.md"
ROLES = {"green": "value", "red": "gradient"}  # the page's convention (its folder's data)
ENGINE = Path(__file__).resolve().parents[1] / "nnconf" / "audit"

pytestmark = pytest.mark.skipif(not CS231N.is_file(), reason=f"no {CS231N}")


@pytest.fixture(scope="module")
def page():
    return jekyll.read(CS231N.read_text(encoding="utf-8"), roles=ROLES)


def test_formats_are_detected_from_the_content():
    assert detect(CS231N.read_text(encoding="utf-8")) == "jekyll"
    assert detect(FIRST.read_text(encoding="utf-8")) == "nnconf"


def test_sections_come_from_the_pages_anchors(page):
    assert [s.id for s in page.sections][:9] == ["intro", "grad", "backprop", "intuitive", "sigmoid", "staged",
                                                  "patterns", "mat", "summary"]
    assert page.sections[-1].id == "references"  # no anchor: the heading's slug


def test_every_number_has_a_line_column_and_context(page):
    kinds = {n.kind for n in page.numbers}
    assert {"prose", "code", "code-comment", "svg-text", "math"} <= kinds
    lines = CS231N.read_text(encoding="utf-8").splitlines()
    for n in page.numbers:
        assert lines[n.line - 1][n.column - 1:].startswith(n.text), n


def test_svg_values_and_gradients_with_their_wires(page):
    svg = [(n.text, n.role, n.label) for n in page.numbers if n.kind == "svg-text"]
    assert len(svg) == 52
    assert svg[:8] == [("-2", "value", "x"), ("-4", "gradient", "x"), ("5", "value", "y"), ("-4", "gradient", "y"),
                       ("-4", "value", "z"), ("3", "gradient", "z"), ("3", "value", "q"), ("-4", "gradient", "q")]


def test_listing_comments_state_values(page):
    comments = {(n.line, n.text) for n in page.numbers if n.kind == "code-comment"}
    assert {(78, "3"), (79, "-12"), (83, "3"), (84, "-4")} <= comments


def test_a_planted_change_moves_with_its_context():
    text = CS231N.read_text(encoding="utf-8")
    for old, new, kind in (('fill="red">-0.20</text>', 'fill="red">-0.25</text>', "svg-text"),
                           ("# q becomes 3", "# q becomes 4", "code-comment"),
                           ("is -8.00, which is -4.00 x 2.00", "is -8.50, which is -4.00 x 2.00", "prose")):
        changed = jekyll.read(text.replace(old, new, 1), roles=ROLES)
        before = jekyll.read(text, roles=ROLES)
        diff = [(a, b) for a, b in zip(before.numbers, changed.numbers, strict=True) if a.text != b.text]
        assert len(diff) == 1 and diff[0][1].kind == kind, (old, diff)


def test_listings_that_cannot_run_as_printed(page):
    found = {s.id: unbound.section_findings(s.listings) for s in page.sections if s.listings}
    assert found["sigmoid"] == [("math", 173)]
    assert found["staged"] == [("math", 203)]
    assert found["mat"] == [("np", 279)]
    assert found["backprop"] == []


def test_the_sigmoid_derivative_identity_is_proved_and_a_planted_error_is_not(page):
    line, block = page.section("sigmoid").math[-1]
    chains = latex.check_chains(block, line)
    assert any(c.verdict == "proved" and "d\\sigma(x)" in c.latex for c in chains), chains
    wrong = latex.check_chains(block.replace(r"\left( 1 - \sigma(x) \right) \sigma(x)",
                                             r"\left( 1 + \sigma(x) \right) \sigma(x)"), line)
    assert any(c.verdict == "differs" for c in wrong), wrong


def test_the_gates_local_gradients_are_proved(page):
    verdicts = [c.verdict for _, b in page.section("sigmoid").math[1:2] for c in latex.check_chains(b, 0)]
    assert verdicts.count("proved") == 4, verdicts  # 1/x, c + x, e^x, a x


def test_unreadable_latex_is_reported_not_passed():
    assert latex.check_chains(r"f(x) = \mathbb{1}(x >= y) = 1", 1)[0].verdict == "unreadable"


def test_the_new_engine_modules_name_no_section_of_the_page(page):
    ids = {s.id for s in page.sections} - {"summary", "references", "intro"}  # also ordinary words
    for path in [*(ENGINE / "readers").glob("*.py"), ENGINE / "latex.py", ENGINE / "unbound.py"]:
        text = path.read_text(encoding="utf-8")
        assert not [i for i in ids if f'"{i}"' in text or f"'{i}'" in text or f"`{i}`" in text], path
