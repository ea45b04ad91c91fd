"""What the way to the home screen costs: footer keys mounted without restyling, the schema introspected once
when several callers ask at the same moment, and no certificate bundle read for a plain-http gateway."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx
import pytest
from textual.app import App, ComposeResult
from textual.widgets._footer import FooterKey

from tests.support.stack import PASSWORD, RunningStack
from tui.api import Api
from tui.api.transport import _tls
from tui.widgets.footer import Footer


class Keys(App[None]):
    BINDINGS = [("a", "one", "一 One"), ("b", "two", "二 Two"), ("c", "three", "三 Three")]

    def action_one(self) -> None: ...

    def action_two(self) -> None: ...

    def action_three(self) -> None: ...

    def compose(self) -> ComposeResult:
        yield Footer()


async def test_footer_keys_mount_without_restyling(monkeypatch: pytest.MonkeyPatch) -> None:
    restyled: list[FooterKey] = []
    original = FooterKey.update_node_styles

    def counted(self: FooterKey, *args: Any, **kwargs: Any) -> None:
        restyled.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(FooterKey, "update_node_styles", counted)
    app = Keys()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        keys = list(app.query(FooterKey))
        bound = [key for key in keys if not key.has_class("-command-palette")]
        palette = [key for key in keys if key.has_class("-command-palette")]
        assert [key.description for key in bound] == ["一 One", "二 Two", "三 Three"]
        assert restyled == []
        # the look Textual gives them: the bound keys follow the (not compact) footer, the palette's stays compact
        assert [key.has_class("-compact") for key in bound] == [False, False, False]
        assert [key.has_class("-compact") for key in palette] == [True]


def test_plain_http_gateway_reads_no_certificates() -> None:
    plain = _tls("http://127.0.0.1:8000")
    assert isinstance(plain, ssl.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname  # would refuse any server at all
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert _tls("HTTPS://gateway.example.gov.cn") is True  # the system's trusted certificates


async def test_schema_introspected_once_when_asked_together(stack: RunningStack) -> None:
    stack.add_user("startup", "SUPERVISION_OFFICE")
    api = Api(stack.url)
    sent: list[bytes] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request.content)

    api.http.event_hooks["request"].append(count)
    try:
        await api.sign_in("startup", PASSWORD)
        units = await api.units()  # the home screen's first figure does not wait for the schema
        assert isinstance(units, list) and api.schema is None
        schemas = await asyncio.gather(api.load_schema(), api.load_schema(), api.load_schema())
    finally:
        await api.sign_out()
        await api.close()
    assert schemas[0] is schemas[1] is schemas[2] and schemas[0].has("Query", "units")
    assert sum(b"__schema" in body for body in sent) == 1
