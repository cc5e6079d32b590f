"""nnconf: the harness of the reference-vs-framework conformance suite.

``nnconf.conformance.registry`` holds the one catalogue of checks; the tests (``tests/``), the report
(``nnconf report``) and later the tables and the audit all read it.
"""

__version__ = "0.1.0"
