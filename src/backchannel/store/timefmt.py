"""The one text form of instants in the database: fixed-width ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=1024)  # a batch shares one reception time: format it once
def to_text(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ``; refuses naive datetimes."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store keeps only timezone-aware instants")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stix_time(text: str) -> str:
    """A stored instant as a STIX timestamp with millisecond precision."""
    return text[:23] + "Z"
