"""Load an asset group for an actor, or raise NotFound (other tenants' ids reveal nothing)."""

from __future__ import annotations

from bizlink.accounts.models import User
from bizlink.asset_groups.models import AssetGroup
from bizlink.businesses.models import BusinessCenter
from bizlink.core.errors import NotFound
from bizlink.policy import decide


def group_for(actor: User, bc: BusinessCenter, group_id: int) -> AssetGroup:
    group = AssetGroup.objects.filter(pk=group_id, business=bc, deleted_at__isnull=True).first()
    if group is None or not decide(actor, "business.view", bc).allowed:
        raise NotFound("No such asset group.")
    return group
