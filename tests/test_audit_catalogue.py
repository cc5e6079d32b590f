"""A strict catalogue and checked inputs (issue 11, items 3 and 4, for ``nnconf audit``): every
malformed catalogue is one ``FILE:LINE:`` error and exit 2, with the line from the parsed
document; ``--results`` of another shape, an out-dir report of another schema and the default
``--results`` from another directory are handled before any work."""

import json
import os

import pytest

from nnconf.audit import catalogue
from nnconf.cli import main as cli
from nnconf.mnist import data
from nnconf.report import build as report

from .test_audit_rule import CATALOGUE as FULL
from .test_audit_rule import PAGE

# the rule tests' catalogue with its number claims only: one the loader before issue 11 accepted
# too, so that each case below is one the old loader got wrong (tests/test_audit_catalogue.py at
# the commit before this change fails on all but the prose- and formula-only cases)
CATALOGUE = FULL[:FULL.index('[[claim]]\nid = "loss.harsher"')]
PROSE = FULL[:FULL.index('[[claim]]\nid = "loss.ce.general"')]

TAIL = '''
[[claim]]
id = "sm.last"
section = "sm"
kind = "number"
what = "the last claim"
printed = "1.105"
locate = 'e^0.1 = **{}**'
value = "sm:exp[2]"
'''


