"""Federation engine of the gateway: compose subgraphs, plan queries, execute plans.

The three services are Federation v2 subgraphs; this package is the router in front of them. Our names
and what Apollo (and Hive Gateway, which prints plans the same way) calls them:

- `compose.compose` → `Supergraph` — *composition*, the *supergraph*: one API schema built from each
  subgraph's SDL (`_service { sdl }`), with which subgraph resolves each field and each entity's `@key`.
- `planner.Plan` — a *QueryPlan*: what one operation needs from which subgraph, in which order. Plans
  are cached per (document text, operation name). `str(plan)` prints Apollo's query-plan text and
  `mbo plan 'QUERY'` prints it for the three services.
- `planner.RootFetch` — a *Fetch* at the root: the root fields one subgraph owns, sent as one subgraph
  operation.
- `planner.EntityFetch` — `Flatten(path: "units.@") { Fetch(service: …) { requires } => { fields } }`:
  one `_entities(representations: …)` request. The objects found at the path (`@`: each list item) are
  sent as key representations (`requires`), and the fields the subgraph owns are asked for them and
  merged back into those objects (the *Flatten*). One request batches every object of one subgraph at
  one step, also from several paths (printed `Flatten(paths: […])`).
- `planner.Phase` — `Sequence { Parallel { root fetches }, Parallel { step 1 fetches }, … }`: the root
  fetches run in parallel, then each entity step (one `@key` hop deeper each) in order, the fetches of
  one step in parallel. A query has one phase; a mutation has one phase per run of consecutive fields
  of one subgraph, run in document order (a *Sequence*).
- `Plan.passthrough` — a plan of a single *Fetch*: one subgraph answers the whole operation.
- `executor.FederatedExecutor` — the *executor*: runs a plan over HTTP, merges entity data into the
  root data, places subgraph errors at their paths and shapes the response the client asked for.
- `inflight.InflightReads` — *in-flight request deduplication*: an identical read already on its way
  to a subgraph (same body, same caller) is answered by that request.
- `admission.Admission` — a subgraph's *concurrency limit*: at most N requests in flight to one subgraph, the
  others queued in arrival order (`MBO_SUBGRAPH_CONCURRENCY`).
- `shape.Projector` — the response shaped straight from the merged data (graphql-core's executor only
  where an error or a coercion needs it).
- `limits` — the router's request limits (depth, aliases, tokens, body size), checked before planning.
"""

from gateway.federation.compose import CompositionError, SubgraphSpec, Supergraph, compose, fetch_sdl
from gateway.federation.executor import FederatedExecutor
from gateway.federation.limits import LimitError, Limits, check_limits

__all__ = [
    "CompositionError",
    "FederatedExecutor",
    "LimitError",
    "Limits",
    "SubgraphSpec",
    "Supergraph",
    "check_limits",
    "compose",
    "fetch_sdl",
]
