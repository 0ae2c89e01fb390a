"""Personal identity codes at rest: encrypted, and found through a keyed hash.

A code is stored twice, neither in clear: as AES-256-GCM ciphertext (``encrypt``), which
the service decrypts to show it, and as an HMAC-SHA-256 under a key of its own
(``lookup``), which the service compares to find it (lookup by code, uniqueness, the
client's and the guardian's own tokens). A dump of the database alone reveals neither.

The keyring (``INFOCAP_PII_KEY_FILE``, JSON) holds encryption keys by id, one of them
current, and the lookup key::

    {"encryption": {"current": "2026-1", "keys": {"2026-1": "<base64, 32 bytes>"}},
     "lookup": "<base64, 32 bytes>"}

A ciphertext names the key that made it (``pii1:<key id>:<base64 nonce ‖ ciphertext>``),
so rows written under an older key still decrypt after the current key changes;
``infocap pii rotate`` re-encrypts them under the current one and recomputes every
lookup hash (which is how a new lookup key takes effect). The additional data of each
ciphertext is the column it belongs to, so a value copied into another column does not
decrypt. Pure: no I/O but reading the keyring file.
"""

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "pii1"
NONCE_BYTES = 12
KEY_BYTES = 32


class KeyringError(ValueError):
    """A keyring that cannot be used, or a value that does not decrypt under it."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes] = field(repr=False)
    lookup_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyringError(f"the current key {self.current!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if len(key) != KEY_BYTES or ":" in key_id or not key_id:
                raise KeyringError(f"key {key_id!r} is not a 256-bit key with a plain id")
        if len(self.lookup_key) != KEY_BYTES:
            raise KeyringError("the lookup key is not 256 bits")

    def encrypt(self, code: str, column: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, code.encode(), column.encode())
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, column: str) -> str:
        prefix, key_id, payload = _parts(stored)
        key = self.keys.get(key_id)
        if prefix != PREFIX or key is None:
            raise KeyringError(f"a {column} value under key {key_id!r}, not in the keyring")
        raw = base64.b64decode(payload)
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode())
        except InvalidTag as error:
            raise KeyringError(f"a {column} value does not decrypt under its key") from error
        return plain.decode()

    def key_of(self, stored: str) -> str:
        """The id of the key a value was encrypted under."""
        return _parts(stored)[1]

    def lookup(self, code: str) -> str:
        """The keyed hash the code is found by (hex)."""
        return hmac.new(self.lookup_key, code.encode(), hashlib.sha256).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {
            "encryption": {
                "current": self.current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
            },
            "lookup": base64.b64encode(self.lookup_key).decode(),
        }

    def with_new_key(self, key_id: str) -> "Keyring":
        """The keyring with a new, current encryption key (the old ones kept)."""
        if key_id in self.keys:
            raise KeyringError(f"the keyring has a key {key_id!r} already")
        return Keyring(key_id, {**self.keys, key_id: os.urandom(KEY_BYTES)}, self.lookup_key)


def _parts(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3:
        raise KeyringError("not an encrypted value")
    return parts[0], parts[1], parts[2]


def new_keyring(key_id: str = "1") -> Keyring:
    return Keyring(key_id, {key_id: os.urandom(KEY_BYTES)}, os.urandom(KEY_BYTES))


def parse_keyring(text: str) -> Keyring:
    try:
        data = json.loads(text)
        encryption = data["encryption"]
        keys = {str(k): base64.b64decode(v, validate=True) for k, v in encryption["keys"].items()}
        return Keyring(str(encryption["current"]), keys, base64.b64decode(data["lookup"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, KeyringError):
            raise
        raise KeyringError(f"not a keyring ({type(error).__name__}: {error})") from error


def read_keyring(path: Path) -> Keyring:
    try:
        return parse_keyring(path.read_text())
    except OSError as error:
        raise KeyringError(f"cannot read {path}: {error.strerror}") from error


def write_keyring(path: Path, keyring: Keyring) -> None:
    """Write the keyring readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keyring.as_json(), handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


DEVELOPMENT = Keyring(
    "development",
    {"development": hashlib.sha256(b"infocap development pii key").digest()},
    hashlib.sha256(b"infocap development lookup key").digest(),
)
"""The keyring of a development run without ``INFOCAP_PII_KEY_FILE``: published here, so
it protects nothing, and production refuses to start with it."""

CLIENT_CODE = "clients.personal_id"
GUARDIAN_CODE = "guardianships.guardian_personal_id"
