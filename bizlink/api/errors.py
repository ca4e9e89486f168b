"""The Business API's numeric codes (the SDK's `NumericErrorCodes`) and the error carrying one."""

from __future__ import annotations

OK = 0
PERMISSION_ERROR = 40001
PARAM_ERROR = 40002
NOT_EXIST = 40007
REQUEST_TOO_FREQUENT = 40100
INVALID_PARTNER = 40101
ACCESS_TOKEN_EXPIRE = 40102
EMPTY_ACCESS_TOKEN = 40104
INVALID_ACCESS_TOKEN = 40105
SCOPE_NOT_AUTHORIZED = 40130
ROUTE_NOT_FOUND = 40400
SYS_ERROR = 50000


class ApiError(Exception):
    """Answered as HTTP 200 with this code and message in the envelope."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
