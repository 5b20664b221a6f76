"""The synthetic corpus's name lexicon as a broad regression check of the name layer.

Every element of :mod:`backchannel.synth.lexicon` lists its Arabic spelling and the Latin
spellings seen in the wild (scholarly, English, French and others). Spellings of one element
should score high against each other; the best pair across two different elements should not.
"""

from __future__ import annotations

import itertools

from backchannel.resolve import NameToken, parse_name, token_similarity
from backchannel.synth import lexicon


def _spellings() -> list[list[NameToken]]:
    elements = (
        lexicon.GIVEN_MALE
        + lexicon.GIVEN_FEMALE
        + lexicon.KUNYA_ONLY
        + lexicon.NISBAS_PLACE
        + lexicon.NISBAS_TRIBAL
        + tuple(lexicon.NISBAS_FOREIGN.values())
        + lexicon.FAMILY
        + lexicon.LAQABS
    )
    out = []
    for word in elements:
        texts = [*dict.fromkeys(word.latin), *([word.arabic] if word.arabic else [])]
        tokens = [t for text in texts for t in parse_name(text).tokens]
        if len(tokens) == len(texts):  # every spelling parsed as one part
            out.append(tokens)
    return out


def test_spellings_of_one_name_score_high() -> None:
    pairs = [p for tokens in _spellings() for p in itertools.combinations(tokens, 2)]
    low = [(a.text, b.text) for a, b in pairs if token_similarity(a, b) < 0.75]
    # Measured 1.5% when written (Achmad/Ahmet, Bizerti/Benzarti, Mosulli/Mawsili...).
    assert len(low) / len(pairs) <= 0.03, low[:20]


def test_different_names_rarely_score_high() -> None:
    spellings = _spellings()
    high = []
    for one, other in itertools.combinations(spellings, 2):
        best = max(token_similarity(a, b) for a in one for b in other)
        if best >= 0.8:
            high.append((one[0].text, other[0].text))
    pairs = len(spellings) * (len(spellings) - 1) // 2
    # Measured 16 of about 20,000 pairs of names when written (Saleh/Salah, Hafs/Hafsa...).
    assert len(high) / pairs <= 0.003, high
