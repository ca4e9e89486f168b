"""The sandbox request log stores whatever a client sent, on any database, without failing."""

from __future__ import annotations

import pytest
from django.test import override_settings

from bizlink.sandbox.actions import log_request
from bizlink.sandbox.models import ApiRequest

pytestmark = pytest.mark.django_db

NASTY = {
    "\\u0000": [-1.4e-45, True],  # a backslash-u key, as schemathesis once sent
    "nul\x00key": "nul\x00value",
    "lone\udb26surrogate": ["\ud8ce", {"nested\\": "\\\\u0000"}],
    "nan": float("nan"),
    "1000": -3423,
}


@override_settings(SANDBOX_MODE=True)
def test_any_json_the_client_sent_is_logged() -> None:
    log_request(
        request_id="r1",
        method="POST",
        path="/open_api/v1.3/bc/partner/add/",
        params=NASTY,
        status=200,
        code=40002,
        message="bc_id must be a numeric ID",
        envelope={"code": 40002, "data": {}},
    )
    row = ApiRequest.objects.get(request_id="r1")
    assert row.params["\\u0000"] == [-1.4e-45, True]
    assert row.params["nulkey"] == "nulvalue"
    assert row.params["lone?surrogate"][1] == {"nested\\": "\\\\u0000"}
    assert row.params["nan"] == "nan" and row.params["1000"] == -3423
