"""The MNIST run the audit's curve claims are judged by: this report's own, a report given by
``--results`` (checked for shape before any work: another shape is one error line), or a
sweep run here with ``--train``."""

from __future__ import annotations

import json
from pathlib import Path


class ResultsError(ValueError):
    """``--results`` names a JSON document of another shape (one line, names the file)."""


def _num(v):
    return isinstance(v, int | float) and not isinstance(v, bool)


def _numbers(v):
    return isinstance(v, list) and all(_num(x) for x in v)


def shape_problem(doc) -> str | None:
    """Why ``doc`` is not a report (or an MNIST section) the audit can read, or None. Fields
    that are absent make the run unusable, not malformed (the audit then says why)."""
    if not isinstance(doc, dict):
        return f"a JSON object was expected, found {type(doc).__name__}"
    section = doc.get("mnist", doc)
    if not isinstance(section, dict):
        return f"'mnist' must be an object, found {type(section).__name__}"
    checks = {
        "dataset": lambda v: isinstance(v, str),
        "data_provenance": lambda v: isinstance(v, dict) and isinstance(v.get("sha256_uncompressed", {}), dict),
        "config": lambda v: isinstance(v, dict) and _numbers(v.get("sizes", []))
        and all(v.get(k) is None or _num(v[k]) for k in ("lr", "batch_size", "steps_per_epoch"))
        and isinstance(v.get("dtype", ""), str),
        "sweep": lambda v: isinstance(v, list) and all(
            isinstance(s, dict) and _numbers(s.get("epoch_losses", [])) and _numbers(s.get("accuracy", []))
            for s in v),
        "agreement": lambda v: isinstance(v, dict) and all(isinstance(a, dict) for a in v.values()),
    }
    for key, ok in checks.items():
        if key in section and not ok(section[key]):
            return f"'{key}' has another shape than nnconf's MNIST section ({json.dumps(section[key])[:80]})"
    return None


def read(path) -> dict | None:
    """The document at ``path`` (None when there is no such file); ResultsError on another shape."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"--results {path}: not readable JSON ({exc})") from None
    problem = shape_problem(doc)
    if problem:
        raise ResultsError(f"--results {path}: {problem}")
    return doc


def reusable(section: dict) -> str | None:
    """Why a report's MNIST section cannot be reused for the page's claims (None if it can)."""
    from nnconf.mnist import data
    from nnconf.mnist import experiment as mnist
    if section.get("dataset") != "MNIST":
        return f"dataset is {section.get('dataset')!r}, not MNIST"
    prov = section.get("data_provenance", {})
    canonical = {name: sha for name, (sha, _, _) in data.FILES.items()}
    if not prov.get("verified") or prov.get("sha256_uncompressed") != canonical:
        return "its data checksums are not the canonical MNIST ones"
    cfg = section.get("config", {})
    config = mnist.Config(sizes=tuple(cfg.get("sizes", ())), lr=cfg.get("lr"),
                          batch_size=cfg.get("batch_size"), steps_per_epoch=cfg.get("steps_per_epoch"))
    if not mnist.is_page_configuration(config) or cfg.get("dtype") != "float64":
        return f"its configuration {cfg} is not the page's (784-256-128-10, lr 0.001, batch 64, float64)"
    if len(section.get("sweep", [])) < mnist.MIN_SEEDS:
        return f"it has {len(section.get('sweep', []))} seeds, the rule needs {mnist.MIN_SEEDS}"
    return None


def find(opts):
    """``(section or False, note)``: the MNIST run to judge the curve claims by, and where it
    came from or why there is none."""
    tried = []
    if opts.mnist_section is not None:
        why = reusable(opts.mnist_section)
        if why is None:
            return opts.mnist_section, "the MNIST run of this report"
        tried.append(f"this report's MNIST run: {why}")
    if opts.results:
        doc = read(opts.results)
        if doc is None:
            tried.append(f"{opts.results}: no such file")
        else:
            section = doc.get("mnist", doc)
            why = reusable(section)
            if why is None:
                return section, f"reused the MNIST run of {opts.results}"
            tried.append(f"{opts.results}: {why}")
    if opts.train:
        from types import SimpleNamespace

        from nnconf.mnist import job as mnist_report
        section = mnist_report.run(SimpleNamespace(
            mnist_dir=opts.mnist_dir, offline=True, digits=False, lr=0.001, batch_size=64,
            steps_per_epoch=None, framework=["reference", "torch"], no_progress=opts.progress is None,
            page=None, epochs=20, seed=list(range(opts.seeds)), dtype="float64"))
        why = reusable(section)
        if why is None:
            return section, f"ran the seed sweep ({opts.seeds} seeds, 20 epochs)"
        tried.append(f"the run made here: {why}")
    return False, ("no MNIST results for the page's configuration: " + "; ".join(tried or ["none given"])
                   + " (run `nnconf report`, or `nnconf audit --train`)")
