"""The closed vocabularies stored in the database and exposed by the API.

Values equal names, so a value read from a row, a token, a CSV file or a GraphQL
enum is the same string everywhere.
"""

from enum import StrEnum


class OrganisationType(StrEnum):
    KELA = "KELA"
    WELLBEING_COUNTY = "WELLBEING_COUNTY"
    MUNICIPALITY = "MUNICIPALITY"


class Role(StrEnum):
    kela_handler = "kela_handler"
    kela_advisor = "kela_advisor"
    social_worker = "social_worker"
    social_counsellor = "social_counsellor"
    guardian = "guardian"
    client = "client"
    dpo = "dpo"


class DataCategory(StrEnum):
    IDENTITY = "IDENTITY"
    PERSONAL_ID = "PERSONAL_ID"
    CONTACT = "CONTACT"
    PLAN = "PLAN"
    LIFE_ECONOMY = "LIFE_ECONOMY"
    LIFE_FAMILY = "LIFE_FAMILY"
    LIFE_HEALTH = "LIFE_HEALTH"
    LIFE_HOUSING = "LIFE_HOUSING"
    APPLICATION = "APPLICATION"
    KELA_DECISION = "KELA_DECISION"
    KELA_CALCULATION = "KELA_CALCULATION"
    WC_DECISION = "WC_DECISION"
    ATTACHMENT = "ATTACHMENT"
    HEALTH_ATTACHMENT = "HEALTH_ATTACHMENT"
    NOTICE = "NOTICE"
    NOTICE_DETAIL = "NOTICE_DETAIL"
    CONSENT = "CONSENT"
    ACCESS_LOG = "ACCESS_LOG"


class Language(StrEnum):
    FI = "FI"
    SV = "SV"
    SE = "SE"
    EN = "EN"
    OTHER = "OTHER"


class GuardianshipKind(StrEnum):
    PARENT_OF_MINOR = "PARENT_OF_MINOR"
    GUARDIAN_FULL = "GUARDIAN_FULL"
    GUARDIAN_ECONOMIC = "GUARDIAN_ECONOMIC"


class PlanType(StrEnum):
    CLIENT_PLAN = "CLIENT_PLAN"
    ACTIVATION_PLAN = "ACTIVATION_PLAN"
    INDEPENDENCE_PLAN = "INDEPENDENCE_PLAN"
    WORK_ABILITY_PLAN = "WORK_ABILITY_PLAN"


class PlanStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class MeasureStatus(StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class AssessmentStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class ApplicationChannel(StrEnum):
    ONLINE = "ONLINE"
    GUIDED = "GUIDED"
    PAPER = "PAPER"
    PHONE = "PHONE"


class ApplicationStatus(StrEnum):
    RECEIVED = "RECEIVED"
    IN_PROCESSING = "IN_PROCESSING"
    WAITING_FOR_INFORMATION = "WAITING_FOR_INFORMATION"
    DECIDED = "DECIDED"


class Authority(StrEnum):
    KELA = "KELA"
    WELLBEING_COUNTY = "WELLBEING_COUNTY"


class DecisionKind(StrEnum):
    BASIC = "BASIC"
    BASIC_URGENT = "BASIC_URGENT"
    SUPPLEMENTARY = "SUPPLEMENTARY"
    PREVENTIVE = "PREVENTIVE"


class DecisionOutcome(StrEnum):
    GRANTED = "GRANTED"
    PARTIALLY_GRANTED = "PARTIALLY_GRANTED"
    REJECTED = "REJECTED"


class CalculationRowType(StrEnum):
    INCOME = "INCOME"
    EXPENSE = "EXPENSE"


class AttachmentKind(StrEnum):
    RENT_AGREEMENT = "RENT_AGREEMENT"
    BANK_STATEMENT = "BANK_STATEMENT"
    INVOICE = "INVOICE"
    MEDICAL_STATEMENT = "MEDICAL_STATEMENT"
    SOCIAL_CARE_STATEMENT = "SOCIAL_CARE_STATEMENT"
    OTHER = "OTHER"


class NoticeType(StrEnum):
    APPLICATION_TRANSFER = "APPLICATION_TRANSFER"
    SERVICE_NEED_ASSESSMENT_REQUEST = "SERVICE_NEED_ASSESSMENT_REQUEST"
    CONCERN_NOTICE = "CONCERN_NOTICE"
    BASIC_AMOUNT_REDUCTION = "BASIC_AMOUNT_REDUCTION"
    LONG_TERM_RECIPIENT = "LONG_TERM_RECIPIENT"
    URGENCY_ASSESSMENT = "URGENCY_ASSESSMENT"
    PLAN_SHARED = "PLAN_SHARED"
    DECISION_ISSUED = "DECISION_ISSUED"
    STATEMENT = "STATEMENT"


class NoticeStatus(StrEnum):
    SENT = "SENT"
    RECEIVED = "RECEIVED"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class NoticeOutcome(StrEnum):
    CLIENT_REACHED = "CLIENT_REACHED"
    CLIENT_NOT_REACHED = "CLIENT_NOT_REACHED"
    ASSESSMENT_STARTED = "ASSESSMENT_STARTED"
    PLAN_MADE = "PLAN_MADE"
    NO_ACTION_NEEDED = "NO_ACTION_NEEDED"
    TRANSFERRED = "TRANSFERRED"


class ConsentEventType(StrEnum):
    INFORMED = "INFORMED"
    GRANT = "GRANT"
    WITHDRAW = "WITHDRAW"
    PROHIBIT = "PROHIBIT"
    LIFT_PROHIBITION = "LIFT_PROHIBITION"


class ConsentMethod(StrEnum):
    ELECTRONIC = "ELECTRONIC"
    WRITTEN = "WRITTEN"
    ORAL = "ORAL"


class RowType(StrEnum):
    """Rows a prohibition can name one by one."""

    APPLICATION = "APPLICATION"
    DECISION = "DECISION"
    ATTACHMENT = "ATTACHMENT"
    NOTICE = "NOTICE"


class RelationshipOrigin(StrEnum):
    """How a client relationship was opened."""

    RESPONSIBLE = "RESPONSIBLE"
    """As the client's responsible organiser: registering a new client, or a change of
    organiser (and every client's first relationship, recorded by migration 0002)."""
    REGISTRATION = "REGISTRATION"
    """By registering a personal identity code that already was a client."""


class AccessAction(StrEnum):
    READ = "READ"
    WRITE = "WRITE"


class ChangeEntity(StrEnum):
    """What a change-feed item is about (``schema/change_capture.py`` writes these)."""

    CLIENT = "CLIENT"
    PLAN = "PLAN"
    APPLICATION = "APPLICATION"
    DECISION = "DECISION"
    ATTACHMENT = "ATTACHMENT"
    NOTICE = "NOTICE"
    CONSENT_EVENT = "CONSENT_EVENT"


class ChangeOp(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
