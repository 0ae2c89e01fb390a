"""Demo mode: a local signing key and JWKS, synthetic clients, and a token per role."""

from graph.demo.keys import DemoKeys, exports, system_tokens, tokens
from graph.demo.seed import DemoClock, Seeded, seed

__all__ = ["DemoClock", "DemoKeys", "Seeded", "exports", "seed", "system_tokens", "tokens"]
