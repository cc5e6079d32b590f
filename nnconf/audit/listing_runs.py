"""Running the page's listings for the audit: through the results cache, and ahead of time.

Each listing runs at most twice per audit — as ``__main__`` for its output claims, and once
for all its exercise claims (see :mod:`nnconf.audit.listing_claims`). A run is a function of
the listing's code, the exercises asked of it, the sandbox settings and limits, the local
MNIST copy (by checksums) and the installed versions, so :func:`run` keeps it in the results
cache (:mod:`nnconf.run.cache`) under that key: editing the page elsewhere does not run its
listings again. (The page's MNIST listing draws unseeded random numbers: a cached run is one
sample of it, as a fresh run would be.)

:func:`prefetch` computes every run an audit of ``page`` will ask for, so that ``nnconf
report`` can run the listings in a background thread while its checks and trainings run; the
audit then finds them in its context.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import asdict

from nnconf import sandbox
from nnconf.audit import exercises, listings


def _material(code: str, s: sandbox.Settings, mnist: str | None, requests) -> dict:
    from nnconf.mnist import data
    return {"code": hashlib.sha256(code.encode()).hexdigest(), "mode": s.mode,
            "limits": dict(s.limits.__dict__), "exercises": requests,
            "mnist": {n: sha for n, (sha, _, _) in data.FILES.items()} if mnist else None}


def _to_json(r: listings.ListingRun) -> dict:
    d = asdict(r)
    d["files"] = {k: base64.b64encode(v).decode("ascii") for k, v in r.files.items()}
    return d


def _from_json(d: dict) -> listings.ListingRun:
    return listings.ListingRun(**{**d, "files": {k: base64.b64decode(v) for k, v in d["files"].items()}})


def run(opts, code: str, s: sandbox.Settings, mnist: str | None, exercises_: list | None = None) -> listings.ListingRun:
    """The listing's run, from the results cache in ``opts.cache`` when it holds it; runs that
    nnconf stopped (a timeout, a limit) are not kept: the next audit tries again."""
    cache = getattr(opts, "cache", None)

    def compute() -> listings.ListingRun:
        return listings.run(code, settings=s, mnist_dir=mnist, exercises=exercises_)

    if cache is None or s.mode == "off":
        return compute()
    from nnconf.run import cache as cache_mod
    key, material = cache_mod.key("listing-run", **_material(code, s, mnist, exercises_))
    hit = cache.get(key, material)
    if hit is not None:
        return _from_json(hit)
    result = compute()
    if not (result.timed_out or result.killed):
        cache.put(key, material, _to_json(result))
    return result


def requests(cat, listing_id: str) -> tuple[list, dict]:
    """The exercise requests of every exercise claim on listing ``listing_id``, and their inputs
    by claim id."""
    mine = [c for c in cat.claims if c.kind == "listing" and c.listing == listing_id and c.exercise]
    reqs = [{"claim": c.id, "exercise": exercises.DRIVER.get(c.exercise, c.exercise),
             "inputs": exercises.EXERCISES[c.exercise].inputs(cat, c.args)} for c in mine]
    return reqs, {r["claim"]: r["inputs"] for r in reqs}


def planned(cat, page, opts, s: sandbox.Settings) -> list[tuple[tuple, object]]:
    """``[(context key, thunk)]``: the runs the audit's listing claims will ask for."""
    if page is None or s.mode == "off" or (s.mode == "sandbox" and not sandbox.available(s.bwrap).ok):
        return []
    out, seen = [], set()
    for claim in cat.claims:
        if claim.kind != "listing" or not claim.listing:
            continue
        code = page.listings(claim.listing)
        if not code:
            continue
        listing = code[0]
        mnist = listings.mnist_dir(opts.mnist_dir) if "fetch_openml" in listing.code else None
        if claim.exercise:
            key = ("listing-exercises", claim.listing)
            if key not in seen:
                reqs, inputs = requests(cat, claim.listing)
                out.append((key, lambda c=listing.code, m=mnist, r=reqs, i=inputs: (run(opts, c, s, m, r), i)))
        elif not ("fetch_openml" in listing.code and mnist is None):
            key = ("listing-run", claim.listing)
            if key not in seen:
                out.append((key, lambda c=listing.code, m=mnist: run(opts, c, s, m)))
        seen.add(key)
    return out


class Prefetch:
    """The runs of :func:`planned`, in a background thread (a daemon: when nnconf ends, so does
    the thread, and the sandbox dies with its parent). :meth:`result` waits for them."""

    def __init__(self, cat, page, opts, s: sandbox.Settings):
        self._todo = planned(cat, page, opts, s)
        self._done: dict = {}
        self._error: BaseException | None = None
        self.seconds: float | None = None  # wall-clock seconds of the runs, once done
        self._thread = threading.Thread(target=self._work, name="nnconf-listings", daemon=True)
        self._thread.start()

    def _work(self):
        import time
        started = time.perf_counter()
        try:
            for key, thunk in self._todo:
                self._done[key] = thunk()
        except BaseException as exc:  # noqa: BLE001 - the audit runs that listing again, and reports it
            self._error = exc
        finally:
            self.seconds = round(time.perf_counter() - started, 2)

    def result(self) -> dict:
        """The finished runs by context key (those that raised are left to the audit)."""
        self._thread.join()
        return dict(self._done)
