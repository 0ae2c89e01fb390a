"""Errors of authentication and authorisation. Each carries a stable ``code``.

AuthzError
├── Unauthenticated   (UNAUTHENTICATED)  no token, or a token that does not verify
└── Forbidden         (FORBIDDEN)        roles that don't fit the organisation; a write
                                         the policy refuses
"""


class AuthzError(Exception):
    code = "FORBIDDEN"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AuthzError):
    code = "UNAUTHENTICATED"


class Forbidden(AuthzError):
    code = "FORBIDDEN"
