"""A Merkle tree (SHA-256) over captures, so one timestamp covers a whole run and each
capture can still be proven on its own.

The tree is the one of RFC 9162 (Certificate Transparency 2.0), section 2.1: a leaf is
``SHA-256(0x00 || data)``, an inner node ``SHA-256(0x01 || left || right)``, and a level
with an odd number of nodes lifts its last node unchanged to the level above (which
is the same tree as RFC 9162's split at the largest power of two). A capture's
*inclusion path* is the list of sibling hashes from its leaf up to the root; anyone can
check it with the algorithm of RFC 9162 section 2.1.3.2, which :func:`root_from_path`
implements, given the leaf's index and the tree's size.

A capture's leaf data is its raw bytes' SHA-256 and its record's content hash, 32 bytes
each (32 zero bytes when the capture found the post unavailable and has no record):
the two facts about a capture that a bundle lets anyone recompute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from archiver.errors import ArchiverError

HASH_SIZE = 32
_NO_RECORD = bytes(HASH_SIZE)
_LEAF, _NODE = b"\x00", b"\x01"
#: Paths are built for 2**12 leaves at a time (see :meth:`MerkleTree.paths`).
_BLOCK_LEVELS = 12


class MerkleError(ArchiverError, ValueError):
    """A leaf, path or tree that cannot be what it claims (wrong length, bad index)."""


def _digest(text: str, what: str) -> bytes:
    value = text.removeprefix("sha256:")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != HASH_SIZE:
        raise MerkleError(f"{what} {text!r} is not a SHA-256 hex digest")
    return raw


def leaf_data(raw_sha256: str, content_hash: str | None) -> bytes:
    """The 64 bytes a capture's leaf hashes: raw bytes' SHA-256, then the content hash."""
    content = _NO_RECORD if content_hash is None else _digest(content_hash, "content hash")
    return _digest(raw_sha256, "raw SHA-256") + content


def leaf_hash(raw_sha256: str, content_hash: str | None) -> bytes:
    return hashlib.sha256(_LEAF + leaf_data(raw_sha256, content_hash)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


@dataclass(frozen=True)
class MerkleTree:
    """Every level of a tree, leaves first; built once, then asked for paths."""

    levels: tuple[list[bytes], ...]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def path(self, index: int) -> list[bytes]:
        """The sibling hashes from leaf ``index`` up to the root (RFC 9162 order)."""
        if not 0 <= index < self.size:
            raise MerkleError(f"leaf {index} is outside a tree of {self.size}")
        return self._path_above(0, index)

    def _path_above(self, depth: int, position: int) -> list[bytes]:
        """The path from node ``position`` of level ``depth`` up to the root."""
        path: list[bytes] = []
        for level in self.levels[depth:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            position >>= 1
        return path

    def paths(self) -> Iterator[bytes]:
        """Every leaf's path as one bytes value (the hashes concatenated), in leaf order.

        Leaves are taken in aligned blocks of 4,096: the part of the path above a block
        is shared by all its leaves and found once; the part inside it is built level by
        level from the top, each node's path being its sibling before its parent's. So
        the work is a few list operations per node, not one walk per leaf, and memory
        holds one block's paths at a time.
        """
        levels = self.levels[:-1]
        depth = min(_BLOCK_LEVELS, len(levels))
        block = 1 << depth
        for start in range(0, self.size, block):
            below = [b"".join(self._path_above(depth, start >> depth))]
            for height in range(depth - 1, -1, -1):
                level = levels[height]
                first = start >> height
                nodes = level[first : first + (block >> height)]
                siblings: list[bytes] = [b""] * len(nodes)
                siblings[0::2] = [*nodes[1::2], *([b""] if len(nodes) % 2 else [])]
                siblings[1::2] = nodes[0::2][: len(nodes) // 2]
                parents = [parent for parent in below for _ in (0, 1)]
                below = [s + p for s, p in zip(siblings, parents, strict=False)]
            yield from below


def build_tree(leaves: Sequence[bytes]) -> MerkleTree:
    """The tree over ``leaves`` (leaf hashes, in order). At least one leaf."""
    if not leaves:
        raise MerkleError("a Merkle tree needs at least one leaf")
    level = list(leaves)
    levels = [level]
    sha256 = hashlib.sha256
    while len(level) > 1:
        pairs = [
            sha256(_NODE + a + b).digest() for a, b in zip(level[::2], level[1::2], strict=False)
        ]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
        levels.append(level)
    return MerkleTree(tuple(levels))


def split_path(joined: bytes) -> list[bytes]:
    """A path stored as one bytes value, back into its hashes."""
    if len(joined) % HASH_SIZE:
        raise MerkleError(f"a path of {len(joined)} bytes is not a list of SHA-256 hashes")
    return [joined[i : i + HASH_SIZE] for i in range(0, len(joined), HASH_SIZE)]


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """The root that ``path`` leads to from ``leaf`` at ``index`` in a tree of ``size``
    (RFC 9162 section 2.1.3.2). Raises :class:`MerkleError` when the path cannot belong
    to such a tree (too long, too short, or an index outside it)."""
    if not 0 <= index < size:
        raise MerkleError(f"leaf index {index} is outside a tree of {size}")
    position, last, result = index, size - 1, leaf
    for sibling in path:
        if len(sibling) != HASH_SIZE:
            raise MerkleError("a path entry is not a SHA-256 hash")
        if last == 0:
            raise MerkleError("the path is longer than the tree is deep")
        if position & 1 or position == last:
            result = node_hash(sibling, result)
            while not position & 1 and position:
                position >>= 1
                last >>= 1
        else:
            result = node_hash(result, sibling)
        position >>= 1
        last >>= 1
    if last != 0:
        raise MerkleError("the path is shorter than the tree is deep")
    return result
