"""Signed notes, checkpoints and cosignatures against published vectors: Go's
golang.org/x/mod/sumdb/note tests (note_test.go), transparency-dev/formats'
note_cosigv1_test.go, and the examples of the C2SP documents."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.note import (
    COSIGNATURE_V1,
    DASH,
    ED25519,
    Checkpoint,
    NoteError,
    Signature,
    VerifierKey,
    check_origin,
    cosign,
    cosignature_time,
    cosigned_message,
    key_id,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    sign,
    split_note,
    verify_cosignature,
)

# golang.org/x/mod/sumdb/note, note_test.go
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    f"{DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
    "vqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    f"{DASH} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOT"
    "GwnWLox33WWd1RvMc+QQ=\n"
)
# transparency-dev/formats, note_cosigv1_test.go
COSIGNER_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
TEST_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
COSIG_1727964367 = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBY"
    "JXORmnFBOBA=="
)
# c2sp.org/tlog-cosignature's example: a witness line over "time 1679315147"
C2SP_COSIG = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbI"
    "UBkBIfZ+qnA=="
)


def peter() -> Ed25519PrivateKey:
    raw = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert raw[0] == ED25519
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


def test_the_verifier_key_of_go_s_test_key():
    assert str(VerifierKey.of("PeterNeumann", ED25519, peter())) == PETER_VKEY


def test_signing_gives_go_s_signature_line_byte_for_byte():
    assert sign(TEXT, "PeterNeumann", peter()).line == PETER_SIG


def test_go_s_notes_open_with_their_keys():
    peter_key, enoch_key = parse_verifier_key(PETER_VKEY), parse_verifier_key(ENOCH_VKEY)
    text, signatures = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, peter_key)
    assert text == TEXT
    assert [s.name for s in signatures] == ["PeterNeumann", "EnochRoot"]
    assert open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, enoch_key)[0] == TEXT
    assert key_id("EnochRoot", ED25519, enoch_key.public).hex() == "af0cfe78"


def test_a_note_without_a_known_signature_or_with_a_bad_one_is_refused():
    key = parse_verifier_key(PETER_VKEY)
    with pytest.raises(NoteError, match="no signature"):
        open_note(TEXT + "\n" + ENOCH_SIG, key)
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[64:]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + bad, key)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT.replace("answer", "question") + "\n" + PETER_SIG, key)


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + f"{DASH} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F\n",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ],
)
def test_malformed_notes_are_refused_as_go_refuses_them(note):
    with pytest.raises(NoteError):
        open_note(note, parse_verifier_key(PETER_VKEY))


def test_verifier_keys_of_both_types_from_transparency_dev():
    cosigner = parse_verifier_key(COSIGNER_VKEY)
    assert (cosigner.name, cosigner.kind, cosigner.key_id.hex()) == (
        "remora.n621.de",
        COSIGNATURE_V1,
        "da77ade7",
    )
    assert str(cosigner) == COSIGNER_VKEY
    plain = parse_verifier_key(TEST_VKEY)  # its base64 holds a '+'
    assert (plain.name, plain.kind, str(plain)) == ("TEST", ED25519, TEST_VKEY)
    with pytest.raises(NoteError, match="0x04"):
        parse_verifier_key(TEST_VKEY, COSIGNATURE_V1)


def test_mangled_verifier_keys_are_refused():
    for bad in (
        PETER_VKEY[:-1],
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),
        PETER_VKEY.replace("c74f20a3", "C74F20A3"),
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ):
        with pytest.raises(NoteError):
            parse_verifier_key(bad)


def test_cosignature_timestamps_of_the_published_examples():
    for line, when in ((COSIG_1727964367, 1727964367), (C2SP_COSIG, 1679315147)):
        raw = base64.b64decode(line)
        assert cosignature_time(Signature("w", raw[:4], raw[4:])) == when


def test_the_cosigned_message_is_the_c2sp_one():
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(text, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_a_cosignature_verifies_under_its_witness_key_only():
    witness = Ed25519PrivateKey.generate()
    key = VerifierKey.of("dpo.example.fi/w1", COSIGNATURE_V1, witness)
    text = Checkpoint("infocap.example.fi/consent", 12, bytes(32)).text
    line = cosign(text, "dpo.example.fi/w1", witness, 1_700_000_000)
    raw = base64.b64decode(line.line.split(" ")[2])
    assert raw[:4] == key.key_id
    assert int.from_bytes(raw[4:12], "big") == 1_700_000_000
    assert len(raw) == 4 + 8 + 64
    assert verify_cosignature(text, line, key) == 1_700_000_000
    assert verify_cosignature(text.replace("12", "13"), line, key) is None
    as_log_key = VerifierKey.of("dpo.example.fi/w1", ED25519, witness)
    assert verify_cosignature(text, line, as_log_key) is None
    assert as_log_key.key_id != key.key_id  # the type byte separates the two uses
    plain = sign(text, "dpo.example.fi/w1", witness)
    assert verify_cosignature(text, plain, key) is None


def test_checkpoints_are_three_lines_signed_by_the_origin():
    log = Ed25519PrivateKey.generate()
    key = VerifierKey.of("infocap.example.fi/consent", ED25519, log)
    checkpoint = Checkpoint("infocap.example.fi/consent", 20852163, bytes(range(32)))
    assert checkpoint.text == (
        "infocap.example.fi/consent\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    )
    note = checkpoint.text + "\n" + sign(checkpoint.text, key.name, log).line
    assert open_checkpoint(note, key)[0] == checkpoint
    other = VerifierKey.of("elsewhere.example/log", ED25519, log)
    renamed = checkpoint.text + "\n" + sign(checkpoint.text, other.name, log).line
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(renamed, other)
    for bad in (
        "o\n012\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n12\nAAEC\n",
        "o\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextension\n",
        "o\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    ):
        with pytest.raises(NoteError):
            parse_checkpoint(bad)
    assert split_note(note)[0] == checkpoint.text


@pytest.mark.parametrize("origin", ["https://x.example/log", "x y", "x+y", "", "x\ny"])
def test_origins_with_a_schema_space_or_plus_are_refused(origin):
    with pytest.raises(NoteError):
        check_origin(origin)
