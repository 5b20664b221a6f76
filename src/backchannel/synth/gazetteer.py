"""Real towns with the spellings sources use for them, and their coordinates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """A town. ``names[0]`` is the common English form; the others are seen in reporting."""

    index: int
    names: tuple[str, ...]
    country: str
    latitude: float
    longitude: float

    @property
    def region(self) -> str:
        """The STIX ``region-ov`` value for the place's country."""
        return REGIONS[self.country]


# STIX 2.1 region-ov (UN M49 subregions) per country.
REGIONS: dict[str, str] = {
    "SY": "western-asia",
    "IQ": "western-asia",
    "JO": "western-asia",
    "SA": "western-asia",
    "TR": "western-asia",
    "EG": "northern-africa",
    "LY": "northern-africa",
    "TN": "northern-africa",
    "MA": "northern-africa",
    "FR": "western-europe",
    "BE": "western-europe",
    "DE": "western-europe",
    "NL": "western-europe",
    "GB": "northern-europe",
    "SE": "northern-europe",
    "DK": "northern-europe",
    "RU": "eastern-europe",
    "AU": "australia-new-zealand",
}

_RAW: tuple[tuple[str, float, float, tuple[str, ...]], ...] = (
    ("SY", 36.202, 37.134, ("Aleppo", "Halab", "Alep")),
    ("SY", 35.950, 39.009, ("Raqqa", "Ar-Raqqah", "Rakka", "al-Raqqa")),
    ("SY", 35.931, 36.633, ("Idlib", "Idleb", "Edlib")),
    ("SY", 35.336, 40.140, ("Deir ez-Zor", "Deir al-Zour", "Dayr az-Zawr", "Deir Ezzor")),
    ("SY", 34.730, 36.709, ("Homs", "Hims")),
    ("SY", 35.135, 36.752, ("Hama", "Hamah")),
    ("SY", 33.513, 36.292, ("Damascus", "Dimashq", "Damas")),
    ("SY", 36.370, 37.517, ("al-Bab", "Al Bab", "El Bab")),
    ("SY", 36.527, 37.955, ("Manbij", "Menbij", "Mambij")),
    ("SY", 35.836, 38.548, ("Tabqa", "al-Tabqah", "Al-Thawrah")),
    ("SY", 36.502, 40.747, ("Hasakah", "Al-Hasakah", "Hassakeh")),
    ("SY", 36.387, 41.147, ("al-Hol", "Al-Hawl", "El Hol")),
    ("SY", 34.453, 40.948, ("Baghuz", "al-Baghuz Fawqani", "Baghouz")),
    ("SY", 36.817, 38.011, ("Jarabulus", "Jarablus", "Djerablous")),
    ("IQ", 36.340, 43.130, ("Mosul", "al-Mawsil", "Mossoul")),
    ("IQ", 33.349, 43.784, ("Fallujah", "Falluja", "al-Fallujah")),
    ("IQ", 33.420, 43.299, ("Ramadi", "al-Ramadi", "Ar Ramadi")),
    ("IQ", 34.597, 43.677, ("Tikrit", "Tekrit")),
    ("IQ", 35.468, 44.392, ("Kirkuk", "Kerkuk")),
    ("IQ", 33.315, 44.366, ("Baghdad", "Bagdad")),
    ("IQ", 36.376, 42.449, ("Tal Afar", "Tall Afar", "Tel Afar")),
    ("IQ", 35.325, 43.768, ("Hawija", "al-Hawijah", "Hawijah")),
    ("IQ", 34.368, 41.094, ("al-Qaim", "Al Qa'im", "Qaim")),
    ("IQ", 33.746, 44.643, ("Baqubah", "Baquba", "Ba'qubah")),
    ("LY", 31.205, 16.588, ("Sirte", "Surt", "Syrte")),
    ("LY", 32.767, 22.637, ("Derna", "Darnah")),
    ("LY", 32.116, 20.068, ("Benghazi", "Banghazi")),
    ("LY", 32.793, 12.488, ("Sabratha", "Sabratah")),
    ("TN", 36.806, 10.181, ("Tunis",)),
    ("TN", 34.740, 10.760, ("Sfax", "Safaqis")),
    ("TN", 35.678, 10.096, ("Kairouan", "Qayrawan")),
    ("TN", 37.274, 9.874, ("Bizerte", "Banzart")),
    ("TN", 33.138, 11.220, ("Ben Gardane", "Ben Guerdane")),
    ("MA", 35.760, -5.834, ("Tangier", "Tanger", "Tanja")),
    ("MA", 35.571, -5.372, ("Tetouan", "Tetuan", "Titwan")),
    ("MA", 34.033, -5.000, ("Fes", "Fez", "Fès")),
    ("MA", 33.573, -7.590, ("Casablanca", "Dar el Beida")),
    ("EG", 30.044, 31.236, ("Cairo", "al-Qahira", "Le Caire")),
    ("EG", 31.200, 29.918, ("Alexandria", "al-Iskandariyya", "Alexandrie")),
    ("EG", 31.132, 33.798, ("Arish", "al-Arish", "El Arish")),
    ("JO", 32.072, 36.088, ("Zarqa", "az-Zarqa", "Zarka")),
    ("JO", 32.556, 35.850, ("Irbid", "Irbed")),
    ("JO", 30.196, 35.734, ("Ma'an", "Maan")),
    ("JO", 31.953, 35.911, ("Amman", "Amman")),
    ("SA", 24.713, 46.675, ("Riyadh", "ar-Riyad", "Riad")),
    ("SA", 26.326, 43.975, ("Buraydah", "Buraidah", "Breida")),
    ("SA", 21.485, 39.193, ("Jeddah", "Jiddah", "Djeddah")),
    ("TR", 37.066, 37.383, ("Gaziantep", "Antep", "Aintab")),
    ("TR", 37.159, 38.797, ("Sanliurfa", "Şanlıurfa", "Urfa")),
    ("TR", 36.718, 37.121, ("Kilis",)),
    ("TR", 41.008, 28.978, ("Istanbul", "İstanbul")),
    ("TR", 36.711, 38.948, ("Akcakale", "Akçakale")),
    ("FR", 48.857, 2.352, ("Paris",)),
    ("FR", 43.605, 1.444, ("Toulouse",)),
    ("FR", 43.710, 7.262, ("Nice",)),
    ("FR", 43.676, 4.136, ("Lunel",)),
    ("FR", 48.573, 7.752, ("Strasbourg", "Strassburg")),
    ("FR", 48.776, 2.002, ("Trappes",)),
    ("BE", 50.850, 4.352, ("Brussels", "Bruxelles", "Brussel")),
    ("BE", 51.219, 4.402, ("Antwerp", "Anvers", "Antwerpen")),
    ("BE", 50.928, 4.425, ("Vilvoorde", "Vilvorde")),
    ("BE", 50.855, 4.322, ("Molenbeek", "Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek")),
    ("DE", 51.563, 6.733, ("Dinslaken",)),
    ("DE", 53.551, 9.994, ("Hamburg", "Hambourg")),
    ("DE", 50.737, 7.098, ("Bonn",)),
    ("DE", 52.520, 13.405, ("Berlin",)),
    ("DE", 52.423, 10.787, ("Wolfsburg",)),
    ("GB", 51.507, -0.128, ("London", "Londres")),
    ("GB", 52.486, -1.890, ("Birmingham",)),
    ("GB", 50.820, -1.088, ("Portsmouth",)),
    ("GB", 51.481, -3.179, ("Cardiff",)),
    ("NL", 52.078, 4.288, ("The Hague", "Den Haag", "La Haye")),
    ("NL", 52.012, 4.357, ("Delft",)),
    ("NL", 51.924, 4.478, ("Rotterdam",)),
    ("SE", 57.709, 11.975, ("Gothenburg", "Göteborg")),
    ("SE", 55.605, 13.004, ("Malmö", "Malmo")),
    ("SE", 59.329, 18.069, ("Stockholm",)),
    ("DK", 56.163, 10.204, ("Aarhus", "Århus")),
    ("DK", 55.676, 12.568, ("Copenhagen", "København", "Copenhague")),
    ("RU", 43.318, 45.692, ("Grozny", "Groznyy")),
    ("RU", 42.984, 47.504, ("Makhachkala", "Mahachkala")),
    ("AU", -33.869, 151.209, ("Sydney",)),
    ("AU", -37.814, 144.963, ("Melbourne",)),
)

PLACES: tuple[Place, ...] = tuple(
    Place(i, names, country, lat, lon) for i, (country, lat, lon, names) in enumerate(_RAW)
)

PLACES_BY_COUNTRY: dict[str, tuple[Place, ...]] = {
    code: tuple(p for p in PLACES if p.country == code) for code in REGIONS
}

# Where the fictional groups hold ground.
CONFLICT_COUNTRIES = ("SY", "IQ", "LY")


def place_named(name: str) -> Place:
    """The place whose English name is ``name`` (for the few the generator picks on purpose)."""
    for p in PLACES:
        if p.names[0] == name:
            return p
    raise KeyError(name)
