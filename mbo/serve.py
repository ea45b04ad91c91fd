"""`python -m mbo.serve NAME --port PORT`: run one service or the gateway in this process."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import time
from typing import Any

import uvicorn

from kernel.files import private_umask
from kernel.http_protocol import HTTP_PROTOCOL
from kernel.observability import configure_logging
from kernel.settings import SecretTooShort, env_int, signing_secret

FACTORIES = {
    "targets": "services.targets.app:create_app",
    "assessment": "services.assessment.app:create_app",
    "personnel": "services.personnel.app:create_app",
    "gateway": "gateway.app:create_app",
}


def load_factory(name: str):
    module_name, _, attribute = FACTORIES[name].partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def exit_with_parent() -> None:
    """Stop when the process that started us (`mbo up`, a test) is gone, so no orphan keeps a port."""
    parent = int(os.environ.get("MBO_PARENT_PID", "0"))
    if not parent:
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(prog="mbo.serve")
    parser.add_argument("name", choices=sorted(FACTORIES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    private_umask()  # its stores, their -wal/-shm files and anything else it writes: owner only
    configure_logging(args.name)
    exit_with_parent()
    workers = env_int("MBO_WORKERS", 1)
    try:
        # With several workers each builds its own app (worker_app); this supervisor only checks the secret.
        app = load_factory(args.name)() if workers <= 1 else signing_secret()
    except SecretTooShort as exc:
        print(f"mbo.serve {args.name}: {exc}", file=sys.stderr)
        sys.exit(2)
    tls: dict[str, str | None] = {}
    if args.name == "gateway" and os.environ.get("MBO_TLS_CERT"):
        # The gateway is the one door from the network: it serves HTTPS when given a certificate and key.
        tls = {"ssl_certfile": os.environ["MBO_TLS_CERT"], "ssl_keyfile": os.environ.get("MBO_TLS_KEY") or None}
    # The client address is the peer's: uvicorn would otherwise take X-Forwarded-For from any loopback peer,
    # letting a local process choose the source an audit entry and the sign-in rate limit see. A gateway behind
    # a reverse proxy names it in MBO_TRUSTED_PROXIES; services take the client address the gateway signed.
    proxies = os.environ.get("MBO_TRUSTED_PROXIES", "") if args.name == "gateway" else ""
    # A service keeps an idle connection longer than the gateway's pool does (30 s): with uvicorn's default of
    # 5 s a gateway could post a large import on a connection the service was closing (ClientOSError).
    keep_alive = 5 if args.name == "gateway" else 75
    if workers > 1:
        # Several worker processes on one port (uvicorn's supervisor hands each connection to one of them).
        os.environ["MBO_SERVE_NAME"] = args.name
        target: Any = "mbo.serve:worker_app"
    else:
        target = app
    uvicorn.run(target, host=args.host, port=args.port, http=HTTP_PROTOCOL, log_level="warning", access_log=False,
                log_config=None, lifespan="on", timeout_graceful_shutdown=5, timeout_keep_alive=keep_alive,
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                workers=workers if workers > 1 else None, factory=workers > 1, **tls)


def worker_app() -> Any:
    """The app of one worker process when MBO_WORKERS > 1 (uvicorn starts each worker afresh)."""
    name = os.environ["MBO_SERVE_NAME"]
    private_umask()
    configure_logging(name)
    return load_factory(name)()


if __name__ == "__main__":
    main()
