"""The log's tree against published vectors: transparency-dev/merkle's RFC 6962 test data
(testonly/constants.go, proof/verify_test.go), so tools written elsewhere agree with us."""

import hashlib

import pytest

from ledger.merkle import (
    EMPTY_ROOT,
    RootBuilder,
    append_nodes,
    consistency_ranges,
    frontier,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    range_hash,
    root_from_inclusion,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from ledger.tree import leaf_hashes, roots

LEAVES = [
    bytes.fromhex(x)
    for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, proof): verify_test.go's inclusionProofs, whose leaf is 1-based
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
HASHES = [leaf_hash(leaf) for leaf in LEAVES]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def stored_tree(hashes: list[bytes], batches: list[int]) -> dict[tuple[int, int], bytes]:
    """Nodes as the integrator stores them, appended in the given batch sizes."""
    store: dict[tuple[int, int], bytes] = {}
    size = 0
    for count in batches:
        known = {node: store[node] for node in frontier(size)}
        for level, index, digest in append_nodes(size, known, hashes[size : size + count]):
            assert (level, index) not in store
            store[(level, index)] = digest
        size += count
    return store


def proof_from(store: dict[tuple[int, int], bytes], ranges) -> list[bytes]:
    return [range_hash(lo, hi, store.__getitem__) for lo, hi in ranges]


def test_roots_are_the_published_ones():
    assert EMPTY_ROOT.hex() == ROOTS[0]
    for size in range(9):
        assert root_of(HASHES[:size]).hex() == ROOTS[size]


def test_stored_nodes_give_the_published_roots_however_the_leaves_came():
    for batches in ([8], [1] * 8, [3, 5], [5, 1, 2], [2, 2, 4]):
        store = stored_tree(HASHES, batches)
        for size in range(1, 9):
            assert range_hash(0, size, store.__getitem__).hex() == ROOTS[size], batches
        assert len(store) == 15  # 8 leaves, 4 + 2 + 1 complete subtrees above them


def test_the_compact_builder_and_the_tree_rebuild_agree_with_the_reference():
    builder = RootBuilder()
    for size, digest in enumerate(HASHES, start=1):
        builder.append(digest)
        assert builder.root().hex() == ROOTS[size]
    events = [hashlib.sha256(bytes([n])).hexdigest() for n in range(13)]
    hashes = [leaf_hash(bytes.fromhex(h)) for h in events]
    assert leaf_hashes(events) == hashes
    assert roots(hashes, range(14)) == {size: root_of(hashes[:size]) for size in range(14)}
    assert roots(hashes, [5, 99]) == {5: root_of(hashes[:5])}


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_are_the_published_ones(index, size, proof):
    store = stored_tree(HASHES, [8])
    made = proof_from(store, inclusion_ranges(index, size))
    assert [p.hex() for p in made] == proof
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(index, size, HASHES[index], made, root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_published_ones(old, new, proof):
    store = stored_tree(HASHES, [8])
    made = proof_from(store, consistency_ranges(old, new))
    assert [p.hex() for p in made] == proof
    assert verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), made)


def test_every_proof_of_every_small_tree_verifies():
    hashes = [hashlib.sha256(n.to_bytes(2, "big")).digest() for n in range(40)]
    store = stored_tree(hashes, [7, 1, 13, 2, 17])
    for size in range(1, 41):
        root = root_of(hashes[:size])
        for index in range(size):
            proof = proof_from(store, inclusion_ranges(index, size))
            assert verify_inclusion(index, size, hashes[index], proof, root)
        for old in range(size + 1):
            proof = proof_from(store, consistency_ranges(old, size))
            assert verify_consistency(old, size, root_of(hashes[:old]), root, proof), (old, size)


def corrupted(proof: list[bytes], root: bytes) -> list[list[bytes]]:
    """verify_test.go's probes: trailing and preceding garbage, a flipped bit, a removed or
    inserted component."""
    out = [[*proof, b""], [*proof, root], [b"", *proof], [root, *proof]]
    for n in range(len(proof)):
        flipped = bytearray(proof[n])
        flipped[0] ^= 8
        out.append([*proof[:n], bytes(flipped), *proof[n + 1 :]])
    if proof:
        out.append(proof[:-1])
    if len(proof) > 1:
        out.append([proof[0], SOME_HASH, *proof[1:]])
    return out


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[:4])
def test_corrupt_inclusion_proofs_are_refused(index, size, proof):
    hashes = [bytes.fromhex(p) for p in proof]
    root, leaf = bytes.fromhex(ROOTS[size]), HASHES[index]
    for bad in corrupted(hashes, root):
        assert not verify_inclusion(index, size, leaf, bad, root)
    for wrong_index, wrong_size in ((index + 1, size), (index ^ 2, size), (index, size * 2)):
        assert not verify_inclusion(wrong_index, wrong_size, leaf, hashes, root)
    assert not verify_inclusion(index, size, b"WrongLeaf", hashes, root)
    assert not verify_inclusion(index, size, leaf, hashes, EMPTY_ROOT)
    assert root_from_inclusion(size, size, leaf, hashes) is None


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:])
def test_corrupt_consistency_proofs_are_refused(old, new, proof):
    hashes = [bytes.fromhex(p) for p in proof]
    first, second = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    for bad in [*corrupted(hashes, first), [*hashes, second], [second, *hashes], []]:
        assert not verify_consistency(old, new, first, second, bad)
    for a, b in ((old - 1, new), (old + 1, new), (old ^ 2, new), (old, new * 2), (old, new // 2)):
        assert not verify_consistency(a, b, first, second, hashes)
    assert not verify_consistency(old, new, b"WrongRoot", second, hashes)
    assert not verify_consistency(old, new, first, b"WrongRoot", hashes)
    assert not verify_consistency(old, new, second, first, hashes)


def test_consistency_edge_cases_as_go_decides_them():
    one, two = b"don't care 1", b"don't care 2"
    cases = [
        (0, 0, one, two, [], False),
        (1, 1, one, two, [], False),
        (0, 0, one, one, [], True),
        (0, 1, one, two, [], True),
        (1, 1, two, two, [], True),
        (1, 0, one, two, [], False),
        (2, 1, one, two, [], False),
        (1, 2, one, two, [], False),
        (0, 0, EMPTY_ROOT, two, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ]
    for old, new, first, second, proof, holds in cases:
        assert verify_consistency(old, new, first, second, proof) == holds, (old, new)


def test_ranges_refuse_what_no_tree_has():
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_ranges(4, 3)
    assert node_hash(HASHES[0], HASHES[1]).hex() == stored_tree(HASHES, [2])[(1, 0)].hex()
    assert frontier(13) == [(3, 0), (2, 2), (0, 12)]
