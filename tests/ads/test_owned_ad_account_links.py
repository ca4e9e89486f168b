"""Which links may live outside a Business Center: app grants and an ad account's own edges."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from bizlink.links.models import Kind, Link, Role, Status
from tests.factories import make_account, make_ad_account, make_business, make_user

pytestmark = pytest.mark.django_db


def test_identity_and_member_links_of_an_ad_account_may_have_no_business() -> None:
    owner = make_user()
    ad_account = make_ad_account(make_business(owner))
    account = make_account(owner)
    Link.objects.create(
        kind=Kind.ACCOUNT_AD_ACCOUNT,
        key="t:identity",
        status=Status.PENDING,
        account=account,
        ad_account=ad_account,
    )
    Link.objects.create(
        kind=Kind.ASSET_PERMISSION,
        key="t:member",
        status=Status.ACTIVE,
        user=make_user(),
        ad_account=ad_account,
        role=Role.OPERATOR,
    )


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (Kind.MEMBERSHIP, {"role": Role.STANDARD}),
        (Kind.ACCOUNT_BC, {"account": True}),
        (Kind.ASSET_PERMISSION, {"account": True, "role": Role.ANALYST}),
        (Kind.DATA_ASSET_AD_ACCOUNT, {"ad_account": True}),
    ],
)
def test_other_business_side_links_still_need_a_business(
    kind: str, fields: dict[str, object]
) -> None:
    owner = make_user()
    values: dict[str, object] = {"user": owner} if kind != Kind.DATA_ASSET_AD_ACCOUNT else {}
    if kind == Kind.ACCOUNT_BC:
        values = {}
    for name, value in fields.items():
        if name == "account":
            values["account"] = make_account(owner)
        elif name == "ad_account":
            values["ad_account"] = make_ad_account(make_business(owner))
        else:
            values[name] = value
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(kind=kind, key=f"t:{kind}", status=Status.ACTIVE, **values)
