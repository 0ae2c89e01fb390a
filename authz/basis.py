"""The grounds on which a field may be disclosed (``docs/access.md``)."""

from enum import StrEnum


class Basis(StrEnum):
    SELF = "SELF"
    GUARDIANSHIP = "GUARDIANSHIP"
    OWN = "OWN"
    STATUTORY = "STATUTORY"
    CONSENT = "CONSENT"
    DENY = "DENY"
    REGISTRATION = "REGISTRATION"
    """Not a policy basis: the access log's basis for registering a client, or opening a
    client relationship with one (``docs/access.md``)."""


# The bases a line of the policy file may name.
POLICY_BASES = frozenset(Basis) - {Basis.REGISTRATION}


class RedactionReason(StrEnum):
    NOT_PERMITTED = "NOT_PERMITTED"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    PROTECTED_IDENTITY = "PROTECTED_IDENTITY"


# When several of a principal's roles allow a field, the log names the strongest basis.
PRECEDENCE = (Basis.SELF, Basis.GUARDIANSHIP, Basis.STATUTORY, Basis.OWN, Basis.CONSENT)
