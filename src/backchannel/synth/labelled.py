"""Reading a synthetic dataset back as labelled person profiles (for training and benchmarks).

Profiles are built the way the knowledge base builds them: each person record's statements are
extracted with the bundle's envelope, then turned into a matching profile.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from backchannel.ingest.manifest import read_manifest
from backchannel.resolve.profile import PersonProfile, profile_of
from backchannel.stix.extract import extract
from backchannel.stix.reader import read_bundle
from backchannel.stix.validate import normalise_timestamp

_SEEN = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Labelled:
    profiles: dict[str, PersonProfile]  # record id -> profile
    truth: dict[str, str]  # record id -> true person id


def read_truth(path: Path) -> dict[str, str]:
    with path.open(newline="") as f:
        return {row["record_id"]: row["person_id"] for row in csv.DictReader(f)}


def labelled_profiles(manifest: Path) -> Labelled:
    """Every person record of a ``synth`` output with its true person."""
    profiles: dict[str, PersonProfile] = {}
    for files, env in read_manifest(manifest):
        for name in files:
            for loc in read_bundle(name):
                obj = loc.obj
                if obj.get("type") != "identity" or obj.get("identity_class") != "individual":
                    continue
                version = normalise_timestamp(obj["modified"])
                got = extract(obj, env, version=version, seen_at=_SEEN)
                profiles[obj["id"]] = profile_of(obj["id"], got.statements)
    return Labelled(profiles, read_truth(manifest.parent / "truth.csv"))
