"""The application factory: REST under /api/v1, TAXII 2.1 under /taxii2/.

Hardening that applies to every response lives here: security headers, ``Cache-Control:
no-store`` (everything we serve is data about people or about access to it), a request body
limit and a JSON nesting limit checked before any parser runs. CORS is off: no
``Access-Control-*`` header is ever sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from backchannel import __version__
from backchannel.api import errors
from backchannel.api.errors import error_body
from backchannel.settings import Settings
from backchannel.store.engine import Store, open_store
from backchannel.store.screening import IndexCache

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MAX_BODY = 16 * 1024 * 1024
MAX_DEPTH = 64


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays/objects in a JSON text, outside strings (a cheap scan)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _too_large(request: Request, what: str, why: str) -> Response:
    if request.url.path.startswith("/taxii2"):
        from backchannel.taxii.server import taxii_error

        return taxii_error(413, what, why)
    return JSONResponse(error_body(what, why=why), status_code=413)


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """A new application over ``store`` (opened from the settings if not given)."""
    app = FastAPI(
        title="backchannel",
        version=__version__,
        description="Knowledge base, identity resolution and liaison under agreements. "
        "Authenticate with `Authorization: Bearer <token>` (see `backchannel account token`).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store or open_store(settings.database_url)
    app.state.settings = settings
    app.state.screening = IndexCache()
    errors.install(app)

    @app.middleware("http")
    async def harden(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return _with_headers(
                _too_large(request, "request body too large", f"at most {MAX_BODY} bytes")
            )
        if request.method in ("POST", "PUT", "PATCH"):
            body = await request.body()
            if len(body) > MAX_BODY:
                return _with_headers(
                    _too_large(request, "request body too large", f"at most {MAX_BODY} bytes")
                )
            if json_depth(body) > MAX_DEPTH:
                return _with_headers(
                    _too_large(request, "JSON nested too deeply", f"at most {MAX_DEPTH} levels")
                )
        return _with_headers(await call_next(request))

    from backchannel.api.routes import ROUTERS
    from backchannel.taxii.server import router as taxii_router

    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1")
    app.include_router(taxii_router)
    return app


def _with_headers(response: Response) -> Response:
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response
