"""``GET /health``: 200 once the store answers, 503 otherwise (for probes and ``effipia serve`` tests)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from effipia.web.deps import StoreDep

router = APIRouter(tags=["santé"])


@router.get("/health", summary="État du serveur et de la base")
def health(store: StoreDep) -> JSONResponse:
    """``{"status": "ok", "store": "ok"}`` when a query to the store succeeds."""
    try:
        with store.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return JSONResponse({"status": "error", "store": "injoignable"}, status_code=503)
    return JSONResponse({"status": "ok", "store": "ok"})
