"""The Markdown renderer: ``reports/conformance.md``, the template ``templates/report.md.j2``
over the sections that :mod:`nnconf.report.sections` builds from the results document; it
computes nothing."""

from __future__ import annotations

from nnconf.report import sections as report_sections
from nnconf.report.document import Section
from nnconf.report.render import TITLE, environment


def render_sections(sections: list[Section]) -> str:
    text = environment("md").get_template("report.md.j2").render(title=TITLE, sections=sections)
    return text.rstrip("\n") + "\n"  # every block ends with a blank line; the file, with one newline


def render(doc: dict) -> str:
    return render_sections(report_sections.build(doc))
