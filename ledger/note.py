"""C2SP signed notes, checkpoints and cosignatures, with Ed25519. No I/O.

- c2sp.org/signed-note: a text ending in a newline, a blank line, then signature lines
  ``— <key name> base64(4-byte key ID ‖ signature)`` (an em dash, U+2014). Key ID =
  ``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]``; type 0x01 is Ed25519 over the text.
  A verifier key is ``<name>+<key ID as 8 hex digits>+base64(type ‖ public key)``, the
  format of Go's ``golang.org/x/mod/sumdb/note``.
- c2sp.org/tlog-checkpoint: the text is the origin, the tree size in decimal and the
  root hash in base64, one a line.
- c2sp.org/tlog-cosignature, ``cosignature/v1`` (type 0x04): the witness signs
  ``"cosignature/v1\\ntime <t>\\n" ‖ the checkpoint text`` and the signature is
  ``key ID ‖ t as 8 bytes big-endian ‖ Ed25519 signature``.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DASH = "\u2014"
ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100  # c2sp: verifiers must accept at least 16


class NoteError(ValueError):
    """A malformed note, key or checkpoint."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise NoteError(f"not standard base64: {text!r}") from error


def valid_name(name: str) -> bool:
    """A key name: non-empty, no Unicode space, no ``+``, no control character."""
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)


def check_origin(origin: str) -> str:
    """A log origin as ledger.md wants it: a schema-less URL, no spaces, no ``+``."""
    if not valid_name(origin) or "://" in origin or origin != origin.strip():
        raise NoteError(f"not a schema-less origin without spaces or '+': {origin!r}")
    return origin


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class VerifierKey:
    """A note verifier key: a name, a signature type and an Ed25519 public key."""

    name: str
    kind: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    @property
    def ident(self) -> str:
        """``<name>+<key ID>``: how a signature line names its key."""
        return f"{self.name}+{self.key_id.hex()}"

    def __str__(self) -> str:
        return f"{self.ident}+{b64(bytes([self.kind]) + self.public)}"

    def ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)

    @classmethod
    def of(cls, name: str, kind: int, key: Ed25519PrivateKey | Ed25519PublicKey) -> "VerifierKey":
        if not valid_name(name):
            raise NoteError(f"not a key name: {name!r}")
        return cls(name, kind, raw_public(key))


def parse_verifier_key(text: str, kind: int | None = None) -> VerifierKey:
    """``<name>+<8 hex>+base64(type ‖ key)``; the key ID must be the key's own."""
    parts = text.strip().split("+", 2)  # base64 may hold '+' too; a name never does
    if len(parts) != 3:
        raise NoteError("a verifier key is <name>+<key id>+<key>")
    name, ident, material = parts
    if not valid_name(name) or len(ident) != 8 or ident != ident.lower():
        raise NoteError("malformed verifier key")
    try:
        claimed = bytes.fromhex(ident)
    except ValueError as error:
        raise NoteError("malformed verifier key id") from error
    raw = unb64(material)
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("not an Ed25519 verifier key (type 0x01 or 0x04)")
    key = VerifierKey(name, raw[0], raw[1:])
    if key.key_id != claimed:
        raise NoteError("the verifier key's id does not match its key")
    if kind is not None and key.kind != kind:
        raise NoteError(f"expected a verifier key of type 0x{kind:02x}")
    return key


# --- notes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        return f"{DASH} {self.name} {b64(self.key_id + self.signature)}\n"


def split_note(note: str) -> tuple[str, list[Signature]]:
    """The text (with its final newline) and the signature lines of a signed note."""
    if any(ord(c) < 0x20 and c != "\n" for c in note) or not note.endswith("\n"):
        raise NoteError("malformed note")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed note: no signature lines")
    signatures = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or not valid_name(parts[1]):
            raise NoteError("malformed signature line")
        raw = unb64(parts[2])
        if len(raw) < 5:
            raise NoteError("malformed signature line")
        signatures.append(Signature(parts[1], raw[:4], raw[4:]))
    return text, signatures


def sign(text: str, name: str, key: Ed25519PrivateKey) -> Signature:
    """An Ed25519 note signature (type 0x01) over ``text``."""
    if not text.endswith("\n") or not valid_name(name):
        raise NoteError("a note's text ends in a newline; its key has a name")
    return Signature(name, key_id(name, ED25519, raw_public(key)), key.sign(text.encode()))


def signatures_by(signatures: list[Signature], key: VerifierKey) -> list[Signature]:
    return [s for s in signatures if s.name == key.name and s.key_id == key.key_id]


def verify_signature(text: str, signature: Signature, key: VerifierKey) -> bool:
    try:
        key.ed25519().verify(signature.signature, text.encode())
    except InvalidSignature:
        return False
    return True


def open_note(note: str, key: VerifierKey) -> tuple[str, list[Signature]]:
    """The text of a note signed by ``key`` and all its signature lines. Unknown keys are
    ignored; a signature by ``key`` that does not verify rejects the note."""
    text, signatures = split_note(note)
    mine = signatures_by(signatures, key)
    if not mine:
        raise NoteError(f"the note has no signature by {key.ident}")
    if not all(verify_signature(text, s, key) for s in mine):
        raise NoteError(f"the signature by {key.ident} does not verify")
    return text, signatures


# --- checkpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64(self.root)}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint's note text: exactly origin, size, root (no extension lines)."""
    lines = text.split("\n")
    if len(lines) != 4 or lines[3] != "":
        raise NoteError("a checkpoint is three lines: origin, tree size, root hash")
    origin, size, root = lines[:3]
    if not origin or not size.isascii() or not size.isdigit() or (size != "0" and size[0] == "0"):
        raise NoteError("malformed checkpoint")
    digest = unb64(root)
    if len(digest) != 32:
        raise NoteError("a checkpoint's root hash is 32 bytes")
    return Checkpoint(origin, int(size), digest)


def open_checkpoint(note: str, key: VerifierKey) -> tuple[Checkpoint, list[Signature]]:
    """A checkpoint signed by the log key ``key``, whose origin must be the key's name."""
    text, signatures = open_note(note, key)
    checkpoint = parse_checkpoint(text)
    if checkpoint.origin != key.name:
        raise NoteError("the checkpoint's origin is not its key's name")
    return checkpoint, signatures


# --- cosignatures (cosignature/v1) -------------------------------------------------------


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> Signature:
    if not 0 <= timestamp < 2**63:
        raise NoteError("a cosignature's time is a POSIX timestamp")
    signature = key.sign(cosigned_message(text, timestamp))
    return Signature(
        name,
        key_id(name, COSIGNATURE_V1, raw_public(key)),
        timestamp.to_bytes(8, "big") + signature,
    )


def cosignature_time(signature: Signature) -> int | None:
    if len(signature.signature) != 72:
        return None
    return int.from_bytes(signature.signature[:8], "big")


def verify_cosignature(text: str, signature: Signature, key: VerifierKey) -> int | None:
    """The cosignature's timestamp if it verifies under the witness key, else ``None``."""
    timestamp = cosignature_time(signature)
    if key.kind != COSIGNATURE_V1 or timestamp is None or timestamp >= 2**63:
        return None
    try:
        key.ed25519().verify(signature.signature[8:], cosigned_message(text, timestamp))
    except InvalidSignature:
        return None
    return timestamp
