"""Personal identity codes at rest: encrypted, and found through a keyed hash.

``clients.personal_id`` and ``guardianships.guardian_personal_id`` become an AES-GCM
ciphertext and an HMAC-SHA-256 lookup hash each (``schema/pii.py``); the plaintext
columns are dropped. The codes' index (``personal_id_index``, 0007), which held each code
in clear as its lookup key, gets the keyed hash instead: its rows are replaced (deleted
and inserted, as its key is its distribution column). ``clients.personal_id_hash`` is not
unique by itself: the index keeps that rule, as ``clients`` is distributed by ``id``.

Existing codes are moved here, in Python, with the keyring that ``schema.db.migrate``
hands over (``infocap migrate`` and the service's start on SQLite pass the configured
``INFOCAP_PII_KEY_FILE``); without one the migration reads ``INFOCAP_PII_KEY_FILE``
itself, and outside production falls back to the development keyring. A database with codes to move and no keyring in production stops here.

On SQLite the two tables are rebuilt (alembic's batch mode), which needs foreign keys off
while it runs: ``schema.db.migrate`` turns them off and checks them all after.

The change-capture triggers of the two tables are taken off while the codes move (moving
them is no change of a client), and put back after (SQLite's table rebuild drops them).

Down again, the codes are decrypted back into the clear, in ``clients``, in
``guardianships`` and in the index.

Revision ID: 0009
Revises: 0008
"""

import os
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from schema.change_capture import Watched, install, uninstall
from schema.pii import CLIENT_CODE, DEVELOPMENT, GUARDIAN_CODE, Keyring, read_keyring

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = [
    Watched("clients", "CLIENT", client_id="NEW.id"),
    Watched("guardianships", "CLIENT", "NEW.ward_id", "NEW.ward_id", own=False),
]


def _keyring() -> Keyring:
    config = op.get_context().config
    given = None if config is None else config.attributes.get("pii_keyring")
    if given is not None:
        return given  # type: ignore[no-any-return]
    path = os.environ.get("INFOCAP_PII_KEY_FILE", "").strip()
    if path:
        return read_keyring(Path(path))
    if os.environ.get("INFOCAP_ENV", "").strip() == "production":
        raise RuntimeError(
            "migration 0009 encrypts personal identity codes: set INFOCAP_PII_KEY_FILE"
        )
    return DEVELOPMENT


