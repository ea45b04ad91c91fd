"""The personnel subgraph: types, the arguments turned into domain values, queries and mutations, assembled."""

from __future__ import annotations

from kernel.graphql import build_schema
from services.personnel.schema.mutations import Mutation
from services.personnel.schema.queries import Query
from services.personnel.schema.types import FilingRecord, LeaderAdjustment, Person, RewardLine, Unit

schema = build_schema(Query, Mutation, [Person, Unit, RewardLine, FilingRecord, LeaderAdjustment])

__all__ = ["schema"]
