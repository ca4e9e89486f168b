"""Reads for the Partners page: what this Business Center shares, with each control's decision."""

from __future__ import annotations

from django.db.models import Q

from bizlink import policy
from bizlink.accounts.models import User
from bizlink.businesses.models import BusinessCenter
from bizlink.core.errors import NotFound
from bizlink.links import queries as link_queries
from bizlink.links.live import live_q
from bizlink.links.models import Kind, Link


def shares_of(actor: User, bc: BusinessCenter) -> list[tuple[Link, policy.Decision]]:
    """Assets this BC shares with partners, each with whether the actor may change it."""
    shares = link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.PARTNER_SHARE, business=bc) & live_q())
    ).order_by("partner__name", "id")
    return [(s, policy.decide(actor, "partner_share.change_level", s)) for s in shares]


def _load(bc: BusinessCenter, link_id: int, kind: str) -> Link:
    link = link_queries.with_names(
        Link.objects.filter(Q(pk=link_id, business=bc, kind=kind) & live_q())
    ).first()
    if link is None:
        raise NotFound("No such partner access in this Business Center.")
    return link


def share_in(bc: BusinessCenter, link_id: int) -> Link:
    return _load(bc, link_id, Kind.PARTNER_SHARE)


def partnership_in(bc: BusinessCenter, link_id: int) -> Link:
    return _load(bc, link_id, Kind.PARTNERSHIP)
