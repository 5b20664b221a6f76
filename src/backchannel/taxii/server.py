"""TAXII 2.1 server routes under /taxii2/ (OASIS TAXII Version 2.1, section 4 onwards)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

TAXII_MEDIA = "application/taxii+json;version=2.1"

router = APIRouter(prefix="/taxii2", tags=["taxii"])


def taxii_error(status: int, title: str, description: str | None) -> JSONResponse:
    """An error message resource (TAXII 2.1 §3.6.1) with the TAXII media type."""
    body: dict[str, object] = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    headers = (
        {"WWW-Authenticate": 'Basic realm="taxii", Bearer realm="taxii"'} if status == 401 else {}
    )
    return JSONResponse(body, status_code=status, media_type=TAXII_MEDIA, headers=headers)
