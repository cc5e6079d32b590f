"""MNIST: the IDX data with checksums and a cache (:mod:`.data`), the page's 784-128-64-10 MLP
trained in the reference and each framework (:mod:`.experiment`), the seeded runs as jobs
(:mod:`.runs`), the per-epoch overhead (:mod:`.overhead`) and the job ``nnconf mnist``
(:mod:`.job`: run, judge against the page's printed curve, plot)."""
