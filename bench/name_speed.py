"""How fast names are parsed and compared, on invented names.

.venv/bin/python bench/name_speed.py
"""

from __future__ import annotations

import random
import time

from backchannel.resolve import name_similarity, parse_name
from backchannel.resolve.name import _parse

_GIVEN = ["Mohammed", "Muhammad", "Yusuf", "Youssef", "Khalil", "Hamid", "Omar", "Ahmed"]
_GIVEN += ["Abd al-Karim", "Abdulrahman", "Nour Eddine", "Ibrahim", "Saad", "Tariq", "Bilal"]
_GIVEN_AR = ["محمد", "يوسف", "خليل", "حامد", "عمر", "أحمد", "عبد الكريم", "إبراهيم", "طارق"]
_SYLLABLES = ["qar", "ya", "tay", "war", "da", "sam", "bur", "ha", "zu", "ba", "mal", "ki", "na"]


def _invented(rng: random.Random) -> str:
    # Given name + father + an invented nisba of random syllables; a third in Arabic script.
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    if rng.random() < 0.3:
        return f"{rng.choice(_GIVEN_AR)} بن {rng.choice(_GIVEN_AR)} ال{stem}ي"
    connector = rng.choice(["bin ", "ibn ", ""])
    article = rng.choice(["al-", "el-", "Al ", ""])
    return f"{rng.choice(_GIVEN)} {connector}{rng.choice(_GIVEN)} {article}{stem.title()}i"


def main() -> None:
    rng = random.Random(7)
    names = list(dict.fromkeys(_invented(rng) for _ in range(12_000)))[:10_000]
    _parse.cache_clear()  # measure parsing, not the whole-name cache
    start = time.perf_counter()
    parsed = [parse_name(n) for n in names]
    parse_rate = len(names) / (time.perf_counter() - start)
    pairs = [(parsed[i], parsed[(i * 7919 + 13) % len(parsed)]) for i in range(len(parsed))]
    start = time.perf_counter()
    for a, b in pairs:
        name_similarity(a, b)
    cold = len(pairs) / (time.perf_counter() - start)
    start = time.perf_counter()
    for a, b in pairs:
        name_similarity(a, b)
    warm = len(pairs) / (time.perf_counter() - start)
    print(
        f"\nresolve speed on {len(names):,} invented names: parse {parse_rate:,.0f}/s; "
        f"similarity {cold:,.0f}/s first pass, {warm:,.0f}/s with token pairs cached"
    )


if __name__ == "__main__":
    main()
