"""Bearer token → ``Principal``: JWT verified against a JWKS, claims checked as
``docs/auth.md`` states. Every refusal is ``Unauthenticated`` except roles that don't fit
the organisation (``Forbidden``)."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import jwt

from authz.errors import Forbidden, Unauthenticated
from authz.principal import ORGANISATION_ROLES, PERSON_ROLES, Principal, misfitting_roles
from schema.enums import OrganisationType, Role

LEEWAY_SECONDS = 30
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
            raise Unauthenticated("no key for this token")
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
        except jwt.PyJWKClientError as error:
            raise Unauthenticated("no key for this token") from error
        if found is None:
            raise Unauthenticated("no key for this token")
        return found


class StaticKeys:
    """Keys held in memory (demo mode and tests)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = jwt.PyJWKSet.from_dict(dict(jwks))

    async def key(self, kid: str | None) -> jwt.PyJWK:
        found = _pick(self._keys, kid)
        if found is None:
            raise Unauthenticated("no key for this token")
        return found


class NoKeys:
    """No keys configured: every token is refused, saying why."""

    async def key(self, kid: str | None) -> jwt.PyJWK:
        raise Unauthenticated(
            "no verification keys are configured (INFOCAP_JWKS_FILE or INFOCAP_JWKS_URL)"
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

    async def authenticate(self, authorization: str | None) -> Principal:
        token = _bearer(authorization)
        if not self._issuer:
            raise Unauthenticated("no issuer is configured (INFOCAP_JWT_ISSUER)")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Unauthenticated("malformed token") from error
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self._algorithms:
            raise Unauthenticated("token algorithm not accepted")
        if (
            self._refused_kid_prefix
            and isinstance(kid, str)
            and kid.startswith(self._refused_kid_prefix)
        ):
            raise Unauthenticated("demo keys are accepted only in demo mode")
        key = await self._keys.key(kid if isinstance(kid, str) else None)
        if self._refused_kid_prefix and (key.key_id or "").startswith(self._refused_kid_prefix):
            raise Unauthenticated("demo keys are accepted only in demo mode")
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
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated("token expired") from error
        except jwt.ImmatureSignatureError as error:
            raise Unauthenticated("token not yet valid") from error
        except jwt.PyJWTError as error:
            raise Unauthenticated("token refused") from error
        return self._principal(claims)

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        subject, raw_roles = claims.get("sub"), claims.get("roles")
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated("sub must be a non-empty string")
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise Unauthenticated("roles must be an array of role names")
        known = {r.value for r in Role}
        unknown = sorted(set(raw_roles) - known)
        if unknown:
            raise Forbidden(f"unknown role: {', '.join(unknown)}")
        if not raw_roles:
            raise Forbidden("the token holds no role")
        roles = frozenset(Role(r) for r in raw_roles)
        organisation, organisation_type = self._organisation(claims, roles)
        person = _optional_str(claims, "person")
        if roles & PERSON_ROLES and not person:
            raise Unauthenticated("person is required for the client and guardian roles")
        misfits = misfitting_roles(roles, organisation_type)
        if misfits:
            names = ", ".join(r.value for r in misfits)
            raise Forbidden(f"roles {names} don't fit organisation {organisation}")
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
                raise Unauthenticated("org is required for staff roles and dpo")
            return None, None
        if organisation not in self._organisations:
            raise Unauthenticated("org names no known organisation")
        return organisation, self._organisations[organisation]


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing bearer token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    return token.strip()


def _expiry(claims: Mapping[str, Any]) -> datetime | None:
    exp = claims.get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unauthenticated(f"{name} must be a string")
    return value or None
