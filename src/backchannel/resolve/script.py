"""Which writing system a string is in, decided cheaply from its letters."""

from __future__ import annotations

import re
from enum import StrEnum


class Script(StrEnum):
    """The script of a name; the first three use ISO 15924 codes."""

    ARABIC = "Arab"
    CYRILLIC = "Cyrl"
    LATIN = "Latn"
    OTHER = "other"  # letters of one script this package does not transliterate
    MIXED = "mixed"  # letters of more than one script
    NONE = "none"  # no letters at all (empty, digits, punctuation)


def char_script(ch: str) -> Script:
    """The script of one character; ``NONE`` for digits, punctuation, marks and spaces."""
    o = ord(ch)
    if o < 0x80:
        return Script.LATIN if ch.isalpha() else Script.NONE
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF:
        # Arabic digits, punctuation and harakat sit inside the block: they carry no script.
        return Script.ARABIC if ch.isalpha() else Script.NONE
    if 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF:
        return Script.ARABIC if ch.isalpha() else Script.NONE
    if 0x0400 <= o <= 0x052F or 0x1C80 <= o <= 0x1C8F or 0x2DE0 <= o <= 0x2DFF:
        return Script.CYRILLIC if ch.isalpha() else Script.NONE
    if o <= 0x024F or 0x1E00 <= o <= 0x1EFF or 0x2C60 <= o <= 0x2C7F or 0xA720 <= o <= 0xA7FF:
        return Script.LATIN if ch.isalpha() else Script.NONE
    if 0x02B0 <= o <= 0x036F:
        # Modifier letters (ʿ ʾ) and combining marks go with whatever they decorate.
        return Script.NONE
    return Script.OTHER if ch.isalpha() else Script.NONE


def detect_script(text: str) -> Script:
    """The one script all letters of ``text`` are in, ``MIXED`` if several, ``NONE`` if none.

    Pure-ASCII text (most Latin names) is decided without looking at each character.
    """
    if text.isascii():
        return Script.LATIN if _ASCII_LETTER(text) else Script.NONE
    found = Script.NONE
    for ch in text:
        s = char_script(ch)
        if s is Script.NONE or s is found:
            continue
        if found is not Script.NONE:
            return Script.MIXED
        found = s
    return found


_ASCII_LETTER = re.compile("[A-Za-z]").search
