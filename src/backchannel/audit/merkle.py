"""RFC 9162 §2.1 Merkle tree hashing, inclusion proofs and consistency proofs (pure functions).

Leaves are hashed ``SHA-256(0x00 || leaf)``, interior nodes ``SHA-256(0x01 || left || right)``;
a tree of *n* leaves splits at the largest power of two below *n*; the empty tree hashes to
``SHA-256("")``. Proofs are generated from a :data:`SubtreeHash` source, the hash of an aligned
complete subtree, so a store that keeps those hashes answers in O(log n) look-ups.

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 and reject malformed input rather than
raising: negative or out-of-range indices and sizes, ``first > second``, hashes that are not 32
bytes, and proofs that are too long or too short (the path must consume the tree exactly; the
Haskell hash-tree 0.1.1 advisory shows what happens when a verifier does not check that).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# (level, index) -> hash of leaves [index * 2**level, (index + 1) * 2**level); level 0 = leaves.
SubtreeHash = Callable[[int, int], bytes]


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(subtree: SubtreeHash, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from complete-subtree hashes (``start`` aligned as RFC splits make it)."""
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:
        return subtree(size.bit_length() - 1, start // size)
    k = split(size)
    return node_hash(range_hash(subtree, start, start + k), range_hash(subtree, start + k, end))


def levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every complete subtree hash, level by level (level 0 = the leaf hashes), in O(n)."""
    out = [list(leaf_hashes)]
    while len(out[-1]) > 1:
        below = out[-1]
        out.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return out


def memory_source(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """A :data:`SubtreeHash` over leaf hashes held in memory."""
    table = levels(leaf_hashes)
    return lambda level, index: table[level][index]


def tree_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes."""
    return range_hash(memory_source(leaf_hashes), 0, len(leaf_hashes))


def inclusion_path(subtree: SubtreeHash, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf to root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(range_hash(subtree, start + k, end))
            end = start + k
        else:
            path.append(range_hash(subtree, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_path(subtree: SubtreeHash, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1 (empty when first is 0 or second)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    path: list[bytes] = []
    start, end, whole = 0, second, True
    m = first
    while m != end - start:
        k = split(end - start)
        if m <= k:
            path.append(range_hash(subtree, start + k, end))
            end = start + k
        else:
            path.append(range_hash(subtree, start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        path.append(range_hash(subtree, start, end))
    path.reverse()
    return path


def _hashes_ok(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: is the leaf hash ``leaf`` at ``index`` in the tree ``(size, root)``?"""
    if not (0 <= index < size) or not _hashes_ok(leaf, root, *path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False  # over-long proof
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``(first, first_root)`` a prefix of ``(second, ...)``?"""
    if not (0 <= first <= second) or not _hashes_ok(first_root, second_root, *path):
        return False
    if first == 0:
        return not path  # the empty tree is a prefix of every tree
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False  # over-long proof
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
