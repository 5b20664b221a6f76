"""Cyrillic names to Latin, BGN/PCGN style, ready for the Latin matching form.

Russian, Ukrainian and the Cyrillic alphabets of the North Caucasus write Arabic-origin names
phonetically (Магомед, Абдурахман, Хасан); the romanisation follows BGN/PCGN (х → kh,
ж → zh, ч → ch, е → ye at the start and after a vowel) and then goes through
:func:`backchannel.resolve.latin.latin_form` like any Latin spelling, which merges kh/h,
zh/dzh/j and the rest.
"""

from __future__ import annotations

_LETTERS = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "є": "ye",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "ї": "yi",
    "й": "y",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "ng",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ү": "u",
    "ұ": "u",
    "ў": "w",
    "ф": "f",
    "х": "kh",
    "һ": "h",
    "ҳ": "h",
    "ц": "ts",
    "ч": "ch",
    "ҷ": "j",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ә": "a",
    "ғ": "gh",
    "ӏ": "",  # palochka: a glottal stop in Chechen/Avar, as unwritten in Latin as ʿayn
}
_TABLE = str.maketrans(_LETTERS | {k.upper(): v.capitalize() for k, v in _LETTERS.items()})
_VOWELS = frozenset("аеёиоуыэюяіїєәөүұАЕЁИОУЫЭЮЯІЇЄӘӨҮҰъьЪЬ")


def transliterate_cyrillic(text: str) -> str:
    """``text`` with its Cyrillic letters romanised (BGN/PCGN), other characters kept.

    ``"Магомед"`` → ``"Magomed"``, ``"Шамиль"`` → ``"Shamil"``, ``"Алиев"`` → ``"Aliyev"``.
    """
    if "е" in text or "Е" in text:
        # е is ye at the start of a word and after a vowel or a sign: Алиев → Aliyev.
        chars = []
        prev = " "
        for ch in text:
            if ch in "еЕ" and (not prev.isalpha() or prev in _VOWELS):
                chars.append("ye" if ch == "е" else "Ye")
            else:
                chars.append(ch)
            prev = ch
        text = "".join(chars)
    return text.translate(_TABLE)
