"""Running the pitfalls catalogue: every row's arms for every seed, then every test's effect,
interval and verdict (page section ``pitfalls``).

Training arms that several rows share (the working configuration is the fixed arm of four
rows) run once per seed. Everything returned is JSON-able and depends only on the catalogue,
the settings (seed list, epochs, subset sizes), the data and the code: the same inputs give
the same section apart from timings (see :func:`cache_key`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from nnconf.pitfalls import frameworks, quantities, stats, training
from nnconf.pitfalls.catalogue import Catalogue, Row, Test

RUNNERS = {"shapes": frameworks.shapes, "integer_labels": frameworks.integer_labels}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What a run depends on besides the catalogue and the data."""

    seeds: tuple
    epochs: int
    train_samples: int
    eval_samples: int
    batch_size: int
    sizes: tuple

    @classmethod
    def from_catalogue(cls, cat: Catalogue, *, seeds: int | None = None, epochs: int | None = None,
                       train_samples: int | None = None, eval_samples: int | None = None) -> Settings:
        s = cat.scale
        return cls(seeds=tuple(range(s["seeds"] if seeds is None else seeds)),
                   epochs=s["epochs"] if epochs is None else epochs,
                   train_samples=s["train_samples"] if train_samples is None else train_samples,
                   eval_samples=s["eval_samples"] if eval_samples is None else eval_samples,
                   batch_size=s["batch_size"], sizes=tuple(s["sizes"]))

    def steps(self) -> int:
        return self.epochs * -(-self.train_samples // self.batch_size)


def _key(arm: dict) -> str:
    return json.dumps(arm, sort_keys=True)


def arm_pairs(row: Row) -> list[tuple[str, str, dict, dict]]:
    """``(setting name, note, mistake arm, fixed arm)``: the row's own setting first."""
    return [("main", "", row.mistake_arm, row.fixed_arm)] + [
        (s.name, s.note, s.mistake_arm, s.fixed_arm) for s in row.settings]


def cache_key(cat: Catalogue, settings: Settings, data_provenance: dict) -> str:
    """SHA-256 over what the section depends on: the catalogue, the settings, the data's
    checksums and the source of this package, the reference and the pitfalls oracles."""
    h = hashlib.sha256()
    h.update(cat.sha256.encode())
    h.update(json.dumps(asdict(settings), sort_keys=True, default=list).encode())
    h.update(json.dumps(data_provenance.get("sha256_uncompressed") or data_provenance,
                        sort_keys=True, default=str).encode())
    root = Path(__file__).resolve().parents[2]
    for pattern in ("nnconf/pitfalls/*.py", "reference/*.py", "oracles/*_pitfalls.py", "nnconf/mnist/experiment.py"):
        for f in sorted(root.glob(pattern)):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def observe(cat: Catalogue, ds, settings: Settings, *, progress=None) -> dict:
    """``{row id: {arm key: {seed: observation}}}`` for every arm of every row and setting."""
    sub = training.subset(ds, train_samples=settings.train_samples, eval_samples=settings.eval_samples)
    kw = dict(sizes=settings.sizes, batch_size=settings.batch_size)
    done: dict[str, dict] = {}  # training arms shared across rows
    out: dict[str, dict] = {}
    for row in cat.rows:
        out[row.id] = {}
        for _, _, *arms in arm_pairs(row):
            for arm in arms:
                key = _key(arm)
                if key in out[row.id]:
                    continue
                if row.experiment == "training":
                    if key not in done:
                        done[key] = {s: training.train(sub, arm, seed=s, epochs=settings.epochs,
                                                       progress=progress, **kw)
                                     for s in settings.seeds}
                    out[row.id][key] = done[key]
                else:
                    out[row.id][key] = {}
                    for s in settings.seeds:
                        out[row.id][key][s] = RUNNERS[row.experiment](sub, arm, seed=s, **kw)
                        if progress:
                            progress(1)
    return out


def work(cat: Catalogue, settings: Settings) -> int:
    """Units of progress :func:`observe` reports: one per training epoch (shared arms once)
    and one per framework arm and seed."""
    training_arms, units = set(), 0
    for row in cat.rows:
        keys = {_key(arm) for _, _, *arms in arm_pairs(row) for arm in arms}
        if row.experiment == "training":
            training_arms |= keys
        else:
            units += len(keys) * len(settings.seeds)
    return units + len(training_arms) * len(settings.seeds) * settings.epochs


def evaluate(test: Test, mistake: dict, fixed: dict, seeds, rule: dict) -> dict:
    """One test on one setting's observations: the effect, its interval and the verdict."""
    m = [quantities.measure(test.quantity, mistake[s], test.params) for s in seeds]
    f = [quantities.measure(test.quantity, fixed[s], test.params) for s in seeds]
    est = stats.estimate(test.effect, m, f, confidence=rule["confidence"])
    out = {"quantity": test.quantity, "label": quantities.QUANTITIES[test.quantity].label,
           "params": test.params, "effect": test.effect, "claim": test.claim,
           "threshold": test.threshold, "estimate": est.estimate, "interval": [est.low, est.high],
           "confidence": rule["confidence"], "seeds": est.seeds, "bound": est.bound,
           "values": list(est.values), "mistake_values": [v.value for v in m],
           "fixed_values": [v.value for v in f],
           "censored": {"mistake": sum(v.bound != "exact" for v in m),
                        "fixed": sum(v.bound != "exact" for v in f)}}
    if test.claim is not None:
        out["verdict"], out["why"] = stats.judge(est, test.claim, test.threshold,
                                                 min_seeds=rule["min_seeds"])
    return out


def missing_frameworks(obs: dict) -> list[str]:
    """The frameworks a framework row could not run (not installed or disabled)."""
    return sorted({c["framework"] for per_seed in obs.values() for o in per_seed.values()
                   for c in o.get("cases", ()) if c["outcome"] == "skipped"})


def judge_row(row: Row, obs: dict, settings: Settings, rule: dict) -> dict:
    """Every setting of the row: its tests (symptom, fix, reported) and the two verdicts. A
    framework row that could not run in every framework is ``unverifiable``: its claim is
    about all of them, and judging the rest would pass it silently."""
    result, missing = [], missing_frameworks(obs)
    for name, note, mistake_arm, fixed_arm in arm_pairs(row):
        mistake, fixed = obs[_key(mistake_arm)], obs[_key(fixed_arm)]
        tests = {part: [evaluate(t, mistake, fixed, settings.seeds, rule) for t in getattr(row, part)]
                 for part in ("symptom", "fix_effect", "report")}
        verdicts = {"symptom": stats.combine([t["verdict"] for t in tests["symptom"]]),
                    "fix": stats.combine([t["verdict"] for t in tests["fix_effect"]])}
        if missing:
            verdicts = dict.fromkeys(verdicts, "unverifiable")
        result.append({"setting": name, "note": note, "mistake_arm": mistake_arm,
                       "fixed_arm": fixed_arm, "tests": tests, **verdicts})
    return {"id": row.id, "experiment": row.experiment, "mistake": row.mistake, "fix": row.fix,
            "missing_frameworks": missing, "settings": result}


def _round(x, digits: int = 5):
    """Figures kept for display rounded to ``digits`` significant digits (the verdicts use
    the unrounded values)."""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    if isinstance(x, dict):
        return {k: _round(v, digits) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_round(v, digits) for v in x]
    return x


def arm_id(experiment: str, arm: dict) -> str:
    """A readable id of an arm, e.g. ``training/bias=True,inputs=scaled,lr=0.1,order=shuffled``."""
    return f"{experiment}/" + ",".join(f"{k}={'+'.join(v) if isinstance(v, list) else v}"
                                       for k, v in sorted(arm.items()))


def _summary(row: Row, obs_by_key: dict, seeds, arms: dict) -> dict:
    """Each of the row's arms once in ``arms`` (shared arms are shared) with what the figures
    and the JSON keep of it: per seed, the loss curve and the final figures (training: no raw
    batch losses), or the calls' outcomes (frameworks: every case of the first seed, then each
    seed's outcomes and relative errors). Returns ``{"<setting>:<role>": arm id}``."""
    roles = {}
    for name, _, mistake_arm, fixed_arm in arm_pairs(row):
        for role, arm in (("mistake", mistake_arm), ("fixed", fixed_arm)):
            roles[f"{name}:{role}"] = aid = arm_id(row.experiment, arm)
            if aid in arms:
                continue
            per_seed = obs_by_key[_key(arm)]
            if row.experiment == "training":
                keep = {str(s): _round({k: v for k, v in per_seed[s].items() if k != "batch_losses"})
                        for s in seeds}
                arms[aid] = {"arm": arm, "seeds": keep}
            else:
                first = per_seed[seeds[0]]
                arms[aid] = {"arm": arm, "seeds": {str(seeds[0]): _round(first)},
                             "outcomes_by_seed": {str(s): [[c["outcome"], _round(c.get("rel_error"))]
                                                           for c in per_seed[s]["cases"]] for s in seeds}}
    return roles


def run(cat: Catalogue, ds, settings: Settings, *, progress=None) -> dict:
    """Observe, judge and summarise every row; the JSON-able results (no records yet):
    ``rows`` (each row's settings, tests and verdicts; its ``arms`` name entries of ``arms``)
    and ``arms`` (each arm once, with its per-seed figures)."""
    started, cpu = time.perf_counter(), time.process_time()
    obs = observe(cat, ds, settings, progress=progress)
    rows, arms = [], {}
    for row in cat.rows:
        judged = judge_row(row, obs[row.id], settings, cat.rule)
        judged["arms"] = _summary(row, obs[row.id], settings.seeds, arms)
        rows.append(judged)
    versions = {}
    for name in frameworks.LOSS_FRAMEWORKS[1:]:
        mod = frameworks.framework(name)
        versions[name] = mod if isinstance(mod, str) else mod.VERSION
    return {"rows": rows, "arms": arms, "frameworks": versions,
            "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}
