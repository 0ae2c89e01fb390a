"""Bearer token → ``Principal``: JWT verified against a JWKS, claims checked as
``docs/auth.md`` states. Every refusal is ``Unauthenticated`` except roles that don't fit
the organisation (``Forbidden``).

Each refusal names the check that failed (``CHECKS``). The caller's answer stays generic;
the server log says which check failed (never the token, nor anything about the person),
and ``Authenticator.refusals`` counts refusals by check for an exporter to read."""

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import jwt

from authz.errors import AuthzError, Forbidden, Unauthenticated
from authz.principal import ORGANISATION_ROLES, PERSON_ROLES, Principal, misfitting_roles
from schema.enums import OrganisationType, Role

log = logging.getLogger("infocap.authn")

LEEWAY_SECONDS = 30
# What a refusal may name: the check that failed.
CHECKS = (
    "missing",  # no bearer token
    "malformed",  # not shaped like a JWT
    "algorithm",  # an algorithm not accepted, or one the key does not fit
    "kid",  # no key for the token's kid
    "jwks_unavailable",  # the JWKS URL could not be fetched
    "demo_key",  # a demo key outside demo mode
    "signature",  # the signature does not verify
    "issuer",
    "audience",
    "expiry",
    "not_before",  # nbf or iat in the future
    "claims",  # a required claim missing, or a claim of the wrong type or shape
    "organisation",  # org names no known organisation
    "roles",  # unknown roles, none, or roles that don't fit the organisation (403)
    "configuration",  # no issuer or no keys configured
)
# PyJWT's refusals, most specific first, and the check each means.
_DECODE_CHECKS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "expiry"),
    (jwt.ImmatureSignatureError, "not_before"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.MissingRequiredClaimError, "claims"),
    (jwt.InvalidIssuedAtError, "claims"),
    (jwt.InvalidAlgorithmError, "algorithm"),
    (jwt.InvalidKeyError, "algorithm"),
    (jwt.DecodeError, "malformed"),
)
_MESSAGES = {"expiry": "token expired", "not_before": "token not yet valid"}
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "roles"]
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class KeySource(Protocol):
    async def key(self, kid: str | None) -> jwt.PyJWK: ...


class JwksFile:
    """Keys from a JWKS file, read at start and again when a token names an unknown kid."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._keys = self._read()

    def _read(self) -> jwt.PyJWKSet:
        return jwt.PyJWKSet.from_dict(json.loads(self._path.read_text(encoding="utf-8")))

    @property
    def key_ids(self) -> list[str]:
        return [k.key_id or "" for k in self._keys.keys]

    async def key(self, kid: str | None) -> jwt.PyJWK:
        found = _pick(self._keys, kid)
        if found is None and kid is not None:
            self._keys = await anyio.to_thread.run_sync(self._read)
            found = _pick(self._keys, kid)
        if found is None:
            raise Unauthenticated("no key for this token", check="kid")
        return found


class JwksUrl:
    """Keys from a JWKS URL: cached, fetched again when a token names an unknown kid."""

    def __init__(self, url: str) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, cooldown_duration=5)

    async def key(self, kid: str | None) -> jwt.PyJWK:
        try:
            keys = await anyio.to_thread.run_sync(self._client.get_signing_keys)
            found = _pick_from(keys, kid)
            if found is None and kid is not None:
                return await anyio.to_thread.run_sync(self._client.get_signing_key, kid)
        except jwt.PyJWKClientConnectionError as error:
            raise Unauthenticated("no key for this token", check="jwks_unavailable") from error
        except jwt.PyJWKClientError as error:
            raise Unauthenticated("no key for this token", check="kid") from error
        if found is None:
            raise Unauthenticated("no key for this token", check="kid")
        return found


class StaticKeys:
    """Keys held in memory (demo mode and tests)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = jwt.PyJWKSet.from_dict(dict(jwks))

    async def key(self, kid: str | None) -> jwt.PyJWK:
        found = _pick(self._keys, kid)
        if found is None:
            raise Unauthenticated("no key for this token", check="kid")
        return found


class NoKeys:
    """No keys configured: every token is refused, saying why."""

    async def key(self, kid: str | None) -> jwt.PyJWK:
        raise Unauthenticated(
            "no verification keys are configured (INFOCAP_JWKS_FILE or INFOCAP_JWKS_URL)",
            check="configuration",
        )


def _pick(keys: jwt.PyJWKSet, kid: str | None) -> jwt.PyJWK | None:
    return _pick_from(keys.keys, kid)


