"""Demo mode: a local signing key and JWKS, the ledger's log key and origin, synthetic
clients, and a token per role."""

from graph.demo.keys import DEMO_ORIGIN, DemoKeys, exports, system_tokens, tokens
from graph.demo.seed import DemoClock, Seeded, seed

__all__ = [
    "DEMO_ORIGIN",
    "DemoClock",
    "DemoKeys",
    "Seeded",
    "exports",
    "seed",
    "system_tokens",
    "tokens",
]
