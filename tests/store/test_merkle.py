"""govern.store.merkle against an independent implementation of RFC 9162 section 2.1,
written here straight from the RFC's recursive definitions (MTH, PATH, PROOF), and the
RFC 6962 known-answer roots (the 8-leaf test vector of certificate-transparency)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.store import merkle, open_store
from govern.store.seal import inclusion_proof, make_checkpoint
from tests.store import factories as f


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162: "k < n <= 2k")."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = _k(n)
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True)


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


# RFC 6962 test vector (certificate-transparency's merkle tree tests): leaves and roots
LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_known_answer_roots() -> None:
    assert merkle.root([]).hex() == hashlib.sha256(b"").hexdigest()
    for n, want in enumerate(ROOTS, 1):
        assert mth(LEAVES[:n]).hex() == want  # the reference agrees with the vector
        assert merkle.root(LEAVES[:n]).hex() == want


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


@pytest.mark.parametrize("n", range(1, 34))
def test_proofs_equal_the_rfc_definitions(n: int) -> None:
    d = _leaves(n)
    root = mth(d)
    assert merkle.root(d) == root
    for m in range(n):
        audit = merkle.inclusion_proof(m, d)
        assert audit == path(m, d)
        assert merkle.verify_inclusion(m, n, d[m], audit, root)
        assert not merkle.verify_inclusion(m, n, b"not the leaf", audit, root)
        if audit:
            bad = [*audit[:-1], _h(audit[-1])]
            assert not merkle.verify_inclusion(m, n, d[m], bad, root)
            assert not merkle.verify_inclusion(m, n, d[m], audit[:-1], root)
        if n > 1:
            assert not merkle.verify_inclusion((m + 1) % n, n, d[m], audit, root)
    for m in range(1, n + 1):
        consistency = merkle.consistency_proof(m, d)
        assert consistency == proof(m, d)
        old = mth(d[:m])
        assert merkle.verify_consistency(m, n, old, root, consistency)
        assert not merkle.verify_consistency(m, n, _h(old), root, consistency)
        if consistency:
            assert not merkle.verify_consistency(m, n, old, root, consistency[:-1])
            bad = [_h(consistency[0]), *consistency[1:]]
            assert not merkle.verify_consistency(m, n, old, root, bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=70), st.data())
def test_random_trees(d: list[bytes], data: st.DataObject) -> None:
    n = len(d)
    m = data.draw(st.integers(0, n - 1))
    assert merkle.root(d) == mth(d)
    assert merkle.inclusion_proof(m, d) == path(m, d)
    assert merkle.consistency_proof(m + 1, d) == proof(m + 1, d)


def test_a_records_inclusion_in_a_checkpoint(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "s.db"), signing_key="", signing_key_file="") as store:
        run = f.run_info()
        store.begin_run(run)
        for _ in range(6):
            store.record_stage(f.stage_result(run.id))
        doc = make_checkpoint(store)["checkpoint"]
        got = inclusion_proof(store, 3, doc["size"])
    root = bytes.fromhex(doc["root"])
    audit = [bytes.fromhex(p) for p in got["path"]]
    assert got["root"] == doc["root"]
    assert merkle.verify_inclusion(2, doc["size"], bytes.fromhex(got["leaf"]), audit, root)
    assert path(2, [bytes.fromhex(h) for h in _hashes(tmp_path)]) == audit


def _hashes(tmp_path: Path) -> list[str]:
    with open_store(str(tmp_path / "s.db"), signing_key="", create=False) as store:
        return [h for _, h in store.chain_hashes()]
