"""The assessment subgraph: its types (`types.py`), argument shapes (`inputs.py`), queries and mutations."""

from __future__ import annotations

from kernel.graphql import build_schema
from services.assessment.schema.mutations import Mutation
from services.assessment.schema.queries import Query
from services.assessment.schema.types import Assessment, Unit

schema = build_schema(Query, Mutation, [Unit, Assessment])

__all__ = ["schema"]
