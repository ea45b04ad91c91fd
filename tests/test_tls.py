"""The gateway serves HTTPS when given a certificate (通信传输 confidentiality); plain HTTP is then refused."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.stack import RunningStack


@pytest.fixture(scope="module")
def tls_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, Path]]:
    folder = Path(tmp_path_factory.mktemp("tls"))
    cert, key = folder / "gateway.crt", folder / "gateway.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    running = RunningStack(folder)
    running.env.update({"MBO_TLS_CERT": str(cert), "MBO_TLS_KEY": str(key)})
    running.start()
    running.add_user("leader", "LEADER")
    try:
        yield running, cert
    finally:
        running.stop()


def test_sign_in_and_queries_go_over_https(tls_stack: tuple[RunningStack, Path]) -> None:
    stack, cert = tls_stack
    assert stack.url.startswith("https://")
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as http:
        signed = http.post(f"{stack.url}/auth/token", json=stack.sign_in_body("leader"))
        assert signed.status_code == 200
        token = signed.json()["access_token"]
        answer = http.post(f"{stack.url}/graphql", json={"query": "{ units { code } }"},
                           headers={"Authorization": f"Bearer {token}"})
        assert answer.json() == {"data": {"units": []}}


def test_plain_http_and_an_untrusted_certificate_are_refused(tls_stack: tuple[RunningStack, Path]) -> None:
    stack, _cert = tls_stack
    with pytest.raises(httpx.HTTPError):
        httpx.post(stack.url.replace("https://", "http://") + "/auth/token", json=stack.sign_in_body("leader"))
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{stack.url}/healthz")  # the default trust store does not know the self-signed certificate
