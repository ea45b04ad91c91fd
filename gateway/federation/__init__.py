"""Federation engine of the gateway: compose subgraphs, plan queries, execute plans."""

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
