"""effipia: evaluation of funded partnership networks (campus des métiers et des qualifications).

Pipeline: registry/ingest → store → analysis → report, with the CLI and the web
application as thin adapters on top. See ``docs/architecture.md``.
"""

__version__ = "0.1.0"
