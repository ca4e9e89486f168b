"""Fixtures for the Ads Manager tests: logged-in clients and the demo's ads objects."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status

LoginAs = Callable[[str], Client]


@pytest.fixture
def login_as(demo: Demo) -> LoginAs:
    def make(persona: str) -> Client:
        client = Client()
        client.force_login(demo.users[persona])
        return client

    return make


def identity(demo: Demo, ad_account: str = "main", handle: str = "maya.bakes") -> Link:
    """The live ACCOUNT_AD_ACCOUNT link of a demo account on a demo ad account."""
    return Link.objects.get(
        kind=Kind.ACCOUNT_AD_ACCOUNT,
        ad_account=demo.ad_accounts[ad_account],
        account=demo.accounts[handle],
        status=Status.ACTIVE,
    )
