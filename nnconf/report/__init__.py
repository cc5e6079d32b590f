"""The conformance report: one results model (:mod:`.results`, :mod:`.coverage`), one
document of sections built from it (:mod:`.document`, :mod:`.sections`), rendered by the
Jinja2 templates to Markdown and HTML (:mod:`.markdown`, :mod:`.html`), its figures
(:mod:`.figures`), the run of every registry row (:mod:`.build`) and the mutation score
(:mod:`.mutation`). The JSON schema of ``conformance.json`` is in ``schemas/``."""
