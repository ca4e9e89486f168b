"""A NUL character in any form field or query parameter is refused with a clear 400 page."""

from __future__ import annotations

from django.test import Client

from bizlink.businesses.models import BusinessCenter
from bizlink.demo.data import Demo
from tests.web.pages import page


def test_a_nul_character_in_a_form_is_refused_and_nothing_is_created(demo: Demo) -> None:
    client = Client()
    client.force_login(demo.users["olivia"])
    before = BusinessCenter.objects.count()
    response = client.post("/business/new/", {"name": "Nul\x00 Bakery"})
    assert response.status_code == 400
    shown = page(response)
    assert "NUL character" in shown.by_testid("bad-input").text
    assert BusinessCenter.objects.count() == before
    # The same form without the NUL works, so the refusal above was about the NUL.
    assert client.post("/business/new/", {"name": "Nul Bakery"}).status_code == 302
    assert BusinessCenter.objects.count() == before + 1


def test_a_nul_in_a_query_parameter_or_a_field_name_is_refused(demo: Demo) -> None:
    client = Client()
    client.force_login(demo.users["ben"])
    assert client.get("/business/", {"q": "a\x00"}).status_code == 400
    assert client.post("/business/new/", {"na\x00me": "x"}).status_code == 400
