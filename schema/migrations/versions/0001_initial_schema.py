"""Initial schema: every table of the domain, the organisations, and the append-only guards.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:12:49.743137
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=True),
        sa.Column("organisation_id", sa.String(length=64), nullable=True),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("azp", sa.String(length=200), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "IDENTITY",
                "PERSONAL_ID",
                "CONTACT",
                "PLAN",
                "LIFE_ECONOMY",
                "LIFE_FAMILY",
                "LIFE_HEALTH",
                "LIFE_HOUSING",
                "APPLICATION",
                "KELA_DECISION",
                "KELA_CALCULATION",
                "WC_DECISION",
                "ATTACHMENT",
                "HEALTH_ATTACHMENT",
                "NOTICE",
                "NOTICE_DETAIL",
                "CONSENT",
                "ACCESS_LOG",
                name="datacategory",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "action",
            sa.Enum("READ", "WRITE", name="accessaction", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("policy_rule", sa.Text(), nullable=True),
        sa.Column("consent_seq", sa.Integer(), nullable=True),
        sa.Column("prohibition_seq", sa.Integer(), nullable=True),
        sa.Column("policy_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_client", ["client_id", "id"], unique=False)
        batch_op.create_index("ix_access_log_org", ["organisation_id", "id"], unique=False)

    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "KELA",
                "WELLBEING_COUNTY",
                "MUNICIPALITY",
                name="organisationtype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name_fi", sa.String(length=200), nullable=False),
        sa.Column("name_sv", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("personal_id", sa.String(length=11), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("search_name", sa.String(length=200), nullable=False),
        sa.Column(
            "language",
            sa.Enum("FI", "SV", "SE", "EN", "OTHER", name="language", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("organiser_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("protected_identity", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by_org", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisations.id"],
            name=op.f("fk_clients_organiser_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_org"],
            ["organisations.id"],
            name=op.f("fk_clients_registered_by_org_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("personal_id", name=op.f("uq_clients_personal_id")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clients_search_name"), ["search_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_clients_organiser_id"), ["organiser_id"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "ONLINE",
                "GUIDED",
                "PAPER",
                "PHONE",
                name="applicationchannel",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "RECEIVED",
                "IN_PROCESSING",
                "WAITING_FOR_INFORMATION",
                "DECIDED",
                name="applicationstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("urgency_grounds", sa.Text(), nullable=True),
        sa.Column("urgency_assessed_by", sa.String(length=200), nullable=True),
        sa.Column("urgency_assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_org", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_applications_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_org"],
            ["organisations.id"],
            name=op.f("fk_applications_recorded_by_org_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint(
            "recorded_by_org",
            "external_id",
            name=op.f("uq_applications_recorded_by_org_external_id"),
        ),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_client_id"), ["client_id"], unique=False)

    op.create_table(
        "client_digital_profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("has_equipment", sa.Boolean(), nullable=False),
        sa.Column("has_skills", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_org", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_digital_profiles_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_org"],
            ["organisations.id"],
            name=op.f("fk_client_digital_profiles_recorded_by_org_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_digital_profiles")),
    )
    with op.batch_alter_table("client_digital_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_client_digital_profiles_client", ["client_id", "recorded_at"], unique=False
        )

    op.create_table(
        "consent_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "INFORMED",
                "GRANT",
                "WITHDRAW",
                "PROHIBIT",
                "LIFT_PROHIBITION",
                name="consenteventtype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_org", sa.String(length=64), nullable=True),
        sa.Column("party_org", sa.String(length=64), nullable=True),
        sa.Column("canonical", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_consent_events_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("client_id", "seq", name=op.f("uq_consent_events_client_id_seq")),
        sa.UniqueConstraint("hash", name=op.f("uq_consent_events_hash")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index("ix_consent_events_actor_org", ["actor_org"], unique=False)
        batch_op.create_index("ix_consent_events_party_org", ["party_org"], unique=False)

    op.create_table(
        "consent_rules",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "INFORMED",
                "GRANT",
                "WITHDRAW",
                "PROHIBIT",
                "LIFT_PROHIBITION",
                name="consenteventtype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.String(length=64), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "IDENTITY",
                "PERSONAL_ID",
                "CONTACT",
                "PLAN",
                "LIFE_ECONOMY",
                "LIFE_FAMILY",
                "LIFE_HEALTH",
                "LIFE_HOUSING",
                "APPLICATION",
                "KELA_DECISION",
                "KELA_CALCULATION",
                "WC_DECISION",
                "ATTACHMENT",
                "HEALTH_ATTACHMENT",
                "NOTICE",
                "NOTICE_DETAIL",
                "CONSENT",
                "ACCESS_LOG",
                name="datacategory",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("row_type", sa.String(length=40), nullable=True),
        sa.Column("row_id", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "ELECTRONIC", "WRITTEN", "ORAL", name="consentmethod", native_enum=False, length=40
            ),
            nullable=True,
        ),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_org", sa.String(length=64), nullable=True),
        sa.Column("ended_seq", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_consent_rules_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("client_id", "seq", name=op.f("pk_consent_rules")),
    )
    op.create_table(
        "contact_persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_contact_persons_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_contact_persons_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_persons")),
        sa.UniqueConstraint(
            "client_id",
            "organisation_id",
            name=op.f("uq_contact_persons_client_id_organisation_id"),
        ),
    )
    op.create_table(
        "guardianships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guardian_personal_id", sa.String(length=11), nullable=False),
        sa.Column("ward_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "PARENT_OF_MINOR",
                "GUARDIAN_FULL",
                "GUARDIAN_ECONOMIC",
                name="guardianshipkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["clients.id"], name=op.f("fk_guardianships_ward_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardianships")),
        sa.UniqueConstraint(
            "guardian_personal_id",
            "ward_id",
            "kind",
            "valid_from",
            name=op.f("uq_guardianships_guardian_personal_id_ward_id_kind_valid_from"),
        ),
    )
    with op.batch_alter_table("guardianships", schema=None) as batch_op:
        batch_op.create_index("ix_guardianships_guardian", ["guardian_personal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guardianships_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "ledger_heads",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_ledger_heads_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_ledger_heads")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "APPLICATION_TRANSFER",
                "SERVICE_NEED_ASSESSMENT_REQUEST",
                "CONCERN_NOTICE",
                "BASIC_AMOUNT_REDUCTION",
                "LONG_TERM_RECIPIENT",
                "URGENCY_ASSESSMENT",
                "PLAN_SHARED",
                "DECISION_ISSUED",
                "STATEMENT",
                name="noticetype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sender_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "SENT",
                "RECEIVED",
                "IN_PROGRESS",
                "CLOSED",
                "CANCELLED",
                name="noticestatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "CLIENT_REACHED",
                "CLIENT_NOT_REACHED",
                "ASSESSMENT_STARTED",
                "PLAN_MADE",
                "NO_ACTION_NEEDED",
                "TRANSFERRED",
                name="noticeoutcome",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_seq", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_by_sub", sa.String(length=200), nullable=False),
        sa.Column("responsible_name", sa.String(length=200), nullable=True),
        sa.Column("responsible_title", sa.String(length=200), nullable=True),
        sa.Column("responsible_phone", sa.String(length=64), nullable=True),
        sa.Column("responsible_email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_notices_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["organisations.id"],
            name=op.f("fk_notices_recipient_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["organisations.id"], name=op.f("fk_notices_sender_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "sender_id", "external_id", name=op.f("uq_notices_sender_id_external_id")
        ),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_client", ["client_id", "id"], unique=False)
        batch_op.create_index(
            "ix_notices_recipient", ["recipient_id", "status", "id"], unique=False
        )
        batch_op.create_index("ix_notices_sender", ["sender_id", "id"], unique=False)

    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "CLIENT_PLAN",
                "ACTIVATION_PLAN",
                "INDEPENDENCE_PLAN",
                "WORK_ABILITY_PLAN",
                name="plantype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "ACTIVE", "CLOSED", name="planstatus", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("kela_special_service_planned", sa.Boolean(), nullable=False),
        sa.Column("kela_special_service_note", sa.Text(), nullable=True),
        sa.Column("next_follow_up", sa.Date(), nullable=True),
        sa.Column("organiser_id", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by_sub", sa.String(length=200), nullable=False),
        sa.Column("saved_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_plan_versions_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisations.id"],
            name=op.f("fk_plan_versions_organiser_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint(
            "client_id", "version", name=op.f("uq_plan_versions_client_id_version")
        ),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column(
            "authority",
            sa.Enum("KELA", "WELLBEING_COUNTY", name="authority", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "BASIC",
                "BASIC_URGENT",
                "SUPPLEMENTARY",
                "PREVENTIVE",
                name="decisionkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "GRANTED",
                "PARTIALLY_GRANTED",
                "REJECTED",
                name="decisionoutcome",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("total_amount_cents", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=True),
        sa.Column("reduction_percent", sa.Integer(), nullable=True),
        sa.Column("reduction_grounds", sa.Text(), nullable=True),
        sa.Column("reduction_until", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_sub", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_decisions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_decisions_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["organisations.id"], name=op.f("fk_decisions_issuer_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "issuer_id", "external_id", name=op.f("uq_decisions_issuer_id_external_id")
        ),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_client", ["client_id", "id"], unique=False)

    op.create_table(
        "information_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_information_requests_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_requests")),
    )
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_information_requests_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "notice_moves",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "SENT",
                "RECEIVED",
                "IN_PROGRESS",
                "CLOSED",
                "CANCELLED",
                name="noticestatus",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "SENT",
                "RECEIVED",
                "IN_PROGRESS",
                "CLOSED",
                "CANCELLED",
                name="noticestatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "CLIENT_REACHED",
                "CLIENT_NOT_REACHED",
                "ASSESSMENT_STARTED",
                "PLAN_MADE",
                "NO_ACTION_NEEDED",
                "TRANSFERRED",
                name="noticeoutcome",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_sub", sa.String(length=200), nullable=False),
        sa.Column("by_name", sa.String(length=200), nullable=True),
        sa.Column("by_org", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_org"], ["organisations.id"], name=op.f("fk_notice_moves_by_org_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_moves_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_moves")),
    )
    with op.batch_alter_table("notice_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_moves_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "RENT_AGREEMENT",
                "BANK_STATEMENT",
                "INVOICE",
                "MEDICAL_STATEMENT",
                "SOCIAL_CARE_STATEMENT",
                "OTHER",
                name="attachmentkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_org", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by_sub", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_role", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("plan_version_id", sa.Uuid(), nullable=True),
        sa.Column("notice_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_attachments_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_attachments_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_attachments_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_attachments_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
            name=op.f("fk_attachments_plan_version_id_plan_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name=op.f("fk_attachments_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_org"],
            ["organisations.id"],
            name=op.f("fk_attachments_uploaded_by_org_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_client", ["client_id", "id"], unique=False)
        batch_op.create_index("ix_attachments_sha256", ["sha256"], unique=False)

    op.create_table(
        "decision_calculation_rows",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum("INCOME", "EXPENSE", name="calculationrowtype", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_calculation_rows_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_calculation_rows")),
    )
    with op.batch_alter_table("decision_calculation_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_calculation_rows_decision_id"), ["decision_id"], unique=False
        )

    op.create_table(
        "payment_commitments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=400), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_payment_commitments_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_commitments")),
    )
    with op.batch_alter_table("payment_commitments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_commitments_decision_id"), ["decision_id"], unique=False
        )

    op.create_table(
        "decision_attachments",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_decision_attachments_attachment_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_attachments_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint(
            "decision_id", "attachment_id", name=op.f("pk_decision_attachments")
        ),
    )
    op.create_table(
        "notice_attachments",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_notice_attachments_attachment_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_attachments_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("notice_id", "attachment_id", name=op.f("pk_notice_attachments")),
    )
    _seed_organisations()
    _install_append_only_guards()


def downgrade() -> None:
    _drop_append_only_guards()
    op.drop_table("notice_attachments")
    op.drop_table("decision_attachments")
    with op.batch_alter_table("payment_commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_commitments_decision_id"))

    op.drop_table("payment_commitments")
    with op.batch_alter_table("decision_calculation_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_calculation_rows_decision_id"))

    op.drop_table("decision_calculation_rows")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_sha256")
        batch_op.drop_index("ix_attachments_client")

    op.drop_table("attachments")
    with op.batch_alter_table("notice_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_moves_notice_id"))

    op.drop_table("notice_moves")
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_requests_application_id"))

    op.drop_table("information_requests")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_client")

    op.drop_table("decisions")
    op.drop_table("plan_versions")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_sender")
        batch_op.drop_index("ix_notices_recipient")
        batch_op.drop_index("ix_notices_client")

    op.drop_table("notices")
    op.drop_table("ledger_heads")
    with op.batch_alter_table("guardianships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardianships_ward_id"))
        batch_op.drop_index("ix_guardianships_guardian")

    op.drop_table("guardianships")
    op.drop_table("contact_persons")
    op.drop_table("consent_rules")
    op.drop_table("consent_events")
    with op.batch_alter_table("client_digital_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_client_digital_profiles_client")

    op.drop_table("client_digital_profiles")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_client_id"))

    op.drop_table("applications")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_organiser_id"))
        batch_op.drop_index(batch_op.f("ix_clients_search_name"))

    op.drop_table("clients")
    op.drop_table("organisations")
    op.drop_table("blobs")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_org")
        batch_op.drop_index("ix_access_log_client")

    op.drop_table("access_log")


APPEND_ONLY = ("consent_events", "access_log")
REPLACE_KEYS = {
    "consent_events": "id = NEW.id OR (client_id = NEW.client_id AND seq = NEW.seq) OR hash = NEW.hash",
    "access_log": "id = NEW.id",
}
ORGANISATIONS = Path(__file__).resolve().parents[2] / "data" / "organisations.csv"


def _seed_organisations() -> None:
    table = sa.table(
        "organisations",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("name_fi", sa.String),
        sa.column("name_sv", sa.String),
    )
    with ORGANISATIONS.open(encoding="utf-8", newline="") as source:
        op.bulk_insert(table, list(csv.DictReader(source)))


def _install_append_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION infocap_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'infocap: % on % is refused: the table is append-only',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION infocap_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION infocap_refuse_change()"
            )
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
        return
    # SQLite has no TRUNCATE: "DELETE FROM t" is its truncate, and a DELETE trigger
    # turns that optimisation off, so the trigger below refuses it too.
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'infocap: {operation} on {table} is refused: "
                "the table is append-only'); END"
            )
        # INSERT OR REPLACE deletes the row in its way without firing DELETE triggers
        # (unless recursive_triggers is on): refuse any insert that meets an existing key.
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {REPLACE_KEYS[table]}) "
            f"BEGIN SELECT RAISE(ABORT, 'infocap: REPLACE on {table} is refused: "
            "the table is append-only'); END"
        )


def _drop_append_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS infocap_refuse_change()")
        return
    for table in APPEND_ONLY:
        for operation in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
