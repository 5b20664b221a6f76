"""TAXII 2.1 server routes under /taxii2/ (OASIS TAXII Version 2.1, section 4 onwards).

One API root, ``/taxii2/backchannel/``. Who sees which collection is decided in
:mod:`backchannel.taxii.collection`; reading in :mod:`backchannel.taxii.query`; writing in
:mod:`backchannel.taxii.inbound`. Every response, errors included, has the TAXII media type.
A collection, object or status the caller may not see answers exactly like one that does not
exist (design rule 7). Every read that returns objects or manifest entries is logged as a
consultation in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from backchannel.api.auth import STAFF, actor, allow, store_of
from backchannel.audit.log import Action, Event, append, database_secret
from backchannel.errors import BackchannelError, Forbidden, NotFound
from backchannel.store.accounts import Account, Role
from backchannel.taxii.collection import (
    STIX_MEDIA,
    Collection,
    find_collection,
    visible_collections,
)
from backchannel.taxii.inbound import add_objects, get_status, parse_envelope, withdraw
from backchannel.taxii.query import (
    Filters,
    Page,
    cursor_scope,
    decode_cursor,
    encode_cursor,
    holds_object,
    parse_filters,
    parse_limit,
    read_page,
    read_versions,
)

TAXII_MEDIA = "application/taxii+json;version=2.1"
API_ROOT = "backchannel"
MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # api.app.MAX_BODY: the body limit every request meets

router = APIRouter(prefix="/taxii2", tags=["taxii"])
Caller = Annotated[Account, Depends(allow(*STAFF, Role.PARTNER))]
Partner = Annotated[Account, Depends(allow(Role.PARTNER))]


class NotAcceptable(BackchannelError):
    http_status = 406


class UnsupportedMediaType(BackchannelError):
    http_status = 415


def taxii_error(status: int, title: str, description: str | None) -> JSONResponse:
    """An error message resource (TAXII 2.1 §3.6.1) with the TAXII media type."""
    body: dict[str, object] = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    headers = (
        {"WWW-Authenticate": 'Basic realm="taxii", Bearer realm="taxii"'} if status == 401 else {}
    )
    return JSONResponse(body, status_code=status, media_type=TAXII_MEDIA, headers=headers)


def _taxii_type(value: str) -> bool:
    """``application/taxii+json`` with version 2.1 or no version (§1.6.8.1)."""
    kind, *params = (p.strip().lower() for p in value.split(";"))
    version = [p.partition("=")[2].strip('"') for p in params if p.startswith("version")]
    return kind == "application/taxii+json" and version in ([], ["2.1"])


def acceptable(request: Request) -> None:
    """406 unless the Accept header admits the TAXII 2.1 media type (§1.6.8.1)."""
    accept = request.headers.get("accept")
    if accept is None or not accept.strip():
        return
    for item in accept.split(","):
        kind = item.split(";")[0].strip().lower()
        if kind in ("*/*", "application/*") or _taxii_type(item):
            return
    raise NotAcceptable("not acceptable", why=f"this server answers with {TAXII_MEDIA}")


router.dependencies.append(Depends(acceptable))


def _now() -> datetime:
    return datetime.now(UTC)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type=TAXII_MEDIA)


@contextmanager
def _writing(request: Request) -> Iterator[Connection]:
    with store_of(request).write() as conn:
        yield conn


def _secret(request: Request, conn: Connection) -> bytes:
    cached: bytes | None = getattr(request.app.state, "taxii_cursor_secret", None)
    if cached is None:
        cached = database_secret(conn, "taxii-cursor")
        request.app.state.taxii_cursor_secret = cached
    return cached


def _collection(conn: Connection, account: Account, collection_id: str) -> Collection:
    found = find_collection(conn, account, collection_id, _now())
    if found is None:
        raise NotFound("collection not found")
    return found


def _root_url(request: Request) -> str:
    return str(request.url_for("api_root", api_root=API_ROOT))


def _check_root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise NotFound("not found")


def _consulted(
    conn: Connection, account: Account, collection: Collection, what: str, ids: list[str]
) -> None:
    if ids:
        append(
            conn,
            Event(
                Action.CONSULTATION,
                actor(account),
                subjects=sorted(set(ids)),
                details={"taxii": what, "collection": collection.id, "count": len(ids)},
            ),
            now=_now(),
        )


def _date_headers(page: Page) -> dict[str, str]:
    if not page.items:
        return {}
    return {
        "X-TAXII-Date-Added-First": page.items[0].added_at,
        "X-TAXII-Date-Added-Last": page.items[-1].added_at,
    }


def _next(secret: bytes, scope: str, page: Page) -> str | None:
    return encode_cursor(secret, scope, page.last_position) if page.more else None


def _head(more: bool, nxt: str | None) -> bytes:
    if more and nxt:
        return b'{"more":true,"next":' + orjson.dumps(nxt) + b","
    return b'{"more":false,'


# --- §4: discovery, API root, status ---------------------------------------------------------


@router.get("/", name="discovery")
def discovery(request: Request, account: Caller) -> Response:
    """Server discovery (TAXII 2.1 §4.1)."""
    root = _root_url(request)
    return _json(
        {
            "title": "backchannel TAXII 2.1",
            "description": "Releases to partner services under their agreements.",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get("/{api_root}/", name="api_root")
def api_root(api_root: str, account: Caller) -> Response:
    """API root information (TAXII 2.1 §4.2)."""
    _check_root(api_root)
    return _json(
        {
            "title": "backchannel",
            "description": "Partner releases, relays and inbound collections.",
            "versions": [TAXII_MEDIA],
            "max_content_length": MAX_CONTENT_LENGTH,
        }
    )


@router.get("/{api_root}/status/{status_id}/")
def status(api_root: str, status_id: str, request: Request, account: Caller) -> Response:
    """Status of a POSTed envelope (TAXII 2.1 §4.3); only its sender sees it."""
    _check_root(api_root)
    with store_of(request).read() as conn:
        body = get_status(conn, account.partner_id, status_id)
    return Response(body, media_type=TAXII_MEDIA)


# --- §5: collections ---------------------------------------------------------------------


@router.get("/{api_root}/collections/")
def collections(api_root: str, request: Request, account: Caller) -> Response:
    """The collections this caller may see (TAXII 2.1 §5.1)."""
    _check_root(api_root)
    with store_of(request).read() as conn:
        seen = visible_collections(conn, account, _now())
    return _json({"collections": [c.resource() for c in seen]} if seen else {})


@router.get("/{api_root}/collections/{collection_id}/")
def collection(api_root: str, collection_id: str, request: Request, account: Caller) -> Response:
    """One collection (TAXII 2.1 §5.2); 404 alike for missing and not visible."""
    _check_root(api_root)
    with store_of(request).read() as conn:
        found = _collection(conn, account, collection_id)
    return _json(found.resource())


Limit = Annotated[int | None, Query()]
Next = Annotated[str | None, Query(alias="next")]
AddedAfter = Annotated[str | None, Query()]
MatchId = Annotated[str | None, Query(alias="match[id]")]
MatchType = Annotated[str | None, Query(alias="match[type]")]
MatchVersion = Annotated[str | None, Query(alias="match[version]")]
MatchSpec = Annotated[str | None, Query(alias="match[spec_version]")]


def _collection_filters(
    added_after: AddedAfter = None,
    match_id: MatchId = None,
    match_type: MatchType = None,
    match_version: MatchVersion = None,
    match_spec_version: MatchSpec = None,
) -> Filters:
    """The filters of a collection's objects and manifest (TAXII 2.1 §3.4.2)."""
    return parse_filters(
        ids=match_id,
        types=match_type,
        versions=match_version,
        spec_versions=match_spec_version,
        added_after=added_after,
    )


