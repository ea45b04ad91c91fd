"""The targets subgraph: `types` (object types, enumerations, row mappers), `inputs` (input types and their
mapping onto the domain's arguments), `queries` and `mutations` (thin resolvers), assembled here."""

from __future__ import annotations

from kernel.graphql import build_schema
from services.targets.schema.mutations import Mutation
from services.targets.schema.queries import Query
from services.targets.schema.types import AssessmentYear, Person, ResponsibilityLetter, Target, Unit

schema = build_schema(Query, Mutation, [Unit, Person, AssessmentYear, Target, ResponsibilityLetter])

__all__ = ["schema"]
