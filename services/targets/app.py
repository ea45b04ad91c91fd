"""The targets service: units, years, targets, cascade, negotiation, letters, progress."""

from __future__ import annotations

from starlette.applications import Starlette

from kernel.app import create_service_app
from kernel.settings import ServiceSettings
from services.targets.loaders import make_loaders
from services.targets.schema import schema

MODELS = ["services.targets.models"]
MIGRATIONS = "services.targets.migrations"


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    return create_service_app(
        settings=settings or ServiceSettings.from_env("targets"),
        schema=schema,
        models=MODELS,
        migrations=MIGRATIONS,
        loaders=make_loaders,
    )
