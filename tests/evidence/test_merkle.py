"""The Merkle tree: RFC 9162's tree, its inclusion paths, and what a bad path cannot do."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.evidence import merkle
from archiver.evidence.merkle import (
    MerkleError,
    build_tree,
    leaf_data,
    leaf_hash,
    node_hash,
    root_from_path,
    split_path,
)

# Certificate Transparency's test leaves (RFC 6962 reference implementation) and the
# roots of the trees over their first 1..8, as that project publishes them.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162's MTH, written from its recursive definition: split at the largest power
    of two smaller than the number of leaves."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(reference_root(leaves[:split]), reference_root(leaves[split:]))


def leaves_of(count: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(count)]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_certificate_transparency(size: int) -> None:
    leaves = [hashlib.sha256(b"\x00" + data).digest() for data in CT_LEAVES[:size]]
    assert build_tree(leaves).root.hex() == CT_ROOTS[size - 1]


@given(st.integers(min_value=1, max_value=300))
def test_every_path_leads_to_the_root(size: int) -> None:
    leaves = leaves_of(size)
    tree = build_tree(leaves)
    assert tree.root == reference_root(leaves)
    for index, joined in enumerate(tree.paths()):
        path = split_path(joined)
        assert path == tree.path(index)
        assert root_from_path(leaves[index], index, size, path) == tree.root


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33])
def test_paths_across_block_boundaries(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths are built per block of leaves; with blocks of 4, every boundary case shows."""
    monkeypatch.setattr(merkle, "_BLOCK_LEVELS", 2)
    tree = build_tree(leaves_of(size))
    assert [split_path(p) for p in tree.paths()] == [tree.path(i) for i in range(size)]


def test_a_changed_leaf_does_not_reach_the_root() -> None:
    leaves = leaves_of(11)
    tree = build_tree(leaves)
    other = hashlib.sha256(b"changed").digest()
    assert root_from_path(other, 4, 11, tree.path(4)) != tree.root


def test_a_path_under_another_index_does_not_reach_the_root() -> None:
    leaves = leaves_of(11)
    tree = build_tree(leaves)
    assert root_from_path(leaves[4], 5, 11, tree.path(4)) != tree.root


@pytest.mark.parametrize(
    ("index", "size", "cut"),
    [(11, 11, 0), (-1, 11, 0), (3, 11, 1), (3, 11, -1)],
    ids=["index past the end", "negative index", "path too short", "path too long"],
)
def test_impossible_paths_are_refused(index: int, size: int, cut: int) -> None:
    leaves = leaves_of(size)
    tree = build_tree(leaves)
    path = tree.path(3)
    if cut > 0:
        path = path[:-cut]
    elif cut < 0:
        path = [*path, path[0]]
    with pytest.raises(MerkleError):
        root_from_path(leaves[3], index, size, path)


def test_leaf_binds_raw_bytes_and_content_hash() -> None:
    raw, content = "ab" * 32, "sha256:" + "cd" * 32
    assert leaf_data(raw, content) == bytes.fromhex("ab" * 32 + "cd" * 32)
    assert leaf_data(raw, None) == bytes.fromhex("ab" * 32) + bytes(32)
    assert leaf_hash(raw, content) != leaf_hash(raw, None)
    assert leaf_hash(raw, content) == hashlib.sha256(b"\x00" + leaf_data(raw, content)).digest()


@pytest.mark.parametrize("bad", ["", "ab", "zz" * 32, "ab" * 33])
def test_leaf_refuses_what_is_not_a_sha256(bad: str) -> None:
    with pytest.raises(MerkleError):
        leaf_hash(bad, None)
    with pytest.raises(MerkleError):
        leaf_hash("ab" * 32, "sha256:" + bad)


def test_empty_tree_and_odd_path_bytes_are_refused() -> None:
    with pytest.raises(MerkleError):
        build_tree([])
    with pytest.raises(MerkleError):
        split_path(b"\x00" * 33)
