"""Which TAXII collections a caller sees, and with what rights (TAXII 2.1 §5.1-5.2).

A partner account sees, while its agreement is in force:

- ``release`` — everything we released to it (every version, revocations included), read-only;
- ``relay`` — one per final recipient whose releases it forwards (the recipient's agreement
  names it as ``via``, both agreements are in force and its own lists the recipient in
  ``onward_to``): the releases that went through it, read-only;
- ``inbound`` — where it sends us STIX (POST), reads back what it sent and may withdraw it.

Whose rows a collection holds comes only from the account's partner binding, never from the
request. When the agreement is not in force the partner sees no collection at all from the very
next request (rule 7: a collection it may not see answers exactly like one that does not
exist). Analysts, approvers and auditors see every partner's release and inbound collections,
read-only (to check what a partner sees); admins manage accounts and see none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection

from backchannel.model.envelope import NAMESPACE
from backchannel.store.accounts import Account, Role
from backchannel.store.partners import current_agreement, current_terms, partner_ids

STIX_MEDIA = "application/stix+json;version=2.1"
STAFF_READERS = (Role.ANALYST, Role.APPROVER, Role.AUDITOR)


class Kind(StrEnum):
    RELEASE = "release"
    RELAY = "relay"
    INBOUND = "inbound"


@dataclass(frozen=True, slots=True)
class Collection:
    """A collection as one caller sees it. ``partner_id`` is whose rows it holds (the final
    recipient for a relay); ``via`` is the forwarding partner of a relay collection."""

    id: str
    kind: Kind
    partner_id: str
    via: str | None
    title: str
    can_read: bool
    can_write: bool

    @property
    def writable_inbound(self) -> bool:
        return self.kind is Kind.INBOUND and self.can_write

    def resource(self) -> dict[str, object]:
        """The collection resource (TAXII 2.1 §5.2.1)."""
        return {
            "id": self.id,
            "title": self.title,
            "description": _DESCRIPTIONS[self.kind],
            "can_read": self.can_read,
            "can_write": self.can_write,
            "media_types": [STIX_MEDIA],
        }


_DESCRIPTIONS = {
    Kind.RELEASE: "Objects released to this partner under its agreement (every version).",
    Kind.RELAY: "Objects released to a final recipient through this partner, to forward.",
    Kind.INBOUND: "STIX 2.1 objects this partner sends to us.",
}


def collection_id(kind: Kind, partner_id: str, via: str | None = None) -> str:
    """Stable per (kind, partner[, intermediary]); guessing one gains nothing (rule 7)."""
    key = "\x1f".join([kind.value, partner_id, via or ""])
    return str(uuid.uuid5(NAMESPACE, "taxii-collection\x1f" + key))


def _release(partner_id: str) -> Collection:
    return Collection(
        collection_id(Kind.RELEASE, partner_id),
        Kind.RELEASE,
        partner_id,
        None,
        f"Releases to {partner_id}",
        can_read=True,
        can_write=False,
    )


def _inbound(partner_id: str, *, writable: bool) -> Collection:
    return Collection(
        collection_id(Kind.INBOUND, partner_id),
        Kind.INBOUND,
        partner_id,
        None,
        f"Inbound from {partner_id}",
        can_read=True,
        can_write=writable,
    )


def _relay(via: str, recipient: str) -> Collection:
    return Collection(
        collection_id(Kind.RELAY, recipient, via),
        Kind.RELAY,
        recipient,
        via,
        f"Relay to {recipient} via {via}",
        can_read=True,
        can_write=False,
    )


def visible_collections(conn: Connection, account: Account, now: datetime) -> list[Collection]:
    """Every collection ``account`` may see today, in a stable order."""
    if account.role is Role.PARTNER and account.partner_id is not None:
        me = account.partner_id
        version = current_agreement(conn, me)
        if version is None or not version.terms.in_force(now):
            return []
        out = [_release(me), _inbound(me, writable=True)]
        if version.terms.onward_to:
            for recipient, terms in sorted(current_terms(conn).items()):
                if terms.via == me and recipient in version.terms.onward_to and terms.in_force(now):
                    out.append(_relay(me, recipient))
        return out
    if account.role in STAFF_READERS:
        out = []
        for pid in sorted(partner_ids(conn)):
            out += [_release(pid), _inbound(pid, writable=False)]
        return out
    return []


def find_collection(
    conn: Connection, account: Account, wanted: str, now: datetime
) -> Collection | None:
    """The collection with id ``wanted`` if ``account`` may see it; None otherwise — the
    caller answers both cases with the same 404."""
    for c in visible_collections(conn, account, now):
        if c.id == wanted:
            return c
    return None
