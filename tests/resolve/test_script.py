"""Script detection: cheap, by letters only."""

from __future__ import annotations

import pytest

from backchannel.resolve import Script, detect_script


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Mohammed al-Adnani", Script.LATIN),
        ("Fayçal Ben Saïd", Script.LATIN),
        ("ʿAbd al-Raḥmān", Script.LATIN),
        ("محمد العدناني", Script.ARABIC),
        ("مُحَمَّد", Script.ARABIC),
        ("عبد الکبیر", Script.ARABIC),  # Persian letters
        ("ﻣﺤﻤﺪ", Script.ARABIC),  # presentation forms
        ("Магомед Алиев", Script.CYRILLIC),
        ("Mohammed محمد", Script.MIXED),
        ("Ruslan Руслан", Script.MIXED),
        ("Ιωάννης", Script.OTHER),
        ("", Script.NONE),
        ("1977, -- ()", Script.NONE),
        ("١٩٧٧", Script.NONE),  # Arabic-Indic digits carry no script
    ],
)
def test_detect_script(text: str, script: Script) -> None:
    assert detect_script(text) is script
