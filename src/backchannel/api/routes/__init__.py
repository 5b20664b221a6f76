"""REST routers under /api/v1. Each route declares who may call it (api/auth.py)."""

from __future__ import annotations

from fastapi import APIRouter

from backchannel.api.routes import session

ROUTERS: list[APIRouter] = [session.router]
