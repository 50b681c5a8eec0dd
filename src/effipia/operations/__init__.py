"""The application layer: one function per thing a user does, shared by the CLI and the web.

Each module holds one kind of operation (``statistics``, ``registry``, ``responses``,
``invitations``, ``territories``, ``demo``…). An operation takes a
:class:`~effipia.store.Store` and plain values (paths, names, numbers), joins the store to the
stages (registry, exchange, analysis, territories…) and returns an
:class:`~effipia.operations.results.OperationResult`: its output (``value``), the non-fatal
``problems`` located in an input, and the ``warnings`` the user must read
(:class:`effipia.results.Warning`). A refused input raises
:class:`~effipia.errors.ValidationFailed` with every problem at once (nothing written); other
errors raise :class:`~effipia.errors.EffipiaError` (French text).

Adapters (``cli/``, ``web/``) parse their input, call one operation, show its result and
warnings, and map errors; they never read or write the store themselves. This package
imports its stages lazily (inside the functions) so that a command pays only for what it uses.
"""

from effipia.operations.results import OperationResult, Warning

__all__ = ["OperationResult", "Warning"]
