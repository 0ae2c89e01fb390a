"""Errors of authentication and authorisation. Each carries a stable ``code``.

AuthzError
├── Unauthenticated   (UNAUTHENTICATED)  no token, or a token that does not verify
└── Forbidden         (FORBIDDEN)        roles that don't fit the organisation; a write
                                         the policy refuses

A token's refusal also names the ``check`` that failed (``authz/authn.py``), for the
operator's log and counters; the caller is told only the code and a short message.
"""


class AuthzError(Exception):
    code = "FORBIDDEN"

    def __init__(self, message: str, *, check: str = "policy") -> None:
        super().__init__(message)
        self.message = message
        self.check = check


class Unauthenticated(AuthzError):
    code = "UNAUTHENTICATED"


class Forbidden(AuthzError):
    code = "FORBIDDEN"
