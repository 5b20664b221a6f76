"""An app over a fresh store per test, accounts of every role, and their tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backchannel.api.app import create_app
from backchannel.settings import Settings
from backchannel.store.accounts import Role, create_account, issue_token
from backchannel.store.engine import Store
from backchannel.store.partners import add_partner

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PASSWORD = "correct horse battery"


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    store: Store
    tokens: dict[str, str]  # username → token

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def api(store: Store, db_url: str) -> Iterator[Api]:
    tokens = {}
    with store.write() as conn:
        add_partner(conn, "p1", "Partner One", author="admin", now=NOW)
        add_partner(conn, "p2", "Partner Two", author="admin", now=NOW)
        for name, role, partner in (
            ("admin", Role.ADMIN, None),
            ("ana", Role.ANALYST, None),
            ("apro", Role.APPROVER, None),
            ("audi", Role.AUDITOR, None),
            ("p1sys", Role.PARTNER, "p1"),
            ("p2sys", Role.PARTNER, "p2"),
        ):
            password = None if role is Role.PARTNER else PASSWORD
            create_account(conn, name, role, password=password, partner_id=partner, now=NOW)
            tokens[name] = issue_token(conn, name, now=NOW).token
    app = create_app(Settings(database_url=db_url), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, app, store, tokens)
