"""The page's "Common Pitfalls" table (section ``pitfalls``) as controlled experiments.

Each row — a mistake, its symptom, its fix — becomes two claims (``pitfalls.<row>.symptom``,
``pitfalls.<row>.fix``) judged by a rule written in ``catalogue.toml``: an effect measured
over seeds with a confidence interval, against a threshold. Modules:

- :mod:`.catalogue` (+ :mod:`.tomlpos`): the strict catalogue loader;
- :mod:`.training`: one training arm in the NumPy reference;
- :mod:`.frameworks`: the shapes and integer-label rows in the reference, torch, JAX/optax and
  scikit-learn (framework code in ``oracles/*_pitfalls.py``);
- :mod:`.quantities`: the symptoms as measurable quantities; :mod:`.stats`: effects,
  intervals, verdicts;
- :mod:`.experiments`: running and judging; :mod:`.records`: the audit-shaped records;
- :mod:`.figures`: one panel per row; :mod:`nnconf.cli.pitfalls`: ``nnconf pitfalls`` and
  its ``for_report``.
"""
