"""The TAXII client (`taxii pull`) against our own server and against medallion."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from backchannel.cli.main import cli
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.store.engine import Store, open_store
from backchannel.store.schema import delivery, envelope, record
from backchannel.taxii.client import PullFailed, pull, saved_position
from backchannel.taxii.collection import Kind, collection_id
from tests.taxii.conftest import T0, World, group, release_to

FROM_P1 = Envelope(
    "hq-p1", "hq-p1", "taxii", TLP.AMBER, Reliability.B, Credibility.CANNOT_BE_JUDGED
)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Store]:
    """The store that pulls (a partner's own backchannel, say)."""
    s = open_store(str(tmp_path / "target.db"), create=True)
    yield s
    s.close()


def count(store: Store, table: Any) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_pull_from_our_server_is_incremental(world: World, target: Store) -> None:
    cid = collection_id(Kind.RELEASE, "p1")
    client = httpx.Client(headers=world.bearer("p1sys"))
    first = pull(target, client, world.url, cid, FROM_P1, page_size=3)
    assert first.pages >= 2 and not first.rejected
    held = count(target, record)
    assert held == first.counts.new
    assert {o["id"] for o in world.released["p1"]} <= set(_ids(target))
    with target.read() as conn:
        row = conn.execute(select(envelope)).one()
        assert (row.source, row.originator, row.channel) == ("hq-p1", "hq-p1", "taxii")
        assert saved_position(conn, world.root, cid) == first.added_last
    # nothing new: the objects at the last date_added come again and change nothing
    again = pull(target, client, world.url, cid, FROM_P1, page_size=3)
    assert again.counts.new == again.counts.new_version == 0
    assert count(target, record) == held
    # a new release: only it is new
    v2 = group(0, seed="p1", modified="2026-02-03T00:00:00.000Z") | {"description": "v2"}
    release_to(world.store, "p1", [v2, group(99, seed="p1")], T0 + timedelta(hours=2))
    third = pull(target, client, world.url, cid, FROM_P1, page_size=3)
    assert (third.counts.new, third.counts.new_version) == (1, 1)
    assert count(target, record) == held + 2


class FailAfter(httpx.BaseTransport):
    """A transport that drops the connection after ``n`` requests (an interruption)."""

    def __init__(self, n: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.left = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left <= 0:
            raise httpx.ConnectError("connection lost", request=request)
        self.left -= 1
        return self.inner.handle_request(request)


def test_interrupted_pull_resumes_without_gaps_or_duplicates(world: World, target: Store) -> None:
    cid = collection_id(Kind.RELEASE, "p1")
    # 1 request for discovery, then 2 pages, then the connection is lost
    broken = httpx.Client(headers=world.bearer("p1sys"), transport=FailAfter(3))
    with pytest.raises(PullFailed):
        pull(target, broken, world.url, cid, FROM_P1, page_size=2)
    partial = count(target, record)
    assert partial == 4
    with target.read() as conn:
        assert saved_position(conn, world.root, cid) is not None
    client = httpx.Client(headers=world.bearer("p1sys"))
    pull(target, client, world.url, cid, FROM_P1, page_size=2)
    everything = pull(target, client, world.url, cid, FROM_P1, since="2000-01-01T00:00:00Z")
    assert everything.counts.new == 0  # the resumed pull had got them all
    assert count(target, record) == everything.objects
    assert count(target, delivery) == count(target, record)


def test_cli_pull_with_basic_auth(world: World, tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "init"]).exit_code == 0
    cid = collection_id(Kind.RELEASE, "far")
    args = ["--db", db, "--json", "taxii", "pull", world.root, "--collection", cid]
    args += ["--user", "farsys", "--password-env", "TAXII_PW", "--source", "hq-far"]
    result = runner.invoke(cli, args, env={"TAXII_PW": world.tokens["farsys"]})
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["new"] >= 5 and out["rejections"] == []
    bad = runner.invoke(cli, args, env={"TAXII_PW": "bc_wrong"})
    assert bad.exit_code != 0


# --- medallion --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def medallion(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """medallion 3 (memory backend) in a subprocess: (discovery URL, collection id)."""
    exe = shutil.which("medallion", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("medallion is not installed (pip install medallion: the bench extra)")
    port, cid = _free_port(), str(uuid.uuid4())
    base = f"http://127.0.0.1:{port}"
    data = {
        "/discovery": {
            "title": "medallion",
            "default": f"{base}/api1/",
            "api_roots": [f"{base}/api1/"],
        },
        "api1": {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": cid,
                    "title": "partner feed",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(tmp_path / "data.json"),
        },
        "users": {"feed": "fictional-password"},
        "taxii": {"max_page_size": 100},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    proc = subprocess.Popen(
        [exe, "--port", str(port), str(tmp_path / "config.json")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/taxii2/", auth=("feed", "fictional-password"), timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"{base}/taxii2/", cid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_pull_from_medallion(medallion: tuple[str, str], target: Store) -> None:
    url, cid = medallion
    auth = ("feed", "fictional-password")
    objects_url = url.replace("/taxii2/", "/api1/") + f"collections/{cid}/objects/"
    headers = {
        "Content-Type": "application/taxii+json;version=2.1",
        "Accept": "application/taxii+json;version=2.1",
    }

    def post(objs: list[dict[str, Any]]) -> None:
        r = httpx.post(objects_url, json={"objects": objs}, auth=auth, headers=headers)
        assert r.status_code == 202, r.text
        time.sleep(0.01)  # medallion's date_added has millisecond precision

    post([group(n, seed="m") for n in range(5)])
    client = httpx.Client(auth=auth)
    feed = Envelope(
        "partner-m", "partner-m", "taxii", TLP.AMBER, Reliability.C, Credibility.CANNOT_BE_JUDGED
    )
    first = pull(target, client, url, cid, feed, page_size=2)
    assert (first.counts.new, first.rejected) == (5, [])
    post([group(n, seed="m2") for n in range(3)])
    second = pull(target, client, url, cid, feed, page_size=2)
    assert second.counts.new == 3
    assert count(target, record) == 8
    with target.read() as conn:
        assert conn.execute(select(envelope.c.originator)).scalars().all() == ["partner-m"]


def _ids(store: Store) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(select(record.c.stix_id)).scalars())
