"""Latin-script names: folding to plain letters and the phonetic matching form and key.

Every script ends up in one small *matching alphabet* so that spellings of one name meet:

* vowels ``a e i u`` (``o`` is folded into ``u``; ``e`` stays apart because it stands for
  a, i and u in different traditions: Mohammed, Khaled, Youssef);
* ``v`` — a vowel of unknown quality, or none: Arabic ʿayn and a bare initial alef;
* semivowels ``y w``; consonants ``b d f g h j k l m n p r s t z`` plus ``x`` for sh/ch/ش.

Merged on the way: q/k/c → k, gh/g → g, kh/h → h, th/dh/z → z, dj/dzh/zh → j, ph → f,
v → w, ou → u or w, oo → u, ee → i, ai/ay/ei/ey → ay, doubled letters, French silent final e.
The *form* keeps the vowels (for the fine comparison); the *key* is the consonant skeleton
with a mark for an initial vowel and the class of the final vowel (for exact lookups).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

VOWELS = frozenset("aeiuv")

# Letters NFKD does not take apart, and the Turkish/Slavic letters whose Latin value differs
# from the bare letter (ş is sh, not s); ç is French here (Fayçal), which is the common case.
_PREMAP = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "dh",
        "þ": "th",
        "ı": "i",
        "ç": "s",
        "Ç": "S",
        "ş": "sh",
        "Ş": "Sh",
        "ș": "sh",
        "Ș": "Sh",
        "š": "sh",
        "Š": "Sh",
        "ž": "zh",
        "Ž": "Zh",
        "č": "ch",
        "Č": "Ch",
        "ć": "ch",
        "Ć": "Ch",
        "ẖ": "h",
    }
)

# ʿayn and hamza written as apostrophes, primes or modifier letters: dropped, the word joined.
APOSTROPHES = "'`´ʹʻʼʽʾʿˈˊˋ‘’′"

_NOT_LETTER = re.compile("[^a-z]+")


def fold_latin(text: str) -> str:
    """Lowercase ASCII letters only: accents stripped, apostrophes and everything else dropped.

    ``"Sa'd"`` → ``"sad"``, ``"Fayçal"`` → ``"faysal"``, ``"ʿAbd"`` → ``"abd"``. Use on one
    word; spaces and hyphens are dropped too.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_PREMAP))
        text = text.encode("ascii", "ignore").decode("ascii")
    return _NOT_LETTER.sub("", text.lower())


# Ordered rewrites from folded spelling to the matching alphabet. Order matters: x before
# sh → x, c after ch, ou before o → u, ee/oo before diphthongs, doubles last.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        ("x", "ks"),
        ("s?ch|sh", "x"),
        ("ph", "f"),
        ("dzh|dsh|dj|zh", "j"),
        ("kh", "h"),
        ("gh", "g"),
        ("th|dh", "z"),
        ("ck|q|c(?![eiy])", "k"),
        ("c", "s"),
        ("v", "w"),
        ("ee", "i"),
        ("oo", "u"),
        # ou after a vowel is a glide (Daoud → dawud, Chaouki → xawuki), first and before a
        # vowel a consonant (Oualid), otherwise the French spelling of u (Youssef, Mouad).
        ("(?<=[aeiou])ou(?![aeiou])", "wu"),
        ("(?<![^aeiou])ou(?=[aeiou])", "w"),
        ("ou", "u"),
        ("o", "u"),
        ("ie(?![aeiouw])", "i"),  # German/Egyptian ie for long i (Walied), not Aliev
        ("[ae][iy](?![aeiu])", "ay"),
        ("a[uw]", "aw"),
        # i before another vowel hides a y (Ziad → ziyad, Zakaria → zakariya).
        ("(?<=[^aeiuy])i(?=[aeu])", "iy"),
        ("(?<=[^aeiuy])e$", ""),
        ("(?<=[^aeiuy])y$", "i"),
        (r"(.)\1+", r"\1"),
    )
)


@lru_cache(maxsize=1 << 16)
def latin_form(word: str) -> str:
    """The matching form of one Latin word (any case, accents, apostrophes allowed).

    ``"Mohammed"`` → ``"muhamed"``, ``"Muhammad"`` → ``"muhamad"``, ``"Chaouki"`` → ``"xawuki"``,
    ``"Shawqi"`` → ``"xawki"``, ``"Hussein"`` → ``"husayn"``, ``"Noureddine"`` → ``"nuredin"``.
    """
    s = fold_latin(word)
    for pattern, repl in _RULES:
        s = pattern.sub(repl, s)
    return s


@lru_cache(maxsize=1 << 16)
def form_key(form: str) -> str:
    """The consonant skeleton of a matching form, used for exact lookups and blocking.

    ``a`` marks an initial vowel; y/w count only as consonants (next to a vowel, or first);
    a final vowel adds its class (a, i or u); a final h after a counts as the vowel (Usamah =
    Usama). ``"muhamad"`` → ``"mhmd"``, ``"ali"`` → ``"ali"``, ``"aliya"`` → ``"alya"``,
    ``"husayn"`` → ``"hsyn"``, ``"usama"`` → ``"asma"``.
    """
    if not form:
        return ""
    if form.endswith("ah") and len(form) > 2:
        form = form[:-1]
    out: list[str] = []
    last = len(form) - 1
    for i, c in enumerate(form):
        if c in VOWELS:
            if i == 0:
                out.append("a")
            continue
        if c in "yw" and 0 < i < last and form[i - 1] not in VOWELS and form[i + 1] not in VOWELS:
            continue  # a long vowel written with a consonant letter (Arabic كريم → krim)
        out.append(c)
    end = form[-1]
    if end in "ae" and last > 0:
        out.append("a")
    elif end in "iu" and last > 0:
        out.append(end)
    return "".join(out) or form[:1]


def latin_key(word: str) -> str:
    """The key of one Latin word: ``form_key(latin_form(word))``."""
    return form_key(latin_form(word))
