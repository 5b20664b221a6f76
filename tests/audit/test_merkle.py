"""RFC 9162 hashing and proofs: published vectors, a naive reference, malformed proofs (LG-3)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backchannel.audit import merkle
from tests.audit import naive

# Test vectors of RFC 6962 §2.1 as published by transparency-dev/merkle (testonly/constants.go
# and proof/verify_test.go; the same values as certificate-transparency-go and the C++
# certificate-transparency merkle_tree_test.cc): the eight standard leaves, the roots of the
# trees of 0..8 of them, and known inclusion and consistency proofs.
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# (0-based leaf index, tree size, path); verify_test.go lists 1-based leaf numbers.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(leaf) for leaf in LEAVES[:n]]


def test_roots_of_the_published_vectors() -> None:
    assert ROOTS[0] == merkle.EMPTY_ROOT
    for n in range(9):
        assert merkle.tree_hash(_hashes(n)) == ROOTS[n], n
        assert naive.mth(LEAVES[:n]) == ROOTS[n], n


def test_published_inclusion_proofs_are_generated_and_verify() -> None:
    for index, size, hex_path in INCLUSION:
        want = [bytes.fromhex(h) for h in hex_path]
        source = merkle.memory_source(_hashes(size))
        assert merkle.inclusion_path(source, index, size) == want
        leaf = merkle.leaf_hash(LEAVES[index])
        assert merkle.verify_inclusion(leaf, index, size, want, ROOTS[size])


def test_published_consistency_proofs_are_generated_and_verify() -> None:
    for first, second, hex_path in CONSISTENCY:
        want = [bytes.fromhex(h) for h in hex_path]
        assert merkle.consistency_path(merkle.memory_source(_hashes(second)), first, second) == want
        assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], want)


def _bad_inclusions(
    index: int, size: int, path: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    """Corruptions as in transparency-dev/merkle verify_test.go, plus hash-tree's negative index."""
    out = [
        ("index - 1", (leaf, index - 1, size, path, root)),
        ("index + 1", (leaf, index + 1, size, path, root)),
        ("index ^ 2", (leaf, index ^ 2, size, path, root)),
        ("negative index", (leaf, -1 - index, size, path, root)),
        ("index = size", (leaf, size, size, path, root)),
        ("size * 2", (leaf, index, size * 2, path, root)),
        ("size // 2", (leaf, index, size // 2, path, root)),
        ("negative size", (leaf, index, -size, path, root)),
        ("wrong leaf", (b"WrongLeaf", index, size, path, root)),
        ("other leaf hash", (SOME_HASH, index, size, path, root)),
        ("empty root", (leaf, index, size, path, merkle.EMPTY_ROOT)),
        ("random root", (leaf, index, size, path, SOME_HASH)),
        ("short root", (leaf, index, size, path, root[:31])),
        ("trailing garbage", (leaf, index, size, [*path, b""], root)),
        ("trailing root", (leaf, index, size, [*path, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *path], root)),
        ("preceding root", (leaf, index, size, [root, *path], root)),
    ]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        out.append((f"flipped proof[{i}]", (leaf, index, size, flipped, root)))
    if path:
        out.append(("removed component", (leaf, index, size, path[:-1], root)))
    if len(path) > 1:
        out.append(
            ("inserted component", (leaf, index, size, [path[0], SOME_HASH, *path[1:]], root))
        )
    return out


def _bad_consistencies(
    first: int, second: int, r1: bytes, r2: bytes, path: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    out = [
        ("first - 1", (first - 1, second, r1, r2, path)),
        ("first + 1", (first + 1, second, r1, r2, path)),
        ("first ^ 2", (first ^ 2, second, r1, r2, path)),
        ("second * 2", (first, second * 2, r1, r2, path)),
        ("second // 2", (first, second // 2, r1, r2, path)),
        ("first > second", (second, first, r2, r1, path)),
        ("negative first", (-first, second, r1, r2, path)),
        ("wrong root1", (first, second, b"WrongRoot", r2, path)),
        ("wrong root2", (first, second, r1, b"WrongRoot", path)),
        ("swapped roots", (first, second, r2, r1, path)),
        ("empty proof", (first, second, r1, r2, [])),
        ("trailing garbage", (first, second, r1, r2, [*path, b""])),
        ("trailing root1", (first, second, r1, r2, [*path, r1])),
        ("trailing root2", (first, second, r1, r2, [*path, r2])),
        ("preceding garbage", (first, second, r1, r2, [b"", *path])),
        ("preceding root1", (first, second, r1, r2, [r1, *path])),
        ("preceding root2", (first, second, r1, r2, [r2, *path])),
        ("preceding proof[0]", (first, second, r1, r2, [path[0], *path])),
        ("truncated proof", (first, second, r1, r2, path[:-1])),
    ]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        out.append((f"flipped proof[{i}]", (first, second, r1, r2, flipped)))
    return out


def test_malformed_proofs_are_rejected() -> None:
    tried = accepted = 0
    wrong: list[str] = []
    for index, size, hex_path in INCLUSION[1:]:
        path = [bytes.fromhex(h) for h in hex_path]
        leaf = merkle.leaf_hash(LEAVES[index])
        for desc, args in _bad_inclusions(index, size, path, ROOTS[size], leaf):
            tried += 1
            if merkle.verify_inclusion(*args):
                accepted += 1
                wrong.append(f"inclusion {index}/{size}: {desc}")
    for first, second, hex_path in CONSISTENCY[1:]:
        path = [bytes.fromhex(h) for h in hex_path]
        for desc, cargs in _bad_consistencies(first, second, ROOTS[first], ROOTS[second], path):
            tried += 1
            if merkle.verify_consistency(*cargs):
                accepted += 1
                wrong.append(f"consistency {first}/{second}: {desc}")
    # Edge cases of transparency-dev's TestVerifyConsistency / TestVerifyInclusion.
    edge_bad = [
        merkle.verify_consistency(1, 1, ROOTS[1], ROOTS[2], []),  # equal sizes, roots differ
        merkle.verify_consistency(1, 0, ROOTS[1], ROOTS[0], []),  # time travel
        merkle.verify_consistency(2, 1, ROOTS[2], ROOTS[1], []),
        merkle.verify_consistency(1, 2, ROOTS[1], ROOTS[2], []),  # empty proof
        merkle.verify_consistency(0, 1, ROOTS[0], ROOTS[0], [ROOTS[0]]),  # proof must be empty
        merkle.verify_consistency(1, 1, ROOTS[1], ROOTS[1], [ROOTS[0]]),
        merkle.verify_inclusion(SOME_HASH, 0, 0, [], merkle.EMPTY_ROOT),  # empty tree
        merkle.verify_inclusion(SOME_HASH, 1, 0, [], merkle.EMPTY_ROOT),
        merkle.verify_inclusion(SOME_HASH, 2, 1, [], SOME_HASH),  # index >= size
        merkle.verify_inclusion(b"", 0, 1, [], b""),  # hashes of the wrong size
    ]
    tried += len(edge_bad)
    accepted += sum(edge_bad)
    print(f"\nLG-3 verifier: {tried} malformed proofs, {accepted} accepted")
    assert not wrong and accepted == 0, wrong
    assert merkle.verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])  # the empty tree is a prefix
    assert merkle.verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])


def test_every_proof_up_to_33_leaves_matches_the_reference_and_verifies() -> None:
    leaves = [f"entry {i}".encode() for i in range(33)]
    hashes = [merkle.leaf_hash(x) for x in leaves]
    inclusion = consistency = 0
    for n in range(1, len(leaves) + 1):
        source = merkle.memory_source(hashes[:n])
        root = naive.mth(leaves[:n])
        assert merkle.tree_hash(hashes[:n]) == root
        for i in range(n):
            got = merkle.inclusion_path(source, i, n)
            assert got == naive.path(i, leaves[:n])
            assert merkle.verify_inclusion(hashes[i], i, n, got, root)
            inclusion += 1
        for m in range(0, n + 1):
            got = merkle.consistency_path(source, m, n)
            assert got == naive.proof(m, leaves[:n])
            assert merkle.verify_consistency(m, n, naive.mth(leaves[:m]), root, got)
            consistency += 1
    print(f"\nLG-3: {inclusion} inclusion and {consistency} consistency proofs verified (1..33)")


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    leaves=st.lists(st.binary(max_size=8), min_size=1, max_size=300),
    data=st.data(),
)
def test_proofs_agree_with_the_naive_reference(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    hashes = [merkle.leaf_hash(x) for x in leaves]
    source = merkle.memory_source(hashes)
    root = naive.mth(leaves)
    assert merkle.tree_hash(hashes) == root
    i = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_path(source, i, n)
    assert path == naive.path(i, leaves)
    assert merkle.verify_inclusion(hashes[i], i, n, path, root)
    bad_root = bytes([root[0] ^ 1]) + root[1:]
    assert not merkle.verify_inclusion(hashes[i], i, n, path, bad_root)
    if path:
        assert not merkle.verify_inclusion(hashes[i], i, n, path[:-1], root)
    m = data.draw(st.integers(0, n))
    proof = merkle.consistency_path(source, m, n)
    assert proof == naive.proof(m, leaves)
    assert merkle.verify_consistency(m, n, naive.mth(leaves[:m]), root, proof)
    if 0 < m < n:
        assert not merkle.verify_consistency(m, n, naive.mth(leaves[:m]), bad_root, proof)
        assert not merkle.verify_consistency(m, n, naive.mth(leaves[:m]), root, proof[:-1])


def test_nodes_of_the_published_tree() -> None:
    # transparency-dev/merkle testonly NodeHashes(): level 1 and 2 of the 8-leaf tree.
    table = merkle.levels(_hashes(8))
    assert table[1][2].hex() == "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
    assert table[2][1].hex() == "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
    assert table[3][0] == ROOTS[8]
