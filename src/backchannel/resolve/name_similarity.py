"""How alike two parsed names are: the best alignment of their parts, scored and explained.

Parts are aligned regardless of order (sources write given–father–grandfather–family, or the
family first), each to at most one part of the other name, greedily by weighted similarity.
The score rewards the share of each name's *evidence* that found a counterpart: a name that
is a subset of the other (a dropped nasab) stays high, while parts on both sides without a
counterpart (two different fathers) cost more, and a different order costs a little. Common
given names, kunyas, initials and titles weigh less (the weight of a key can be supplied, so
an index can pass inverse document frequencies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backchannel.resolve.common_name import default_weight, token_weight
from backchannel.resolve.distance import form_similarity, quick_reject
from backchannel.resolve.latin import latin_form
from backchannel.resolve.name import ParsedName
from backchannel.resolve.token import NameToken, Role

ALIGN_MIN = 0.7  # token pairs below this are not the same name part
INITIAL_MATCH = 0.9  # an initial against a word with that first letter
_VOWEL_INITIALS = frozenset("aeiouv")
_ORDER_FACTOR = 0.92  # aligned parts in a different order
_CONFLICT_FACTOR = 0.9  # both names have evidence the other lacks

Weight = Callable[[str], float]

# Token-pair similarities by (form, abjad, form, abjad): names share parts, so most pairs
# met in a screening run have been met before. Cleared when full; only a cache.
_PAIRS: dict[tuple[str, bool, str, bool], float] = {}
_PAIRS_MAX = 1 << 20


@dataclass(frozen=True, slots=True)
class TokenPair:
    """Part ``a`` of the first name aligned with part ``b`` of the second."""

    a: int
    b: int
    similarity: float


@dataclass(frozen=True, slots=True)
class NameMatch:
    """The result of comparing two names: ``score`` in [0, 1] and the alignment behind it."""

    score: float
    pairs: tuple[TokenPair, ...]
    order_differs: bool
    a: ParsedName
    b: ParsedName

    @property
    def unmatched_a(self) -> tuple[int, ...]:
        """Indexes of parts of the first name with no counterpart."""
        used = {p.a for p in self.pairs}
        return tuple(i for i in range(len(self.a.tokens)) if i not in used)

    @property
    def unmatched_b(self) -> tuple[int, ...]:
        """Indexes of parts of the second name with no counterpart."""
        used = {p.b for p in self.pairs}
        return tuple(j for j in range(len(self.b.tokens)) if j not in used)

    @property
    def explanation(self) -> str:
        """One line for an analyst: what matched, how well, and what did not."""
        if not self.pairs:
            return "no part of one name matches a part of the other"
        out = []
        for p in self.pairs:
            ta, tb = self.a.tokens[p.a], self.b.tokens[p.b]
            if ta.role is Role.INITIAL or tb.role is Role.INITIAL:
                out.append(f"{ta.text} ~ {tb.text} (initial)")
            elif p.similarity >= 1.0:
                out.append(f"{ta.text} = {tb.text}{_note(ta)}")
            else:
                out.append(f"{ta.text} ≈ {tb.text} ({p.similarity:.2f}){_note(ta)}")
        text = "; ".join(out)
        for label, name, idx in (
            ("first", self.a, self.unmatched_a),
            ("second", self.b, self.unmatched_b),
        ):
            if idx:
                text += f"; only in {label}: " + ", ".join(name.tokens[i].text for i in idx)
        if self.order_differs:
            text += "; order differs"
        return text


def _note(t: NameToken) -> str:
    if t.role is Role.KUNYA:
        return " (kunya)"
    if default_weight(t.key) < 1.0:
        return " (common)"
    return ""


def token_similarity(a: NameToken, b: NameToken) -> float:
    """Similarity in [0, 1] of two name parts; symmetric; 1.0 for equal forms.

    An initial matches any part with that first letter (vowels match vowels) at 0.9. A
    joined article on one side only (Alhalabi / Halabi) costs 0.05.
    """
    if a.role is Role.INITIAL or b.role is Role.INITIAL:
        return _initial_similarity(a, b)
    fa, fb = a.form, b.form
    if fa == fb:
        return 1.0
    best = 0.0
    if not quick_reject(a.key, b.key):
        best = form_similarity(fa, fb, abjad_a=a.abjad, abjad_b=b.abjad)
    if best < 1.0:
        # A Latin article written joined (Alhalabi, Elamrani) that the parser kept.
        if fa[:2] in ("al", "el") and len(fa) > 4 and fb[:2] not in ("al", "el"):
            s = form_similarity(fa[2:], fb, abjad_a=a.abjad, abjad_b=b.abjad) - 0.05
            best = max(best, s)
        elif fb[:2] in ("al", "el") and len(fb) > 4 and fa[:2] not in ("al", "el"):
            s = form_similarity(fa, fb[2:], abjad_a=a.abjad, abjad_b=b.abjad) - 0.05
            best = max(best, s)
    return best


def _initial_similarity(a: NameToken, b: NameToken) -> float:
    if a.role is Role.INITIAL and b.role is Role.INITIAL:
        return 1.0 if a.initial == b.initial else 0.0
    letter, word = (a, b) if a.role is Role.INITIAL else (b, a)
    i = letter.initial
    if i == word.initial or (i in _VOWEL_INITIALS and word.form[:1] in _VOWEL_INITIALS):
        return INITIAL_MATCH
    return INITIAL_MATCH if latin_form(i)[:1] == word.form[:1] else 0.0


def _weights(name: ParsedName, weight: Weight | None) -> tuple[float, ...]:
    if weight is None and len(name.weights) == len(name.tokens):
        return name.weights
    return tuple(token_weight(t, weight or default_weight) for t in name.tokens)


def name_similarity(a: ParsedName, b: ParsedName, *, weight: Weight | None = None) -> NameMatch:
    """Compare two names; ``score`` in [0, 1], symmetric, 1.0 for identical non-empty names.

    ``weight(key)`` gives the evidential weight of a part's key (default: 0.35 for very common
    given names, 1 otherwise); kunyas count 0.6 of it, initials 0.3 and titles 0.2 flat. A
    name without parts scores 0 against anything.
    """
    if not a.tokens or not b.tokens:
        return NameMatch(0.0, (), False, a, b)
    # Compute in one canonical orientation so that the greedy choices, and so the score,
    # are the same whichever name comes first.
    same_text = a.text == b.text
    swap = (b.text < a.text) if not same_text else (a.tokens != b.tokens and b.forms < a.forms)
    x, y = (b, a) if swap else (a, b)
    wx, wy = _weights(x, weight), _weights(y, weight)
    candidates = []
    cache = _PAIRS
    initial = Role.INITIAL
    ys = [(j, ty, ty.form, ty.abjad, ty.role is initial, wy[j]) for j, ty in enumerate(y.tokens)]
    for i, tx in enumerate(x.tokens):
        fx, ax, ix, wi = tx.form, tx.abjad, tx.role is initial, wx[i]
        for j, ty, fy, ay, iy, wj in ys:
            if fx == fy and not (ix ^ iy):
                s = 1.0
            elif ix or iy:
                s = _initial_similarity(tx, ty)
            else:
                pair = (fx, ax, fy, ay)
                s = cache.get(pair, -1.0)
                if s < 0.0:
                    if len(cache) >= _PAIRS_MAX:
                        cache.clear()
                    s = cache[pair] = token_similarity(tx, ty)
            if s >= ALIGN_MIN:
                candidates.append((s * (wi + wj), s, -i, -j))
    candidates.sort(reverse=True)
    used_x: set[int] = set()
    used_y: set[int] = set()
    chosen: list[tuple[int, int, float]] = []
    for _, s, ni, nj in candidates:
        i, j = -ni, -nj
        if i in used_x or j in used_y:
            continue
        used_x.add(i)
        used_y.add(j)
        chosen.append((i, j, s))
    score, order_differs = _score(x.tokens, y.tokens, wx, wy, chosen)
    oriented = sorted((j, i, s) for i, j, s in chosen) if swap else sorted(chosen)
    pairs = tuple(TokenPair(i, j, s) for i, j, s in oriented)
    return NameMatch(score, pairs, order_differs, a, b)


def _score(
    tx: tuple[NameToken, ...],
    ty: tuple[NameToken, ...],
    wx: tuple[float, ...],
    wy: tuple[float, ...],
    chosen: list[tuple[int, int, float]],
) -> tuple[float, bool]:
    if not chosen:
        return 0.0, False
    matched_x = matched_y = 0.0
    for i, j, s in chosen:
        matched_x += wx[i] * s
        matched_y += wy[j] * s
    cover_x, cover_y = matched_x / sum(wx), matched_y / sum(wy)
    hi, lo = (cover_x, cover_y) if cover_x >= cover_y else (cover_y, cover_x)
    # The better-covered name sets the level; the other's coverage scales it from 0.6 up,
    # so "Mohammed al-Qaryani" within "Mohammed bin Khalid al-Qaryani" stays near 0.9.
    score = hi * (0.6 + 0.4 * lo)
    if len(chosen) < len(tx) and len(chosen) < len(ty):
        used_x = {i for i, _, _ in chosen}
        used_y = {j for _, j, _ in chosen}
        if _has_evidence_left(tx, used_x) and _has_evidence_left(ty, used_y):
            score *= _CONFLICT_FACTOR
    ordered = sorted(chosen)
    order_differs = any(ordered[k][1] > ordered[k + 1][1] for k in range(len(ordered) - 1))
    if order_differs:
        score *= _ORDER_FACTOR
    # Rounded so that sums of the same weights in another order still give exactly 1.0.
    return round(min(1.0, score), 6), order_differs


def _has_evidence_left(tokens: tuple[NameToken, ...], used: set[int]) -> bool:
    return any(
        i not in used and t.role is not Role.INITIAL and t.role is not Role.LAQAB
        for i, t in enumerate(tokens)
    )