def _pick_from(keys: Sequence[jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((k for k in keys if k.key_id == kid), None)


class Authenticator:
    """Verifies bearer tokens. ``organisations`` maps every known organisation to its type."""

    def __init__(
        self,
        *,
        keys: KeySource,
        issuer: str,
        audience: str,
        algorithms: Sequence[str],
        organisations: Mapping[str, OrganisationType],
        refused_kid_prefix: str | None = None,
        on_refusal: Callable[[str], None] | None = None,
    ) -> None:
        refused = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if refused:
            raise ValueError(f"refused JWT algorithms: {', '.join(refused)}")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._organisations = organisations
        self._refused_kid_prefix = refused_kid_prefix
        self.refusals: Counter[str] = Counter()
        """Refused tokens, by the check that failed."""
        self._on_refusal = on_refusal

    async def authenticate(self, authorization: str | None) -> Principal:
        try:
            return await self._authenticate(authorization)
        except AuthzError as refusal:
            self.refusals[refusal.check] += 1
            if self._on_refusal is not None:
                self._on_refusal(refusal.check)
            level = logging.INFO if refusal.check == "missing" else logging.WARNING
            log.log(
                level, "bearer token refused (%s): the %s check failed", refusal.code, refusal.check
            )
            raise

    async def _authenticate(self, authorization: str | None) -> Principal:
        token = _bearer(authorization)
        if not self._issuer:
            raise Unauthenticated(
                "no issuer is configured (INFOCAP_JWT_ISSUER)", check="configuration"
            )
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Unauthenticated("malformed token", check="malformed") from error
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self._algorithms:
            raise Unauthenticated("token algorithm not accepted", check="algorithm")
        if (
            self._refused_kid_prefix
            and isinstance(kid, str)
            and kid.startswith(self._refused_kid_prefix)
        ):
            raise Unauthenticated("demo keys are accepted only in demo mode", check="demo_key")
        key = await self._keys.key(kid if isinstance(kid, str) else None)
        if self._refused_kid_prefix and (key.key_id or "").startswith(self._refused_kid_prefix):
            raise Unauthenticated("demo keys are accepted only in demo mode", check="demo_key")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            check = next((c for kind, c in _DECODE_CHECKS if isinstance(error, kind)), "claims")
            raise Unauthenticated(_MESSAGES.get(check, "token refused"), check=check) from error
        return self._principal(claims)

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        subject, raw_roles = claims.get("sub"), claims.get("roles")
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated("sub must be a non-empty string", check="claims")
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise Unauthenticated("roles must be an array of role names", check="claims")
        known = {r.value for r in Role}
        unknown = sorted(set(raw_roles) - known)
        if unknown:
            raise Forbidden(f"unknown role: {', '.join(unknown)}", check="roles")
        if not raw_roles:
            raise Forbidden("the token holds no role", check="roles")
        roles = frozenset(Role(r) for r in raw_roles)
        organisation, organisation_type = self._organisation(claims, roles)
        person = _optional_str(claims, "person")
        if roles & PERSON_ROLES and not person:
            raise Unauthenticated(
                "person is required for the client and guardian roles", check="claims"
            )
        misfits = misfitting_roles(roles, organisation_type)
        if misfits:
            names = ", ".join(r.value for r in misfits)
            raise Forbidden(f"roles {names} don't fit organisation {organisation}", check="roles")
        return Principal(
            subject=subject,
            roles=roles,
            organisation_id=organisation,
            organisation_type=organisation_type,
            person=person.upper() if person else None,
            azp=_optional_str(claims, "azp"),
            name=_optional_str(claims, "name"),
            expires_at=_expiry(claims),
        )

    def _organisation(
        self, claims: Mapping[str, Any], roles: frozenset[Role]
    ) -> tuple[str | None, OrganisationType | None]:
        organisation = _optional_str(claims, "org")
        if organisation is None:
            if roles & ORGANISATION_ROLES:
                raise Unauthenticated("org is required for staff roles and dpo", check="claims")
            return None, None
        if organisation not in self._organisations:
            raise Unauthenticated("org names no known organisation", check="organisation")
        return organisation, self._organisations[organisation]


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing bearer token", check="missing")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token", check="missing")
    return token.strip()


def _expiry(claims: Mapping[str, Any]) -> datetime | None:
    exp = claims.get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unauthenticated(f"{name} must be a string", check="claims")
    return value or None
