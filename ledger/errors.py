"""Errors of the ledger. Each carries a stable ``code`` that the API shows as-is.

LedgerError
├── InvalidEvent      (BAD_USER_INPUT)  unknown category or organisation, bad dates, bad target
├── InvalidLogRequest (BAD_USER_INPUT)  a tree size or log index the log cannot answer for
├── EventConflict     (CONFLICT)        the event contradicts the chain: withdrawing a grant
│                                       that is not active, lifting a prohibition not in force
├── NotCheckpointed   (CONFLICT)        no receipt yet: the event is in no checkpoint
├── LogUnavailable    (LOG_UNAVAILABLE) no ledger key or origin is configured
└── LedgerBroken      (LEDGER_BROKEN)   the stored ledger or log does not verify, so nothing
                                        is signed: an alarm for the operator and the dpo
"""


class LedgerError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidEvent(LedgerError):
    code = "BAD_USER_INPUT"


class EventConflict(LedgerError):
    code = "CONFLICT"


class InvalidLogRequest(LedgerError):
    code = "BAD_USER_INPUT"


class NotCheckpointed(LedgerError):
    code = "CONFLICT"


class LogUnavailable(LedgerError):
    code = "LOG_UNAVAILABLE"


class LedgerBroken(LedgerError):
    code = "LEDGER_BROKEN"
