"""STIX identifiers drawn from the seeded generator, so a seed always yields the same ids."""

from __future__ import annotations

from random import Random

# Version-4 UUID layout: four version bits in the time_hi field, two variant bits in clock_seq.
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (0x4000 << 64) | (0x8000 << 48)


def stix_id(rng: Random, kind: str) -> str:
    """``kind--<uuid4>``; equal to ``uuid.UUID(int=rng.getrandbits(128), version=4)``.

    Formatted by hand because constructing ``uuid.UUID`` objects costs more than the rest of an
    identity record; the test suite checks the two agree.
    """
    h = f"{(rng.getrandbits(128) & _CLEAR) | _SET:032x}"
    return f"{kind}--{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
