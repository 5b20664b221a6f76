"""A small fictional world behind the API: persons and a group (ours), agreements with both
partners, a release to each, a request from each, a judgement; and the audit key in tmp.

Import the ``world`` fixture into a test module to use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.cluster import Verdict
from backchannel.settings import Settings
from backchannel.store.judgement import record_judgement
from backchannel.store.partners import change_agreement, set_originator
from backchannel.store.releases import publish
from backchannel.store.requests import submit_request
from tests.api.conftest import NOW, Api
from tests.conftest import DATA, make_envelope

GROUP = "threat-actor--00000000-0000-4000-8000-000000000001"
YUSUF = "identity--00000000-0000-4000-8000-000000000002"
YOUSSEF = "identity--00000000-0000-4000-8000-000000000003"
MISSING_ENTITY = "identity--00000000-0000-4000-8000-00000000dead"

TERMS: dict[str, Any] = {
    "status": "active",
    "tlp_ceiling": "amber",
    "categories": ["persons", "groups", "status", "statistics"],
    "granularity": "person-level",
    "purpose": "counter-terrorism cooperation",
}

STAFF = ("admin", "ana", "apro", "audi")
PARTNERS = {"p1sys": "p1", "p2sys": "p2"}
OTHER = {"p1": "p2", "p2": "p1"}


@dataclass
class World:
    api: Api
    releases: dict[str, int]  # partner id → its release
    requests: dict[str, int]  # partner id → its request
    judgement: int

    def get(self, path: str, who: str | None, **kw: Any) -> Any:
        headers = self.api.auth(who) if who else {}
        return self.api.client.get(path, headers=headers | kw.pop("headers", {}), **kw)

    def post(self, path: str, who: str | None, body: Any = None, **kw: Any) -> Any:
        headers = self.api.auth(who) if who else {}
        return self.api.client.post(path, json=body, headers=headers | kw.pop("headers", {}), **kw)


@pytest.fixture
def world(api: Api, tmp_path: Path, db_url: str) -> World:
    api.app.state.settings = Settings(
        database_url=db_url, audit_key_file=str(tmp_path / "audit.key"), user="test"
    )
    import_stix(
        api.store, [str(DATA / "persons.json")], make_envelope("Service A"), clock=lambda: NOW
    )
    releases, requests = {}, {}
    with api.store.write() as conn:
        set_originator(conn, "Service A", "own", author="admin", now=NOW)
        for pid in ("p1", "p2"):
            change_agreement(conn, pid, TERMS, author="admin", reason="test", now=NOW)
            releases[pid] = publish(conn, pid, author="apro", purpose="test release", now=NOW).seq
            requests[pid] = submit_request(
                conn,
                pid,
                {"statuses": ["at-large"]},
                purpose=f"case {pid}",
                created_by=f"partner:{pid}",
                now=NOW,
            ).id
        judgement = record_judgement(
            conn, YUSUF, YOUSSEF, Verdict.UNSURE, author="ana", reason="similar names", now=NOW
        ).seq
    assert all(releases.values())
    return World(api, releases, requests, judgement)
