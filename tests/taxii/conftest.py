"""A TAXII world: partners with agreements (one relayed), releases, accounts, and our server
running in uvicorn on a free port in a thread, for real clients (``taxii2-client``, httpx)."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn

from backchannel.api.app import create_app
from backchannel.settings import Settings
from backchannel.store.accounts import Role, create_account, issue_token
from backchannel.store.engine import Store
from backchannel.store.partners import add_partner, change_agreement
from backchannel.store.releases import write_release
from backchannel.taxii.collection import Kind, collection_id

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ACTIVE: dict[str, Any] = {
    "status": "active",
    "tlp_ceiling": "green",
    "categories": ["persons", "groups", "status"],
    "granularity": "person-level",
    "purpose": "counter-terrorism cooperation",
}
PARTNERS = ("p1", "p2", "hub", "far")


def group(n: int, *, seed: str = "g", modified: str = "2026-02-01T00:00:00.000Z") -> dict[str, Any]:
    """A small valid STIX threat-actor (fictional)."""
    return {
        "type": "threat-actor",
        "spec_version": "2.1",
        "id": f"threat-actor--{uuid.uuid5(uuid.NAMESPACE_URL, f'{seed}-{n}')}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": f"Fictional Brigade {seed}-{n}",
    }


@dataclass
class World:
    store: Store
    url: str  # discovery URL
    tokens: dict[str, str]  # username → token
    released: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # partner → objects

    @property
    def root(self) -> str:
        return self.url + "backchannel/"

    def collection(self, kind: Kind, partner: str, via: str | None = None) -> str:
        return collection_id(kind, partner, via)

    def objects_url(self, kind: Kind, partner: str, via: str | None = None) -> str:
        return f"{self.root}collections/{self.collection(kind, partner, via)}/objects/"

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def release_to(store: Store, partner: str, objects: list[dict[str, Any]], at: datetime) -> None:
    with store.write() as conn:
        write_release(
            conn,
            partner,
            objects,
            kind="objects",
            canonical_of={},
            revocations=0,
            author="apro",
            purpose="case 7",
            now=at,
        )


def build_world(store: Store, *, per_partner: int = 5) -> tuple[dict[str, str], dict[str, Any]]:
    tokens: dict[str, str] = {}
    with store.write() as conn:
        for pid in PARTNERS:
            add_partner(conn, pid, f"Partner {pid}", author="admin", now=T0)
        for pid in ("p1", "p2", "far"):
            change_agreement(conn, pid, ACTIVE, author="admin", reason="MoU", now=T0)
        change_agreement(
            conn, "hub", ACTIVE | {"onward_to": ["far"]}, author="admin", reason="MoU", now=T0
        )
        change_agreement(conn, "far", {"via": "hub"}, author="admin", reason="relay", now=T0)
        for name, role, partner in (
            ("admin", Role.ADMIN, None),
            ("ana", Role.ANALYST, None),
            ("audi", Role.AUDITOR, None),
            *((f"{p}sys", Role.PARTNER, p) for p in PARTNERS),
        ):
            create_account(conn, name, role, partner_id=partner, now=T0)
            tokens[name] = issue_token(conn, name, now=T0).token
    released: dict[str, Any] = {}
    for i, pid in enumerate(("p1", "p2", "far")):
        objs = [group(n, seed=pid) for n in range(per_partner)]
        release_to(store, pid, objs, T0 + timedelta(minutes=i))
        released[pid] = objs
    return tokens, released


@contextmanager
def serving(store: Store, db_url: str) -> Iterator[str]:
    """Our app in uvicorn on 127.0.0.1 (a free port), in a thread; yields the discovery URL."""
    app = create_app(Settings(database_url=db_url), store=store)
    sock = socket.socket()
    # uvicorn sets this on sockets it binds itself; without it keep-alive requests wait for
    # delayed ACKs (about 40 ms each).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/taxii2/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def world(store: Store, db_url: str) -> Iterator[World]:
    tokens, released = build_world(store)
    with serving(store, db_url) as url:
        yield World(store, url, tokens, released)
