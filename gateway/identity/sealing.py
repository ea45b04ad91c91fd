"""Second-factor secrets sealed at rest: AES-256-GCM with a key derived from the signing secret (HKDF-SHA256).

A sealed value is `v1:` + base64url(nonce ‖ ciphertext ‖ tag); the account's username is the associated data,
so a sealed secret copied onto another account does not open. The process that opens the identity store
(the gateway, `mbo user …`) calls `configure` with the signing secret first; the migration that seals the
rows written before uses the same key. Rotating `MBO_SECRET` therefore means enrolling second factors again.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
_INFO = b"mbo identity: second-factor secrets v1"
_key: bytes | None = None


class SealError(RuntimeError):
    pass


def derive_key(signing_secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(signing_secret.encode())


def configure(signing_secret: str) -> None:
    """Use the key of this signing secret from now on (once per process, before the store opens)."""
    global _key
    _key = derive_key(signing_secret)


def _current() -> AESGCM:
    if _key is None:
        raise SealError("the identity store's sealing key is not configured (gateway.identity.sealing.configure)")
    return AESGCM(_key)


def is_sealed(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)


def seal(plain: str, username: str) -> str:
    nonce = os.urandom(12)
    sealed = _current().encrypt(nonce, plain.encode(), username.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(value: str, username: str) -> str:
    if not is_sealed(value):
        raise SealError("the stored second-factor secret is not sealed")
    try:
        raw = base64.urlsafe_b64decode(value.removeprefix(PREFIX).encode())
        return _current().decrypt(raw[:12], raw[12:], username.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise SealError("the second-factor secret does not open with this signing secret") from exc
