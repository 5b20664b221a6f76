"""Arabic-script normalisation and transliteration to the matching alphabet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backchannel.resolve import latin_form, normalise_arabic, transliterate_arabic
from backchannel.resolve.arabic import abjad_form

# Spellings that writers use for one name: each group must normalise to one string.
SAME_AFTER_NORMALISATION = [
    ("أحمد", "احمد", "إحمد", "آحمد"),  # hamza seats on alef
    ("مصطفى", "مصطفي"),  # alef maqsura / ya
    ("فاطمة", "فاطمه"),  # ta marbuta / ha
    ("محمد", "مُحَمَّد", "مـحـمـد", "مُحَمَّـــد", "ﻣﺤﻤﺪ"),  # harakat, shadda, tatweel, presentation
    ("مؤمن", "مومن"),  # hamza on waw
    ("سامرائي", "سامرايي"),  # hamza on ya
    ("أسماء", "اسما"),  # standalone hamza dropped
    ("الرحمٰن", "الرحمن"),  # superscript alef
    ("عبد الكبير", "عبد الکبیر"),  # Persian kaf and ye
    ("ٱلله", "الله"),  # alef wasla
    ("عبد\u200cالله", "عبدالله"),  # zero-width non-joiner
    ("ابن  خالد", " ابن خالد "),  # spacing
]


@pytest.mark.parametrize("group", SAME_AFTER_NORMALISATION)
def test_normalisation_merges_spellings(group: tuple[str, ...]) -> None:
    assert len({normalise_arabic(s) for s in group}) == 1


def test_normalisation_details() -> None:
    assert normalise_arabic("أَحْمَد") == "احمد"
    assert normalise_arabic("فاطمة") == "فاطمه"
    assert normalise_arabic("يحيى") == "يحيي"
    assert normalise_arabic("١٩٧٧") == "1977"


@given(st.text())
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalise_arabic(text)
    assert normalise_arabic(once) == once


# Arabic script against the Latin spelling it should be read as (vocalised or by letters).
TRANSLITERATIONS = [
    ("محمد", "Muhammad"),
    ("أسامة", "Usama"),
    ("يوسف", "Yusuf"),
    ("حسين", "Husayn"),
    ("حسن", "Hasan"),
    ("خالد", "Khalid"),
    ("عمر", "Umar"),
    ("عامر", "Amir"),
    ("عمرو", "Amru"),
    ("مصطفى", "Mustafa"),
    ("مصطفي", "Mustafa"),
    ("فاطمه", "Fatima"),
    ("على", "Ali"),  # Egyptian spelling of علي
]


@pytest.mark.parametrize(("arabic", "latin"), TRANSLITERATIONS)
def test_vocalised_names_meet_their_latin_form(arabic: str, latin: str) -> None:
    assert transliterate_arabic(arabic) == latin_form(latin)


def test_article_is_written_apart() -> None:
    assert transliterate_arabic("محمد الشامي") == "muhamad al-xami"


@pytest.mark.parametrize(
    ("arabic", "form"),
    [
        ("عدناني", "vdnani"),  # ʿayn is the unknown vowel v
        ("قرياني", "kryani"),  # y before a vowel letter is a consonant
        ("شامي", "xami"),  # sh is x
        ("ظواهري", "zwahri"),  # ظ is z, w before alef a consonant
        ("حوثي", "huzi"),  # ث is z (th), و between consonants long u
        ("طيار", "tyar"),
        ("فاطمه", "fatma"),  # final ha after a consonant is ta marbuta
        ("موسى", "musa"),  # final alef maqsura is a
        ("إدلبي", "idlbi"),  # hamza below: i
        ("تطواني", "ttwani"),  # two written letters stay two
    ],
)
def test_abjad_form(arabic: str, form: str) -> None:
    assert abjad_form(arabic) == form
