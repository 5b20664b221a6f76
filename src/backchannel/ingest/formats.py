"""Input formats: how to read a file into located STIX objects.

Every format converts its records to STIX 2.1 objects (persons as ``identity`` with the
person-profile extension), so validation, the archive and statements work the same for all.
Register a new format by adding it to :data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from backchannel.errors import InvalidInput
from backchannel.ingest.ftm import read_ftm
from backchannel.ingest.ofac import read_ofac
from backchannel.ingest.un_list import read_un_list
from backchannel.stix.reader import Located, read_bundle


@dataclass(frozen=True, slots=True)
class InputFormat:
    name: str
    description: str
    suffixes: tuple[str, ...]  # what a directory is searched for
    read: Callable[[str], Iterator[Located]]


STIX = InputFormat("stix", "STIX 2.1 bundles (.json, .json.gz)", (".json", ".json.gz"), read_bundle)
FTM = InputFormat(
    "ftm",
    "FollowTheMoney entities as JSON lines, e.g. OpenSanctions (.jsonl, .ndjson, .json)",
    (".jsonl", ".ndjson", ".json"),
    read_ftm,
)
UN = InputFormat(
    "un",
    "UN Security Council Consolidated List (.xml)",
    (".xml",),
    read_un_list,
)
OFAC = InputFormat(
    "ofac",
    "OFAC SDN list, legacy CSV (sdn.csv; alt.csv and add.csv beside it)",
    ("sdn.csv",),
    read_ofac,
)

FORMATS: dict[str, InputFormat] = {f.name: f for f in (STIX, FTM, UN, OFAC)}


def input_format(name: str) -> InputFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown input format {name!r}", why="one of " + ", ".join(sorted(FORMATS))
        ) from None
