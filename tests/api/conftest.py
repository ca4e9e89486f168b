"""Fixtures for the Business API: a live server in sandbox mode, reset to the demo scenario,
tokens issued through the sandbox (the same grant + token the OAuth server would create), and
the official SDK (`business_api_client`) pointed at the server, unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import business_api_client as sdk
import pytest
from business_api_client.configuration import Configuration
from business_api_client.tiktok_business.tiktok_exceptions import TiktokSDKError

from bizlink.core import clock
from bizlink.sandbox import actions as sandbox_actions
from bizlink.sandbox import queries as sandbox_queries


@pytest.fixture
def sandbox(settings: Any, transactional_db: None) -> Iterator[dict[str, Any]]:
    """Sandbox mode on, the database reset to the demo scenario; yields the ids summary."""
    settings.SANDBOX_MODE = True
    clock.set_offset_source(sandbox_queries.clock_offset_seconds)
    try:
        yield sandbox_actions.reset("demo")
    finally:
        clock.set_offset_source(None)


@pytest.fixture
def token(sandbox: dict[str, Any]) -> Callable[..., str]:
    def issue(email: str = "ben@example.com", **kwargs: Any) -> str:
        return str(sandbox_actions.issue_token(email=email, **kwargs)["access_token"])

    return issue


@pytest.fixture
def sdk_client(live_server: Any, sandbox: dict[str, Any]) -> Iterator[sdk.ApiClient]:
    config = Configuration()
    config.host = live_server.url
    client = sdk.ApiClient(config)
    yield client
    # Close kept-alive connections before the live server stops, so no server thread is left
    # serving one after the test database is gone.
    client.rest_client.pool_manager.clear()


@pytest.fixture
def bc_api(sdk_client: sdk.ApiClient) -> sdk.BCApi:
    return sdk.BCApi(sdk_client)


def sdk_error(call: Callable[[], Any]) -> tuple[int, str]:
    """Run an SDK call that must fail; return (code, message) parsed from TiktokSDKError."""
    with pytest.raises(TiktokSDKError) as caught:
        call()
    match = re.match(r"Error Code: (\d+), message: (.*), request_id: ", str(caught.value), re.S)
    assert match, str(caught.value)
    return int(match.group(1)), match.group(2)
