"""Fixtures: the demo tenant with a pixel of @maya.bakes's shop synced to "Sunrise Main"."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.pixels import actions
from bizlink.pixels.models import Pixel, SyncBinding


@dataclass
class Shop:
    demo: Demo
    pixel: Pixel
    main: SyncBinding


@pytest.fixture
def shop(demo: Demo) -> Shop:
    ben = demo.users["ben"]
    pixel = Pixel.objects.filter(name="Maya Bakes shop", business=demo.sunrise).first()
    if pixel is None:
        pixel = actions.create_pixel(
            ben, demo.sunrise, name="Maya Bakes shop", account=demo.accounts["maya.bakes"]
        )
    main = SyncBinding.objects.filter(pixel=pixel, ad_account=demo.ad_accounts["main"]).first()
    if main is None:
        main = actions.link_pixel(ben, pixel, demo.ad_accounts["main"])
    return Shop(demo=demo, pixel=pixel, main=main)


def sha(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def event(event_id: str, name: str = "CompletePayment", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": name,
        "event_id": event_id,
        "event_time": int(clock.now().timestamp()),
        "user": {"email": sha("buyer@example.com")},
        "properties": {"value": 12.5, "currency": "USD", "contents": [{"content_id": "cake-1"}]},
    }
    body.update(extra)
    return body


def api_post(client: Client, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"/open_api/v1.3/{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Access-Token": token},
    )
    assert response.status_code == 200
    return dict(response.json())


def api_get(client: Client, token: str, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/open_api/v1.3/{path}", params, headers={"Access-Token": token})
    assert response.status_code == 200
    return dict(response.json())


def hours_ago(hours: float) -> dt.datetime:
    return clock.now() - dt.timedelta(hours=hours)
