"""Verdicts on the page's listing claims: what a listing prints, writes, or does when what it
defines is called.

A listing runs only in the sandbox (``nnconf.sandbox``; ``--unsafe-listings`` runs it without
one, and the report says so). Where it cannot run (``--no-listings``, no working bubblewrap,
no local MNIST copy for the MNIST listing) its claims are ``unverifiable`` with the reason; a
printed value the reference contradicts stays ``wrong`` whether the listing ran or not. A
run that nnconf stopped (the timeout, a limit) is ``unverifiable`` with the limit to raise; a
listing that fails on its own is ``false``. Each listing runs at most twice per audit: once
as ``__main__`` for its output claims, once for all its exercise claims.
"""

from __future__ import annotations

import ast

import numpy as np

from nnconf import sandbox
from nnconf.audit import carry, exercises, listing_runs, listings
from nnconf.audit import catalogue as C
from nnconf.audit.page import numbers
from nnconf.mnist.job import EXPECTED_LINE


def settings(opts) -> sandbox.Settings:
    """The audit options' listing settings (``opts.listings``, else from ``run_listings`` and
    ``listing_timeout``)."""
    s = getattr(opts, "listings", None)
    if s is not None:
        return s
    return sandbox.Settings(mode="sandbox" if opts.run_listings else "off",
                            limits=sandbox.Limits(timeout_s=opts.listing_timeout))


def _shown(value) -> str:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return "[" + ", ".join(_shown(v) for v in arr) + "]"


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def defined_names(code: str) -> list[str]:
    """The functions and classes a listing defines at its top level."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, _DEFS)]


def uncalled_names(code: str) -> list[str]:
    """What the listing defines and its own top-level code (``__main__`` block included) never
    names: running it as printed does not exercise these."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    used = {n.id for stmt in tree.body if not isinstance(stmt, _DEFS)
            for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    return [name for name in defined_names(code) if name not in used]


def _not_run(rec: dict, why: str) -> dict:
    """Not run: unverifiable, unless the reference already contradicts the printed value."""
    if rec and rec["verdict"] != "confirmed":
        return {**rec, "explanation": f"{rec['explanation']}; the listing was not run ({why})"}
    extra = f"; {rec['explanation']}" if rec else ""
    return {**rec, "verdict": "unverifiable", "explanation": f"the listing was not run: {why}{extra}"}


def _stopped(run: listings.ListingRun) -> str | None:
    """Why nnconf, not the listing, ended the run (None when the listing ended on its own)."""
    if run.killed:
        hint = " (--listing-timeout)" if run.timed_out else " (the limits: see --help)"
        return f"nnconf stopped it: {run.killed}{hint}"
    if run.signal in listings.LIMIT_SIGNALS:
        return f"it was ended by {run.signal}: {listings.LIMIT_SIGNALS[run.signal]}"
    last = (run.stderr.strip().splitlines() or [""])[-1]
    if run.returncode and last.startswith("MemoryError"):
        return "it ran out of address space (--listing-address-space)"
    return None


def judge(ctx, claim: C.Claim, page, printed: str | None) -> dict:
    """The verdict fields of a listing claim's record."""
    rec = {}
    if claim.value:
        value = C.value_of(ctx.cat, claim.value, ctx.cache)
        v = carry.judge(printed, value)
        rec = {"computed": _shown(value), "verdict": v.verdict, "explanation": f"by the reference: {v.explanation}"}
    s = settings(ctx.opts)
    if s.mode == "off":
        return _not_run(rec, "listings are off (--no-listings)")
    code = page.listings(claim.listing) if page is not None else []
    if not code:
        return {"verdict": "stale" if page is not None else "unverifiable",
                "explanation": f"no python listing found in section [{claim.listing}]"
                               + ("" if page is not None else " (no --page given)")}
    if s.mode == "sandbox":
        found = sandbox.available(s.bwrap)
        if not found.ok:
            return _not_run(rec, f"{found.reason}; --unsafe-listings runs it without a sandbox")
    listing = code[0]
    mnist = listings.mnist_dir(ctx.opts.mnist_dir) if "fetch_openml" in listing.code else None
    if claim.exercise:
        return _exercise(ctx, claim, listing, s, mnist)
    if "fetch_openml" in listing.code and mnist is None:
        return _not_run(rec, "it loads MNIST with fetch_openml and the sandbox has no network; give "
                             "--mnist-dir (or $NNCONF_MNIST_DIR) to redirect its loader to a local copy")
    key = ("listing-run", claim.listing)
    if key not in ctx.cache:
        ctx.cache[key] = listing_runs.run(ctx.opts, listing.code, s, mnist)
    run = ctx.cache[key]
    ran = f"ran the listing (page line {listing.line}; {listings.describe(run)})"
    if mnist:
        ran += f"; fetch_openml redirected to the local MNIST copy {mnist}"
    out = {"listing_run": listings.record(run)}
    stopped = _stopped(run)
    if stopped:
        return {**rec, **out, "verdict": "unverifiable", "explanation": f"{ran}; {stopped}"}
    if run.returncode != 0:
        return {**rec, **out, "verdict": "false", "explanation": f"{ran}; the listing fails"}
    if claim.produces:
        return {**out, **_produces(claim, run, ran)}
    if claim.expected_block:
        return {**out, **_expected_block(listing, run, ran)}
    if printed is not None:
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        same = numbers(last) == numbers(printed) and last.strip() == printed.strip()
        verdict = "confirmed" if same and rec.get("verdict", "confirmed") == "confirmed" else (
            rec["verdict"] if same else "wrong")
        return {**out, "computed": listings.printable(last, 300), "verdict": verdict,
                "explanation": f"{ran}; it prints {listings.printable(last, 300)!r}, the page claims "
                               f"{printed!r}" + (f"; {rec['explanation']}" if rec else "")}
    names = uncalled_names(listing.code)
    if names:
        callers = [c.id for c in ctx.cat.claims if c.listing == claim.listing and c.exercise]
        if not callers:
            return {**out, "computed": "ran", "verdict": "unverifiable",
                    "explanation": f"{ran}; it defines {', '.join(names)} and running it calls none "
                                   "of them; no exercise claim calls them, so they are not shown to work"}
        return {**out, "computed": "ran", "verdict": "confirmed",
                "explanation": f"{ran}; what it defines is called by {', '.join(callers)}"}
    return {**out, "computed": "ran", "verdict": "confirmed", "explanation": ran}


