"""The pre-commit hook ``nnconf-audit`` (issue 16, item 4), run through pre-commit itself on a
temporary git repository, the way an author's repository uses it: ``.pre-commit-config.yaml``
names this checkout (a snapshot of its working tree as a local repository: ``repo:`` its path,
``rev:`` its commit) and the hook; ``pre-commit install``; a commit of a page with a wrong
number is refused with the page line; ``nnconf audit --fix --in-place`` then lets it through.

pre-commit builds the hook's own virtual environment with ``pip install .`` (the package's
dependencies, no extras; with uv where pre-commit-uv is installed, as the test extra does, in
about 10 s instead of 40-50 s with pip here): the test checks that torch and JAX are not in it and that the audit
runs there, the claims that need a framework degrading to ``unverifiable`` with the reason."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnconf.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGE = ROOT.parent / "shared" / "page" / "neural-network-basics.md"
SNAPSHOT = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "nnconf", "reference", "oracles"]

pytest.importorskip("pre_commit", reason="pre-commit is in the test extra: pip install -e '.[test]'")


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _snapshot(dest: Path) -> str:
    """This checkout's installable files as they are now (committed or not), committed in a
    repository of their own; returns the commit."""
    files = _git(ROOT, "ls-files", "-co", "--exclude-standard", "--", *SNAPSHOT).splitlines()
    for f in files:
        if (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot")
    return _git(dest, "rev-parse", "HEAD")


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    e = {k: v for k, v in os.environ.items() if not k.startswith(("NNCONF_", "PRE_COMMIT", "GIT_"))}
    e.update(GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@example.invalid", GIT_COMMITTER_NAME="a",
             GIT_COMMITTER_EMAIL="a@example.invalid", PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
             NNCONF_CONFIG="none", HOME=str(home), PYTHONPATH="",
             # uv's cache (pre-commit-uv builds the hook's environment with uv) is the user's own,
             # so only the first run on a machine downloads the wheels
             UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv"))
    e["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), e.get("PATH", "")])
    return e


def test_the_hook_gates_a_commit_and_passes_once_the_page_is_fixed(tmp_path, env):
    hooks = tmp_path / "nnconf-checkout"
    hooks.mkdir()
    rev = _snapshot(hooks)
    repo = tmp_path / "author"
    (repo / "docs").mkdir(parents=True)
    _git(repo, "init", "-q")
    shutil.copy(REAL_PAGE, repo / "docs" / "page.md")
    (repo / "README.md").write_text("# Notes\n\nNothing the catalogue knows: 1 + 1 = 3.\n", encoding="utf-8")
    # the three lines of the README, with the gate on the numbers (prose stays for a human)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks: [{{id: nnconf-audit, args: [--fail-on, "
        f"'wrong,rounding-slip,missing']}}]\n", encoding="utf-8")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install"], cwd=repo, env=env, check=True, capture_output=True)
    _git(repo, "add", "-A")
    first = subprocess.run(["git", "commit", "-m", "the page"], cwd=repo, env=env, capture_output=True, text=True)
    out = first.stdout + first.stderr
    assert first.returncode != 0, out  # refused
    assert "docs/page.md:163: wrong backprop.full.example.y_hat" in out, out
    assert "docs/page.md:188: missing optim.adam.example.m@3" in out
    assert "README.md: skipped (no section of the catalogue" in out
    # the hook's environment: the package's own dependencies, no torch, no JAX; the claims that
    # compare framework defaults say why they cannot be judged
    envs = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*"))
    assert envs, list((tmp_path / "pre-commit-home").iterdir())
    site = [p for e in envs for p in e.glob("lib/python*/site-packages")]
    assert site and (site[0] / "nnconf").is_dir()
    assert not [p for p in site if (p / "torch").exists() or (p / "jax").exists()]
    assert "unverifiable act.leaky_relu.alpha: neither torch nor jax is installed" in out  # outside the gate
    # the author's loop: fix, review, commit
    assert cli.main(["audit", "--page", str(repo / "docs" / "page.md"), "--in-place", "--results", "",
                     "--no-progress"]) == 1  # false prose claims remain, for a human
    _git(repo, "add", "-A")
    second = subprocess.run(["git", "commit", "-m", "the page, fixed"], cwd=repo, env=env, capture_output=True,
                            text=True)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nnconf audit (printed numbers and claims of the page)" in second.stderr + second.stdout
    assert "Passed" in second.stderr + second.stdout
