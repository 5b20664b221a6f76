"""Blocking: which pairs of profiles are worth comparing at all.

Every name and alias contributes its part keys, single and in pairs. A block is the set of
profiles sharing a blocking key; blocks larger than ``max_block`` are skipped (a very common
given name alone says little), which is why pairs of keys are keys too: "mhmd" is too common to
block on, "mhmd|adnani" is not. The same rules serve the single-machine and the Spark resolver.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import combinations

from backchannel.resolve.name import ParsedName

DEFAULT_MAX_BLOCK = 64


def blocking_keys(names: Iterable[ParsedName]) -> set[str]:
    """The blocking keys of one profile: its name part keys, alone and in sorted pairs."""
    keys: set[str] = set()
    for parsed in names:
        parts = sorted(set(parsed.keys))
        keys.update(parts)
        keys.update(f"{x}|{y}" for x, y in combinations(parts, 2))
    return keys


def blocks(profiles: Iterable[tuple[str, Iterable[str]]]) -> dict[str, list[str]]:
    """Blocking key → ids of the profiles carrying it."""
    out: dict[str, list[str]] = {}
    for entity_id, keys in profiles:
        for key in keys:
            out.setdefault(key, []).append(entity_id)
    return out


def candidate_pairs(
    block_map: dict[str, list[str]], *, max_block: int = DEFAULT_MAX_BLOCK
) -> Iterator[tuple[str, str]]:
    """Each unordered pair sharing at least one block of at most ``max_block`` members, once."""
    seen: set[tuple[str, str]] = set()
    for members in block_map.values():
        if len(members) < 2 or len(members) > max_block:
            continue
        for a, b in combinations(sorted(set(members)), 2):
            if (a, b) not in seen:
                seen.add((a, b))
                yield a, b
