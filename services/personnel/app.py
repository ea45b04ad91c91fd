"""The personnel service: people, rewards, honours, filing forms, leader adjustments, cadre files."""

from __future__ import annotations

from starlette.applications import Starlette

from kernel.app import create_service_app
from kernel.settings import ServiceSettings
from services.personnel.loaders import make_loaders
from services.personnel.schema import schema

MODELS = ["services.personnel.models"]
MIGRATIONS = "services.personnel.migrations"


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    return create_service_app(
        settings=settings or ServiceSettings.from_env("personnel"),
        schema=schema,
        models=MODELS,
        migrations=MIGRATIONS,
        loaders=make_loaders,
    )
