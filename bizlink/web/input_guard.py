"""Refuse form and query input that no field can hold, before any view sees it.

A NUL character (U+0000) fits no text column on PostgreSQL (psycopg raises DataError) and means
nothing in any bizlink field, so a request carrying one in a form field or query parameter gets
a 400 page that says so; nothing is read or written. Found by tests/fuzz/test_web_forms.py. The
Business API (/open_api/) validates its own input and answers in its envelope.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MESSAGE = (
    "The form contained a NUL character (\\0), which no field accepts. "
    "Remove it and send the form again; nothing was saved."
)


def carries_nul(request: HttpRequest) -> bool:
    for query in (request.GET, request.POST if request.method == "POST" else None):
        if query is None:
            continue
        for key, values in query.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


class RejectNulInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/open_api/") and carries_nul(request):
            return render(request, "web/errors/bad_input.html", {"message": MESSAGE}, status=400)
        return self.get_response(request)
