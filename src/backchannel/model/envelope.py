"""Envelopes: who delivered a batch of records, through which channel, graded how."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from backchannel.model.vocab import TLP, Credibility, Reliability

# Namespace for every deterministic id the project derives (uuid5).
NAMESPACE = uuid.UUID("ef995a80-d375-4416-aa65-e37e0d7c7725")


@dataclass(frozen=True, slots=True)
class Envelope:
    """Provenance shared by every record of one delivery.

    ``source`` is who handed the records to us; ``originator`` is who the information originally
    came from (the party whose consent governs onward sharing). ``tlp`` is the marking applied to
    records that carry none of their own; ``credibility`` likewise for records without
    ``confidence``.
    """

    source: str
    originator: str
    channel: str
    tlp: TLP
    reliability: Reliability
    credibility: Credibility

    _id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = "\x1f".join(
            [
                self.source,
                self.originator,
                self.channel,
                self.tlp.value,
                self.reliability.value,
                self.credibility.value,
            ]
        )
        object.__setattr__(self, "_id", "envelope--" + str(uuid.uuid5(NAMESPACE, key)))

    @property
    def id(self) -> str:
        """Deterministic: the same provenance always yields the same envelope id."""
        return self._id


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
