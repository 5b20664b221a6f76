"""Names: parsing, normalisation, transliteration and comparison of Arabic-origin names.

The matcher and the screening index build on four calls::

    parse_name(text) -> ParsedName          # parts, roles, matching forms and keys
    name_similarity(a, b) -> NameMatch       # aligned, scored, explained
    token_similarity(t, u) -> float          # one part against another
    detect_script(text) -> Script

and on the lower layers (:mod:`.arabic`, :mod:`.cyrillic`, :mod:`.latin`) for display and
for building keys of single words.
"""

from backchannel.resolve.arabic import normalise_arabic, transliterate_arabic
from backchannel.resolve.common_name import COMMON_GIVEN_KEYS, default_weight
from backchannel.resolve.cyrillic import transliterate_cyrillic
from backchannel.resolve.latin import fold_latin, form_key, latin_form, latin_key
from backchannel.resolve.name import ParsedName, parse_name
from backchannel.resolve.name_similarity import (
    NameMatch,
    TokenPair,
    name_similarity,
    token_similarity,
)
from backchannel.resolve.script import Script, detect_script
from backchannel.resolve.token import NameToken, Role

__all__ = [
    "COMMON_GIVEN_KEYS",
    "NameMatch",
    "NameToken",
    "ParsedName",
    "Role",
    "Script",
    "TokenPair",
    "default_weight",
    "detect_script",
    "fold_latin",
    "form_key",
    "latin_form",
    "latin_key",
    "name_similarity",
    "normalise_arabic",
    "parse_name",
    "token_similarity",
    "transliterate_arabic",
    "transliterate_cyrillic",
]
