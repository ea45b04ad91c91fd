"""Request ids a service believes only when the gateway (or a peer service) signed them for this very call."""

from __future__ import annotations

from kernel.request_ids import RequestIds, clean, forwarded_headers, received

SECRET = "request-ids-test-secret-0123456789abcdef"
AUTH = "Bearer some.jwt.token"


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def test_signed_ids_and_address_are_believed() -> None:
    ids = RequestIds("gw-1", "client-7", "10.0.0.5")
    headers = lowered({**forwarded_headers(SECRET, ids, AUTH), "Authorization": AUTH})
    assert received(headers, SECRET) == ids


def test_anything_unsigned_or_re_used_becomes_the_clients_id_and_a_fresh_id_is_minted() -> None:
    ids = RequestIds("gw-1", "client-7", "10.0.0.5")
    signed = lowered(forwarded_headers(SECRET, ids, AUTH))
    cases = {
        "no signature": {"x-request-id": "gw-1", "x-forwarded-for": "10.0.0.5", "authorization": AUTH},
        "another token": {**signed, "authorization": "Bearer someone.elses.token"},
        "changed address": {**signed, "x-forwarded-for": "10.6.6.6", "authorization": AUTH},
        "wrong secret": {**lowered(forwarded_headers("another-secret", ids, AUTH)), "authorization": AUTH},
    }
    for case, headers in cases.items():
        got = received(headers, SECRET)
        assert got.request_id not in ("gw-1", "") and len(got.request_id) == 32, case
        assert got.client_request_id == headers["x-request-id"] and got.source is None, case


def test_without_a_secret_every_request_gets_a_fresh_id() -> None:
    got = received({"x-request-id": "mine"}, None)
    assert got.client_request_id == "mine" and got.request_id != "mine"
    assert received({}, None).client_request_id is None


def test_client_ids_are_printable_and_short() -> None:
    assert clean("a\x00b\nc" + "x" * 100) == ("abc" + "x" * 61)
    assert clean("   ") is None and clean(None) is None
