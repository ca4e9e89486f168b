"""The NinjaAPI instance: every answer is HTTP 200 with the envelope, errors included."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from bizlink.api.auth import AccessToken
from bizlink.api.errors import (
    NOT_EXIST,
    OK,
    PARAM_ERROR,
    PERMISSION_ERROR,
    SYS_ERROR,
    ApiError,
)
from bizlink.api.wire import envelope
from bizlink.core.errors import InvalidInput, NotFound, Refused
from bizlink.policy import deciding_many
from bizlink.sandbox import actions as sandbox_actions
from bizlink.sandbox import queries as sandbox_queries


class Envelope(Schema):
    code: int
    message: str
    request_id: str
    data: dict[str, Any]


api = NinjaAPI(
    title="bizlink Business API",
    version="1.3",
    description=(
        "A local stand-in for the TikTok Business API v1.3 (Business Center, members, assets, "
        "partners, TikTok account and identity links), compatible with the official SDK "
        "`business_api_client`. Every answer is HTTP 200 with `{code, message, request_id, "
        "data}`; `code` 0 is success."
    ),
    auth=AccessToken(),
    urls_namespace="open_api",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)


class Answer(dict[str, Any]):
    """An envelope built by `answer`: {code, message, request_id, data}, `Envelope` by
    construction."""


def _run_call(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every operation, as ninja calls it after parsing its parameters:

    - a read (GET) decides with its shared facts read once (`policy.deciding_many`): e.g.
      bc/asset/get's membership and admin checks are one statement. The memo ends with the
      call, so the next call reads the links tables again and sees a removal committed just
      before;
    - an `Answer` is rendered as it is, like the error envelopes (`_reply`): validating it
      against `Envelope` again (ninja's response model, which still documents it) only copied
      a dict that `answer` built with those four fields."""

    @functools.wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "GET":
            with deciding_many():
                result = view(request, *args, **kwargs)
        else:
            result = view(request, *args, **kwargs)
        if isinstance(result, Answer):
            return api.create_response(request, result, status=200)
        return result

    return run


api.add_decorator(_run_call)


def _params(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":
        return dict(_masked({k: request.GET.get(k) for k in request.GET}))
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {"_raw": request.body[:2000].decode("utf-8", "replace")}
    if isinstance(body, dict):
        return dict(_masked(body))
    return {"_body": body}


# Never keep secrets or live credentials in the request log (the answer itself is untouched).
SECRET_KEYS = frozenset(
    {"secret", "client_secret", "access_token", "refresh_token", "auth_code", "code_verifier"}
)


# An event's `user` (Events API): hashed or not, personal data stays out of the log.
PERSONAL_KEYS = frozenset({"email", "phone", "external_id"})


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("user"), dict):
            value = {
                **value,
                "user": {k: "***" if k in PERSONAL_KEYS else v for k, v in value["user"].items()},
            }
        return {k: "***" if k in SECRET_KEYS else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def answer(request: HttpRequest, code: int, message: str, data: Any = None) -> Answer:
    """Build the envelope and append the call to the sandbox request log."""
    body = Answer(envelope(request, code, message, data))
    if not sandbox_queries.logging_requests():
        return body  # no log: skip masking the parameters and the answer too
    caller = getattr(request, "api_caller", None)
    sandbox_actions.log_request(
        request_id=body["request_id"],
        method=request.method or "",
        path=request.path[:200],
        params=_params(request),
        status=200,
        code=code,
        message=message[:500],
        envelope=_masked(body),
        app_id=caller.app.pk if caller else None,
        app_name=caller.app.name if caller else "",
        user_id=caller.user.pk if caller else None,
    )
    return body


def ok(request: HttpRequest, data: Any = None) -> dict[str, Any]:
    return answer(request, OK, "OK", data)


def ok_ended(request: HttpRequest, ended: Any) -> dict[str, Any]:
    """The answer of every unlink: its change id (see changelog/get) and how many links ended."""
    return ok(request, {"change_id": str(ended.change_id), "ended_links": ended.count})


def _reply(request: HttpRequest, code: int, message: str) -> HttpResponse:
    return api.create_response(request, answer(request, code, message), status=200)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _reply(request, exc.code, exc.message)


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    prefix = f"{exc.field}: " if exc.field else ""
    return _reply(request, PARAM_ERROR, prefix + exc.message)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _reply(request, NOT_EXIST, f"{exc} Check the id, and that this token's user can see it.")


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    decision = exc.decision
    return _reply(
        request, PERMISSION_ERROR, " ".join(p for p in (decision.reason, decision.remedy) if p)
    )


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())[1:] if p != "body") or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return _reply(request, PARAM_ERROR, "Fix the request: " + "; ".join(problems) + ".")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _reply(request, 40104, "The Access-Token header is missing.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _reply(request, PARAM_ERROR, str(exc))


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    import logging

    logging.getLogger("bizlink.api").exception("API call failed")
    return _reply(request, SYS_ERROR, "Internal error; the request changed nothing. Retry later.")
