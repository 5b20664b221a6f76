"""Writing a person's name the way one source would: variant spellings, articles, order, typos."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from backchannel.synth.lexicon import Word
from backchannel.synth.person import Naming, TruePerson
from backchannel.synth.source import Style


@dataclass(frozen=True, slots=True)
class Spelling:
    """A name as one record writes it; ``arabic`` is None when a part has no Arabic form."""

    latin: str
    arabic: str | None


def spell(word: Word, style: Style, rng: Random) -> str:
    """One Latin form of a word: usually the source's preferred variant, sometimes any other."""
    forms = word.latin
    if rng.random() < style.fidelity:
        return forms[style.variant] if style.variant < len(forms) else forms[-1]
    return forms[int(rng.random() * len(forms))]


def with_article(latin: str, word: Word, form: str) -> str:
    """Prefix the article in a source's form: ``al-``, ``Al-``, ``Al ``, ``El``, ``assim``, ``""``.

    ``assim`` assimilates before sun letters (ad-Dayri, ash-Shami, an-Nur) and keeps ``al-``
    otherwise; ``Al``/``El`` without a separator join the word (Alhalabi, Elamrani).
    """
    if not word.article:
        return latin
    if form == "assim":
        if not word.sun:
            return "al-" + latin
        head = word.latin[0].lower()
        onset = head[:2] if head[:2] in ("sh", "th", "dh") else head[:1]
        return f"a{onset}-{latin}"
    if form in ("Al", "El"):
        return form + latin.lower()
    return form + latin


def _arabic_article(word: Word) -> str:
    return "ال" + word.arabic if word.article else word.arabic


_SON = {"bint": "bin", "bent": "ben"}


def full_name(person: TruePerson, style: Style, rng: Random) -> Spelling:
    """The person's name as a source records it, with parts dropped and reordered its way."""
    chained = person.naming in (Naming.CHAIN, Naming.NASAB)
    father = chained and rng.random() >= style.drop_father
    grandfather = father and person.grandfather is not None
    grandfather = grandfather and rng.random() >= style.drop_grandfather
    surname = person.surname
    if surname is not None and rng.random() < style.drop_surname and (father or rng.random() < 0.1):
        surname = None

    form = style.article.pick(rng)
    marker = ""
    if person.naming is Naming.NASAB:
        marker = style.nasab.pick(rng)
        if person.female:
            marker = "bent" if marker.lower() == "ben" else "bint"
    ar_marker = ("بنت" if person.female else "بن") if marker else ""

    latin = [spell(person.given, style, rng)]
    arabic = [person.given.arabic]
    for keep, word in ((father, person.father), (grandfather, person.grandfather)):
        if keep and word is not None:
            if marker:
                latin.append(marker)
                arabic.append(ar_marker)
                # Her father is his father's son: "bint Ahmad bin Ali".
                marker, ar_marker = _SON.get(marker, marker), "بن"
            latin.append(spell(word, style, rng))
            arabic.append(word.arabic)

    last = ""
    if surname is not None:
        word = surname.word
        if surname.ben:
            spelt = spell(word, style, rng)
            last = "Ben" + spelt.lower() if rng.random() < 0.15 else "Ben " + spelt
            arabic.append("بن " + word.arabic)
        else:
            last = with_article(spell(word, style, rng), word, form)
            arabic.append(_arabic_article(word))

    if last and rng.random() < style.surname_first:
        head = last.upper() if rng.random() < style.upper_surname else last
        text = f"{head}, {' '.join(latin)}"
    else:
        text = " ".join([*latin, last]) if last else " ".join(latin)
    if rng.random() < style.typo:
        text = typo(text, rng)
    has_arabic = all(arabic)
    return Spelling(text, " ".join(arabic) if has_arabic else None)


def birth_name(person: TruePerson, style: Style, rng: Random) -> str | None:
    """A convert's European birth name, in the source's order."""
    if person.birth_name is None:
        return None
    given, family = person.birth_name
    if rng.random() < style.surname_first:
        head = family.upper() if rng.random() < style.upper_surname else family
        return f"{head}, {given}"
    return f"{given} {family}"


_MOTHER = {"Abu": "Umm", "Abou": "Oum", "Abo": "Um"}


def kunya(person: TruePerson, style: Style, rng: Random) -> Spelling | None:
    """``Abu Hamza`` (``Umm Hamza`` for a woman), or None if the person has no kunya."""
    if person.kunya is None:
        return None
    prefix = style.kunya_prefix.pick(rng)
    if person.female:
        prefix = _MOTHER[prefix]
    ar = ("أم " if person.female else "أبو ") + person.kunya.arabic
    return Spelling(f"{prefix} {spell(person.kunya, style, rng)}", ar)


def nom_de_guerre(person: TruePerson, style: Style, rng: Random) -> Spelling | None:
    """Kunya plus nisba, ``Abu Hamza al-Halabi``, or None."""
    base = kunya(person, style, rng)
    if base is None or person.kunya_nisba is None:
        return None
    word = person.kunya_nisba
    latin = with_article(spell(word, style, rng), word, style.article.pick(rng))
    return Spelling(f"{base.latin} {latin}", f"{base.arabic} {_arabic_article(word)}")


def laqab(person: TruePerson, style: Style, rng: Random) -> Spelling | None:
    """A descriptive nickname, ``al-Tawil``, or None."""
    if person.laqab is None:
        return None
    word = person.laqab
    latin = with_article(spell(word, style, rng), word, style.article.pick(rng))
    return Spelling(latin, _arabic_article(word))


def false_alias(person: TruePerson, style: Style, rng: Random) -> str | None:
    """A cover name the person used (travel documents, social media), or None."""
    if person.false_alias is None:
        return None
    given, family = person.false_alias
    return f"{spell(given, style, rng)} {spell(family, style, rng)}"


def typo(text: str, rng: Random) -> str:
    """One clerical error: a letter dropped, two swapped, or one doubled (never the first)."""
    letters = [i for i in range(1, len(text)) if text[i].isalpha()]
    if not letters:
        return text
    i = letters[int(rng.random() * len(letters))]
    r = rng.random()
    if r < 0.4:
        return text[:i] + text[i + 1 :]
    if r < 0.75 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]
