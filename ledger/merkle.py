"""The global log's Merkle tree, exactly RFC 9162 §2.1 (= RFC 6962 §2.1). No I/O.

- leaf hash ``SHA-256(0x00 ‖ leaf)``, node hash ``SHA-256(0x01 ‖ left ‖ right)``, the
  empty tree's root ``SHA-256("")``; a tree of n leaves splits at the largest power of
  two below n.
- Stored nodes are the hashes of complete subtrees, addressed ``(level, index)``: level
  0 holds the leaf hashes, and node ``(l, i)`` covers leaves ``[i·2^l, (i+1)·2^l)``. Any
  subtree hash a proof needs is a fold of at most ~log n stored nodes (``range_nodes``),
  so proofs never rehash the log.
- Proofs are lists of 32-byte hashes in RFC 9162's order (that of Go's ``sumdb/tlog``
  and of ``transparency-dev/merkle``): from the leaf (or the old tree) upwards.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [lo, hi)

EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = 32


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, by the RFC's recursion (the reference the rest is tested on)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# --- the ranges a proof is made of ---------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form PATH(index, D[size]), in proof order."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not in a tree of {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The subtrees whose hashes form PROOF(old, D[new]), in proof order."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    if old in (0, new):
        return []
    out: list[Range] = []
    lo, hi, m, whole = 0, new, old, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        out.append((lo, hi))
    out.reverse()
    return out


def range_nodes(lo: int, hi: int) -> list[Node]:
    """The complete subtrees, left to right, that make up leaves ``[lo, hi)``.

    Every range in an RFC 9162 proof starts at a multiple of a power of two at least its
    length, so the greedy split here is the RFC's split and folding these nodes from the
    right gives MTH(D[lo:hi])."""
    nodes: list[Node] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while lo + (1 << level) > hi:
            level -= 1
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of adjacent subtrees, combined from the right (``range_nodes`` order)."""
    if not hashes:
        return EMPTY_ROOT
    out = hashes[-1]
    for left in reversed(hashes[:-1]):
        out = node_hash(left, out)
    return out


def range_hash(lo: int, hi: int, lookup: Callable[[Node], bytes]) -> bytes:
    return fold([lookup(node) for node in range_nodes(lo, hi)])


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """Every stored node the ranges need: one query's worth."""
    return {node for lo, hi in ranges for node in range_nodes(lo, hi)}


def frontier(size: int) -> list[Node]:
    """The complete subtrees a tree of ``size`` leaves decomposes into, left to right:
    what appending to it and computing its root need."""
    return range_nodes(0, size)


# --- growing the stored tree ---------------------------------------------------------------


def append_nodes(
    size: int, stored: Mapping[Node, bytes], leaf_hashes: Iterable[bytes]
) -> list[tuple[int, int, bytes]]:
    """The nodes to store when leaves are appended to a tree of ``size``: each leaf hash at
    level 0, and every complete subtree the new leaves finish. ``stored`` must hold the
    ``frontier(size)`` nodes."""
    known = dict(stored)
    out: list[tuple[int, int, bytes]] = []
    index = size
    for value in leaf_hashes:
        level, position, current = 0, index, value
        out.append((0, index, current))
        known[(0, index)] = current
        while position & 1:
            current = node_hash(known[(level, position - 1)], current)
            level, position = level + 1, position >> 1
            out.append((level, position, current))
            known[(level, position)] = current
        index += 1
    return out


class RootBuilder:
    """A compact range over leaf hashes appended in index order: the root of the tree so
    far, at any size, in O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []

    def append(self, value: bytes) -> None:
        stack, size = self._stack, self.size
        while size & 1:
            value = node_hash(stack.pop(), value)
            size >>= 1
        stack.append(value)
        self.size += 1

    def root(self) -> bytes:
        return fold(self._stack)


# --- verifying proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) -----------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or ``None`` if the proof has the wrong shape."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    return root_from_inclusion(index, size, leaf, proof) == root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if old < 0 or new < old or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
