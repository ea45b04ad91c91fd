"""GraphiQL served from assets shipped in the package: the page and every script it loads come from the gateway.

Government networks are usually closed to the internet, so nothing here refers to a CDN. The assets are the
published builds of graphiql 3.8.3, react and react-dom 18.3.1 and @graphiql/plugin-explorer 1.0.2 (MIT
licences in `assets/LICENSES.md`), stored gzip-compressed and sent as they are to browsers that accept gzip.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

HERE = Path(__file__).parent
ASSETS: dict[str, str] = {
    "graphiql.min.js": "application/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "react.production.min.js": "application/javascript; charset=utf-8",
    "react-dom.production.min.js": "application/javascript; charset=utf-8",
    "plugin-explorer.umd.js": "application/javascript; charset=utf-8",
    "plugin-explorer.css": "text/css; charset=utf-8",
}
CACHE = "public, max-age=86400"


@cache
def page_html() -> str:
    return (HERE / "index.html").read_text(encoding="utf-8")


@cache
def _compressed(name: str) -> bytes:
    return (HERE / "assets" / f"{name}.gz").read_bytes()


def page(request: Request) -> HTMLResponse:
    return HTMLResponse(page_html())


async def asset(request: Request) -> Response:
    """One shipped asset by name; gzip as stored when the browser takes it, else decompressed."""
    name = request.path_params["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        return Response("not found", status_code=404, media_type="text/plain")
    body = _compressed(name)
    headers = {"Cache-Control": CACHE, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
    else:
        body = gzip.decompress(body)
    return Response(body, media_type=content_type, headers=headers)
