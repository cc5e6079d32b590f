"""Shared by the sandbox tests: a page and catalogue of listings, and finding processes by a marker."""

import os
from pathlib import Path


def page_and_catalogue(tmp: Path, codes: dict[str, str]) -> tuple[Path, Path]:
    page = ["# Hostile page", ""]
    claims = ['schema = "nnconf.claims/1"', ""]
    for name, code in codes.items():
        page += [f"### {name} `[h.{name}]`", "", f"The {name} listing.", "", "```python", code.strip("\n"), "```", ""]
        claims += ["[[claim]]", f'id = "h.{name}"', f'section = "h.{name}"', 'kind = "listing"',
                   f'what = "the {name} listing runs"', f'listing = "h.{name}"', f"locate = 'The {name} listing.'",
                   ""]
    (tmp / "page.md").write_text("\n".join(page), encoding="utf-8")
    (tmp / "claims.toml").write_text("\n".join(claims), encoding="utf-8")
    return tmp / "page.md", tmp / "claims.toml"


def processes_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z":
            found.append(f"{pid}: {cmd}")
    return found
