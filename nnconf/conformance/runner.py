"""Runs one registry row with hypothesis and returns its result record.

The same function serves the tests (which assert on the status) and the report (which
writes the record): the checks are defined once and run one way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import hypothesis
import numpy as np
from hypothesis import example, given

import oracles
from nnconf.conformance import profiles
from nnconf.conformance.records import Convention, Property, Row
from nnconf.conformance.strategies import flush_subnormals
from nnconf.conformance.tolerance import Errors, ShapeMismatch, measure


@dataclass
class _Tally:
    examples: int = 0
    against_page: Errors | None = None
    against_match: Errors | None = None
    page_shape_note: str = ""
    worst_page_case: object = None
    failing_case: object = None
    failure: str = ""


def describe(case, index: tuple, got) -> str:
    """The input at the element where the error is largest, or the whole case if the output
    does not correspond to the inputs element by element."""
    x = np.asarray(case.args[0])
    if index and x.shape == np.shape(got):
        parts = [f"{name} = {float(np.asarray(a)[index])!r}" for name, a in
                 zip(("x", "y"), case.args, strict=False)]
        if case.cotangent is not None:
            parts.append("cotangent row " + repr(np.asarray(case.cotangent)[index[:-1]]))
        return ", ".join(parts)
    return f"output index {index} of {case!r}" if index else repr(case)


def _evaluate(row: Row, case) -> object:
    oracle = oracles.get(row.oracle)
    settings = {**(case.kwargs or {}), **row.variant.settings}
    if row.check.kind == "value":
        return oracle.value(row.check.op, case.args, **settings)
    return oracle.grad(row.check.op, case.args, case.cotangent, **settings)


def _body(row: Row, tally: _Tally):
    check, variant = row.check, row.variant
    tol = check.tolerance

    def body(case):
        tally.examples += 1
        got = _evaluate(row, case)
        x = case.args[0]
        try:
            err_page = measure(got, check.compute_reference(case), tol, x)
        except ShapeMismatch as exc:
            if not isinstance(variant, Convention):
                tally.failing_case, tally.failure = case, f"{exc}"
                raise AssertionError(str(exc)) from None
            err_page, tally.page_shape_note = None, f"{exc}"
        if err_page is not None:
            if tally.against_page is None or err_page.margin > tally.against_page.margin:
                tally.worst_page_case = describe(case, err_page.worst_index, got)
            tally.against_page = err_page.merge(tally.against_page)
        if isinstance(variant, Convention):
            matched_case = flush_subnormals(case) if variant.flush_subnormals else case
            want = check.compute_reference(matched_case, **variant.matches)
            err = measure(got, want * variant.scale, variant.tolerance or tol, x)
            tally.against_match = err.merge(tally.against_match)
        else:
            err = err_page
        if err.margin > 1.0:
            tally.failing_case = case
            tally.failure = (f"|Δ| = {err.max_abs:.3e} at index {err.worst_index} exceeds the "
                             f"tolerance ({err.margin:.3g}× the allowed error)")
            raise AssertionError(tally.failure)

    return body


def _skipped(row: Row, reason: str) -> dict:
    return _record(row, "skipped", None, None, 0, reason)


def _record(row, status, main: Errors | None, matched: Errors | None, examples, note,
            **extra) -> dict:
    v = row.variant
    rec = {
        "id": row.check.id,
        "section": row.check.section,
        "oracle": row.oracle,
        "variant": v.label,
        "kind": getattr(row.check, "kind", "property"),
        "status": status,
        "max_abs_err": None if main is None else main.max_abs,
        "max_rel_err": None if main is None else main.max_rel,
        "margin": None if main is None else main.margin,
        "tolerance": getattr(row.check, "tolerance", None) and row.check.tolerance.as_dict(),
        "examples": examples,
        "settings": dict(v.settings),
        "reference": ", ".join(row.check.uses()),
        "reference_settings": dict(getattr(row.check, "reference_settings", {})),
        "note": note,
    }
    if isinstance(v, Convention):
        rec["matches"] = {"reference_settings": {**row.check.reference_settings, **v.matches},
                          "scale": v.scale,
                          "tolerance": (v.tolerance or row.check.tolerance).as_dict(),
                          "max_abs_err": None if matched is None else matched.max_abs,
                          "margin": None if matched is None else matched.margin}
    rec.update(extra)
    return rec


def _run_property(row: Row, profile: str, seed: int | None) -> dict:
    prop = row.check
    if prop.oracle != "reference":
        ok, reason = oracles.available(prop.oracle) if prop.oracle in oracles.ORACLE_NAMES \
            else (True, "")
        if not ok:
            return _record(row, "skipped", None, None, 0, reason)
    started = time.perf_counter()
    try:
        out = prop.run(profile, seed)
    except Exception as exc:  # a property that raises has failed; the record says how
        return _record(row, "fail", None, None, 0, f"{type(exc).__name__}: {exc}",
                       seconds=round(time.perf_counter() - started, 3))
    rec = _record(row, out.status, None, None, out.examples, out.note,
                  figures=out.figures, seconds=round(time.perf_counter() - started, 3))
    rec["max_abs_err"] = out.max_abs_err
    rec["tolerance"] = None if out.tolerance is None else out.tolerance.as_dict()
    return rec


def run_row(row: Row, profile: str = "ci", seed: int | None = None) -> dict:
    """Run ``row`` under the hypothesis ``profile``; return its result record."""
    if isinstance(row.check, Property):
        return _run_property(row, profile, seed)
    try:
        oracle = oracles.get(row.oracle)
    except oracles.OracleUnavailable as exc:
        return _skipped(row, str(exc))
    if not oracle.supports(row.check.op, row.check.kind):
        return _skipped(row, f"{row.oracle} has no {row.check.kind} for {row.check.op!r}")

    tally = _Tally()
    test = given(row.check.inputs())(_body(row, tally))
    for case in reversed(row.check.examples):
        test = example(case)(test)
    test = profiles.settings_for(profile, row.check.max_examples)(test)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    started = time.perf_counter()
    failed = False
    try:
        test()
    except AssertionError:
        failed = True
    except Exception as exc:  # the oracle raised: that is a failure of this row, recorded
        failed = True
        tally.failure = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started

    variant = row.variant
    if isinstance(variant, Convention):
        differs = tally.page_shape_note or (tally.against_page is not None
                                            and tally.against_page.margin > 1.0)
        status = "fail" if failed else ("convention" if differs else "pass")
        if failed:
            note = (f"does not match the stated convention {variant.matches}: {tally.failure}; "
                    f"input {tally.failing_case!r}")
        elif differs:
            where = tally.page_shape_note or f"largest at {tally.worst_page_case}"
            note = f"{variant.note} Differs from the page: {where}."
        else:
            note = f"{variant.note} Agrees with the page on every tested input."
        return _record(row, status, tally.against_page, tally.against_match, tally.examples,
                       note, seconds=round(seconds, 3))
    note = variant.note
    if failed:
        note = f"{tally.failure}; input {tally.failing_case!r}".strip()
    return _record(row, "fail" if failed else "pass", tally.against_page, None,
                   tally.examples, note, seconds=round(seconds, 3))
