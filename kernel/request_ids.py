"""Request ids the audit trail can trust.

The gateway mints an id for every request; whatever `X-Request-ID` a client sent is kept apart as the
client's id. The gateway (and a service calling a peer) signs the ids and the client's address it forwards
with an HMAC of the shared secret, bound to the bearer token of the call; a service believes forwarded ids
and addresses only with a valid signature. A client reaching a service port directly therefore cannot put
its own id, or someone else's address, into the service's audit trail: it gets a fresh id, and its
`X-Request-ID` is recorded as the client's.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

REQUEST_ID = "x-request-id"
CLIENT_REQUEST_ID = "x-client-request-id"
SIGNATURE = "x-request-signature"
FORWARDED_FOR = "x-forwarded-for"
MAX_LENGTH = 64


@dataclass(frozen=True)
class RequestIds:
    request_id: str
    client_request_id: str | None = None
    source: str | None = None


def new_id() -> str:
    return uuid.uuid4().hex


def clean(value: str | None) -> str | None:
    """A client-supplied id as it may be stored: printable, at most 64 characters, or None."""
    if not value:
        return None
    printable = value if value.isprintable() else "".join(ch for ch in value if ch.isprintable())
    kept = printable[:MAX_LENGTH].strip()
    return kept or None


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    """The HMAC key of the ids signed with `secret` (derived once per secret, not on every request)."""
    return hashlib.sha256(b"mbo request ids\0" + secret.encode()).digest()


def _signature(secret: str, ids: RequestIds, authorization: str) -> str:
    key = _key(secret)
    message = "\n".join([ids.request_id, ids.client_request_id or "", ids.source or "", authorization])
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def forwarded_headers(secret: str, ids: RequestIds, authorization: str) -> dict[str, str]:
    """The headers that carry `ids` to a service, signed for the call made with `authorization`."""
    headers = {"X-Request-ID": ids.request_id, "X-Request-Signature": _signature(secret, ids, authorization)}
    if ids.client_request_id:
        headers["X-Client-Request-ID"] = ids.client_request_id
    if ids.source:
        headers["X-Forwarded-For"] = ids.source
    return headers


def scope_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    """An ASGI request's headers by lower-cased name, as `received` reads them."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def received(headers: Mapping[str, str], secret: str | None) -> RequestIds:
    """The ids of an incoming request: the signed ones when `secret` verifies them, otherwise a fresh id
    with the sender's `X-Request-ID` as the client's id (and no forwarded address)."""
    given = clean(headers.get(REQUEST_ID))
    signature = headers.get(SIGNATURE, "")
    if secret and given and signature:
        claimed = RequestIds(given, clean(headers.get(CLIENT_REQUEST_ID)), clean(headers.get(FORWARDED_FOR)))
        expected = _signature(secret, claimed, headers.get("authorization", ""))
        if hmac.compare_digest(expected, signature):
            return claimed
    return RequestIds(new_id(), given)
