"""Fictional armed groups: invented names built like real ones, a home town, a size."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from backchannel.synth import clock
from backchannel.synth.gazetteer import PLACES_BY_COUNTRY, Place
from backchannel.synth.lexicon import Word
from backchannel.synth.sampler import Weighted, uniform


def _t(arabic: str, english: str, *latin: str) -> tuple[Word, str]:
    return Word(arabic, latin), english


def _a(arabic: str, english: str, *latin: str) -> tuple[Word, str]:
    return Word(arabic, latin, article=True), english


# Unit words: "Katibat" (battalion), "Liwa" (brigade), ... in construct state.
UNITS: tuple[tuple[Word, str], ...] = (
    _t("كتيبة", "Battalion", "Katibat", "Katibat", "Katibat", "Katiba", "Kateeba"),
    _t("لواء", "Brigade", "Liwa'", "Liwa", "Liwa", "Liwaa"),
    _t("جيش", "Army", "Jaysh", "Jaish", "Jaich", "Jeish"),
    _t("جبهة", "Front", "Jabhat", "Jabhat", "Jabhat", "Jabha"),
    _t("حركة", "Movement", "Harakat", "Harakat", "Harakat", "Haraka"),
    _t("سرايا", "Companies", "Saraya", "Saraya", "Saraya", "Sarayat"),
    _t("جماعة", "Group", "Jama'at", "Jamaat", "Jamaat", "Jamaa"),
    _t("تجمع", "Gathering", "Tajammu'", "Tajammu", "Tajamou", "Tajamu"),
    _t("فوج", "Regiment", "Fawj", "Fawj", "Fouj", "Fauj"),
    _t("فرقة", "Division", "Firqat", "Firqat", "Firqa", "Ferqat"),
)

NOUNS: tuple[tuple[Word, str], ...] = (
    _a("نور", "Light", "Nur", "Nour", "Nour", "Noor"),
    _a("فجر", "Dawn", "Fajr", "Fajr", "Fajr", "Fajer"),
    _a("رعد", "Thunder", "Ra'd", "Raad", "Raad", "Rad"),
    _a("برق", "Lightning", "Barq", "Barq", "Bark", "Baraq"),
    _a("سيف", "Sword", "Sayf", "Saif", "Seif", "Sayf"),
    _a("نجم", "Star", "Najm", "Najm", "Nejm", "Nijm"),
    _a("جبل", "Mountain", "Jabal", "Jabal", "Djebel", "Jebel"),
    _a("وادي", "Valley", "Wadi", "Wadi", "Oued", "Wady"),
    _a("ساحل", "Coast", "Sahil", "Sahel", "Sahel", "Saheel"),
    _a("نهر", "River", "Nahr", "Nahr", "Nahr", "Naher"),
    _a("سهم", "Arrow", "Sahm", "Sahm", "Sehm", "Saham"),
    _a("هلال", "Crescent", "Hilal", "Hilal", "Hilel", "Helal"),
    _a("ليث", "Lion", "Layth", "Laith", "Leith", "Laith"),
    _a("صقر", "Falcon", "Saqr", "Saqr", "Sakr", "Saker"),
    _a("نمر", "Tiger", "Nimr", "Nimr", "Nemr", "Nimer"),
    _a("بركان", "Volcano", "Burkan", "Burkan", "Bourkane", "Borkan"),
    _a("حصن", "Fortress", "Hisn", "Hisn", "Hosn", "Husn"),
    _a("رمح", "Spear", "Rumh", "Rumh", "Romh", "Rumuh"),
    _a("شهاب", "Meteor", "Shihab", "Shihab", "Chihab", "Shehab"),
    _a("عقاب", "Eagle", "Uqab", "Uqab", "Oqab", "Ukab"),
)

QUALIFIERS: tuple[tuple[Word, str], ...] = (
    _a("شرقي", "Eastern", "Sharqi", "Sharqi", "Charqi", "Sharki"),
    _a("غربي", "Western", "Gharbi", "Gharbi", "Gharbi", "Garbi"),
    _a("شمالي", "Northern", "Shamali", "Shamali", "Chamali", "Shemali"),
    _a("جنوبي", "Southern", "Janubi", "Janoubi", "Janoubi", "Jnubi"),
    _a("أوسط", "Central", "Awsat", "Awsat", "Aousat", "Awsat"),
    _a("أول", "First", "Awwal", "Awal", "Aouel", "Awwal"),
    _a("ثاني", "Second", "Thani", "Thani", "Thani", "Tani"),
    _a("أخضر", "Green", "Akhdar", "Akhdar", "Akhdar", "Akhdhar"),
    _a("أبيض", "White", "Abyad", "Abyad", "Abiadh", "Abiad"),
    _a("أسود", "Black", "Aswad", "Aswad", "Asouad", "Asswad"),
    _a("أحمر", "Red", "Ahmar", "Ahmar", "Ahmar", "Ahmer"),
    _a("ساطع", "Radiant", "Sati'", "Sate", "Satea", "Sati"),
    _a("ذهبي", "Golden", "Dhahabi", "Dhahabi", "Dahabi", "Thahabi"),
    _a("جديد", "New", "Jadid", "Jadeed", "Jadid", "Jdid"),
    _a("صامد", "Steadfast", "Samid", "Samed", "Samed", "Sameed"),
    _a("ثائر", "Rebel", "Tha'ir", "Thaer", "Thaer", "Thair"),
)


@dataclass(frozen=True, slots=True)
class TrueGroup:
    """A fictional group as it really is; each source knows it under its own id and spelling."""

    index: int
    unit: Word
    noun: Word
    qualifier: Word
    english: str
    place: Place
    founded: int
    threat_actor_types: tuple[str, ...]

    @property
    def arabic(self) -> str:
        """The name in Arabic script, e.g. ``كتيبة النور الشرقي``."""
        return f"{self.unit.arabic} ال{self.noun.arabic} ال{self.qualifier.arabic}"


_HOME = Weighted([("SY", 55.0), ("IQ", 35.0), ("LY", 10.0)])
_TYPES = Weighted(
    [
        (("terrorist",), 80.0),
        (("terrorist", "crime-syndicate"), 12.0),
        (("terrorist", "sensationalist"), 8.0),
    ]
)


def draw_groups(rng: Random, count: int) -> list[TrueGroup]:
    """``count`` groups with distinct names while the name space lasts, then repeating names.

    Repeats model the real case of two unrelated units sharing a name in different towns.
    """
    combos = [(u, n, q) for u in range(len(UNITS)) for n in range(len(NOUNS)) for q in range(16)]
    rng.shuffle(combos)
    groups = []
    for i in range(count):
        u, n, q = combos[i % len(combos)]
        unit, unit_en = UNITS[u]
        noun, noun_en = NOUNS[n]
        qual, qual_en = QUALIFIERS[q]
        home = uniform(rng, PLACES_BY_COUNTRY[_HOME.pick(rng)])
        founded = clock.between(rng, clock.day(2011, 6), clock.day(2015, 12, 31))
        groups.append(
            TrueGroup(
                index=i,
                unit=unit,
                noun=noun,
                qualifier=qual,
                english=f"{qual_en} {noun_en} {unit_en}",
                place=home,
                founded=founded,
                threat_actor_types=_TYPES.pick(rng),
            )
        )
    return groups


def size_weights(count: int) -> Weighted[int]:
    """Recruitment weights: a few large groups and a long tail of small ones (Zipf-like)."""
    return Weighted((i, 1.0 / (i + 1) ** 0.8) for i in range(count))