CollectionFilters = Annotated[Filters, Depends(_collection_filters)]


def _page(
    request: Request,
    account: Account,
    collection_id: str,
    filters: Filters,
    *,
    what: str,
    limit: int | None,
    next_: str | None,
    bodies: bool,
    object_id: str | None = None,
) -> tuple[Collection, Page, str | None]:
    size = parse_limit(limit)
    with _writing(request) as conn:
        found = _collection(conn, account, collection_id)
        secret = _secret(request, conn)
        scope = cursor_scope(found, filters, what)
        after = decode_cursor(secret, scope, next_, 3) if next_ else None
        page = read_page(conn, found, filters, limit=size, after=after, bodies=bodies)
        if object_id is not None and not page.items and not holds_object(conn, found, object_id):
            raise NotFound("object not found")
        _consulted(conn, account, found, what, [i.object_id for i in page.items])
    return found, page, _next(secret, scope, page)


@router.get("/{api_root}/collections/{collection_id}/manifest/")
def manifest(
    api_root: str,
    collection_id: str,
    request: Request,
    account: Caller,
    filters: CollectionFilters,
    limit: Limit = None,
    next_: Next = None,
) -> Response:
    """Object manifests, oldest first (TAXII 2.1 §5.3)."""
    _check_root(api_root)
    _, page, nxt = _page(
        request,
        account,
        collection_id,
        filters,
        what="manifest",
        limit=limit,
        next_=next_,
        bodies=False,
    )
    entries = [
        {
            "id": i.object_id,
            "date_added": i.added_at,
            "version": i.version or i.added_at,
            "media_type": STIX_MEDIA,
        }
        for i in page.items
    ]
    body = _head(page.more, nxt) + b'"objects":' + orjson.dumps(entries) + b"}"
    return Response(body, media_type=TAXII_MEDIA, headers=_date_headers(page))


