"""A Starlette app served by uvicorn on a loopback port in a thread of the test process (stand-in services)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import uvicorn


def serve_in_thread(app: Any, port: int, **config: Any) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve `app` on 127.0.0.1:`port` (uvicorn.Config options in `config`); return the server and its thread
    once it accepts (stop it with `server.should_exit = True`, then join the thread)."""
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "off", "access_log": False, **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.01)
    return server, thread
