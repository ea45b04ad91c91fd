"""The targets service: units, years, targets, cascade, negotiation, letters, progress."""

from __future__ import annotations

from starlette.applications import Starlette

from kernel.app import create_service_app
from kernel.bulk import LargeBodies
from kernel.settings import ServiceSettings
from services.targets.loaders import make_loaders
from services.targets.schema import schema

MODELS = ["services.targets.models"]
MIGRATIONS = "services.targets.migrations"


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    app = create_service_app(
        settings=settings or ServiceSettings.from_env("targets"),
        schema=schema,
        models=MODELS,
        migrations=MIGRATIONS,
        loaders=make_loaders,
    )
    app.add_middleware(LargeBodies)  # import files: collector paused, memory given back after
    return app