def _objects_response(page: Page, nxt: str | None) -> Response:
    body = b"".join(
        [_head(page.more, nxt), b'"objects":[', b",".join(i.body.encode() for i in page.items)]
    )
    return Response(body + b"]}", media_type=TAXII_MEDIA, headers=_date_headers(page))


@router.get("/{api_root}/collections/{collection_id}/objects/")
def get_objects(
    api_root: str,
    collection_id: str,
    request: Request,
    account: Caller,
    filters: CollectionFilters,
    limit: Limit = None,
    next_: Next = None,
) -> Response:
    """Objects, oldest first, as stored (TAXII 2.1 §5.4)."""
    _check_root(api_root)
    _, page, nxt = _page(
        request,
        account,
        collection_id,
        filters,
        what="objects",
        limit=limit,
        next_=next_,
        bodies=True,
    )
    return _objects_response(page, nxt)


def _is_taxii_content(request: Request) -> bool:
    return _taxii_type(request.headers.get("content-type", ""))


@router.post("/{api_root}/collections/{collection_id}/objects/")
async def add(api_root: str, collection_id: str, request: Request, account: Caller) -> Response:
    """Add objects (TAXII 2.1 §5.5): processed at once; 202 with a complete status."""
    _check_root(api_root)
    if not _is_taxii_content(request):
        raise UnsupportedMediaType("unsupported media type", why=f"send {TAXII_MEDIA}")
    body = await request.body()
    return await run_in_threadpool(_add, request, account, collection_id, body)


def _add(request: Request, account: Account, collection_id: str, body: bytes) -> Response:
    with _writing(request) as conn:
        found = _collection(conn, account, collection_id)
        if not found.writable_inbound:
            raise Forbidden(
                "collection is read-only", why="this collection does not accept objects"
            )
        objects = parse_envelope(body)
        status = add_objects(conn, found, objects, actor=actor(account), now=_now())
    return _json(status, 202)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/")
def get_object(
    api_root: str,
    collection_id: str,
    object_id: str,
    request: Request,
    account: Caller,
    limit: Limit = None,
    next_: Next = None,
    added_after: AddedAfter = None,
    match_version: MatchVersion = None,
    match_spec_version: MatchSpec = None,
) -> Response:
    """One object's versions, by default the last (TAXII 2.1 §5.6)."""
    _check_root(api_root)
    filters = parse_filters(
        ids=object_id,
        versions=match_version,
        spec_versions=match_spec_version,
        added_after=added_after,
    )
    _, page, nxt = _page(
        request,
        account,
        collection_id,
        filters,
        what="object",
        limit=limit,
        next_=next_,
        bodies=True,
        object_id=object_id,
    )
    return _objects_response(page, nxt)


@router.delete("/{api_root}/collections/{collection_id}/objects/{object_id}/")
def delete_object(
    api_root: str,
    collection_id: str,
    object_id: str,
    request: Request,
    account: Caller,
    match_version: MatchVersion = None,
    match_spec_version: MatchSpec = None,
) -> Response:
    """Delete an object (TAXII 2.1 §5.7): a partner may withdraw what it sent to its inbound
    collection; nobody may delete released objects (403), they record what was disclosed."""
    _check_root(api_root)
    filters = parse_filters(
        ids=object_id,
        versions=match_version,
        spec_versions=match_spec_version,
        default_version="all",
    )
    with _writing(request) as conn:
        found = _collection(conn, account, collection_id)
        if not found.writable_inbound:
            raise Forbidden("objects in this collection cannot be deleted")
        withdraw(conn, found, object_id, filters, actor=actor(account), now=_now())
    return Response(b"", media_type=TAXII_MEDIA)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/versions/")
def versions(
    api_root: str,
    collection_id: str,
    object_id: str,
    request: Request,
    account: Caller,
    limit: Limit = None,
    next_: Next = None,
    added_after: AddedAfter = None,
    match_spec_version: MatchSpec = None,
) -> Response:
    """An object's versions, oldest first (TAXII 2.1 §5.8)."""
    _check_root(api_root)
    filters = parse_filters(spec_versions=match_spec_version, added_after=added_after)
    size = parse_limit(limit)
    with _writing(request) as conn:
        found = _collection(conn, account, collection_id)
        if not holds_object(conn, found, object_id):
            raise NotFound("object not found")
        secret = _secret(request, conn)
        scope = cursor_scope(found, filters, "versions\x1f" + object_id)
        after = decode_cursor(secret, scope, next_, 1) if next_ else None
        page = read_versions(conn, found, object_id, filters, limit=size, after=after)
        _consulted(conn, account, found, "versions", [i.object_id for i in page.items])
    nxt = encode_cursor(secret, scope, [page.items[-1].version]) if page.more else None
    doc: dict[str, Any] = {"more": bool(nxt)}
    if nxt:
        doc["next"] = nxt
    doc["versions"] = [i.version for i in page.items]
    return _json(doc, headers=_date_headers(page))
