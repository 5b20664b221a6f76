"""Shared fixtures: one store per test on every backend, an injectable clock, envelopes.

SQLite always runs. PostgreSQL runs when ``BACKCHANNEL_TEST_DATABASE_URL`` points at a server
(``.ci/run`` and ``make test`` start a throwaway one); each test gets its own schema there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.store.engine import Store, normalise_url, open_store

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_URL = os.environ.get("BACKCHANNEL_TEST_DATABASE_URL")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not PG_URL, reason="BACKCHANNEL_TEST_DATABASE_URL not set: no PostgreSQL server to test"
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
        return
    assert PG_URL
    base = normalise_url(PG_URL)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url, create=True)
    yield s
    s.close()


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_envelope(
    source: str = "Service A",
    *,
    originator: str | None = None,
    tlp: TLP = TLP.AMBER,
    reliability: Reliability = Reliability.B,
    credibility: Credibility = Credibility.CANNOT_BE_JUDGED,
    channel: str = "liaison",
) -> Envelope:
    return Envelope(
        source=source,
        originator=originator or source,
        channel=channel,
        tlp=tlp,
        reliability=reliability,
        credibility=credibility,
    )


@pytest.fixture
def envelope() -> Envelope:
    return make_envelope()


def shared_or_skip(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason a newcomer needs."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared data folder sits beside the project in CI)")
    return path


ClockT = Callable[[], datetime]
