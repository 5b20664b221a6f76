"""One part of a parsed name: what was written, its matching form and key, and its role."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from backchannel.resolve.arabic import arabic_form
from backchannel.resolve.cyrillic import transliterate_cyrillic
from backchannel.resolve.latin import fold_latin, form_key, latin_form
from backchannel.resolve.script import Script


class Role(StrEnum):
    """What a part of an Arabic-origin name is."""

    GIVEN = "given"  # ism: Muhammad, Abd al-Rahman, Nur al-Din
    NASAB = "nasab"  # a father's or forefather's name: (bin) Khalid
    NISBA = "nisba"  # al-X, usually adjectival: al-Qaryani, ash-Shami
    FAMILY = "family"  # a surname without article, or the part before a comma
    LAQAB = "laqab"  # an honorific or title: Sheikh, Hajji, Mullah
    KUNYA = "kunya"  # Abu X / Umm X
    INITIAL = "initial"  # one letter standing for a part: the M. in "M. Qaryani"


@dataclass(frozen=True, slots=True)
class NameToken:
    """One part of a name.

    ``text`` is the part as written, with its article or prefix (``al-Qaryani``,
    ``Abd al-Rahman``); ``form`` its matching form (``karyani``, ``abdrahman``); ``key`` the
    consonant skeleton of the form (``kryni``). ``abjad`` is true when the form came from
    Arabic script letter by letter, so its short vowels are unknown. ``initial`` is the
    written first letter, folded to Latin (``m`` for Mohammed, M. and محمد).
    """

    text: str
    form: str
    key: str
    role: Role
    abjad: bool = False
    initial: str = ""


@lru_cache(maxsize=1 << 16)
def word_form(word: str, script: Script) -> tuple[str, bool]:
    """``(form, abjad)`` of one word (no article, no prefix) in ``script``.

    Latin and Cyrillic words are fully vowelled; Arabic words are vocalised from the table of
    common names when listed, else transliterated letter by letter (``abjad`` True). Words in
    other scripts are only folded (lowercase, no marks) and so match themselves.
    """
    if script is Script.ARABIC:
        return arabic_form(word)
    if script is Script.CYRILLIC:
        return latin_form(transliterate_cyrillic(word)), False
    if script is Script.LATIN:
        return latin_form(word), False
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)), False


def make_token(text: str, form: str, role: Role, *, abjad: bool, initial: str) -> NameToken:
    """A token with its key computed from ``form``."""
    return NameToken(text, form, form_key(form), role, abjad, initial)


@lru_cache(maxsize=1 << 16)
def written_initial(word: str, script: Script, form: str) -> str:
    """The first letter of ``word`` as a Latin reader would abbreviate it."""
    if script is Script.LATIN:
        return fold_latin(word)[:1]
    if script is Script.CYRILLIC:
        return fold_latin(transliterate_cyrillic(word))[:1]
    first = form[:1]
    return _FORM_INITIAL.get(first, first)


# Letters of the matching alphabet back to the Latin letter a reader would write first.
_FORM_INITIAL = {"v": "a", "x": "s", "e": "a"}