def _produces(claim, run, ran: str) -> dict:
    name, dpi = claim.produces["file"], claim.produces.get("dpi")
    blob = run.files.get(name)
    found = listings.png_dpi(blob) if blob and dpi else None
    ok = blob is not None and (dpi is None or (found is not None and abs(found - dpi) < 0.5))
    return {"computed": f"{name}: {'written' if blob else 'absent'}" + (f", {found:.0f} dpi" if found else ""),
            "verdict": "confirmed" if ok else "false",
            "explanation": f"{ran}; {name} {'written' if blob else 'not written'}"
                           + (f" at {found:.1f} dpi (claimed {dpi})" if found else "")}


def _expected_block(listing, run, ran: str) -> dict:
    claimed = {int(m.group(1)): (m.group(2), m.group(3)) for m in EXPECTED_LINE.finditer(listing.after)}
    got = {int(m.group(1)): (m.group(2), m.group(3)) for m in EXPECTED_LINE.finditer(run.stdout)}
    if not claimed:
        return {"verdict": "stale", "explanation": f"{ran}; no 'Expected output' lines after the listing"}
    shown = "; ".join(f"epoch {e}: {v[0]} / {v[1]}" for e, v in sorted(claimed.items()))
    diffs = [f"epoch {e}: printed {c[0]} / {c[1]}, ran {got[e][0]} / {got[e][1]}" if e in got
             else f"epoch {e}: printed {c[0]} / {c[1]}, the run printed no such line"
             for e, c in sorted(claimed.items()) if got.get(e) != c]
    verdict = "confirmed" if not diffs else "not-reproduced"
    return {"computed": "; ".join(f"epoch {e}: {v[0]} / {v[1]}" for e, v in sorted(got.items())
                                  if e in claimed),
            "verdict": verdict, "printed": shown,
            "explanation": f"{ran} (no seed: one more run of the experiment); "
                           + ("every printed line reproduced" if not diffs else "; ".join(diffs))}


def _exercise(ctx, claim, listing, s: sandbox.Settings, mnist: str | None) -> dict:
    key = ("listing-exercises", claim.listing)
    if key not in ctx.cache:
        requests, inputs = listing_runs.requests(ctx.cat, claim.listing)
        ctx.cache[key] = (listing_runs.run(ctx.opts, listing.code, s, mnist, requests), inputs)
    run, inputs = ctx.cache[key]
    ran = f"called {exercises.EXERCISES[claim.exercise].does} of the listing (page line {listing.line}; " \
          f"{listings.describe(run)})"
    out = {"listing_run": listings.record(run)}
    outcome = (run.exercises or {}).get(claim.id)
    if outcome is None:
        stopped = _stopped(run)
        if stopped or run.returncode == 0:
            return {**out, "verdict": "unverifiable", "explanation": f"{ran}; "
                    + (stopped or "the exercise recorded no result")}
        return {**out, "verdict": "false", "explanation": f"{ran}; it fails before the call is made"}
    computed, verdict, why = exercises.judge(claim.exercise, outcome, inputs[claim.id])
    return {**out, "computed": computed, "verdict": verdict, "explanation": f"{ran}: {why}"}


def section(records: list[dict], opts) -> dict:
    """The audit section's listing fields: whether listings ran sandboxed, unsafe or not at all,
    and why not."""
    s = settings(opts)
    ran = [r["listing_run"] for r in records if r.get("listing_run")]
    modes = {r.get("mode") for r in ran}
    info = {"limits": {k: v for k, v in s.limits.__dict__.items()}}
    if ran:
        info["mode"] = "unsafe" if "unsafe" in modes else "sandboxed"
        if info["mode"] == "sandboxed":
            info["sandbox"] = sandbox.available(s.bwrap).reason
    else:
        info["mode"] = "not run"
        if s.mode == "off":
            info["why"] = "--no-listings"
        elif not any(r.get("kind") == "listing" for r in records):
            info["why"] = "no listing claims"
        elif s.mode == "sandbox" and not sandbox.available(s.bwrap).ok:
            info["why"] = sandbox.available(s.bwrap).reason
        else:
            info["why"] = "no listing could run (see the listing claims)"
    note = ""
    if any(r.get("redirected_loader") for r in ran):
        note = "the MNIST listing's fetch_openml was redirected to the local MNIST copy " \
               f"{listings.mnist_dir(opts.mnist_dir)}"
    return {"run_listings": bool(ran), "listings": info, "listing_note": note}


def summary_line(audit: dict) -> str:
    """How the page's listings ran, for the report's summary: "ran sandboxed (…)", "ran UNSAFE …"
    or "not run: why"."""
    info = audit.get("listings")
    if not info:
        return "ran" if audit.get("run_listings") else "not run"
    if info["mode"] == "sandboxed":
        return f"ran sandboxed ({info.get('sandbox', 'bubblewrap')}; no network, read-only system)"
    if info["mode"] == "unsafe":
        return "ran UNSAFE, without a sandbox (--unsafe-listings): with the network and your files"
    return f"not run: {info.get('why', '')}"
