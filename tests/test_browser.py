"""The HTML report in headless Chromium: it loads with no console errors, every image renders,
and a screenshot is saved. Marked ``browser`` (its own tox env; run by .ci/run after the main
test command): ``python -m pytest -m browser``. Needs Debian's ``chromium``."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from nnconf.cli import main as cli

PAGE = Path(__file__).resolve().parents[2] / "shared" / "page" / "neural-network-basics.md"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"

pytestmark = pytest.mark.browser


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
    return exe


def _open(html: Path, screenshot: Path) -> tuple[str, str]:
    exe = _chromium()
    dom = subprocess.run([exe, *FLAGS, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
                          "--dump-dom", html.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    shot = subprocess.run([exe, *FLAGS, f"--screenshot={screenshot}", "--window-size=1280,2400",
                           "--hide-scrollbars", html.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and screenshot.is_file() and screenshot.stat().st_size > 10_000, shot.stderr[-500:]
    return dom.stdout, dom.stderr


def _body_attrs(dom: str) -> dict:
    m = re.search(r"<body([^>]*)>", dom)
    assert m, "no <body> in the dumped DOM"
    return dict(re.findall(r'(data-[\w-]+)="([^"]*)"', m.group(1)))


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line and re.search(r"Uncaught|Error|Failed to load", line)]


def test_fresh_html_report_renders_in_chromium(tmp_path):
    code = cli.main(["report", "--profile", "ci", "--only", "act.relu*", "--only", "optim.adam*",
                     "--mnist-epochs", "0", "--jobs", "1", "--no-progress", "--page", str(PAGE), "--no-listings",
                     "--out-dir", str(tmp_path)])
    assert code == 0
    html = tmp_path / "conformance.html"
    assert html.is_file() and "http://" not in html.read_text().replace("http://www.w3.org", "")
    dom, stderr = _open(html, SHOTS / "fresh-report.png")
    attrs = _body_attrs(dom)
    assert attrs.get("data-loaded") == "yes", attrs
    assert int(attrs["data-images"]) >= 3 and attrs["data-broken-images"] == "", attrs
    assert attrs["data-errors"] == "" and not _console_errors(stderr), (attrs, _console_errors(stderr))


def test_committed_report_renders_in_chromium():
    html = Path(__file__).resolve().parents[1] / "reports" / "conformance.html"
    assert html.is_file(), "reports/conformance.html is missing: run `nnconf report`"
    dom, stderr = _open(html, SHOTS / "conformance.png")
    attrs = _body_attrs(dom)
    assert attrs.get("data-loaded") == "yes" and attrs["data-broken-images"] == "", attrs
    assert int(attrs["data-images"]) >= 4, attrs  # activations, errors, optimizers, MNIST
    assert attrs["data-errors"] == "" and not _console_errors(stderr)
    doc = json.loads((html.parent / "conformance.json").read_text())
    assert doc["summary"]["pass"] > 0


def test_the_browser_check_catches_a_broken_image_and_a_script_error(tmp_path):
    from nnconf.report.html import PROBE
    page = tmp_path / "broken.html"
    page.write_text(f"<html><head><script>{PROBE}</script></head><body><img alt='broken' "
                    "src='data:image/png;base64,AAAA'><script>undefinedFunction()</script></body></html>")
    dom, stderr = _open_dom_only(page)
    attrs = _body_attrs(dom)
    assert attrs["data-broken-images"] == "broken" and "ReferenceError" in attrs["data-errors"]
    assert _console_errors(stderr)


def _open_dom_only(html: Path) -> tuple[str, str]:
    r = subprocess.run([_chromium(), *FLAGS, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                        "--dump-dom", html.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    return r.stdout, r.stderr
