"""The front door and the docs site: the README stays short and points to the site; the site
has a page per job and topic, and its API pages render reference/ and oracles/."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MAX_README_LINES = 250
PAGES = ("conformance-suite", "tables", "audit", "pitfalls", "mnist", "configuration", "sandbox",
         "cache-and-cluster", "reliability", "performance", "adding-a-quantity", "writing-a-catalogue")


def _nav(entries):
    for e in entries:
        for v in (e.values() if isinstance(e, dict) else [e]):
            yield from (_nav(v) if isinstance(v, list) else [v])


def test_readme_is_short_and_links_the_site():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_README_LINES
    assert "<!-- test-command -->" in text and "reports/conformance-screenshot.png" in text
    for page in PAGES:
        assert f"docs/{page}.md" in text, page
    assert (ROOT / "reports" / "conformance-screenshot.png").is_file()


def test_every_topic_has_a_page_in_the_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = set(_nav(config["nav"]))
    for page in (*PAGES, "index", "api/reference", "api/oracles"):
        assert (ROOT / "docs" / f"{page}.md").is_file() and f"{page}.md" in nav, page
    assert config["strict"] is True


def test_the_api_pages_name_every_module():
    for package in ("reference", "oracles"):
        text = (ROOT / "docs" / "api" / f"{package}.md").read_text(encoding="utf-8")
        public = [p.stem for p in (ROOT / package).glob("*.py") if p.stem != "__init__"]
        if package == "oracles":  # the training, pitfall and MNIST helpers are internal to their callers
            public = [m for m in public if m in ("base", "torch_oracle", "jax_oracle", "sklearn_oracle",
                                                 "jax_example_oracle")]
        for m in public:
            assert f"::: {package}.{m}" in text, m