def _error(tmp_path, text) -> tuple[str, int]:
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError) as err:
        catalogue.load(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:"), msg
    return msg, int(msg[len(str(path)) + 1:].split(":")[0])


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_a_header_with_a_comment_keeps_its_claim_and_every_line(tmp_path):
    text = CATALOGUE.replace("[[claim]]\nid = \"sm.e1\"", "[[claim]]  # the second exponential\nid = \"sm.e1\"")
    text += TAIL
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    assert [c.id for c in catalogue.load(path).claims][-1] == "sm.last"
    assert len(catalogue.load(path).claims) == CATALOGUE.count("[[claim]]") + 1
    bad = text.replace('what = "the last claim"', 'wat = "the last claim"')
    msg, line = _error(tmp_path, bad)
    assert "unknown field" in msg and line == _line_of(bad, 'wat = "the last claim"'), msg


def test_a_header_inside_a_multiline_string_is_no_header(tmp_path):
    text = CATALOGUE.replace('what = "e^1"', 'what = """e^1, see\n[[claim]]\nbelow"""') + TAIL
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    cat = catalogue.load(path)
    assert cat.by_id()["sm.last"].line == _line_of(text, '[[claim]]\nid = "sm.last"')


def test_an_inline_array_of_claims_is_an_error_with_its_line(tmp_path):
    text = ('schema = "nnconf.claims/1"\n\n'
            'claim = [{ id = "x", section = "s", kind = "prose", what = "w", bogus = 1 }]\n')
    msg, line = _error(tmp_path, text)
    assert line == 3 and "[[claim]]" in msg, msg


def test_an_empty_catalogue_is_an_error(tmp_path):
    msg, line = _error(tmp_path, 'schema = "nnconf.claims/1"\n')
    assert "no [[claim]]" in msg and line == 1


def test_a_table_outside_the_arrays_is_an_error(tmp_path):
    msg, line = _error(tmp_path, CATALOGUE + '\n[claim.extra]\nx = 1\n')
    assert "only [[claim]], [[example]] and [[exempt]]" in msg


@pytest.mark.parametrize("old, new", [
    ('printed = "7.389"', "printed = 7.389"),
    ('what = "e^1"', "what = 1"),
    ('slip = "{sm.e0} + {sm.e1} + {sm.e2}"', 'slip = ["{sm.e0}"]'),
    ("inputs = { z = [2.0, 1.0, 0.1] }", 'inputs = { z = ["a", 1.0, 0.1] }'),
    ("inputs = { z = [2.0, 1.0, 0.1] }", "inputs = { z = [[2.0], [1.0, 0.1]] }"),
    ("locate = 'e^2.0 = **{}**'", "locate = '{} is e^2'"),
])
def test_a_value_of_the_wrong_type_names_its_line(tmp_path, old, new):
    _wrong_type(tmp_path, CATALOGUE, old, new)


@pytest.mark.parametrize("new", ['args = "sum"', 'args = { example = "loss", larger = 3, smaller = "mse_ratio" }',
                                 'args = { example = "loss", bigger = "ce_ratio", smaller = "mse_ratio" }'])
def test_prose_arguments_that_do_not_fit_name_their_line(tmp_path, new):
    _wrong_type(tmp_path, PROSE, 'args = { example = "loss", larger = "ce_ratio", smaller = "mse_ratio" }', new)


def _wrong_type(tmp_path, base, old, new):
    assert old in base
    text = base.replace(old, new, 1)
    msg, line = _error(tmp_path, text)
    first = new.split("\n")[0]
    assert line == _line_of(text, first), (msg, line)
    assert "could not convert" not in msg and "Traceback" not in msg


@pytest.mark.parametrize("old, new", [
    ('sympy = "-(1/N)*sum(log(p[i][c[i]]) for i in range(N))"', 'sympy = "-(1/N)*sum(log(q[i]) for i in range(N))"'),
    ('quantity = "cross_entropy"\n', 'quantity = "entropy"\n'),
])
def test_a_formula_that_cannot_be_judged_names_its_line(tmp_path, old, new):
    text = FULL.replace(old, new, 1)
    msg, line = _error(tmp_path, text)
    assert line == _line_of(text, new.split("\n")[0]), msg


def test_cli_wrong_type_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "claims.toml"  # before: TypeError traceback, exit 1 (read by a CI as "failing claims")
    path.write_text(CATALOGUE.replace('value = "sm:exp[1]"', "value = 5"), encoding="utf-8")
    code = cli.main(["audit", "--claims", str(path), "--no-write", "--results", "", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and f"{path}:" in err[0], err


def _page(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE.format(sum="11.213", p0="0.659", terms="7.389 + 2.718 + 1.106"), encoding="utf-8")
    claims = tmp_path / "claims.toml"
    claims.write_text(CATALOGUE, encoding="utf-8")
    return page, claims


@pytest.mark.parametrize("doc", [[1, 2, 3], {"data_provenance": [1]}, {"mnist": [1]},
                                 {"mnist": {"sweep": [{"epoch_losses": "x"}]}}])
def test_results_of_another_shape_is_one_line_exit_2(tmp_path, capsys, doc):
    page, claims = _page(tmp_path)
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code = cli.main(["audit", "--page", str(page), "--claims", str(claims), "--results", str(bad),
                     "--no-write", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "other.json" in err[0] and "Traceback" not in err[0], err


def test_an_out_dir_report_of_another_schema_is_refused(tmp_path, capsys):
    page, claims = _page(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    theirs = json.dumps({"schema": "someone.else/3", "checks": [{"id": "keep me"}]})
    (out / "conformance.json").write_text(theirs, encoding="utf-8")
    code = cli.main(["audit", "--page", str(page), "--claims", str(claims), "--out-dir", str(out),
                     "--results", "", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "someone.else/3" in err[0] and "refusing" in err[0], err
    assert (out / "conformance.json").read_text(encoding="utf-8") == theirs


def test_the_default_results_are_the_out_dirs_from_another_directory(tmp_path, capsys, monkeypatch):
    page, claims = _page(tmp_path)
    claims.write_text(CATALOGUE + '''
[[claim]]
id = "curve.loss@1"
section = "curve"
kind = "curve"
what = "loss after epoch 1"
printed = "0.5832"
locate = '| 1 | {} |'
epoch = 1
quantity = "loss"
''', encoding="utf-8")
    page.write_text(page.read_text(encoding="utf-8") + "\n### Curve `[curve]`\n| 1 | 0.5832 |\n", encoding="utf-8")
    out = tmp_path / "out"
    cli.main(["audit", "--page", str(page), "--claims", str(claims), "--out-dir", str(out), "--no-progress"])
    doc = json.loads((out / "conformance.json").read_text(encoding="utf-8"))
    assert doc["schema"] == report.SCHEMA
    canonical = {name: sha for name, (sha, _, _) in data.FILES.items()}
    doc["mnist"] = {"dataset": "MNIST", "data_provenance": {"verified": True, "sha256_uncompressed": canonical},
                    "config": {"sizes": [784, 256, 128, 10], "lr": 0.001, "batch_size": 64,
                               "steps_per_epoch": None, "dtype": "float64"},
                    "sweep": [{"seed": s, "epoch_losses": [0.58 + 0.001 * s], "accuracy": [0.9]} for s in range(5)]}
    (out / "conformance.json").write_text(json.dumps(doc), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert not os.path.exists("reports")
    written = []  # the MNIST section above is too thin to render: keep what would be written
    monkeypatch.setattr(report, "write", lambda results, out_dir: written.append(results) or [])
    cli.main(["audit", "--page", str(page), "--claims", str(claims), "--out-dir", str(out), "--no-progress"])
    curve = next(c for c in written[0]["claims"] if c["id"] == "curve.loss@1")
    assert curve["verdict"] == "confirmed" and "conformance.json" in curve["explanation"], curve
