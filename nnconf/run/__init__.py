"""Running work: the pool of jobs (:mod:`.work`, :mod:`.parallel`), the content-addressed cache
(:mod:`.cache`), interrupts and signals (:mod:`.interrupts`), atomic output files and the lock
on an output folder (:mod:`.output`), progress bars (:mod:`.progress`) and the provenance of a
run (:mod:`.provenance`). The bottom layer: it imports nothing else of nnconf."""
