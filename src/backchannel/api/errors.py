"""One table from errors to HTTP responses, and one JSON error shape.

``{"error": {"what": ..., "where": ..., "why": ...}}`` with the error class's status. A 401
carries ``WWW-Authenticate``. Anything else is a bug: a 500 with a generic body, never the
exception's text or a traceback (those go to the server log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backchannel.errors import BackchannelError, Unauthenticated

log = logging.getLogger("backchannel.api")

CHALLENGE = 'Bearer realm="backchannel"'


def error_body(what: str, *, where: str | None = None, why: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"what": what}
    if where:
        detail["where"] = where
    if why:
        detail["why"] = why
    return {"error": detail}


def _headers(status: int) -> dict[str, str]:
    return {"WWW-Authenticate": CHALLENGE} if status == 401 else {}


def install(app: FastAPI) -> None:
    @app.exception_handler(BackchannelError)
    async def _ours(request: Request, exc: BackchannelError) -> JSONResponse:
        if request.url.path.startswith("/taxii2"):
            from backchannel.taxii.server import taxii_error

            return taxii_error(exc.http_status, exc.what, exc.why)
        return JSONResponse(
            error_body(exc.what, where=exc.where, why=exc.why),
            status_code=exc.http_status,
            headers=_headers(exc.http_status),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "why": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        if request.url.path.startswith("/taxii2"):
            from backchannel.taxii.server import taxii_error

            first = problems[0] if problems else {"where": "", "why": ""}
            return taxii_error(400, "invalid request", f"{first['where']}: {first['why']}")
        body = error_body(
            "invalid request", why="; ".join(f"{p['where']}: {p['why']}" for p in problems)
        )
        body["error"]["problems"] = problems
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        what = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "error")
        if request.url.path.startswith("/taxii2"):
            from backchannel.taxii.server import taxii_error

            return taxii_error(exc.status_code, what, None)
        return JSONResponse(error_body(what), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if request.url.path.startswith("/taxii2"):
            from backchannel.taxii.server import taxii_error

            return taxii_error(500, "internal error", None)
        return JSONResponse(error_body("internal error"), status_code=500)


def unauthenticated() -> Unauthenticated:
    return Unauthenticated("authentication required", why="send Authorization: Bearer <token>")
