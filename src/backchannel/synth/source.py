"""The fictional sources: who delivers each bundle, how it is graded, and its recording habits.

Each source romanises names its own way (its :class:`Style`) and knows more or less about a
person (its :class:`Habits`); that difference, not random noise alone, is what makes entity
resolution across sources hard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backchannel.model.grade import credibility_to_confidence
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.synth.sampler import Weighted


@dataclass(frozen=True, slots=True)
class Style:
    """How a source writes names in Latin script."""

    system: str  # the transliteration convention recorded in the profile's ``names[].system``
    variant: int  # preferred index into ``Word.latin``: 0 scholarly, 1 English, 2 French
    fidelity: float  # share of words written in the preferred variant
    article: Weighted[str]  # article forms, see ``transliteration.with_article``
    nasab: Weighted[str]  # "bin", "ibn", "ben", "b."
    kunya_prefix: Weighted[str]  # "Abu", "Abou"
    surname_first: float  # "AL-HALABI, Muhammad Ahmad"
    upper_surname: float  # surname in capitals, as on police and border lists
    drop_father: float
    drop_grandfather: float
    drop_surname: float
    typo: float
    arabic: float  # share of records carrying the Arabic-script name
    kunya_only: float  # share of records that know the person only by kunya or nom de guerre
    second_spelling: float
    birth_name_first: float  # converts: share of records led by the birth name


@dataclass(frozen=True, slots=True)
class Habits:
    """What a source records about a person and how well."""

    coverage: float  # relative chance a person appears in this source
    duplicate: float  # chance of a second, independent record of the same person
    birth: Weighted[str]  # day, month, year, approx, range, none
    birth_error: float  # chance the year (or day/month order) is wrong
    birthplace: float
    nationality: float
    gender: float
    status: float
    status_graded: float  # chance a status assertion names its own sub-source and grade
    status_sources: Weighted[tuple[str, Reliability, Credibility]]
    aliases: float
    confidence: float  # chance a record carries an object-level ``confidence``
    markings: Weighted[TLP | None]  # object-level TLP marking (None: the envelope's applies)
    member: float
    located: float
    travel: float
    time_bounds: float  # chance a relationship carries start/stop times
    report_every: int
    description: float


@dataclass(frozen=True, slots=True)
class Source:
    """One bundle and its envelope."""

    file: str
    source: str
    originator: str
    channel: str
    tlp: TLP
    reliability: Reliability
    credibility: Credibility
    style: Style
    habits: Habits

    @property
    def confidence(self) -> int:
        """The STIX confidence matching the envelope credibility (50 if it cannot be judged)."""
        confidence = credibility_to_confidence(self.credibility)
        return 50 if confidence is None else confidence

    def manifest_entry(self) -> dict[str, Any]:
        """The envelope as written in ``manifest.json``."""
        return {
            "file": self.file,
            "source": self.source,
            "originator": self.originator,
            "channel": self.channel,
            "tlp": self.tlp.value,
            "reliability": self.reliability.value,
            "credibility": int(self.credibility.value),
        }


_R = Reliability
_C = Credibility

_BIRTH_KINDS = ("day", "month", "year", "approx", "range", "none")


def _births(*weights: float) -> Weighted[str]:
    """Birth-date precision weights in the order of ``_BIRTH_KINDS``."""
    return Weighted(zip(_BIRTH_KINDS, weights, strict=True))


_PRECISE = _births(55, 10, 15, 5, 5, 10)
_VAGUE = _births(15, 10, 25, 15, 10, 25)
_PRESS = _births(5, 2, 10, 20, 3, 60)
_SERVICE_SUBSOURCES = Weighted(
    [
        (("Partner E", _R.C, _C.POSSIBLY_TRUE), 3.0),
        (("human source", _R.B, _C.PROBABLY_TRUE), 3.0),
        (("intercept", _R.A, _C.PROBABLY_TRUE), 1.0),
        (("detainee debrief", _R.C, _C.DOUBTFUL), 2.0),
    ]
)
_PRESS_SUBSOURCES = Weighted(
    [
        (("local media", _R.D, _C.POSSIBLY_TRUE), 4.0),
        (("group statement", _R.E, _C.DOUBTFUL), 3.0),
        (("social media account", _R.F, _C.DOUBTFUL), 3.0),
        (("family statement", _R.C, _C.POSSIBLY_TRUE), 2.0),
    ]
)

SOURCES: tuple[Source, ...] = (
    Source(
        file="service-a.json",
        source="Service A",
        originator="Service A",
        channel="liaison",
        tlp=TLP.AMBER,
        reliability=_R.B,
        credibility=_C.PROBABLY_TRUE,
        style=Style(
            system="ala-lc",
            variant=0,
            fidelity=0.85,
            article=Weighted([("al-", 80.0), ("assim", 15.0), ("Al-", 5.0)]),
            nasab=Weighted([("bin", 70.0), ("ibn", 30.0)]),
            kunya_prefix=Weighted([("Abu", 1.0)]),
            surname_first=0.0,
            upper_surname=0.0,
            drop_father=0.15,
            drop_grandfather=0.4,
            drop_surname=0.1,
            typo=0.01,
            arabic=0.6,
            kunya_only=0.02,
            second_spelling=0.25,
            birth_name_first=0.3,
        ),
        habits=Habits(
            coverage=40.0,
            duplicate=0.01,
            birth=_PRECISE,
            birth_error=0.05,
            birthplace=0.7,
            nationality=0.9,
            gender=0.95,
            status=0.75,
            status_graded=0.15,
            status_sources=_SERVICE_SUBSOURCES,
            aliases=0.85,
            confidence=0.4,
            markings=Weighted(
                [(None, 60.0), (TLP.AMBER, 20.0), (TLP.AMBER_STRICT, 15.0), (TLP.RED, 5.0)]
            ),
            member=0.9,
            located=0.6,
            travel=0.6,
            time_bounds=0.6,
            report_every=25,
            description=0.3,
        ),
    ),
    Source(
        file="service-b.json",
        source="Service B",
        originator="Service B",
        channel="liaison",
        tlp=TLP.AMBER_STRICT,
        reliability=_R.C,
        credibility=_C.PROBABLY_TRUE,
        style=Style(
            system="french",
            variant=2,
            fidelity=0.75,
            article=Weighted(
                [("El ", 40.0), ("el-", 20.0), ("El", 10.0), ("", 20.0), ("Al ", 10.0)]
            ),
            nasab=Weighted([("ben", 80.0), ("Ben", 20.0)]),
            kunya_prefix=Weighted([("Abou", 70.0), ("Abu", 30.0)]),
            surname_first=0.7,
            upper_surname=0.9,
            drop_father=0.5,
            drop_grandfather=0.8,
            drop_surname=0.05,
            typo=0.03,
            arabic=0.1,
            kunya_only=0.02,
            second_spelling=0.15,
            birth_name_first=0.9,
        ),
        habits=Habits(
            coverage=35.0,
            duplicate=0.03,
            birth=_PRECISE,
            birth_error=0.08,
            birthplace=0.8,
            nationality=0.95,
            gender=0.9,
            status=0.7,
            status_graded=0.1,
            status_sources=_SERVICE_SUBSOURCES,
            aliases=0.7,
            confidence=0.2,
            markings=Weighted([(None, 70.0), (TLP.AMBER, 10.0), (TLP.RED, 20.0)]),
            member=0.85,
            located=0.5,
            travel=0.7,
            time_bounds=0.7,
            report_every=40,
            description=0.1,
        ),
    ),
    Source(
        file="partner-c.json",
        source="Partner C",
        originator="Partner C",
        channel="liaison",
        tlp=TLP.GREEN,
        reliability=_R.B,
        credibility=_C.POSSIBLY_TRUE,
        style=Style(
            system="ad-hoc",
            variant=1,
            fidelity=0.65,
            article=Weighted(
                [("Al-", 40.0), ("al-", 20.0), ("Al ", 20.0), ("Al", 10.0), ("", 10.0)]
            ),
            nasab=Weighted([("bin", 60.0), ("Bin", 30.0), ("b.", 10.0)]),
            kunya_prefix=Weighted([("Abu", 90.0), ("Abo", 10.0)]),
            surname_first=0.3,
            upper_surname=0.5,
            drop_father=0.3,
            drop_grandfather=0.6,
            drop_surname=0.15,
            typo=0.05,
            arabic=0.0,
            kunya_only=0.03,
            second_spelling=0.1,
            birth_name_first=0.7,
        ),
        habits=Habits(
            coverage=20.0,
            duplicate=0.02,
            birth=_VAGUE,
            birth_error=0.12,
            birthplace=0.4,
            nationality=0.8,
            gender=0.7,
            status=0.6,
            status_graded=0.1,
            status_sources=_SERVICE_SUBSOURCES,
            aliases=0.6,
            confidence=0.6,
            markings=Weighted([(None, 80.0), (TLP.GREEN, 10.0), (TLP.AMBER, 10.0)]),
            member=0.8,
            located=0.4,
            travel=0.4,
            time_bounds=0.3,
            report_every=30,
            description=0.2,
        ),
    ),
    Source(
        file="partner-d-via-b.json",
        source="Service B",
        originator="Partner D",
        channel="liaison",
        tlp=TLP.RED,
        reliability=_R.F,
        credibility=_C.POSSIBLY_TRUE,
        style=Style(
            system="english",
            variant=1,
            fidelity=0.8,
            article=Weighted([("al-", 50.0), ("Al-", 30.0), ("assim", 20.0)]),
            nasab=Weighted([("bin", 90.0), ("ibn", 10.0)]),
            kunya_prefix=Weighted([("Abu", 1.0)]),
            surname_first=0.1,
            upper_surname=0.3,
            drop_father=0.2,
            drop_grandfather=0.5,
            drop_surname=0.1,
            typo=0.02,
            arabic=0.3,
            kunya_only=0.05,
            second_spelling=0.2,
            birth_name_first=0.5,
        ),
        habits=Habits(
            coverage=10.0,
            duplicate=0.01,
            birth=_VAGUE,
            birth_error=0.1,
            birthplace=0.5,
            nationality=0.85,
            gender=0.8,
            status=0.8,
            status_graded=0.2,
            status_sources=_SERVICE_SUBSOURCES,
            aliases=0.8,
            confidence=0.5,
            markings=Weighted([(None, 85.0), (TLP.RED, 15.0)]),
            member=0.9,
            located=0.5,
            travel=0.3,
            time_bounds=0.5,
            report_every=20,
            description=0.3,
        ),
    ),
    Source(
        file="news-monitor.json",
        source="News Monitor",
        originator="News Monitor",
        channel="osint",
        tlp=TLP.CLEAR,
        reliability=_R.D,
        credibility=_C.DOUBTFUL,
        style=Style(
            system="english",
            variant=1,
            fidelity=0.6,
            article=Weighted(
                [("al-", 50.0), ("Al-", 20.0), ("el-", 10.0), ("assim", 10.0), ("", 10.0)]
            ),
            nasab=Weighted([("bin", 70.0), ("ibn", 30.0)]),
            kunya_prefix=Weighted([("Abu", 90.0), ("Abou", 10.0)]),
            surname_first=0.0,
            upper_surname=0.0,
            drop_father=0.6,
            drop_grandfather=0.9,
            drop_surname=0.2,
            typo=0.04,
            arabic=0.2,
            kunya_only=0.3,
            second_spelling=0.2,
            birth_name_first=0.6,
        ),
        habits=Habits(
            coverage=25.0,
            duplicate=0.04,
            birth=_PRESS,
            birth_error=0.2,
            birthplace=0.5,
            nationality=0.7,
            gender=0.6,
            status=0.9,
            status_graded=0.6,
            status_sources=_PRESS_SUBSOURCES,
            aliases=0.9,
            confidence=0.3,
            markings=Weighted([(None, 1.0)]),
            member=0.8,
            located=0.5,
            travel=0.2,
            time_bounds=0.2,
            report_every=8,
            description=0.0,
        ),
    ),
)


def marking_levels(source: Source) -> list[TLP]:
    """The TLP levels objects of this source's bundle may reference, least strict first."""
    levels = {m for m in source.habits.markings.items if m is not None}
    return sorted(levels, key=lambda t: t.rank)
