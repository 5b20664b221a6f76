"""Pulling a partner's TAXII 2.1 collection into the knowledge base (TAXII 2.1 §5.4).

Incremental: the last ``X-TAXII-Date-Added-Last`` imported is kept per (API root URL,
collection) in ``taxii_pull``, and the next pull asks for ``added_after`` one microsecond
before it — objects that share that date_added are fetched again and imported as the no-op
they are (import is keyed by id and version), so none is skipped when a server gives many
objects one date_added. Resumable: each page is imported and the position advanced in one
transaction, so an interrupted pull continues where the last committed page ended. Every
version is asked for (``match[version]=all``): the archive keeps them all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Connection, select

from backchannel.errors import BackchannelError, InvalidInput
from backchannel.ingest.stix_bundle import log_collection
from backchannel.model.envelope import Envelope
from backchannel.stix.validate import validate_object
from backchannel.store.archive import Counts, write_batch
from backchannel.store.engine import Store
from backchannel.store.schema import taxii_pull
from backchannel.store.timefmt import from_text, to_text
from backchannel.store.upsert import insert_ignore

TAXII_MEDIA = "application/taxii+json;version=2.1"


class PullFailed(BackchannelError):
    """The TAXII server refused or failed a request."""

    exit_code = 6


@dataclass
class PullSummary:
    pages: int = 0
    objects: int = 0
    rejected: list[str] = field(default_factory=list)  # "id: property: reason"
    counts: Counts = field(default_factory=Counts)
    added_last: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "objects": self.objects,
            **self.counts.as_dict(),
            "rejections": self.rejected,
            "added_last": self.added_last,
        }


def saved_position(conn: Connection, url: str, collection: str) -> str | None:
    return conn.execute(
        select(taxii_pull.c.added_last).where(
            taxii_pull.c.url == url, taxii_pull.c.collection == collection
        )
    ).scalar()


def _save_position(
    conn: Connection, url: str, collection: str, added_last: str, now: datetime
) -> None:
    updated = conn.execute(
        taxii_pull.update()
        .where(taxii_pull.c.url == url, taxii_pull.c.collection == collection)
        .values(added_last=added_last, pulled_at=to_text(now))
    ).rowcount
    if not updated:
        insert_ignore(conn, taxii_pull, [(url, collection, added_last, to_text(now))])


def _before(stamp: str) -> str:
    """One microsecond before a TAXII timestamp (so ``added_after`` includes it)."""
    base, _, frac = stamp.rstrip("Z").partition(".")
    moment = from_text(f"{base}.{(frac + '000000')[:6]}Z") - timedelta(microseconds=1)
    return to_text(moment)


def api_root_url(client: httpx.Client, url: str) -> str:
    """``url`` itself if it is an API root; the default (or only) root if it is discovery."""
    url = url if url.endswith("/") else url + "/"
    doc = _get(client, url, {})[0]
    if "api_roots" in doc:
        roots = doc.get("api_roots") or []
        chosen = doc.get("default") or (roots[0] if len(roots) == 1 else None)
        if not chosen:
            raise InvalidInput("the discovery document names no default API root", where=url)
        return str(chosen) if str(chosen).endswith("/") else f"{chosen}/"
    return url


def _get(client: httpx.Client, url: str, params: dict[str, Any]) -> tuple[Any, httpx.Headers]:
    try:
        r = client.get(url, params=params, headers={"Accept": TAXII_MEDIA})
    except httpx.HTTPError as exc:
        raise PullFailed(f"cannot reach {url}", why=str(exc)) from None
    if r.status_code != 200:
        title = ""
        with contextlib.suppress(ValueError):
            title = r.json().get("title", "")
        raise PullFailed(f"{url} answered HTTP {r.status_code}", why=title or None)
    try:
        return orjson.loads(r.content), r.headers
    except orjson.JSONDecodeError:
        raise PullFailed(f"{url} did not answer JSON") from None


def pull(
    store: Store,
    client: httpx.Client,
    url: str,
    collection: str,
    envelope: Envelope,
    *,
    since: str | None = None,
    page_size: int = 1000,
    actor: str = "system",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_page: Callable[[PullSummary], None] | None = None,
) -> PullSummary:
    """Import every object version added to ``collection`` since the last pull (or ``since``)."""
    root = api_root_url(client, url)
    objects_url = f"{root}collections/{collection}/objects/"
    with store.read() as conn:
        position = saved_position(conn, root, collection)
    after = since if since is not None else (_before(position) if position else None)
    summary = PullSummary(added_last=position)
    params: dict[str, Any] = {"limit": page_size, "match[version]": "all"}
    if after:
        params["added_after"] = after
    while True:
        doc, headers = _get(client, objects_url, params)
        objects = doc.get("objects") or [] if isinstance(doc, dict) else []
        last = headers.get("X-TAXII-Date-Added-Last")
        now = clock()
        valid: list[dict[str, Any]] = []
        for obj in objects:
            problems = validate_object(obj)
            if problems:
                oid = obj.get("id") if isinstance(obj, dict) else None
                summary.rejected.append(f"{oid}: {problems[0].prop}: {problems[0].reason}")
            else:
                valid.append(obj)
        with store.write() as conn:
            result = write_batch(conn, envelope, valid, now)
            log_collection(conn, envelope, valid, result, actor=actor, now=now)
            if last:
                _save_position(conn, root, collection, last, now)
        summary.counts.add(result.counts)
        summary.rejected += [f"{valid[c.index].get('id')}: {c.problem}" for c in result.conflicts]
        summary.pages += 1
        summary.objects += len(objects)
        summary.added_last = last or summary.added_last
        if on_page is not None:
            on_page(summary)
        nxt = doc.get("next") if isinstance(doc, dict) else None
        if not (isinstance(doc, dict) and doc.get("more") and nxt and objects):
            return summary
        params = {"limit": page_size, "match[version]": "all", "next": nxt}
        if after:
            params["added_after"] = after
