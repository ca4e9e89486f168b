"""The id of the request being served, so every audit row can say which request made it.

`RequestIdMiddleware` takes a sane incoming `X-Request-ID` (from a proxy or an API client) or
makes one, keeps it in a context variable for the request's duration, and echoes it in the
response. `AuditEvent.request_id` defaults to `current()`; the set-based unlink passes it
explicitly. Outside a request (worker, CLI) it is empty.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
HEADER = "X-Request-ID"


def current() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if SANE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = _request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = rid
        return response
