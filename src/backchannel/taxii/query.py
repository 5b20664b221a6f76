"""Reading a collection: filters, keyset pages and opaque ``next`` cursors (TAXII 2.1 §3.4-3.5).

Pages follow ``(added_at, object_id, version)`` — the order of an index on each backing table
— so every page is one index range scan however large the collection (no OFFSET, no sort).
Bodies are the stored bytes, joined into the envelope without parsing.

A ``next`` cursor is the position of the last item returned, bound by an HMAC (a secret of
this database) to the collection and the filters it was issued for. It does not expire, and it
can only ever move a reader forward within the same collection and filters: a tampered cursor
or one replayed with other filters is refused (400), and every query is scoped to the
collection the caller may see before any cursor applies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.sql.selectable import NamedFromClause

from backchannel.errors import BackchannelError
from backchannel.store.schema import record, release, release_object, taxii_inbound
from backchannel.taxii.collection import Collection, Kind


class BadRequest(BackchannelError):
    """A malformed TAXII request (filter, cursor, envelope): 400 as TAXII 2.1 §3.6 says."""

    http_status = 400


DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def timestamp(text: str, what: str) -> str:
    """A TAXII timestamp as the store's fixed-width text (``…SS.ffffffZ``), or 400."""
    if not _TIMESTAMP.match(text):
        raise BadRequest(f"invalid {what}", why="expected a timestamp like 2026-01-31T12:00:00Z")
    base, _, frac = text[:-1].partition(".")
    return f"{base}.{(frac + '000000')[:6]}Z"


@dataclass(frozen=True, slots=True)
class Filters:
    """The ``match[...]`` and ``added_after`` parameters of one request."""

    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)  # first | last | all | normalised timestamps
    spec_versions: tuple[str, ...] = ()
    added_after: str | None = None

    def key(self) -> bytes:
        """What a cursor is bound to."""
        return orjson.dumps(
            [self.ids, self.types, self.versions, self.spec_versions, self.added_after]
        )


def _split(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(sorted({v.strip() for v in value.split(",") if v.strip()}))


def parse_filters(
    *,
    ids: str | None = None,
    types: str | None = None,
    versions: str | None = None,
    spec_versions: str | None = None,
    added_after: str | None = None,
    default_version: str = "last",
) -> Filters:
    """Validate the query parameters (400 for anything malformed)."""
    wanted = _split(versions) or (default_version,)
    if "all" in wanted:
        wanted = ("all",)
    norm = tuple(
        v if v in ("first", "last", "all") else timestamp(v, "match[version]") for v in wanted
    )
    for t in _split(types):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,250}", t):
            raise BadRequest("invalid match[type]", why=f"{t!r} is not a STIX type")
    return Filters(
        ids=_split(ids),
        types=_split(types),
        versions=norm,
        spec_versions=_split(spec_versions),
        added_after=timestamp(added_after, "added_after") if added_after else None,
    )


def parse_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise BadRequest("invalid limit", why="limit must be a positive integer")
    return min(limit, MAX_LIMIT)


# --- cursors ---------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, scope: str, payload: str) -> str:
    msg = "\x1f".join([scope, payload]).encode()
    return _b64(hmac.new(secret, msg, hashlib.sha256).digest()[:18])


def encode_cursor(secret: bytes, scope: str, position: Sequence[str]) -> str:
    payload = _b64(orjson.dumps(list(position)))
    return f"{payload}.{_mac(secret, scope, payload)}"


def decode_cursor(secret: bytes, scope: str, text: str, size: int) -> tuple[str, ...]:
    """The position in a cursor issued for ``scope``; 400 if it was not, or was altered."""
    bad = BadRequest("invalid next", why="not a cursor issued for this collection and filters")
    payload, _, mac = text.partition(".")
    if not payload or not hmac.compare_digest(mac.encode(), _mac(secret, scope, payload).encode()):
        raise bad
    try:
        position = orjson.loads(_unb64(payload))
    except (ValueError, orjson.JSONDecodeError):
        raise bad from None
    if (
        not isinstance(position, list)
        or len(position) != size
        or not all(isinstance(p, str) for p in position)
    ):
        raise bad
    return tuple(position)


def cursor_scope(collection: Collection, filters: Filters, what: str) -> str:
    return "\x1f".join([what, collection.id, filters.key().decode()])


# --- the rows of a collection ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One collection's rows: a table alias and the conditions that scope it."""

    table: NamedFromClause
    where: list[ColumnElement[bool]]
    body: Any  # the column holding the stored bytes


# Fixed aliases (outer query, and the correlated first/last subquery) keep statements
# cacheable: building a fresh alias per request cost more than running the query.
_ALIASES = {
    (Kind.INBOUND, False): taxii_inbound.alias("ti"),
    (Kind.INBOUND, True): taxii_inbound.alias("ti2"),
    (Kind.RELEASE, False): release_object.alias("ro"),
    (Kind.RELEASE, True): release_object.alias("ro2"),
}


