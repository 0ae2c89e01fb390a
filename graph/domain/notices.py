"""Notice types and the notice lifecycle (``docs/domain.md``). Pure; no I/O.

    SENT → RECEIVED → IN_PROGRESS → CLOSED (with an outcome)     moved by the recipient
    SENT | RECEIVED → CANCELLED                                  by the sender

Any other transition is refused.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schema.enums import DataCategory, NoticeOutcome, NoticeStatus, NoticeType


class Direction(StrEnum):
    KELA_TO_ORGANISER = "KELA_TO_ORGANISER"
    ORGANISER_TO_KELA = "ORGANISER_TO_KELA"


class Party(StrEnum):
    SENDER = "SENDER"
    RECIPIENT = "RECIPIENT"


class TrafficLight(StrEnum):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"


@dataclass(frozen=True)
class NoticeRule:
    direction: Direction
    due_working_days: int
    consent_category: DataCategory | None = None
    """For types that need consent: the category a grant to the recipient must cover."""

    @property
    def needs_consent(self) -> bool:
        return self.consent_category is not None


_K, _O = Direction.KELA_TO_ORGANISER, Direction.ORGANISER_TO_KELA
RULES: dict[NoticeType, NoticeRule] = {
    NoticeType.APPLICATION_TRANSFER: NoticeRule(_K, 7),
    NoticeType.SERVICE_NEED_ASSESSMENT_REQUEST: NoticeRule(_K, 7, DataCategory.NOTICE_DETAIL),
    NoticeType.CONCERN_NOTICE: NoticeRule(_K, 1),
    NoticeType.BASIC_AMOUNT_REDUCTION: NoticeRule(_K, 7),
    NoticeType.LONG_TERM_RECIPIENT: NoticeRule(_K, 14),
    NoticeType.URGENCY_ASSESSMENT: NoticeRule(_K, 1),
    NoticeType.PLAN_SHARED: NoticeRule(_O, 7, DataCategory.PLAN),
    NoticeType.DECISION_ISSUED: NoticeRule(_O, 7),
    NoticeType.STATEMENT: NoticeRule(_O, 7),
}

TRANSITIONS: dict[tuple[NoticeStatus, NoticeStatus], Party] = {
    (NoticeStatus.SENT, NoticeStatus.RECEIVED): Party.RECIPIENT,
    (NoticeStatus.RECEIVED, NoticeStatus.IN_PROGRESS): Party.RECIPIENT,
    (NoticeStatus.IN_PROGRESS, NoticeStatus.CLOSED): Party.RECIPIENT,
    (NoticeStatus.SENT, NoticeStatus.CANCELLED): Party.SENDER,
    (NoticeStatus.RECEIVED, NoticeStatus.CANCELLED): Party.SENDER,
}

OPEN = frozenset({NoticeStatus.SENT, NoticeStatus.RECEIVED, NoticeStatus.IN_PROGRESS})


class TransitionRefused(ValueError):
    """The move is not one of the lifecycle's."""


class OutcomeMismatch(ValueError):
    """An outcome missing on CLOSED, or given on another move."""


def mover(current: NoticeStatus, to: NoticeStatus, outcome: NoticeOutcome | None) -> Party:
    """The party that may make this move, or ``TransitionRefused`` saying why not."""
    party = TRANSITIONS.get((current, to))
    if party is None:
        allowed = sorted(t.value for (f, t) in TRANSITIONS if f == current)
        hint = f"; from {current.value} a notice can go to {', '.join(allowed)}" if allowed else ""
        raise TransitionRefused(f"a notice cannot go from {current.value} to {to.value}{hint}")
    if (to == NoticeStatus.CLOSED) != (outcome is not None):
        raise OutcomeMismatch("an outcome is given when, and only when, a notice is closed")
    return party


def timeliness(
    status: NoticeStatus, sent_at: datetime, due_at: datetime, now: datetime
) -> tuple[bool, TrafficLight | None]:
    """``overdue`` and the traffic light of a notice; closed and cancelled ones have none."""
    if status not in OPEN:
        return False, None
    if now > due_at:
        return True, TrafficLight.RED
    half = sent_at + (due_at - sent_at) / 2
    return False, TrafficLight.YELLOW if now >= half else TrafficLight.GREEN
