"""The assessment service: four sources, adjustment items, composite, ranking, publication, notice and appeals,
bulletin."""

from __future__ import annotations

from starlette.applications import Starlette

from kernel import clock
from kernel.app import create_service_app
from kernel.settings import ServiceSettings
from services.assessment.loaders import make_loaders
from services.assessment.schema import schema

MODELS = ["services.assessment.models"]
MIGRATIONS = "services.assessment.migrations"


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    clock.today()  # a malformed MBO_TODAY stops the service at start, not at the first publication
    return create_service_app(
        settings=settings or ServiceSettings.from_env("assessment"),
        schema=schema,
        models=MODELS,
        migrations=MIGRATIONS,
        loaders=make_loaders,
    )
