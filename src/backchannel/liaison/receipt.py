"""Checking a release against its receipt, offline: the partner's side of rule 8.

A release receipt is the audit receipt of the release's disclosure entry (the leaf, its
inclusion proof and a signed checkpoint). The leaf names the recipient and the hash of the
release's manifest (``id modified sha256`` per object), so a partner holding the bundle, the
receipt and our public key can show that exactly this bundle was disclosed to it and logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from backchannel.audit.key import VerifierKey
from backchannel.audit.receipt import verify_receipt


def version_of(obj: Mapping[str, Any]) -> str:
    """An object version's key: its ``modified`` (``created`` for objects without one)."""
    return str(obj.get("modified") or obj["created"])


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def manifest_hash(objects: Iterable[Mapping[str, Any]]) -> str:
    """sha256 over the sorted lines ``id modified sha256(canonical bytes)`` of a release."""
    lines = sorted(
        f"{o['id']} {version_of(o)} {hashlib.sha256(canonical_bytes(o)).hexdigest()}"
        for o in objects
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def verify_release(
    receipt: Mapping[str, Any],
    objects: Iterable[Mapping[str, Any]],
    public_key: VerifierKey,
    *,
    partner_id: str | None = None,
) -> list[str]:
    """Problems (empty: verified): the receipt verifies, its entry is a disclosure (to
    ``partner_id`` if given) and its manifest hash is that of ``objects``."""
    problems = verify_receipt(receipt, public_key)
    try:
        leaf = orjson.loads(receipt["leaf"])
    except (KeyError, TypeError, orjson.JSONDecodeError):
        return [*problems, "receipt has no readable leaf"]
    if not isinstance(leaf, dict) or leaf.get("action") != "disclosure":
        return [*problems, "the receipt's entry is not a disclosure"]
    details = leaf.get("details") or {}
    if partner_id is not None and leaf.get("recipient") != partner_id:
        problems.append(f"disclosed to {leaf.get('recipient')!r}, not {partner_id!r}")
    if details.get("bundle_sha256") != manifest_hash(objects):
        problems.append("the bundle is not the one disclosed (manifest hash differs)")
    return problems
