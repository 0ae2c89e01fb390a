"""The domain's enums as GraphQL enums (same names, same values)."""

from enum import StrEnum

import strawberry

from authz.basis import RedactionReason
from graph.domain.notices import TrafficLight
from schema import enums

for _enum in (
    enums.OrganisationType,
    enums.Role,
    enums.DataCategory,
    enums.Language,
    enums.GuardianshipKind,
    enums.PlanType,
    enums.PlanStatus,
    enums.MeasureStatus,
    enums.AssessmentStatus,
    enums.ApplicationChannel,
    enums.ApplicationStatus,
    enums.Authority,
    enums.DecisionKind,
    enums.DecisionOutcome,
    enums.CalculationRowType,
    enums.AttachmentKind,
    enums.NoticeType,
    enums.NoticeStatus,
    enums.NoticeOutcome,
    enums.ConsentEventType,
    enums.ConsentMethod,
    enums.RowType,
    enums.RelationshipOrigin,
    enums.AccessAction,
    enums.ChangeEntity,
    enums.ChangeOp,
    RedactionReason,
    TrafficLight,
):
    strawberry.enum(_enum)


@strawberry.enum
class Basis(StrEnum):
    """The grounds on which a field was disclosed; ``REGISTRATION`` for registering a
    client or opening a client relationship with one."""

    SELF = "SELF"
    GUARDIANSHIP = "GUARDIANSHIP"
    OWN = "OWN"
    STATUTORY = "STATUTORY"
    CONSENT = "CONSENT"
    REGISTRATION = "REGISTRATION"
