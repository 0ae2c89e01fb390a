"""Demo mode's signing key, its JWKS, and a ready token per role. Demo keys carry the
``infocap-demo-`` kid prefix, which the service refuses outside demo mode."""

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from graph.demo.seed import Seeded
from graph.settings import DEMO_ISSUER, DEMO_KID_PREFIX, Settings

TOKEN_HOURS = 12


@dataclass
class DemoKeys:
    """The demo's signing key and the JWKS file the service verifies against."""

    key: ec.EllipticCurvePrivateKey
    kid: str
    jwks_path: Path

    @classmethod
    def create(cls, directory: Path) -> "DemoKeys":
        directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        kid = f"{DEMO_KID_PREFIX}{uuid.uuid4().hex[:8]}"
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        jwks_path = directory / "jwks.json"
        jwks_path.write_text(
            json.dumps({"keys": [public | {"kid": kid, "alg": "ES256", "use": "sig"}]})
        )
        (directory / "signing-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cls(key, kid, jwks_path)

    def token(self, roles: list[str], audience: str, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": DEMO_ISSUER,
            "aud": audience,
            "iat": now,
            "exp": now + TOKEN_HOURS * 3600,
            "roles": roles,
        }
        return jwt.encode(body | claims, self.key, algorithm="ES256", headers={"kid": self.kid})


def tokens(keys: DemoKeys, settings: Settings, seeded: Seeded | None) -> dict[str, str]:
    """A ready token for each role."""
    audience = settings.jwt_audience
    out = {
        "kela_handler": keys.token(
            ["kela_handler"],
            audience,
            sub="demo-kela-handler",
            org="kela",
            name="Kaisa Käsittelijä",
        ),
        "kela_advisor": keys.token(
            ["kela_advisor"], audience, sub="demo-kela-advisor", org="kela", name="Pekka Neuvoja"
        ),
        "social_worker": keys.token(
            ["social_worker"],
            audience,
            sub="demo-social-worker",
            org="wc-pirkanmaa",
            name="Sanna Sosiaalityöntekijä",
        ),
        "social_counsellor": keys.token(
            ["social_counsellor"],
            audience,
            sub="demo-social-counsellor",
            org="wc-pirkanmaa",
            name="Olli Ohjaaja",
        ),
        "dpo": keys.token(["dpo"], audience, sub="demo-dpo", org="kela", name="Tiina Tietosuoja"),
    }
    if seeded is not None:
        out["client"] = keys.token(
            ["client"],
            audience,
            sub="demo-client",
            person=seeded.client_person,
            name="Aino Virtanen",
        )
        out["guardian"] = keys.token(
            ["guardian"],
            audience,
            sub="demo-guardian",
            person=seeded.guardian_person,
            name="Sofia Sjöberg",
        )
    return out
