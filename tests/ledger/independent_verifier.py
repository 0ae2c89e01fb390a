"""A second verifier of ledger exports, written from the specification's ledger.md alone.

It shares no code with ``ledger/``: only hashlib, json, base64 and cryptography. Given an
export (JSON Lines: events in (client, seq) order with ``hash`` and ``logIndex``, then
``{"checkpoint": note}`` lines) and the log's note verifier key, it answers ``None`` when
everything holds, else where the first break is: ``("event", client, seq)``,
``("checkpoint", tree size)`` or ``("log", index)``.
"""

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

Where = tuple[Any, ...]
ZEROS = "0" * 64


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash over leaf inputs."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def parse_key(vkey: str) -> tuple[str, bytes, bytes]:
    """``<origin>+<key ID as 8 hex digits>+base64(0x01 ‖ public key)``."""
    name, key_id, material = vkey.split("+", 2)
    raw = base64.b64decode(material)
    if raw[0] != 0x01 or len(raw) != 33:
        raise ValueError("not an Ed25519 note key")
    expected = hashlib.sha256(name.encode() + b"\n" + b"\x01" + raw[1:]).digest()[:4]
    if expected.hex() != key_id:
        raise ValueError("key ID mismatch")
    return name, expected, raw[1:]


def open_checkpoint(note: str, key: tuple[str, bytes, bytes]) -> tuple[int, bytes] | None:
    """The (tree size, root) of a checkpoint note signed by the key, else ``None``."""
    name, key_id, public = key
    cut = note.rfind("\n\n")
    if cut < 0:
        return None
    text, signatures = note[: cut + 1], note[cut + 2 :].splitlines()
    lines = text.split("\n")
    if len(lines) != 4 or lines[0] != name or lines[3] != "":
        return None
    good = False
    for line in signatures:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        raw = base64.b64decode(parts[2])
        if raw[:4] != key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode())
        except InvalidSignature:
            return None
        good = True
    if not good:
        return None
    return int(lines[1]), base64.b64decode(lines[2])


def verify(export: str, vkey: str) -> Where | None:
    key = parse_key(vkey)
    leaves: dict[int, bytes] = {}
    notes: list[str] = []
    client, seq, prev = None, 0, ZEROS
    for line in export.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if set(obj) == {"checkpoint"}:
            notes.append(obj["checkpoint"])
            continue
        digest = obj.pop("hash")
        index = obj.pop("logIndex", None)
        if obj["client"] != client:
            client, seq, prev = obj["client"], 0, ZEROS
        if obj["seq"] != seq + 1:
            return ("event", client, seq + 1)
        if hashlib.sha256(canonical(obj)).hexdigest() != digest:
            return ("event", client, obj["seq"])
        if obj["prev"] != prev:
            return ("event", client, obj["seq"])
        if index is not None:
            if index in leaves:
                return ("event", client, obj["seq"])
            leaves[index] = bytes.fromhex(digest)
        client, seq, prev = obj["client"], obj["seq"], digest
    ordered = [leaves.get(i) for i in range(len(leaves))]
    for note in sorted(notes, key=lambda n: int(n.split("\n")[1])):
        found = open_checkpoint(note, key)
        size = int(note.split("\n")[1])
        if found is None or size > len(ordered) or None in ordered[:size]:
            return ("checkpoint", size)
        if mth(ordered[:size]) != found[1]:  # type: ignore[arg-type]
            return ("checkpoint", size)
    if None in ordered:
        return ("log", ordered.index(None))
    return None
