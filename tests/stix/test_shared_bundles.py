"""The real public bundles in ../shared/data/stix import with 0 errors (skipped where absent)."""

from __future__ import annotations

import json

import pytest

from backchannel.ingest.stix_bundle import import_stix
from backchannel.store.engine import Store
from tests.conftest import Clock, make_envelope, shared_or_skip
from tests.stix.helpers import knowledge, received, validator_errors

BUNDLES = [
    "apt1.json",
    "poisonivy.json",
    "defining-campaigns-threat-actors-intrusion-sets.json",
    "ics-attack-18.1.json",
    "mobile-attack-17.0.json",
]


@pytest.mark.parametrize("name", BUNDLES)
def test_bundle_imports_without_errors_and_exports_as_received(
    name: str, store: Store, clock: Clock
) -> None:
    path = shared_or_skip("data", "stix", name)
    sent = json.loads(path.read_text())["objects"]
    result = import_stix(store, [str(path)], make_envelope("MITRE/OASIS"), clock=clock)
    assert result.rejections == []
    assert result.counts.rejected == 0
    assert result.counts.new + result.counts.unchanged == len(sent)
    back = received(store, all_versions=True)["objects"]
    assert sorted(back, key=lambda o: o["id"]) == sorted(
        {o["id"]: o for o in sent}.values(), key=lambda o: o["id"]
    )


def test_attack_bundles_share_ids_and_keep_both_versions(store: Store, clock: Clock) -> None:
    ics = shared_or_skip("data", "stix", "ics-attack-18.1.json")
    mobile = shared_or_skip("data", "stix", "mobile-attack-17.0.json")
    env = make_envelope("MITRE")
    first = import_stix(store, [str(ics)], env, clock=clock)
    second = import_stix(store, [str(mobile)], env, clock=clock)
    assert first.rejections == second.rejections == []
    # 14 shared ids: 3 identical, 11 with another `modified` (README of the data).
    assert second.counts.unchanged == 3
    assert second.counts.new_version + second.counts.older_version == 11
    assert validator_errors(knowledge(store)) == []
