"""The hash chain: each record's hash covers its canonical content and the previous hash.

Unkeyed chains use SHA-256; with a signing key the chain is HMAC-SHA256, so that someone
who can write the store but does not hold the key cannot recompute it after an edit.
Ed25519 stores chain with SHA-256 and sign each record's hash (govern.store.signing).
The store's meta table says which (``chain`` = ``sha256``, ``hmac-sha256`` or
``ed25519``) and holds a key check value (an HMAC of a fixed label), never the key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

__all__ = [
    "ED25519",
    "GENESIS",
    "KEYED",
    "UNKEYED",
    "ChainMode",
    "key_check",
    "mode_for",
    "record_hash",
]

ChainMode = Literal["sha256", "hmac-sha256", "ed25519"]
UNKEYED: ChainMode = "sha256"
KEYED: ChainMode = "hmac-sha256"
ED25519: ChainMode = "ed25519"
GENESIS = "0" * 64
"""The ``prev_hash`` of the first record."""

_KEY_CHECK_LABEL = b"govern key check v1"


def mode_for(key: str | None) -> ChainMode:
    """The chain mode a store created with ``key`` uses."""
    return KEYED if key else UNKEYED


def record_hash(prev_hash: str, body: str, key: str | None) -> str:
    """Hex digest over ``prev_hash`` followed by the record's canonical JSON ``body``."""
    data = prev_hash.encode("ascii") + body.encode("utf-8")
    if key:
        return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def key_check(key: str) -> str:
    """A value that tells whether a key is the store's key without revealing it."""
    return hmac.new(key.encode("utf-8"), _KEY_CHECK_LABEL, hashlib.sha256).hexdigest()
