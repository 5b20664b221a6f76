"""Parsing a written name into its parts: given name, nasab, nisba, kunya, laqab, initials.

The parser reads names in Latin, Arabic and Cyrillic script (and mixtures) and returns the
parts in reading order with their matching forms and keys (see :mod:`.latin`). What it knows:

* connectors bin/ibn/bint/ben/ould and بن/ابن/بنت make the next part a *nasab*;
* articles al-/el-/ul- and the assimilated ad-/ash-/as-/an-/ar-/at-/az- (Latin, hyphenated
  or followed by the matching consonant) and ال (Arabic) are dropped from the form, their
  word becomes a *nisba*;
* Abu/Abou/Abo/أبو X and Umm/Oum/أم X are one *kunya* part (Aboubakr written as one word is
  taken as a given name with the same form); Abd/Abdul/Abdel/عبد + X is one part whether
  written split or joined (Abd al-Rahman = Abdul Rahman = Abderrahmane = عبدالرحمن); so are
  X al-Din (Nur al-Din = Noureddine = نور الدين) and X Allah (Hibat Allah = Hibatullah);
* a single comma means family name first ("QARYANI, Mohammed"), as does a leading all-caps
  word before mixed-case ones ("QARYANI Mohammed");
* single letters are initials; titles (Sheikh, Hajji, Mullah, الشيخ) are *laqab* parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from backchannel.resolve.arabic import fold_arabic, normalise_arabic
from backchannel.resolve.common_name import COMMON_GIVEN_KEYS, token_weight
from backchannel.resolve.cyrillic import transliterate_cyrillic
from backchannel.resolve.latin import fold_latin, latin_form
from backchannel.resolve.script import Script, char_script
from backchannel.resolve.token import NameToken, Role, make_token, word_form, written_initial


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name split into parts, with what matching needs precomputed.

    ``keys``: the distinct keys of the parts that carry evidence (not initials, not titles),
    in order. ``is_kunya_only``: the name rests on a kunya: it has one and no given name, nasab or
    family name beside it ("Abu Khalil", or a nom de guerre like "Abu Khalil al-Shami", whose
    nisba says only where its bearer came from). ``is_weak``: too
    little to identify anyone on its own: no parts, a kunya only, a single part ("Mohammed",
    "al-Qaryani"), or only very common given names ("Mohammed Ali"). ``weights``: the
    default evidential weight of each part (:func:`.common_name.token_weight`).
    """

    text: str
    tokens: tuple[NameToken, ...]
    script: Script
    keys: tuple[str, ...] = ()
    is_kunya_only: bool = False
    is_weak: bool = True
    weights: tuple[float, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """The matching forms of all parts, in order."""
        return tuple(t.form for t in self.tokens)


# Vocabularies of structure words, as folded Latin (Cyrillic comes here romanised) or as
# normalised Arabic.
_CONNECTORS = frozenset(
    {"bin", "ibn", "ben", "bint", "bent", "ibnu", "ould", "uld", "wuld", "walad", "b"}
    | {"بن", "ابن", "بنت", "ابنه", "ولد"}
)
_ABU = frozenset({"abu", "abou", "abo", "aboo", "abi", "ابو", "ابي", "ابا"})
_UMM = frozenset({"umm", "um", "oum", "om", "omm", "umme", "ام"})
_ABD = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdil", "abdoul", "abdu", "عبد"})
_ARTICLES = frozenset({"al", "el", "ul", "il", "ol", "l", "all", "ell", "ال"})
_SUN_ARTICLES = {
    f"{vowel}{onset}": onset
    for vowel in "aeu"
    for onset in ("d", "dh", "n", "r", "s", "sh", "t", "th", "z")
}
_DIN = frozenset(
    {"din", "dine", "eddine", "eddin", "uddin", "iddin", "addin", "ud-din", "دين", "الدين"}
)
_ALLAH = frozenset({"allah", "ullah", "ulla", "ollah", "illah", "alla", "lah", "الله", "لله"})
_ALLAH_STEMS = frozenset({"lah", "llah", "la", "lla", "allah", "alla", "ullah", "ulla"})
_TITLES = frozenset(
    {"sheikh", "shaykh", "shaikh", "cheikh", "sheik", "shaik", "haji", "hajji"}
    | {"hajj", "haj", "hadj", "hadji", "mullah", "mulla", "molla", "mollah", "maulavi"}
    | {"maulvi", "mawlawi", "mawlavi", "moulavi", "molvi", "maulana", "mawlana", "qari"}
    | {"imam", "dr", "doctor", "mr", "mrs", "ms"}
    | {"شيخ", "حاج", "ملا", "مولوي", "مولانا", "قاري", "امام", "دكتور"}
)
# Arabic words that begin with ال but are not the article.
_NOT_ARTICLE = frozenset({"الياس", "اليسع", "الهام", "الفت", "الله"})

_JOINED_ABD = re.compile(r"^abd(?:oul|ul|el|al|ol|il|(?:[aeiou](?=[^aeiou])))?([a-z]{3,})$")
_JOINED_ABU = re.compile(r"^(?:abu|abou|abo)([a-z]{3,})$")
_JOINED_DIN = re.compile(
    r"^([a-z]{2,}?)(?:eddine?|edine?|uddine?|udine?|iddine?|idine?|addine?|aldine?|eldine?"
    r"|uldine?|oddine?)$"
)
_JOINED_ALLAH = re.compile(r"^([a-z]{3,}?)(?:ullahi?|ollah|allah|illah|ulla|ulah)$")

_SEPARATORS = str.maketrans(
    {c: " " for c in '()[]{}<>"/\\|;:_+*=#~!?«»“”„؛0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹'}
    | {"،": ",", "\u00a0": " "}
)
_PIECE = re.compile(r"([^\s\-.‐‑–—]+)([\-.‐‑–—]?)")


# Compared and hashed by identity: pieces come from the cache of :func:`_chunk`, so the
# caches keyed on them hit without hashing five fields.
@dataclass(frozen=True, slots=True, eq=False)
class _Piece:
    raw: str
    hyphen: bool  # joined to the next piece by a hyphen
    script: Script
    cls: str  # for recognising structure words: folded Latin, or normalised Arabic
    family: bool = False  # before the comma of a family-first name


class _Kind:
    PLAIN = 0
    KUNYA = 1
    INITIAL = 2
    TITLE = 3


@dataclass(slots=True)
class _Part:
    # A token under construction: the pieces it spans and what the parser learnt about it.
    pieces: list[_Piece]
    form: str
    abjad: bool
    kind: int = _Kind.PLAIN
    article: bool = False
    nasab: bool = False


def parse_name(text: str) -> ParsedName:
    """Split a written name into its parts, in reading order, with roles and matching keys.

    Never raises: any text parses, text without letters to a name without parts.
    ``parse_name("Mohammed bin Khalid al-Qaryani")`` has parts Mohammed (given), Khalid
    (nasab) and al-Qaryani (nisba); ``parse_name("QARYANI, M.")`` an initial and a family name.
    """
    return _parse(text)


# Parts that name the person rather than a child (kunya) or a place or tribe (nisba).
_PERSONAL_ROLES = frozenset({Role.GIVEN, Role.NASAB, Role.FAMILY})


@lru_cache(maxsize=1 << 14)
def _parse(text: str) -> ParsedName:
    pieces = _pieces(text)
    made = _tokens(_parts(pieces))
    tokens = tuple(t for t, _ in made)
    evidence = [t for t in tokens if t.role is not Role.INITIAL and t.role is not Role.LAQAB]
    keys = tuple(dict.fromkeys(t.key for t in evidence))
    kunya_only = any(t.role is Role.KUNYA for t in evidence) and not any(
        t.role in _PERSONAL_ROLES for t in evidence
    )
    weak = kunya_only or len(keys) < 2 or all(k in COMMON_GIVEN_KEYS for k in keys)
    weights = tuple(w for _, w in made)
    return ParsedName(text, tokens, _script(pieces), keys, kunya_only, weak, weights)


def _script(pieces: list[_Piece]) -> Script:
    scripts = {p.script for p in pieces}
    if not scripts:
        return Script.NONE
    return scripts.pop() if len(scripts) == 1 else Script.MIXED


def _classify(raw: str, script: Script) -> str:
    if script is Script.ARABIC:
        return normalise_arabic(raw)
    if script is Script.CYRILLIC:
        return fold_latin(transliterate_cyrillic(raw))
    if script is Script.LATIN:
        return fold_latin(raw)
    return raw.casefold()


def _script_runs(chunk: str) -> list[tuple[str, Script]]:
    # Split a chunk where its script changes ("Muhammadمحمد"); marks stay with their letter.
    if chunk.isascii():
        return [(chunk, Script.LATIN)]
    runs: list[tuple[str, Script]] = []
    start = 0
    current = Script.NONE
    for i, ch in enumerate(chunk):
        s = char_script(ch)
        if s is Script.NONE or s is current:
            continue
        if current is not Script.NONE:
            runs.append((chunk[start:i], current))
            start = i
        current = s
    runs.append((chunk[start:], current))
    return runs


def _split_arabic(raw: str, cls: str) -> list[tuple[str, str]]:
    # Arabic written joined: عبدالرحمن, عبدالله, نورالدين, حبيبالله, ابوبكر. The light fold
    # keeps letters the normalised one merges, so both are split at the same place (the two
    # folds have the same length: they only map letters one to one or drop marks).
    light = fold_arabic(raw)
    if len(light) != len(cls):
        return [(raw, cls)]
    cut = 0
    if cls.startswith("عبدال") and len(cls) > 5:
        cut = 3
    elif cls.endswith("الله") and len(cls) > 5:
        cut = len(cls) - 4
    elif cls.endswith("الدين") and len(cls) > 6:
        cut = len(cls) - 5
    elif cls.startswith("ابو") and len(cls) > 5:
        cut = 3
    if not cut:
        return [(raw, cls)]
    return [(light[:cut], cls[:cut]), (light[cut:], cls[cut:])]


def _pieces(text: str) -> list[_Piece]:
    text = text.translate(_SEPARATORS)
    family_words = 0
    if "," in text and text.count(",") == 1:
        head, tail = text.split(",")
        if head.strip() and tail.strip():
            text = tail + " " + head
            family_words = len(_PIECE.findall(head))
    text = text.replace(",", " ")
    found = _PIECE.findall(text)
    first_family = len(found) - family_words
    pieces: list[_Piece] = []
    for n, (chunk, sep) in enumerate(found):
        hyphen = sep != "" and sep != "."
        pieces.extend(_chunk(chunk, hyphen, family_words > 0 and n >= first_family))
    if not family_words:
        _caps_family_first(pieces)
    return pieces


@lru_cache(maxsize=1 << 16)
def _chunk(chunk: str, hyphen: bool, family: bool) -> tuple[_Piece, ...]:
    # The pieces of one whitespace-separated chunk; names share words, so this is cached.
    pieces: list[_Piece] = []
    runs = _script_runs(chunk)
    for k, (raw, script) in enumerate(runs):
        if script is Script.NONE:
            continue
        cls = _classify(raw, script)
        if not cls:
            continue
        glued = hyphen and k == len(runs) - 1
        if script is Script.ARABIC:
            split = _split_arabic(raw, cls)
            for m, (praw, pcls) in enumerate(split):
                pieces.append(_Piece(praw, glued and m == len(split) - 1, script, pcls, family))
        else:
            pieces.append(_Piece(raw, glued, script, cls, family))
    return tuple(pieces)


def _caps_family_first(pieces: list[_Piece]) -> None:
    # "QARYANI Mohammed": an all-caps first word before mixed-case ones is the family name.
    if len(pieces) < 2 or pieces[0].script is Script.ARABIC:
        return
    first = pieces[0]
    if len(first.raw) < 2 or len(first.cls) < 2 or not first.raw.isupper() or first.hyphen:
        return
    if all(p.raw.isupper() or not p.raw.isalpha() or p.script is Script.ARABIC for p in pieces):
        return
    if first.cls in _CONNECTORS or first.cls in _ABU or first.cls in _ABD or first.cls in _UMM:
        return
    pieces.pop(0)
    pieces.append(replace(first, family=True))


def _is_article(piece: _Piece, nxt: _Piece) -> bool:
    c = piece.cls
    if piece.script is Script.ARABIC or c in _ARTICLES:
        return c in _ARTICLES
    onset = _SUN_ARTICLES.get(c)
    if onset is None or nxt.script is Script.ARABIC:
        return False
    return piece.hyphen or nxt.cls.startswith(onset)


def _arabic_stem(piece: _Piece) -> tuple[str, bool]:
    # ``(stem, had_article)``: the Arabic article written on the word (الشامي) comes off.
    light = fold_arabic(piece.raw)
    if light.startswith("ال") and len(light) > 3 and piece.cls not in _NOT_ARTICLE:
        return light[2:], True
    return light, False


@lru_cache(maxsize=1 << 16)
def _simple(piece: _Piece) -> tuple[str, bool, bool]:
    # ``(form, abjad, had_article)`` of one word.
    if piece.script is Script.ARABIC:
        stem, article = _arabic_stem(piece)
        form, abjad = word_form(stem, piece.script)
        return form, abjad, article
    form, abjad = word_form(piece.raw, piece.script)
    return form, abjad, False


def _element(pieces: list[_Piece], j: int) -> tuple[int, str, bool]:
    # The second element of Abd X / Abu X, possibly with an article or itself Abd X
    # ("Abu Abd al-Rahman"): ``(next index, form, abjad)``.
    n = len(pieces)
    if j + 1 < n and _is_article(pieces[j], pieces[j + 1]):
        j += 1
    p = pieces[j]
    if p.cls in _ALLAH or (p.script is not Script.ARABIC and p.cls in _ALLAH_STEMS):
        return j + 1, "lah", False
    if p.cls in _ABD and j + 1 < n and pieces[j + 1].cls not in _CONNECTORS:
        k, form, abjad = _element(pieces, j + 1)
        return k, "abd" + form, abjad
    form, abjad, _, _ = _single(p)
    return j + 1, form, abjad


def _stem_form(stem: str) -> str:
    return "lah" if stem in _ALLAH_STEMS else latin_form(stem)


def _parts(pieces: list[_Piece]) -> list[_Part]:
    parts: list[_Part] = []
    held: list[_Piece] = []  # connectors and articles, shown with the word they precede
    nasab = article = False
    n = len(pieces)
    i = 0
    while i < n:
        p = pieces[i]
        c = p.cls
        nxt = pieces[i + 1] if i + 1 < n else None
        # "b." is bin inside a name, an initial at its start.
        connector = c in _CONNECTORS and (c != "b" or bool(parts))
        if nxt is not None and connector and nxt.cls not in _CONNECTORS:
            held.append(p)
            nasab = True
            i += 1
            continue
        if nxt is not None and _is_article(p, nxt):
            if nxt.cls in _DIN and parts:
                _glue(parts[-1], [p, nxt], "din")
                i += 2
                continue
            held.append(p)
            article = True
            i += 1
            continue
        if parts and not held and (c in _DIN or c in _ALLAH) and parts[-1].kind == _Kind.PLAIN:
            _glue(parts[-1], [p], "din" if c in _DIN else "lah")
            i += 1
            continue
        part = _part(pieces, i)
        part.pieces[:0] = held
        part.nasab = nasab
        part.article = part.article or article
        parts.append(part)
        i += len(part.pieces) - len(held)
        held = []
        nasab = article = False
    if held and parts:
        parts[-1].pieces.extend(held)  # a trailing connector or article: keep it visible
    return parts


def _glue(part: _Part, pieces: list[_Piece], suffix: str) -> None:
    if suffix == "lah" and part.abjad and part.pieces[-1].cls.endswith("ه"):
        # Ta marbuta before Allah is read t: هبة الله is Hibat Allah.
        part.form = part.form[:-1] + "at"
    part.pieces.extend(pieces)
    part.form += suffix


def _part(pieces: list[_Piece], i: int) -> _Part:
    # The part starting at pieces[i] (never a connector or article in front of a word).
    p = pieces[i]
    c = p.cls
    n = len(pieces)
    if i + 1 < n and (c in _ABU or c in _UMM) and pieces[i + 1].cls not in _CONNECTORS:
        k, form, abjad = _element(pieces, i + 1)
        prefix = "abu" if c in _ABU else "um"
        return _Part(pieces[i:k], prefix + form, abjad, _Kind.KUNYA)
    if i + 1 < n and c in _ABD and pieces[i + 1].cls not in _CONNECTORS:
        k, form, abjad = _element(pieces, i + 1)
        return _Part(pieces[i:k], "abd" + form, abjad)
    form, abjad, kind, article = _single(p)
    return _Part([p], form, abjad, kind, article)


@lru_cache(maxsize=1 << 16)
def _single(p: _Piece) -> tuple[str, bool, int, bool]:
    # ``(form, abjad, kind, had_article)`` of a part made of one piece.
    c = p.cls
    if c in _TITLES:
        form, abjad, article = _simple(p)
        return form, abjad, _Kind.TITLE, article
    if p.script is Script.ARABIC:
        form, abjad, article = _simple(p)
        if article and c[2:] in _TITLES:
            return form, abjad, _Kind.TITLE, False
        return form, abjad, _Kind.PLAIN, article
    if len(c) == 1 and p.script is not Script.OTHER:
        return c, False, _Kind.INITIAL, False
    if p.script is not Script.OTHER:
        joined = _joined_latin(c)
        if joined:
            return joined, False, _Kind.PLAIN, False
    form, abjad, _ = _simple(p)
    return form, abjad, _Kind.PLAIN, False


def _joined_latin(c: str) -> str:
    # Compounds written as one Latin word: Abdurrahman, Aboubakr, Noureddine, Hibatullah.
    m = _JOINED_ABD.match(c)
    if m and (len(m.group(1)) >= 4 or m.group(1) in _ALLAH_STEMS or c[3:5] in _ABD_ARTICLES):
        return "abd" + _stem_form(m.group(1))
    m = _JOINED_ABU.match(c)
    if m:
        return "abu" + latin_form(m.group(1))
    m = _JOINED_DIN.match(c)
    if m:
        return latin_form(m.group(1)) + "din"
    m = _JOINED_ALLAH.match(c)
    if m:
        return latin_form(m.group(1)) + "lah"
    return ""


_STRUCTURE = _CONNECTORS | _ARTICLES
_ABD_ARTICLES = frozenset({"ul", "el", "al", "ol", "il"})


_FIXED_ROLE = {_Kind.INITIAL: Role.INITIAL, _Kind.TITLE: Role.LAQAB, _Kind.KUNYA: Role.KUNYA}


def _tokens(parts: list[_Part]) -> list[tuple[NameToken, float]]:
    roles: list[Role | None] = []
    for part in parts:
        role = _FIXED_ROLE.get(part.kind)
        if role is None:
            if part.nasab:
                role = Role.NASAB
            elif part.pieces[-1].family:
                role = Role.FAMILY
            elif part.article:
                role = Role.NISBA
        roles.append(role)
    last = len(parts) - 1
    given = False
    for i, role in enumerate(roles):
        if role is Role.INITIAL and not given:
            given = True  # "M. Qaryani": after an initial, the first word is not a given name
        elif role is None:
            if not given:
                roles[i] = Role.GIVEN
            elif i == last:
                roles[i] = Role.FAMILY
            else:
                roles[i] = Role.NASAB  # a father's name written without bin: "Mohammed Khalid X"
            given = True
    tokens = []
    for part, role in zip(parts, roles, strict=True):
        assert role is not None
        tokens.append(_token(tuple(part.pieces), part.form, part.abjad, role))
    return tokens


@lru_cache(maxsize=1 << 16)
def _token(
    pieces: tuple[_Piece, ...], form: str, abjad: bool, role: Role
) -> tuple[NameToken, float]:
    # Cached with its default weight: the same pieces in one role make one token everywhere.
    word = next((p for p in pieces if p.cls not in _STRUCTURE), pieces[0])
    initial = written_initial(word.raw, word.script, form)
    text = "".join(p.raw + ("-" if p.hyphen else " ") for p in pieces).rstrip(" -")
    token = make_token(text, form, role, abjad=abjad, initial=initial)
    return token, token_weight(token)