def upgrade() -> None:
    uninstall(op, WATCHED)
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("personal_id_cipher", sa.Text(), nullable=True))
        batch.add_column(sa.Column("personal_id_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("guardianships") as batch:
        batch.add_column(sa.Column("guardian_cipher", sa.Text(), nullable=True))
        batch.add_column(sa.Column("guardian_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    clients = bind.execute(sa.text("SELECT id, personal_id FROM clients")).all()
    guardianships = bind.execute(
        sa.text("SELECT id, guardian_personal_id FROM guardianships")
    ).all()
    indexed = bind.execute(sa.text("SELECT lookup, client_id FROM personal_id_index")).all()
    if clients or guardianships or indexed:
        keyring = _keyring()
        if clients:
            bind.execute(
                sa.text(
                    "UPDATE clients SET personal_id_cipher = :c, personal_id_hash = :h "
                    "WHERE id = :i"
                ),
                [
                    {"i": i, "c": keyring.encrypt(code, CLIENT_CODE), "h": keyring.lookup(code)}
                    for i, code in clients
                ],
            )
        if guardianships:
            bind.execute(
                sa.text(
                    "UPDATE guardianships SET guardian_cipher = :c, guardian_hash = :h "
                    "WHERE id = :i"
                ),
                [
                    {"i": i, "c": keyring.encrypt(code, GUARDIAN_CODE), "h": keyring.lookup(code)}
                    for i, code in guardianships
                ],
            )
        _replace_index(bind, [(keyring.lookup(code), client) for code, client in indexed])
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("personal_id")
        batch.alter_column("personal_id_cipher", existing_type=sa.Text(), nullable=False)
        batch.alter_column("personal_id_hash", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("guardianships") as batch:
        batch.drop_index("ix_guardianships_guardian")
        batch.drop_constraint(
            "uq_guardianships_guardian_personal_id_ward_id_kind_valid_from", type_="unique"
        )
        batch.drop_column("guardian_personal_id")
        batch.alter_column("guardian_cipher", existing_type=sa.Text(), nullable=False)
        batch.alter_column("guardian_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(
            "uq_guardianships_guardian_hash_ward_id_kind_valid_from",
            ["guardian_hash", "ward_id", "kind", "valid_from"],
        )
        batch.create_index("ix_guardianships_guardian", ["guardian_hash"], unique=False)
    install(op, WATCHED)


def downgrade() -> None:
    uninstall(op, WATCHED)
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("personal_id", sa.String(length=11), nullable=True))
    with op.batch_alter_table("guardianships") as batch:
        batch.add_column(sa.Column("guardian_personal_id", sa.String(length=11), nullable=True))
    bind = op.get_bind()
    clients = bind.execute(sa.text("SELECT id, personal_id_cipher FROM clients")).all()
    guardianships = bind.execute(sa.text("SELECT id, guardian_cipher FROM guardianships")).all()
    indexed = bind.execute(sa.text("SELECT lookup, client_id FROM personal_id_index")).all()
    if clients or guardianships or indexed:
        keyring = _keyring()
        codes = {_same(i): keyring.decrypt(cipher, CLIENT_CODE) for i, cipher in clients}
        for i, _ in clients:
            bind.execute(
                sa.text("UPDATE clients SET personal_id = :p WHERE id = :i"),
                {"i": i, "p": codes[_same(i)]},
            )
        for i, cipher in guardianships:
            bind.execute(
                sa.text("UPDATE guardianships SET guardian_personal_id = :p WHERE id = :i"),
                {"i": i, "p": keyring.decrypt(cipher, GUARDIAN_CODE)},
            )
        lost = [client for _, client in indexed if _same(client) not in codes]
        if lost:
            raise RuntimeError(f"personal_id_index names {len(lost)} client(s) not in clients")
        _replace_index(bind, [(codes[_same(client)], client) for _, client in indexed])
    with op.batch_alter_table("guardianships") as batch:
        batch.drop_index("ix_guardianships_guardian")
        batch.drop_constraint(
            "uq_guardianships_guardian_hash_ward_id_kind_valid_from", type_="unique"
        )
        batch.drop_column("guardian_cipher")
        batch.drop_column("guardian_hash")
        batch.alter_column("guardian_personal_id", existing_type=sa.String(11), nullable=False)
        batch.create_unique_constraint(
            "uq_guardianships_guardian_personal_id_ward_id_kind_valid_from",
            ["guardian_personal_id", "ward_id", "kind", "valid_from"],
        )
        batch.create_index("ix_guardianships_guardian", ["guardian_personal_id"], unique=False)
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("personal_id_cipher")
        batch.drop_column("personal_id_hash")
        batch.alter_column("personal_id", existing_type=sa.String(11), nullable=False)
    install(op, WATCHED)


def _same(client_id: object) -> str:
    """A client's id as one text, whichever form the driver reads it in (SQLite: hex)."""
    return str(client_id).replace("-", "").lower()


def _replace_index(bind: sa.Connection, rows: list[tuple[str, object]]) -> None:
    """The codes' index with ``rows`` (lookup, client id) instead of what it held: deleted
    and inserted, never updated in place (the lookup is its distribution column)."""
    bind.execute(sa.text("DELETE FROM personal_id_index"))
    if rows:
        bind.execute(
            sa.text("INSERT INTO personal_id_index (lookup, client_id) VALUES (:l, :c)"),
            [{"l": lookup, "c": client} for lookup, client in rows],
        )
