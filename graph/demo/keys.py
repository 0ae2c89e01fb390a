"""Demo mode's signing key, its JWKS, and a ready token per role; and the ledger's log
key and origin. Demo token keys carry the ``infocap-demo-`` kid prefix, which the
service refuses outside demo mode. The log key is kept from one demo run to the next, so
the checkpoints of an existing demo database stay verifiable."""

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from graph.demo.seed import Seeded
from graph.settings import DEMO_ISSUER, DEMO_KID_PREFIX, Settings

TOKEN_HOURS = 12
DEMO_ORIGIN = "demo.infocap.invalid/consent"


@dataclass
class DemoKeys:
    """The demo's signing key and the JWKS file the service verifies against."""

    key: ec.EllipticCurvePrivateKey
    kid: str
    jwks_path: Path
    ledger_key_path: Path

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
        (directory / "signing-key.pem").write_bytes(_pem(key))
        ledger_key_path = directory / "ledger-key.pem"
        if not ledger_key_path.exists():
            ledger_key_path.write_bytes(_pem(ed25519.Ed25519PrivateKey.generate()))
        return cls(key, kid, jwks_path, ledger_key_path)

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


def _pem(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# role, organisation, name: the staff a demo token is made for.
STAFF = (
    ("kela_handler", "kela", "Kaisa Käsittelijä"),
    ("kela_advisor", "kela", "Pekka Neuvoja"),
    ("social_worker", "wc-pirkanmaa", "Sanna Sosiaalityöntekijä"),
    ("social_counsellor", "wc-pirkanmaa", "Olli Ohjaaja"),
    ("dpo", "kela", "Tiina Tietosuoja"),
)


# name, role, organisation, subject, name, azp: tokens for integrations besides the roles.
SYSTEMS = (
    # A county's case-management system: the same role as its workers, named by azp.
    ("county_system", "social_worker", "wc-pirkanmaa", "pirkanmaa-cms", None, "pirkanmaa-cms"),
    # Staff of a second county, to see what another organiser may and may not see.
    (
        "second_county_worker",
        "social_worker",
        "wc-lappi",
        "demo-social-worker-lappi",
        "Lauri Lappalainen",
        None,
    ),
)


def system_tokens(keys: DemoKeys, settings: Settings) -> dict[str, str]:
    """A county system's token (with ``azp``) and a second county's staff token."""
    out = {}
    for key, role, org, sub, name, azp in SYSTEMS:
        claims = {"sub": sub, "org": org} | ({"name": name} if name else {})
        out[key] = keys.token(
            [role], settings.jwt_audience, **claims, **({"azp": azp} if azp else {})
        )
    return out


def exports(tokens: dict[str, str], extra: dict[str, str]) -> str:
    """``export NAME=value`` lines for a shell: ``INFOCAP_TOKEN_<NAME>`` per token."""
    lines = [f"export {name}={value}" for name, value in extra.items()]
    lines += [f"export INFOCAP_TOKEN_{key.upper()}={token}" for key, token in tokens.items()]
    return "\n".join(lines) + "\n"


def tokens(keys: DemoKeys, settings: Settings, seeded: Seeded | None) -> dict[str, str]:
    """A ready token for each role (the person roles once the demo data is there)."""
    audience = settings.jwt_audience

    def token(role: str, name: str, **claims: str) -> str:
        return keys.token(
            [role], audience, sub=f"demo-{role.replace('_', '-')}", name=name, **claims
        )

    out = {role: token(role, name, org=org) for role, org, name in STAFF}
    if seeded is not None:
        out["client"] = token("client", "Aino Virtanen", person=seeded.client_person)
        out["guardian"] = token("guardian", "Sofia Sjöberg", person=seeded.guardian_person)
    return out
