"""Missing services: skipped on a developer machine, failed in CI.

Lives here rather than in ``tests/conftest.py`` so that test modules can import it
(``from utils.services import require_service``) without picking up another folder's
``conftest`` module by name.
"""

from __future__ import annotations

import os

import pytest


def require_service(reason: str) -> None:
    """Skip (developer machine) or fail (CI, ``EFFIPIA_REQUIRE_SERVICES=1``) because a service is missing."""
    if os.environ.get("EFFIPIA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"service required in CI: {reason}")
    pytest.skip(reason)
