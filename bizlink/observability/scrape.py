"""Who may read /metrics: this machine, or a scraper that presents the bearer token.

Metrics name routes and volumes, so they are not public. A request is allowed when it carries
`Authorization: Bearer <METRICS_TOKEN>` (compared in constant time; no token configured means
no token works), or when METRICS_ALLOW_LOCALHOST is on and it comes straight from a loopback
address: a request relayed by a proxy (X-Forwarded-For / Forwarded present) is not "local",
since behind a proxy on the same machine everyone would look local.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def has_token(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def is_local(request: HttpRequest) -> bool:
    if any(request.headers.get(h) for h in PROXY_HEADERS):
        return False
    return _is_loopback(request.META.get("REMOTE_ADDR", ""))


def may_scrape(request: HttpRequest) -> bool:
    return has_token(request) or (settings.METRICS_ALLOW_LOCALHOST and is_local(request))
