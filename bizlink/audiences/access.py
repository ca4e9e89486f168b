"""Load an audience for an actor, or raise NotFound (never "forbidden")."""

from __future__ import annotations

from bizlink.accounts.models import User
from bizlink.audiences.models import Audience
from bizlink.businesses.models import BusinessCenter
from bizlink.core.errors import NotFound
from bizlink.policy import decide


def audience_for(actor: User, bc: BusinessCenter, audience_id: int) -> Audience:
    audience = (
        Audience.objects.select_related("ad_account", "pixel", "account", "business")
        .filter(pk=audience_id, business=bc)
        .first()
    )
    if audience is None or not decide(actor, "business.view", bc).allowed:
        raise NotFound("No such audience in this Business Center.")
    return audience
