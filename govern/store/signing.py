"""Who vouches for the record: nobody (SHA-256), a shared secret (HMAC) or an Ed25519 key.

An Ed25519 store chains its records with plain SHA-256 and signs each record's hash
with the private key; the signature goes to the ``signatures`` table. Anyone holding
only the public key can check every signature -- and, since each hash covers all
earlier records, the whole history up to it -- without being able to forge one.

The key in force is recorded in the chain itself: a ``signing_key`` record (signed by
the new key) each time a writer starts signing with a key the chain has not seen last.
``cryptography`` is imported only when an Ed25519 key is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govern.errors import ConfigError
from govern.store.chain import ED25519, KEYED, UNKEYED, ChainMode, key_check, record_hash

__all__ = [
    "SIGNING_KEY",
    "Signer",
    "key_id",
    "load_private_key",
    "load_public_key",
    "payload_hmac",
    "signature_valid",
]

SIGNING_KEY = "signing_key"
"""Record kind: from this record on, records are signed by the key it names."""

_RECORD_LABEL = b"govern record v1\n"
_PAYLOAD_LABEL = b"govern checkpoint v1\n"


def key_id(public_raw: bytes) -> str:
    """A public key's id: the first 32 hex digits of the SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(public_raw).hexdigest()[:32]


@dataclass(frozen=True)
class Signer:
    """The writer's (or verifier's) key material: none, an HMAC key, or an Ed25519 key."""

    mode: ChainMode = UNKEYED
    hmac_key: str | None = field(default=None, repr=False)
    private_key: Any = field(default=None, repr=False)  # Ed25519PrivateKey
    public_raw: bytes | None = None

    @classmethod
    def create(cls, hmac_key: str | None, key_file: str | Path | None) -> Signer:
        """The signer for the configured keys (both at once is a ConfigError)."""
        if hmac_key and key_file:
            raise ConfigError(
                "both GOVERN_SIGNING_KEY (HMAC) and GOVERN_SIGNING_KEY_FILE (Ed25519) are "
                "set; a store uses one: unset the one you do not mean"
            )
        if key_file:
            private = load_private_key(Path(key_file))
            from cryptography.hazmat.primitives import serialization as ser

            raw = private.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
            return cls(ED25519, None, private, raw)
        if hmac_key:
            return cls(KEYED, hmac_key)
        return cls()

    @property
    def key_id(self) -> str | None:
        """The Ed25519 public key's id (None for the other modes)."""
        return None if self.public_raw is None else key_id(self.public_raw)

    @property
    def key_check(self) -> str | None:
        """The HMAC key check value stored in meta (None without an HMAC key)."""
        return None if self.hmac_key is None else key_check(self.hmac_key)

    def record_hash(self, prev_hash: str, body: str) -> str:
        """The chain hash of a record (HMAC only in ``hmac-sha256`` mode)."""
        return record_hash(prev_hash, body, self.hmac_key if self.mode == KEYED else None)

    def sign_record(self, digest: str) -> str:
        """Base64 Ed25519 signature of a record's hash."""
        return base64.b64encode(self.private_key.sign(_RECORD_LABEL + digest.encode())).decode()

    def sign_payload(self, payload: bytes) -> dict[str, str] | None:
        """A checkpoint's signature: Ed25519 or HMAC over ``payload``; None unkeyed."""
        if self.mode == ED25519:
            value = self.private_key.sign(_PAYLOAD_LABEL + payload)
            assert self.public_raw is not None
            return {
                "algorithm": ED25519,
                "key_id": key_id(self.public_raw),
                "public_key": base64.b64encode(self.public_raw).decode(),
                "value": base64.b64encode(value).decode(),
            }
        if self.mode == KEYED and self.hmac_key:
            return {
                "algorithm": KEYED,
                "key_check": key_check(self.hmac_key),
                "value": payload_hmac(self.hmac_key, payload),
            }
        return None


def payload_hmac(hmac_key: str, payload: bytes) -> str:
    """The HMAC-SHA256 of a checkpoint payload."""
    return hmac.new(hmac_key.encode(), _PAYLOAD_LABEL + payload, hashlib.sha256).hexdigest()


def signature_valid(public_raw: bytes, message: bytes, signature_b64: str, *, record: bool) -> bool:
    """True when ``signature_b64`` is the key's signature of a record hash or a payload."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = base64.b64decode(signature_b64.encode("ascii"), validate=True)
        key = Ed25519PublicKey.from_public_bytes(public_raw)
        key.verify(signature, (_RECORD_LABEL if record else _PAYLOAD_LABEL) + message)
    except (InvalidSignature, ValueError, UnicodeEncodeError):
        return False
    return True


def load_private_key(path: Path) -> Any:
    """An unencrypted Ed25519 private key from a PEM file.

    Raises:
        ConfigError: the file is missing, not PEM, encrypted or not an Ed25519 key.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read(path, "GOVERN_SIGNING_KEY_FILE")
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"{path} is not an unencrypted PEM private key ({err}); make one with "
            "`openssl genpkey -algorithm ed25519 -out signing-key.pem`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> bytes:
    """The 32 raw bytes of an Ed25519 public key from a PEM file.

    Raises:
        ConfigError: the file is missing, not PEM or not an Ed25519 public key.
    """
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = _read(path, "--public-key")
    try:
        key = ser.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"{path} is not a PEM public key ({err}); export one with "
            "`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem`"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} holds a {type(key).__name__}, not an Ed25519 public key")
    return key.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{what}: cannot read {path} ({err.strerror or err})") from None