def source_of(collection: Collection, *, inner: bool = False) -> Source:
    if collection.kind is Kind.INBOUND:
        t = _ALIASES[Kind.INBOUND, inner]
        return Source(t, [t.c.partner_id == collection.partner_id], None)
    t = _ALIASES[Kind.RELEASE, inner]
    where: list[ColumnElement[bool]] = [t.c.partner_id == collection.partner_id]
    if collection.kind is Kind.RELAY:
        relayed = select(release.c.seq).where(
            release.c.partner_id == collection.partner_id, release.c.via == collection.via
        )
        where.append(t.c.release_seq.in_(relayed))
    return Source(t, where, t.c.body)


def _version_candidates(text: str) -> list[str]:
    """A normalised timestamp in every form a stored version may take (µs, ms, seconds)."""
    out = [text]
    if text.endswith("000Z"):
        out.append(text[:-4] + "Z")  # …SS.fffZ
        if text.endswith(".000000Z"):
            out.append(text[:-8] + "Z")  # …SSZ
    return out


def version_condition(
    collection: Collection, t: NamedFromClause, versions: tuple[str, ...]
) -> ColumnElement[bool] | None:
    if "all" in versions:
        return None
    parts: list[ColumnElement[bool]] = []
    for v in versions:
        if v in ("first", "last"):
            inner = source_of(collection, inner=True)
            agg = func.max if v == "last" else func.min
            pick = (
                select(agg(inner.table.c.version))
                .where(*inner.where, inner.table.c.object_id == t.c.object_id)
                .scalar_subquery()
            )
            parts.append(t.c.version == pick)
        else:
            parts.append(t.c.version.in_(_version_candidates(v)))
    return or_(*parts)


def _filtered(collection: Collection, filters: Filters) -> tuple[Select[Any], Source]:
    src = source_of(collection)
    t = src.table
    q = select(t.c.object_id).select_from(t).where(*src.where)
    if filters.ids:
        q = q.where(t.c.object_id.in_(filters.ids))
    if filters.types:
        q = q.where(t.c.type.in_(filters.types))
    if filters.spec_versions and "2.1" not in filters.spec_versions:
        q = q.where(literal(False))  # we hold STIX 2.1 only
    if filters.added_after:
        q = q.where(t.c.added_at > filters.added_after)
    cond = version_condition(collection, t, filters.versions)
    if cond is not None:
        q = q.where(cond)
    return q, src


@dataclass(frozen=True, slots=True)
class Item:
    added_at: str
    object_id: str
    version: str
    body: str  # "" for manifest pages


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    more: bool

    @property
    def last_position(self) -> tuple[str, str, str]:
        last = self.items[-1]
        return (last.added_at, last.object_id, last.version)


def read_page(
    conn: Connection,
    collection: Collection,
    filters: Filters,
    *,
    limit: int,
    after: tuple[str, ...] | None,
    bodies: bool,
) -> Page:
    """One page of items in ``(added_at, object_id, version)`` order after ``after``."""
    q, src = _filtered(collection, filters)
    t = src.table
    columns: list[Any] = [t.c.added_at, t.c.object_id, t.c.version]
    if bodies:
        columns.append(src.body if src.body is not None else record.c.body)
    q = q.with_only_columns(*columns)
    if bodies and src.body is None:
        q = q.join(record, and_(record.c.stix_id == t.c.object_id, record.c.version == t.c.version))
    if after is not None:
        q = q.where(tuple_(t.c.added_at, t.c.object_id, t.c.version) > tuple_(*after))
    q = q.order_by(t.c.added_at, t.c.object_id, t.c.version).limit(limit + 1)
    rows = conn.execute(q).all()
    items = [Item(r[0], r[1], r[2], r[3] if bodies else "") for r in rows[:limit]]
    return Page(items, len(rows) > limit)


def holds_object(conn: Connection, collection: Collection, object_id: str) -> bool:
    src = source_of(collection)
    q = select(src.table.c.object_id).where(*src.where, src.table.c.object_id == object_id)
    return conn.execute(q.limit(1)).first() is not None


def read_versions(
    conn: Connection,
    collection: Collection,
    object_id: str,
    filters: Filters,
    *,
    limit: int,
    after: tuple[str, ...] | None,
) -> Page:
    """Versions of one object, oldest first (TAXII 2.1 §5.8), in pages keyed by version."""
    only = Filters(
        ids=(object_id,),
        versions=("all",),
        spec_versions=filters.spec_versions,
        added_after=filters.added_after,
    )
    base, src = _filtered(collection, only)
    t = src.table
    q: Select[Any] = base.with_only_columns(t.c.added_at, t.c.object_id, t.c.version)
    if after is not None:
        q = q.where(t.c.version > after[0])
    rows = conn.execute(q.order_by(t.c.version).limit(limit + 1)).all()
    items = [Item(r[0], r[1], r[2], "") for r in rows[:limit]]
    return Page(items, len(rows) > limit)


def table_of(collection: Collection) -> Table:
    return taxii_inbound if collection.kind is Kind.INBOUND else release_object
