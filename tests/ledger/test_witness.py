"""A witness's answers to add-checkpoint, case by case as c2sp.org/tlog-witness lists them."""

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.merkle import consistency_ranges, leaf_hash, range_hash, root_of
from ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    VerifierKey,
    b64,
    sign,
    split_note,
    verify_cosignature,
)
from ledger.witness import SIZE_TYPE, Seen, WitnessCore
from ledger.witnessing import request_body

ORIGIN = "infocap.test/consent"
NOW = 1_760_000_000
LOG_KEY = Ed25519PrivateKey.generate()
LOG = VerifierKey.of(ORIGIN, ED25519, LOG_KEY)
LEAVES = [leaf_hash(hashlib.sha256(bytes([n])).digest()) for n in range(20)]


def root(size: int, leaves: list[bytes] = LEAVES) -> bytes:
    return root_of(leaves[:size])


def proof(old: int, new: int, leaves: list[bytes] = LEAVES) -> list[bytes]:
    store = {}
    for level in range(6):
        for index in range(len(leaves) >> level):
            store[(level, index)] = root_of(leaves[index << level : (index + 1) << level])
    return [range_hash(lo, hi, store.__getitem__) for lo, hi in consistency_ranges(old, new)]


def note(size: int, digest: bytes | None = None, key: Ed25519PrivateKey = LOG_KEY) -> str:
    text = Checkpoint(ORIGIN, size, root(size) if digest is None else digest).text
    return text + "\n" + sign(text, ORIGIN, key).line


@pytest.fixture
def witness() -> WitnessCore:
    return WitnessCore("dpo.test/w1", Ed25519PrivateKey.generate(), [LOG])


def test_the_first_checkpoint_is_cosigned_and_remembered(witness):
    answer = witness.add_checkpoint(request_body(0, [], note(5)), {}, NOW)
    assert answer.status == 200
    assert answer.seen == Seen(5, root(5))
    assert answer.origin == ORIGIN
    _, lines = split_note("x\n\n" + answer.body)
    text = Checkpoint(ORIGIN, 5, root(5)).text
    assert verify_cosignature(text, lines[0], witness.verifier) == NOW
    assert witness.verifier.kind == COSIGNATURE_V1


def test_a_consistent_growth_is_cosigned(witness):
    seen = {ORIGIN: Seen(5, root(5))}
    answer = witness.add_checkpoint(request_body(5, proof(5, 13), note(13)), seen, NOW)
    assert (answer.status, answer.seen) == (200, Seen(13, root(13)))


def test_the_same_checkpoint_again_is_cosigned_again(witness):
    seen = {ORIGIN: Seen(5, root(5))}
    assert witness.add_checkpoint(request_body(5, [], note(5)), seen, NOW).status == 200


def test_a_rewritten_history_is_refused_422(witness):
    forked = [*LEAVES[:3], leaf_hash(b"changed"), *LEAVES[4:]]
    seen = {ORIGIN: Seen(5, root(5))}
    body = request_body(5, proof(5, 13, forked), note(13, root(13, forked)))
    answer = witness.add_checkpoint(body, seen, NOW)
    assert answer.status == 422
    assert answer.seen is None


def test_a_wrong_old_size_is_409_with_the_size_held(witness):
    seen = {ORIGIN: Seen(8, root(8))}
    answer = witness.add_checkpoint(request_body(5, proof(5, 13), note(13)), seen, NOW)
    assert (answer.status, answer.body, answer.content_type) == (409, "8\n", SIZE_TYPE)
    older = witness.add_checkpoint(request_body(0, [], note(5)), seen, NOW)
    assert (older.status, older.body) == (409, "8\n")


def test_the_same_size_with_another_root_is_409(witness):
    seen = {ORIGIN: Seen(5, root(5))}
    answer = witness.add_checkpoint(request_body(5, [], note(5, bytes(32))), seen, NOW)
    assert answer.status == 409


def test_an_unknown_log_is_404_and_a_bad_signature_403(witness):
    stranger = Ed25519PrivateKey.generate()
    text = Checkpoint("elsewhere.test/log", 3, root(3)).text
    unknown = text + "\n" + sign(text, "elsewhere.test/log", stranger).line
    assert witness.add_checkpoint(request_body(0, [], unknown), {}, NOW).status == 404
    forged = note(5, key=stranger)
    assert witness.add_checkpoint(request_body(0, [], forged), {}, NOW).status == 403


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 5\n",
        b"old x\n\n",
        b"old 05\n\nx",
        b"new 5\n\n",
        b"\xff\xfe",
        b"old 0\nnot base64!\n\n",
        ("old 0\n" + b64(b"short") + "\n\n").encode(),
        ("old 0\n" + "\n".join([b64(bytes(32))] * 64) + "\n\n").encode(),
    ],
)
def test_malformed_requests_are_400(witness, body):
    assert witness.add_checkpoint(body + note(5).encode(), {}, NOW).status == 400


def test_an_old_size_above_the_checkpoint_is_400(witness):
    seen = {ORIGIN: Seen(13, root(13))}
    assert witness.add_checkpoint(request_body(13, [], note(5)), seen, NOW).status == 400


def test_a_proof_from_nothing_must_be_empty(witness):
    answer = witness.add_checkpoint(request_body(0, [bytes(32)], note(5)), {}, NOW)
    assert answer.status == 422
