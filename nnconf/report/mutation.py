"""The mutation score of ``reference/`` (mutmut), as data for the report.

``tox -e mutation`` runs mutmut, then ``python -m nnconf.report.mutation`` reads mutmut's statistics
(``mutants/mutmut-cicd-stats.json``, written by ``mutmut export-cicd-stats``) and its list of
survivors (``mutmut results``), joins each survivor with its explanation from
``mutation-survivors.toml`` (beside ``pyproject.toml``: ``[survivors] "name" = "why it is
equivalent"``), and writes ``reports/mutation.json``; ``nnconf report`` includes that file, and an
existing report is re-rendered from its JSON with the new section (no checks re-run).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from nnconf.run.output import finite, write_atomic

EXPLANATIONS = Path("mutation-survivors.toml")


def _selection(root: Path) -> list[str]:
    """The test files mutmut runs (``[tool.mutmut] pytest_add_cli_args_test_selection``)."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return config.get("tool", {}).get("mutmut", {}).get("pytest_add_cli_args_test_selection", [])


def collect(root: Path = Path(".")) -> dict:
    stats = json.loads((root / "mutants" / "mutmut-cicd-stats.json").read_text(encoding="utf-8"))
    out = subprocess.run([sys.executable, "-m", "mutmut", "results"], cwd=root, capture_output=True, text=True)
    names = re.findall(r"^\s*([\w.]+): survived$", out.stdout, re.M)
    why = {}
    if (root / EXPLANATIONS).is_file():
        why = tomllib.loads((root / EXPLANATIONS).read_text(encoding="utf-8")).get("survivors", {})
    judged = stats["killed"] + stats["survived"] + stats.get("timeout", 0)
    return {"tool": "mutmut", "source": "reference/",
            "tests": ", ".join(_selection(root)) + (" (mutation profile; JAX rows off: XLA does not survive "
                                                    "mutmut's fork)"),
            "killed": stats["killed"], "survived": stats["survived"], "total": stats["total"],
            "timeout": stats.get("timeout", 0), "no_tests": stats.get("no_tests", 0),
            "score": (stats["killed"] + stats.get("timeout", 0)) / judged if judged else None,
            "survivors": [{"name": n, "explanation": why.get(n)} for n in names],
            "explained": sum(n in why for n in names)}


def refresh_report(data: dict, out_dir: Path = Path("reports")) -> bool:
    """Put the mutation section into an existing report (JSON, Markdown, HTML) without
    re-running its checks: the report is re-rendered from its own JSON."""
    from nnconf.report import build as report
    from nnconf.report import results
    path = out_dir / "conformance.json"
    if not path.is_file():
        return False
    doc = results.update(json.loads(path.read_text(encoding="utf-8")), mutation=data)
    report.write(doc, out_dir)
    return True


def main() -> int:
    data = collect()
    write_atomic(Path("reports") / "mutation.json", json.dumps(finite(data), indent=1) + "\n")
    print(f"mutation score {data['score']:.1%}: {data['killed']} killed, {data['survived']} survived "
          f"({data['explained']} explained) of {data['total']}; wrote reports/mutation.json")
    if refresh_report(data):
        print("updated the mutation section of reports/conformance.{json,md,html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
