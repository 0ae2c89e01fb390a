"""The tables, one module per concept; importing this package registers them all."""

from schema.models.access_log import AccessLogEntry
from schema.models.application import Application, InformationRequest
from schema.models.attachment import Attachment, Blob
from schema.models.change import Change, ChangeSequencer
from schema.models.client import (
    Client,
    ClientFactChange,
    ClientRelationship,
    ContactPerson,
    DigitalProfile,
    PersonalIdIndex,
)
from schema.models.consent import ConsentEvent, ConsentRule, LedgerHead
from schema.models.decision import CalculationRow, Decision, DecisionAttachment, PaymentCommitment
from schema.models.guardianship import Guardianship
from schema.models.idempotency import IdempotencyKey
from schema.models.ledger_log import (
    IntegratorLock,
    LogCheckpoint,
    LogCosignature,
    LogEntry,
    LogNode,
)
from schema.models.notice import Notice, NoticeAttachment, NoticeMove
from schema.models.organisation import Organisation
from schema.models.plan import PlanVersion
from schema.models.policy_change import PolicyChange

__all__ = [
    "AccessLogEntry",
    "Application",
    "Attachment",
    "Blob",
    "CalculationRow",
    "Change",
    "ChangeSequencer",
    "Client",
    "ClientFactChange",
    "ClientRelationship",
    "ConsentEvent",
    "ConsentRule",
    "ContactPerson",
    "Decision",
    "DecisionAttachment",
    "DigitalProfile",
    "Guardianship",
    "IdempotencyKey",
    "InformationRequest",
    "IntegratorLock",
    "LedgerHead",
    "LogCheckpoint",
    "LogCosignature",
    "LogEntry",
    "LogNode",
    "Notice",
    "NoticeAttachment",
    "NoticeMove",
    "Organisation",
    "PaymentCommitment",
    "PersonalIdIndex",
    "PlanVersion",
    "PolicyChange",
]
