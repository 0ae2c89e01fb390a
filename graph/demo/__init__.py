"""Demo mode: a local signing key and JWKS, synthetic clients, and a token per role."""

from graph.demo.keys import DemoKeys, tokens
from graph.demo.seed import DemoClock, Seeded, seed

__all__ = ["DemoClock", "DemoKeys", "Seeded", "seed", "tokens"]
