"""TAXII 2.1 server speed: ours (SQLite, `backchannel serve`) against medallion (memory backend),
in the same run, with the same objects, envelope size and page size.

    .venv/bin/python bench/taxii_bench.py --sizes 1000,10000,100000 --medallion-max 10000 \
        [--envelope 1000] [--page 1000] [--samples 300] [--json out.json]

For each size N, on a fresh database / fresh medallion process, it measures:
- add: POST every object in envelopes (each answered with a complete status), objects/s;
- paged read: GET objects/ following ``next`` from the first page to the last, objects/s
  (ours: the inbound collection the objects were POSTed to, and a release collection holding
  the same objects, written the way `release publish` writes them);
- single GET: objects/<id>/ for random ids, p50 and p95 in ms.
Both servers run in their own process; the client is httpx with keep-alive. Targets (issue
item 6): paged read ≥ 30,000 objects/s and flat as the collection grows; single-object GET
p95 ≤ 10 ms at 100k objects; add ≥ 10,000 objects/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from backchannel.store.accounts import Role, create_account, issue_token
from backchannel.store.engine import open_store
from backchannel.store.partners import add_partner, change_agreement
from backchannel.store.releases import write_release
from backchannel.taxii.collection import Kind, collection_id

TAXII = "application/taxii+json;version=2.1"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def objects(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """n valid STIX 2.1 objects (fictional groups, persons and memberships)."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    people: list[str] = []
    groups: list[str] = []
    for i in range(n):
        uid = uuid.UUID(int=rng.getrandbits(128), version=4)
        stamp = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00.{i % 1000:03d}Z"
        common = {"spec_version": "2.1", "created": stamp, "modified": stamp}
        kind = i % 3
        if kind == 0 or not people or not groups:
            if i % 2:
                obj = {"type": "threat-actor", "id": f"threat-actor--{uid}", "name": f"Brigade {i}"}
                groups.append(obj["id"])
            else:
                obj = {
                    "type": "identity",
                    "id": f"identity--{uid}",
                    "name": f"Person {i}",
                    "identity_class": "individual",
                }
                people.append(obj["id"])
        elif kind == 1:
            obj = {"type": "threat-actor", "id": f"threat-actor--{uid}", "name": f"Brigade {i}"}
            groups.append(obj["id"])
        else:
            obj = {
                "type": "relationship",
                "id": f"relationship--{uid}",
                "relationship_type": "member-of",
                "source_ref": rng.choice(people),
                "target_ref": rng.choice(groups),
            }
        out.append({"type": obj.pop("type"), **common, **obj})
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, auth: Any, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, auth=auth, headers=headers, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[max(0, int(p * len(v) + 0.999999) - 1)] * 1000


def measure(
    client: httpx.Client,
    objects_url: str,
    read_urls: dict[str, str],
    objs: list[dict[str, Any]],
    *,
    envelope: int,
    page: int,
    samples: int,
    post: bool = True,
) -> dict[str, float]:
    out: dict[str, float] = {}
    if post:
        t0 = time.perf_counter()
        for i in range(0, len(objs), envelope):
            r = client.post(
                objects_url,
                content=json.dumps({"objects": objs[i : i + envelope]}),
                headers={"Content-Type": TAXII, "Accept": TAXII},
            )
            st = r.json()
            if r.status_code != 202 or st.get("success_count") != len(objs[i : i + envelope]):
                raise SystemExit(f"POST failed: {r.status_code} {str(st)[:300]}")
        out["add_per_s"] = len(objs) / (time.perf_counter() - t0)
    for label, url in read_urls.items():
        t0, got, nxt = time.perf_counter(), 0, None
        while True:
            params: dict[str, Any] = {"limit": page}
            if nxt:
                params["next"] = nxt
            r = client.get(url, params=params, headers={"Accept": TAXII})
            env = r.json()
            got += len(env.get("objects", []))
            nxt = env.get("next")
            if not env.get("more") or not nxt:
                break
        out[f"read_{label}_per_s"] = got / (time.perf_counter() - t0)
        out[f"read_{label}_objects"] = got
    base = read_urls["inbound"] if "inbound" in read_urls else next(iter(read_urls.values()))
    lat = []
    for o in random.Random(7).sample(objs, min(samples, len(objs))):
        t0 = time.perf_counter()
        r = client.get(f"{base}{o['id']}/", headers={"Accept": TAXII})
        lat.append(time.perf_counter() - t0)
        assert r.status_code == 200 and r.json()["objects"][0]["id"] == o["id"]
    out["get_p50_ms"], out["get_p95_ms"] = pct(lat, 0.5), pct(lat, 0.95)
    return out


