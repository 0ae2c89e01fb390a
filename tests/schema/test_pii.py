"""The keyring of personal identity codes at rest (``schema/pii.py``)."""

import base64
import json
import stat
from pathlib import Path

import pytest

from schema.pii import (
    CLIENT_CODE,
    DEVELOPMENT,
    GUARDIAN_CODE,
    Keyring,
    KeyringError,
    new_keyring,
    parse_keyring,
    read_keyring,
    write_keyring,
)

CODE = "131052-308T"


def test_a_code_is_encrypted_under_the_current_key_and_decrypts():
    keyring = new_keyring("k1")
    stored = keyring.encrypt(CODE, CLIENT_CODE)
    assert CODE not in stored
    assert stored.startswith("pii1:k1:")
    assert keyring.key_of(stored) == "k1"
    assert keyring.decrypt(stored, CLIENT_CODE) == CODE
    assert keyring.encrypt(CODE, CLIENT_CODE) != stored  # a fresh nonce every time


def test_a_value_is_bound_to_its_column_and_to_its_key():
    keyring = new_keyring("k1")
    stored = keyring.encrypt(CODE, CLIENT_CODE)
    with pytest.raises(KeyringError, match="does not decrypt"):
        keyring.decrypt(stored, GUARDIAN_CODE)  # copied into another column
    prefix, key_id, payload = stored.split(":")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(KeyringError, match="does not decrypt"):
        keyring.decrypt(f"{prefix}:{key_id}:{base64.b64encode(raw).decode()}", CLIENT_CODE)
    with pytest.raises(KeyringError, match="not in the keyring"):
        new_keyring("k2").decrypt(stored, CLIENT_CODE)


def test_after_a_new_key_old_values_decrypt_and_new_ones_use_it():
    old = new_keyring("k1")
    stored = old.encrypt(CODE, CLIENT_CODE)
    rotated = old.with_new_key("k2")
    assert rotated.current == "k2"
    assert rotated.decrypt(stored, CLIENT_CODE) == CODE
    assert rotated.key_of(rotated.encrypt(CODE, CLIENT_CODE)) == "k2"
    assert rotated.lookup(CODE) == old.lookup(CODE)  # the lookup key is not the encryption key
    with pytest.raises(KeyringError, match="already"):
        rotated.with_new_key("k1")


def test_the_lookup_is_a_keyed_hash():
    one, other = new_keyring(), new_keyring()
    assert one.lookup(CODE) == one.lookup(CODE)
    assert one.lookup(CODE) != other.lookup(CODE)
    assert len(one.lookup(CODE)) == 64
    assert CODE not in one.lookup(CODE)


def test_a_keyring_file_round_trips_and_is_its_owners_only(tmp_path: Path):
    keyring = new_keyring("2026-1").with_new_key("2026-2")
    path = tmp_path / "keys.json"
    write_keyring(path, keyring)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_keyring(path)
    assert again == keyring
    assert again.decrypt(keyring.encrypt(CODE, CLIENT_CODE), CLIENT_CODE) == CODE
    assert "2026-2" in json.loads(path.read_text())["encryption"]["keys"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        '{"encryption": {"current": "a", "keys": {"b": "AAAA"}}, "lookup": "AAAA"}',
        '{"encryption": {"current": "a", "keys": {"a": "c2hvcnQ="}}, "lookup": "c2hvcnQ="}',
        '{"encryption": {"current": "a", "keys": {"a": "not base64!"}}, "lookup": ""}',
    ],
)
def test_a_keyring_that_cannot_be_used_is_refused(text: str):
    with pytest.raises(KeyringError):
        parse_keyring(text)


def test_the_development_keyring_is_published_and_marked_so():
    assert DEVELOPMENT.current == "development"
    assert isinstance(DEVELOPMENT, Keyring)
