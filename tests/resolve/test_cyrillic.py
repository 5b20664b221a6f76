"""Cyrillic romanisation (BGN/PCGN) feeding the Latin matching form."""

from __future__ import annotations

import pytest

from backchannel.resolve import latin_key, transliterate_cyrillic


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Магомед", "Magomed"),
        ("Руслан", "Ruslan"),
        ("Шамиль", "Shamil"),
        ("Абдурахман", "Abdurakhman"),
        ("Хасан", "Khasan"),
        ("Алиев", "Aliyev"),
        ("Гаджиев", "Gadzhiyev"),
        ("Юсуф", "Yusuf"),
        ("Ельдар", "Yeldar"),
        ("Щукин", "Shchukin"),
    ],
)
def test_bgn_pcgn(cyrillic: str, latin: str) -> None:
    assert transliterate_cyrillic(cyrillic) == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Магомед", "Magomed"),
        ("Руслан", "Ruslan"),
        ("Шамиль", "Shamil"),
        ("Шамиль", "Chamil"),
        ("Хасан", "Hasan"),
        ("Халид", "Khalid"),
        ("Умар", "Omar"),
        ("Юсуф", "Youssef"),
        ("Хусейн", "Hussein"),
        ("Алиев", "Aliev"),
        ("Гаджиев", "Gadjiev"),
    ],
)
def test_cyrillic_reaches_the_latin_key(cyrillic: str, latin: str) -> None:
    assert latin_key(transliterate_cyrillic(cyrillic)) == latin_key(latin)


def test_non_cyrillic_characters_are_kept() -> None:
    assert transliterate_cyrillic("Магомед-Али 2") == "Magomed-Ali 2"