def run_ours(
    n: int, objs: list[dict[str, Any]], a: argparse.Namespace, work: Path
) -> dict[str, float]:
    db = str(work / f"ours-{n}.db")
    store = open_store(db, create=True)
    with store.write() as conn:
        add_partner(conn, "bench", "Bench partner", author="bench", now=NOW)
        change_agreement(
            conn,
            "bench",
            {
                "status": "active",
                "tlp_ceiling": "amber",
                "categories": ["persons", "groups"],
                "granularity": "person-level",
                "purpose": "benchmark",
            },
            author="bench",
            reason="bench",
            now=NOW,
        )
        create_account(conn, "benchsys", Role.PARTNER, partner_id="bench", now=NOW)
        token = issue_token(conn, "benchsys", now=NOW).token
    t0 = time.perf_counter()
    for i in range(0, len(objs), 10_000):  # the release collection, written as publish does
        with store.write() as conn:
            write_release(
                conn,
                "bench",
                objs[i : i + 10_000],
                kind="objects",
                canonical_of={},
                revocations=0,
                author="bench",
                purpose="bench",
                now=datetime.now(UTC),
            )
    print(f"  ours: release collection of {n} written in {time.perf_counter() - t0:.1f}s")
    store.close()
    port = free_port()
    exe = str(Path(sys.executable).parent / "backchannel")
    proc = subprocess.Popen(
        [exe, "--db", db, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    headers = {"Authorization": f"Bearer {token}"}
    root = f"http://127.0.0.1:{port}/taxii2/backchannel/"
    try:
        wait_up(root, None, headers | {"Accept": TAXII})
        inbound = f"{root}collections/{collection_id(Kind.INBOUND, 'bench')}/objects/"
        released = f"{root}collections/{collection_id(Kind.RELEASE, 'bench')}/objects/"
        with httpx.Client(headers=headers, timeout=600) as client:
            return measure(
                client,
                inbound,
                {"inbound": inbound, "release": released},
                objs,
                envelope=a.envelope,
                page=a.page,
                samples=a.samples,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_medallion(
    n: int, objs: list[dict[str, Any]], a: argparse.Namespace, work: Path
) -> dict[str, float]:
    exe = shutil.which("medallion", path=str(Path(sys.executable).parent))
    if exe is None:
        raise SystemExit("medallion is not installed: pip install -e '.[bench]'")
    port, cid = free_port(), str(uuid.uuid4())
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
                "versions": [TAXII],
                "max_content_length": 1_000_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": cid,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    (work / f"m-{n}.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(work / f"m-{n}.json"),
        },
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": a.page},
    }
    (work / f"mc-{n}.json").write_text(json.dumps(config))
    proc = subprocess.Popen(
        [exe, "--port", str(port), str(work / f"mc-{n}.json")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    auth = ("bench", "bench-password")
    try:
        wait_up(f"{base}/taxii2/", auth, {"Accept": TAXII})
        url = f"{base}/api1/collections/{cid}/objects/"
        with httpx.Client(auth=auth, timeout=3600) as client:
            return measure(
                client,
                url,
                {"inbound": url},
                objs,
                envelope=a.envelope,
                page=a.page,
                samples=a.samples,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--medallion-max", type=int, default=10_000, help="largest N for medallion")
    p.add_argument("--envelope", type=int, default=1000)
    p.add_argument("--page", type=int, default=1000)
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--json", default=None)
    a = p.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="taxii-bench-") as tmp:
        work = Path(tmp)
        for n in (int(s) for s in a.sizes.split(",")):
            objs = objects(n)
            print(f"N={n}")
            ours = run_ours(n, objs, a, work)
            print("  ours:     " + ", ".join(f"{k}={v:,.1f}" for k, v in ours.items()))
            row: dict[str, Any] = {"n": n, "ours": ours}
            if n <= a.medallion_max:
                med = run_medallion(n, objs, a, work)
                print("  medallion:" + ", ".join(f"{k}={v:,.1f}" for k, v in med.items()))
                row["medallion"] = med
            else:
                print(f"  medallion: not run (N > --medallion-max {a.medallion_max})")
            results.append(row)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))
    os.sync()
    return 0


if __name__ == "__main__":
    sys.exit(main())
