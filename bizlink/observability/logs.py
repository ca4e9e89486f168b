"""Structured logs with structlog: JSON lines in production, readable lines in development.

Every line (ours and those of Django and libraries, through the stdlib bridge) carries the
request id of the request being served (`core.request_context`), a UTC timestamp and the level,
and goes through `redact_secrets` last, so a client secret, webhook secret, TOTP key, token or
password never reaches a log line, whatever the key it was logged under or the sentence it hid in.

Settings build `LOGGING` with `logging_config(...)`; `configure()` (called from the app's
`ready`) sets structlog up to hand its events to that stdlib configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from bizlink.core import request_context

REDACTED = "[REDACTED]"

# Keys whose value is always a secret (compared lower-case, '-' read as '_').
SECRET_KEYS = frozenset(
    {
        "password",
        "password1",
        "password2",
        "old_password",
        "new_password",
        "new_password1",
        "new_password2",
        "secret",
        "secret_key",
        "client_secret",
        "webhook_secret",
        "signing_secret",
        "totp",
        "totp_key",
        "totp_secret",
        "otp_secret",
        "otp_token",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "bearer",
        "authorization",
        "http_authorization",
        "proxy_authorization",
        "cookie",
        "http_cookie",
        "set_cookie",
        "sessionid",
        "session_key",
        "csrftoken",
        "csrfmiddlewaretoken",
        "api_key",
        "authorization_code",
        "code_verifier",
        "private_key",
        "metrics_token",
    }
)
# ... and any key that ends like one of these (e.g. "app_client_secret", "stripe_api_key").
SECRET_SUFFIXES = ("_secret", "_token", "_password", "_api_key", "_private_key", "_totp_key")

# Secrets inside free text: a webhook secret, a bearer or basic credential, and key=value pairs
# (query strings, form bodies, repr output) whose key is a secret.
_KEY_WORDS = (
    r"client_secret|webhook_secret|secret|access_token|refresh_token|id_token|token|password"
    r"|passwd|totp_key|totp_secret|otp_secret|code_verifier|api_key|sessionid|csrftoken"
)
SECRET_PATTERNS = (
    re.compile(r"whsec_[A-Za-z0-9+/=_-]+"),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(rf"(?i)(['\"]?\b(?:{_KEY_WORDS})\b['\"]?\s*[=:]\s*)(['\"]?)[^\s&'\",;}}]+"),
)


def _normalized(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def is_secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    name = _normalized(key)
    return name in SECRET_KEYS or name.endswith(SECRET_SUFFIXES)


def redact_text(text: str) -> str:
    """Mask secrets that appear inside a sentence, a URL or a traceback."""
    text = SECRET_PATTERNS[0].sub(REDACTED, text)
    text = SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def redact(value: Any, depth: int = 0) -> Any:
    """A copy of `value` with every secret masked: by key in mappings, by pattern in text."""
    if depth > 8:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if is_secret_key(k) and v not in (None, "") else redact(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, tuple):
        return tuple(redact(v, depth + 1) for v in value)
    if isinstance(value, list | set | frozenset):
        return [redact(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray):
        return redact_text(bytes(value).decode("utf-8", "replace"))
    return value


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: runs last before rendering, over the whole event."""
    redacted: MutableMapping[str, Any] = redact(dict(event_dict))
    return redacted


def add_request_id(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The id of the request being served (X-Request-ID), when there is one."""
    rid = request_context.current()
    if rid and "request_id" not in event_dict:
        event_dict["request_id"] = rid
    return event_dict


def _drop_stdlib_noise(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # Django's request logger attaches the request object and the status as extras.
    event_dict.pop("request", None)
    event_dict.pop("_from_structlog", None)
    event_dict.pop("_record", None)
    if event_dict.get("message") == event_dict.get("event"):
        event_dict.pop("message", None)
    return event_dict


def shared_processors() -> list[Any]:
    """What every line gets, whether it was logged with structlog or the stdlib."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        add_request_id,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def renderer_processors(fmt: str) -> list[Any]:
    """The tail of the chain: format exceptions as text, redact, render."""
    tail: list[Any] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        _drop_stdlib_noise,
        structlog.processors.format_exc_info,
        redact_secrets,
    ]
    if fmt == "json":
        tail.append(structlog.processors.JSONRenderer(default=str, sort_keys=False))
    else:
        tail.append(
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        )
    return tail


def logging_config(fmt: str = "json", level: str = "INFO") -> dict[str, Any]:
    """The `LOGGING` setting: one console handler whose formatter renders through structlog."""
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'console', not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": renderer_processors(fmt),
                "foreign_pre_chain": [
                    *shared_processors(),
                    structlog.stdlib.ExtraAdder(),
                ],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structlog"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Listed so Django's default handlers on "django" are dropped: one line per event.
            "django": {"level": level},
            "django.db.backends": {"level": "INFO"},
            # runserver's own access line; RequestLogMiddleware writes a structured one.
            "django.server": {"level": "WARNING"},
        },
    }


def configure() -> None:
    """structlog hands each event to the stdlib logger of the same name (see logging_config)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)


__all__ = [
    "REDACTED",
    "configure",
    "get_logger",
    "logging_config",
    "redact",
    "redact_secrets",
    "redact_text",
]
