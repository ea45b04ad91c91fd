"""`python -m mbo.migrations SERVICE` writes a new migration for a service after a model change."""

from __future__ import annotations

import asyncio
import importlib
import sys

from tortoise.cli.cli import CLIContext, makemigrations

from kernel.db import tortoise_config

APPS = {
    "targets": "services.targets.app",
    "assessment": "services.assessment.app",
    "personnel": "services.personnel.app",
    "identity": "gateway.identity.store",
}


def config_for(name: str) -> dict:
    module = importlib.import_module(APPS[name])
    return tortoise_config(name, "sqlite://:memory:", module.MODELS, module.MIGRATIONS)


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in APPS:
        raise SystemExit(f"usage: python -m mbo.migrations {{{'|'.join(APPS)}}}  (one store per process)")
    for name in argv:
        setattr(importlib.import_module("mbo.migrations"), f"CONFIG_{name}", config_for(name))
        context = CLIContext(config=f"mbo.migrations.CONFIG_{name}", config_file=None)
        asyncio.run(makemigrations(context, (name,), empty=False, name=None))


if __name__ == "__main__":
    main(sys.argv[1:])
