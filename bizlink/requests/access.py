"""Load a removal request, or the link a request is about, for an actor (or "not found")."""

from __future__ import annotations

from django.db.models import Q

from bizlink.accounts.models import User
from bizlink.core.errors import NotFound
from bizlink.links import queries as link_queries
from bizlink.links.live import live_q
from bizlink.links.models import Kind, Link
from bizlink.requests.models import RemovalRequest
from bizlink.requests.queries import _named, visible_filter


def request_for(actor: User, request_id: int) -> RemovalRequest:
    """The requester and the admins of its Business Center see a request; nobody else."""
    found = _named(RemovalRequest.objects.filter(visible_filter(actor), pk=request_id)).first()
    if found is None:
        raise NotFound("No such removal request.")
    return found


def requestable_link(actor: User, link_id: int) -> Link:
    """A live link the actor can see: in a Business Center they belong to (or their own)."""
    member_of = link_queries.active().filter(kind=Kind.MEMBERSHIP, user_id=actor.pk)
    bcs = member_of.values("business_id")
    # Accounts linked to those Business Centers: their pages also list partners' people.
    accounts = link_queries.active().filter(kind=Kind.ACCOUNT_BC, business_id__in=bcs)
    link = (
        link_queries.with_names(Link.objects.filter(Q(pk=link_id) & live_q()))
        .filter(
            Q(business_id__in=bcs)
            | Q(partner_id__in=bcs)
            | Q(user_id=actor.pk)
            | Q(account_id__in=accounts.values("account_id"))
        )
        .first()
    )
    if link is None:
        raise NotFound("No such access to ask about.")
    return link
