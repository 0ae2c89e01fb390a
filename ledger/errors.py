"""Errors of the ledger. Each carries a stable ``code`` that the API shows as-is.

LedgerError
├── InvalidEvent      (BAD_USER_INPUT)  unknown category or organisation, bad dates, bad target
└── EventConflict     (CONFLICT)        the event contradicts the chain: withdrawing a grant
                                        that is not active, lifting a prohibition not in force
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
