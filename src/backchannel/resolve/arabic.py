"""Arabic-script names: normalisation and transliteration into the Latin matching alphabet.

Two normalisations. :func:`normalise_arabic` is for comparing Arabic with Arabic: it merges
every letter pair that writers confuse (hamza seats, ta marbuta and ha, alef maqsura and ya,
Persian/Urdu letter shapes) and drops what is optional (diacritics, tatweel, joiners).
Transliteration starts from a lighter fold that keeps the distinctions that tell vowels apart
(إ is i, final ى is a, ة is a), then writes consonants and long vowels only: the short vowels
are not in the script, so the form is marked *abjad* and the comparison treats a missing short
vowel as unknown rather than absent. ع and a bare initial alef become ``v`` (some vowel, or
none). Common names are vocalised from a table instead (see :mod:`.vocalisation`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from backchannel.resolve.latin import latin_form
from backchannel.resolve.vocalisation import VOCALISATIONS

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic annotation marks, tatweel,
# and the invisible joiners and direction marks that come with copied text.
_OPTIONAL = [
    *range(0x0610, 0x061B),
    *range(0x064B, 0x0660),
    0x0670,
    0x0640,
    0x061C,
    *range(0x06D6, 0x06DD),
    *range(0x06DF, 0x06E9),
    *range(0x06EA, 0x06EE),
    *range(0x08D3, 0x08E2),
    *range(0x08E3, 0x0900),
    *range(0x200B, 0x2010),
]

_SHAPES = {
    "ک": "ك",  # Persian/Urdu kaf
    "ڪ": "ك",
    "ی": "ي",  # Persian ye (dotless in every position)
    "ې": "ي",
    "ے": "ي",
    "ۍ": "ي",
    "ۀ": "ه",  # he with hamza (Persian ezafe)
    "ھ": "ه",  # Urdu do-chashmi he
    "ە": "ه",
    "ہ": "ه",
    "ٱ": "ا",  # alef wasla
    "ٲ": "ا",
    "ٳ": "ا",
}

_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {
    chr(0x06F0 + i): str(i) for i in range(10)
}

_NORMALISE = str.maketrans(
    {c: None for c in _OPTIONAL}
    | _SHAPES
    | _DIGITS
    | {"أ": "ا", "إ": "ا", "آ": "ا", "ؤ": "و", "ئ": "ي", "ء": None, "ة": "ه", "ى": "ي"}
)

# The lighter fold behind transliteration keeps إ آ ى ة ؤ ئ apart.
_LIGHT = str.maketrans(
    {c: None for c in _OPTIONAL} | _SHAPES | _DIGITS | {"أ": "ا", "ٱ": "ا", "ء": None}
)

_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_SPACES = re.compile(r"\s+")


def _decompose_presentation(text: str) -> str:
    # Presentation forms (ﻣﺤﻤﺪ, ﷲ) come from PDFs and old encodings; NFKC maps them to letters.
    if _PRESENTATION.search(text):
        return unicodedata.normalize("NFKC", text)
    return text


def normalise_arabic(text: str) -> str:
    """Arabic text with every optional or confusable distinction removed, spaces collapsed.

    أ إ آ ٱ → ا; ؤ → و; ئ → ي; standalone ء dropped; ة → ه; ى → ي; ک → ك; ی → ي;
    harakat, tanwin, shadda, sukun, superscript alef, Quranic marks, tatweel and joiners
    dropped; Arabic-Indic digits → ASCII. ``normalise_arabic("أَحْمَد") == "احمد"``.
    """
    text = _decompose_presentation(text).translate(_NORMALISE)
    return _SPACES.sub(" ", text).strip()


def fold_arabic(word: str) -> str:
    """The light fold transliteration starts from (keeps إ آ ى ة ؤ ئ)."""
    return _decompose_presentation(word).translate(_LIGHT)


# Consonants straight to the matching alphabet (see :mod:`.latin`): emphatics merge with
# their plain counterparts, ث ذ ظ with z (th/dh/z), خ with h, ش and چ are x (sh).
_CONSONANT = {
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ٹ": "t",
    "ث": "z",
    "ج": "j",
    "چ": "x",
    "ح": "h",
    "خ": "h",
    "د": "d",
    "ڈ": "d",
    "ذ": "z",
    "ر": "r",
    "ڑ": "r",
    "ز": "z",
    "ژ": "j",
    "س": "s",
    "ش": "x",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "g",
    "ف": "f",
    "ڤ": "w",
    "ق": "k",
    "ك": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ں": "n",
    "ه": "h",
}
_LONG = frozenset("اآىوي")  # letters that write vowels (and y/w next to them)
_GLIDE_NEXT = frozenset("اآىويةئؤإ")
_GLIDE = {"و": "w", "ي": "y"}
_VOWEL = {"و": "u", "ي": "i"}


@lru_cache(maxsize=1 << 15)
def abjad_form(word: str) -> str:
    """The matching form of one Arabic word from its letters alone (no vocalisation table).

    Consonants and long vowels; ع and a bare initial alef are ``v``. ``"محمد"`` → ``"mhmd"``,
    ``"الشامي"`` → ``"alxami"`` (the article is not special here), ``"عامر"`` → ``"vamr"``.
    """
    w = fold_arabic(word)
    out: list[str] = []
    n = len(w)
    for i, c in enumerate(w):
        nxt = w[i + 1] if i + 1 < n else ""
        prev = w[i - 1] if i else ""
        if c in _CONSONANT:
            if c == "ه" and i == n - 1 and i > 0 and prev not in _LONG:
                out.append("a")  # ta marbuta written as ha (فاطمه), the usual case at the end
            else:
                out.append(_CONSONANT[c])
        elif c == "ع":
            out.append("v")
        elif c == "ا":
            out.append("v" if i == 0 else "a")
        elif c == "إ":
            out.append("i")
        elif c in "آىة":
            out.append("a")
        elif c == "ؤ":
            out.append("w")
        elif c == "ئ":
            out.append("y")
        elif c in "وي":
            # A consonant (w, y) first, before a vowel letter or after alef; else a long vowel.
            glide = i == 0 or nxt in _GLIDE_NEXT or prev in "اآ"
            out.append(_GLIDE[c] if glide else _VOWEL[c])
        elif c.isalpha():
            out.append(c)  # a letter outside the tables: kept, so it only matches itself
    # Doubled letters are not collapsed: without shadda, two written letters are two sounds.
    return "".join(out)


# Normalised spelling → matching form of the listed romanisation.
VOCALISED: dict[str, str] = {
    normalise_arabic(arabic): latin_form(latin) for arabic, latin in VOCALISATIONS
}


def vocalised_form(word: str) -> str:
    """The matching form of a common name from the vocalisation table, ``""`` if not listed.

    ``word`` is one word without the article, in any Arabic spelling.
    """
    return VOCALISED.get(normalise_arabic(word), "")


def arabic_form(word: str) -> tuple[str, bool]:
    """``(form, abjad)`` for one Arabic word without its article.

    The vocalised form when the name is in the table (``abjad`` False), else :func:`abjad_form`
    (``abjad`` True: short vowels unknown).
    """
    form = vocalised_form(word)
    if form:
        return form, False
    return abjad_form(word), True


ARTICLE = "ال"


def transliterate_arabic(text: str) -> str:
    """Each word of ``text`` in the matching alphabet, the article written ``al-``.

    ``transliterate_arabic("محمد الشامي") == "muhamad al-xami"``. Meant for display and
    debugging; names are compared through :func:`backchannel.resolve.parse_name`.
    """
    words = []
    for word in fold_arabic(text).split():
        article = word.startswith(ARTICLE) and len(word) > 3
        stem = word[2:] if article else word
        form, _ = arabic_form(stem)
        words.append(("al-" if article else "") + form)
    return " ".join(words)
