"""Checkpoints kept outside the store: truncation and rollback become detectable.

A hash chain proves the order of the records that are there, not that none was cut
from its end. A checkpoint -- the number of records, the last one's hash and the Merkle
root over all of them (govern.store.merkle), signed with the store's key -- kept where
the store's writers cannot rewrite it (CI artefacts, git, a report) lets anyone check
later that the store still holds every record the checkpoint covers, unchanged.

    doc = make_checkpoint(store)              # {"checkpoint": {...}, "signature": {...}}
    result = check_checkpoint(store, doc)     # CheckpointResult(ok, problems, ...)
    summary = verify_summary(store)           # for a report's integrity block
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from govern.errors import ConfigError
from govern.store import merkle
from govern.store.chain import ED25519, KEYED
from govern.store.codec import canonical_json, format_datetime
from govern.store.signing import key_id, payload_hmac, signature_valid

if TYPE_CHECKING:
    from govern.store.core import Store

__all__ = [
    "FORMAT",
    "CheckpointResult",
    "IntegritySummary",
    "check_checkpoint",
    "inclusion_proof",
    "make_checkpoint",
    "verify_summary",
]

FORMAT = "govern-checkpoint/1"


def make_checkpoint(store: Store) -> dict[str, Any]:
    """A checkpoint of the store as it is now, signed with its key when one is configured.

    HMAC stores sign with GOVERN_SIGNING_KEY, Ed25519 stores with the private key
    (GOVERN_SIGNING_KEY_FILE); without a key the checkpoint is unsigned, and is as
    trustworthy as the place it is kept.
    """
    hashes = store.chain_hashes()
    payload = {
        "format": FORMAT,
        "store": {"id": hashes[0][1] if hashes else None, "location": store.location},
        "size": len(hashes),
        "last_seq": hashes[-1][0] if hashes else 0,
        "head": hashes[-1][1] if hashes else None,
        "root": merkle.root([_leaf(h) for _, h in hashes]).hex(),
        "chain": store.mode,
        "created_at": format_datetime(datetime.now(UTC)),
    }
    signature = store.signer.sign_payload(canonical_json(payload).encode())
    return {"checkpoint": payload, "signature": signature}


@dataclass(frozen=True)
class CheckpointResult:
    """What checking a store against a checkpoint found.

    Attributes:
        ok: the store holds every record the checkpoint covers, unchanged, and the
            checkpoint's signature (if any) verifies.
        size: records the checkpoint covers.
        head: the checkpoint's head hash.
        signed: ``ed25519 KEY_ID``, ``hmac-sha256`` or ``unsigned``.
        problems: what is wrong, most telling first.
    """

    ok: bool
    size: int
    head: str | None
    signed: str
    problems: tuple[str, ...] = field(default_factory=tuple)


def check_checkpoint(
    store: Store, doc: Mapping[str, Any], public_keys: Sequence[bytes] | None = None
) -> CheckpointResult:
    """Check that ``store`` still holds every record checkpoint ``doc`` covers, unchanged.

    Raises:
        ConfigError: ``doc`` is not a govern checkpoint.
    """
    payload, signature = _parse(doc)
    size, head = int(payload["size"]), payload.get("head")
    problems: list[str] = []
    signed = _check_signature(store, payload, signature, public_keys, problems)
    hashes = store.chain_hashes()
    by_seq = dict(hashes)
    want_id = payload["store"].get("id") if isinstance(payload.get("store"), Mapping) else None
    if want_id and 1 in by_seq and by_seq[1] != want_id:
        problems.append(
            "the checkpoint is of another store (or this store was rewritten from its "
            f"first record): its first record's hash is {str(want_id)[:16]}..., here "
            f"{by_seq[1][:16]}..."
        )
    gaps = _gaps([seq for seq, _ in hashes if seq <= size], size)
    if gaps:
        count = sum(hi - lo + 1 for lo, hi in gaps)
        shown = ", ".join(str(lo) if lo == hi else f"{lo}..{hi}" for lo, hi in gaps[:5])
        problems.append(
            f"{count} of the {size} record(s) the checkpoint covers are missing from "
            f"the store: seq {shown}{', ...' if len(gaps) > 5 else ''} (records were "
            "removed from its end, or the store was rolled back to an older copy)"
        )
    elif size and by_seq.get(size) != head:
        problems.append(
            f"record seq {size}, the last the checkpoint covers, is not the one it saw "
            f"(hash {str(by_seq.get(size))[:16]}... instead of {str(head)[:16]}...): records "
            "up to it were rewritten, or the store was rolled back and written again"
        )
    elif size:
        got = merkle.root([_leaf(h) for _, h in hashes[:size]]).hex()
        if got != payload.get("root"):
            problems.append(
                f"the Merkle root of records 1..{size} is {got[:16]}..., not the "
                f"checkpoint's {str(payload.get('root'))[:16]}...: records were rewritten"
            )
    return CheckpointResult(not problems, size, head, signed, tuple(problems))


def _parse(doc: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    payload = doc.get("checkpoint") if isinstance(doc, Mapping) else None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConfigError(f"not a govern checkpoint (expected format {FORMAT!r})")
    size = payload.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < 1 << 62:
        raise ConfigError(f"the checkpoint's size must be a whole number, not {size!r}")
    head = payload.get("head")
    if size and not (isinstance(head, str) and isinstance(payload.get("root"), str)):
        raise ConfigError("the checkpoint has no head hash or Merkle root")
    return payload, doc.get("signature")


def _check_signature(
    store: Store,
    payload: dict[str, Any],
    signature: Any,
    public_keys: Sequence[bytes] | None,
    problems: list[str],
) -> str:
    try:
        body = canonical_json(payload).encode()
    except (ValueError, TypeError, RecursionError):
        problems.append("the checkpoint holds values JSON cannot carry (NaN, infinities)")
        return "unreadable"
    if signature is None:
        if public_keys is not None:
            problems.append("the checkpoint is not signed, but a public key was given")
        return "unsigned"
    if not isinstance(signature, Mapping):
        problems.append("the checkpoint's signature is not an object")
        return "unreadable signature"
    algorithm = signature.get("algorithm")
    if algorithm == ED25519:
        try:
            raw = base64.b64decode(str(signature.get("public_key")), validate=True)
        except ValueError:
            raw = b""
        named = key_id(raw)
        trusted = public_keys if public_keys is not None else _chain_keys(store)
        if raw not in trusted:
            where = "the trusted public keys" if public_keys is not None else "the store's keys"
            problems.append(f"the checkpoint is signed by key {named}, not one of {where}")
        elif not signature_valid(raw, body, str(signature.get("value")), record=False):
            problems.append(f"the checkpoint's signature does not verify with key {named}")
        return f"ed25519 {named}"
    if algorithm == KEYED:
        key = store.signer.hmac_key
        if not key:
            problems.append("the checkpoint is HMAC-signed: set GOVERN_SIGNING_KEY to check it")
        elif not hmac.compare_digest(
            payload_hmac(key, body).encode(), str(signature.get("value")).encode()
        ):
            problems.append("the checkpoint's HMAC does not verify with GOVERN_SIGNING_KEY")
        return KEYED
    problems.append(f"the checkpoint's signature algorithm {algorithm!r} is unknown")
    return "unknown"


def _chain_keys(store: Store) -> list[bytes]:
    from govern.store.signing import SIGNING_KEY

    keys: list[bytes] = []
    for record in store.records(kind=SIGNING_KEY):
        try:
            keys.append(base64.b64decode(str(record.data.get("public_key")), validate=True))
        except ValueError:
            continue
    return keys


def _leaf(digest: str) -> bytes:
    try:
        return bytes.fromhex(digest)
    except ValueError:
        return digest.encode("utf-8", "surrogateescape")


def _gaps(present: list[int], size: int) -> list[tuple[int, int]]:
    """The seq ranges in 1..size missing from ``present`` (sorted), without counting to size."""
    gaps: list[tuple[int, int]] = []
    expected = 1
    for seq in present:
        if seq > expected:
            gaps.append((expected, seq - 1))
        expected = max(expected, seq + 1)
    if expected <= size:
        gaps.append((expected, size))
    return gaps


def inclusion_proof(store: Store, seq: int, size: int | None = None) -> dict[str, Any]:
    """Proof that record ``seq`` is in the tree of the first ``size`` records (RFC 9162).

    Check it with ``merkle.verify_inclusion(seq - 1, size, bytes.fromhex(leaf), path,
    bytes.fromhex(root))`` against a checkpoint's root -- no store needed.
    """
    hashes = store.chain_hashes(size)
    leaves = [_leaf(h) for _, h in hashes]
    path = merkle.inclusion_proof(seq - 1, leaves)
    return {
        "seq": seq,
        "size": len(leaves),
        "leaf": hashes[seq - 1][1],
        "path": [p.hex() for p in path],
        "root": merkle.root(leaves).hex(),
    }


Status = Literal["verified", "not verified", "tampered"]


@dataclass(frozen=True)
class IntegritySummary:
    """The integrity block of a report: one status, the head, the record count.

    ``verified``: the chain, signatures and index all check out. ``not verified``: the
    check could not be made (an HMAC store without its key). ``tampered``: it failed.
    """

    status: Status
    head_hash: str | None
    records: int
    mode: str
    message: str


def verify_summary(store: Store, public_keys: Sequence[bytes] | None = None) -> IntegritySummary:
    """Verify ``store`` and sum the result up for a report."""
    report = store.verify(public_keys=public_keys)
    status: Status = "verified" if report.ok else "tampered"
    if not report.checked:
        status = "not verified"
    return IntegritySummary(status, report.head_hash, report.records, report.mode, report.message)
