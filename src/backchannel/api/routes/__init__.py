"""REST routers under /api/v1. Each route declares who may call it (api/auth.py).

Every route may answer with the one error shape (api/errors.py); it is documented here, once
for all routers, so the OpenAPI document stays true as routes are added.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from backchannel.api.routes import (
    accounts,
    audit,
    entities,
    partners,
    releases,
    requests,
    resolution,
    reviews,
    session,
)
from backchannel.api.routes.guard import ERRORS

ROUTERS: list[APIRouter] = [
    session.router,
    entities.router,
    resolution.router,
    partners.router,
    releases.router,
    requests.router,
    reviews.router,
    audit.router,
    accounts.router,
]

for _router in ROUTERS:
    for _route in _router.routes:
        if isinstance(_route, APIRoute):
            _route.responses = ERRORS | _route.responses
