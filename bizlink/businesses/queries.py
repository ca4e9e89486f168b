"""Reads for the Business Center pages. Every list is filtered by what the actor may see."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from bizlink.accounts.models import User
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core.errors import InvalidInput
from bizlink.core.rows import instance_from_row
from bizlink.links import queries as link_queries
from bizlink.links.live import active_q, active_sql, live_q, pending_q
from bizlink.links.models import Kind, Link, Role
from bizlink.policy import MEMBERSHIP_WHERE, is_admin, membership_params


def businesses_of(user: User) -> QuerySet[BusinessCenter]:
    return BusinessCenter.objects.filter(
        Q(links__kind=Kind.MEMBERSHIP) & active_q("links__") & Q(links__user=user)
    ).distinct()


def pending_invitations(user: User) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.MEMBERSHIP, invited_email__iexact=user.email) & pending_q())
    )


def pending_link_requests(user: User) -> QuerySet[Link]:
    """Business Centers asking to link one of this person's accounts."""
    return link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.ACCOUNT_BC, account__owner=user) & pending_q())
    )


def people(bc: BusinessCenter) -> QuerySet[Link]:
    """Members and pending invitations, admins first."""
    return link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.MEMBERSHIP, business=bc) & live_q())
    ).order_by("status", "role", "user__name", "invited_email")


def linked_accounts(bc: BusinessCenter, actor: User) -> QuerySet[Link]:
    """TikTok accounts linked to (or requested by) the BC that this actor may see."""
    qs = link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.ACCOUNT_BC, business=bc) & live_q())
    ).order_by("account__handle")
    if is_admin(actor, bc):
        return qs
    return qs.filter(
        Q(account__owner=actor)
        | (
            Q(account__links__business=bc, account__links__kind=Kind.ASSET_PERMISSION)
            & active_q("account__links__")
            & Q(account__links__user=actor)
        )
    ).distinct()


def ad_accounts(bc: BusinessCenter, actor: User) -> QuerySet[AdAccount]:
    # The people count is a correlated subquery on live permissions, not a join with `links`:
    # the ad account lookup index holds live links only (links 0007), so a join on every link
    # of the ad account read the whole links table on PostgreSQL (300 ms a page at 1M links).
    people = (
        Link.objects.filter(Q(ad_account=OuterRef("pk"), kind=Kind.ASSET_PERMISSION) & active_q())
        .order_by()
        .values("ad_account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        AdAccount.objects.filter(business=bc)
        .annotate(people=Coalesce(Subquery(people), 0))
        .order_by("name", "pk")
    )
    if is_admin(actor, bc):
        return qs
    return qs.filter(
        pk__in=Link.objects.filter(
            Q(ad_account__isnull=False, kind=Kind.ASSET_PERMISSION) & active_q() & Q(user=actor)
        ).values("ad_account")
    )


# --- written as SQL: read on every Business API call --------------------------------------
# Building an ORM statement costs more than running it (1-3 ms each on a loaded machine;
# docs/scaling.md), so the reads every `bc/...` call makes are SQL written once, returning the
# same model objects the ORM would. Only the text is kept: each call reads the database anew.

_M = TypeVar("_M", bound=Model)
_L_ACTIVE = active_sql("l")


def business_by_id(bc_id: int) -> BusinessCenter | None:
    rows = _fetch(BusinessCenter, f"{_select(BusinessCenter)} WHERE id = %s", [bc_id])
    return rows[0][0] if rows else None


def business_with_membership(bc_id: int, user: User) -> tuple[BusinessCenter | None, Link | None]:
    """A Business Center and `user`'s live membership of it (the policy's rule,
    `policy.MEMBERSHIP_WHERE`), in one statement: the Business API reads both on every call."""
    width = len(BusinessCenter._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(_business_with_membership_sql(), [*membership_params(user.pk, bc_id), bc_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    bc = instance_from_row(BusinessCenter, row[:width])
    link = None if row[width] is None else instance_from_row(Link, row[width:])
    return bc, link


@functools.cache
def _business_with_membership_sql() -> str:
    links = Link._meta.db_table
    member = ", ".join(
        f"m.{connection.ops.quote_name(f.column)}" for f in Link._meta.concrete_fields
    )
    return (
        f"{_select(BusinessCenter, 'b', member)} LEFT JOIN {links} m ON m.id = (SELECT id FROM"
        f" {links} WHERE {MEMBERSHIP_WHERE} ORDER BY id LIMIT 1) WHERE b.id = %s"
    )


def ad_account_page(
    bc: BusinessCenter, actor: User, *, keyword: str = "", start: int = 0, size: int = 10
) -> tuple[list[AdAccount], int]:
    """One page of `ad_accounts(bc, actor)` (name contains `keyword`, any case) and the total
    it is cut from, in one statement (`COUNT(*) OVER ()`; past the last page, counted apart).
    Without the `people` annotation, which the API does not show."""
    # "Admin?" as the policy answers it (the membership, read once per call).
    where, params = _ad_account_where(bc.pk, actor.pk, keyword, admin=is_admin(actor, bc))
    rows = _fetch(AdAccount, _ad_account_page_sql(where), [*params, size, start])
    if rows:
        return [ad for ad, _total in rows], rows[0][1]
    return [], _count_past_the_end(where, params, start)


def business_with_ad_account_page(
    bc_id: int, actor: User, *, keyword: str = "", start: int = 0, size: int = 10
) -> tuple[BusinessCenter | None, Link | None, list[AdAccount], int]:
    """`business_with_membership` and `ad_account_page` in one statement: the Business API's
    `bc/asset/get` reads the three on every call. "Admin?" is the role of the same membership
    row (`policy.MEMBERSHIP_WHERE`), as `policy.is_admin` answers it from that row."""
    admin = (
        f"(SELECT role FROM {Link._meta.db_table} WHERE {MEMBERSHIP_WHERE}"
        f" ORDER BY id LIMIT 1) = '{Role.ADMIN.value}'"
    )
    where, params = _ad_account_where(
        bc_id, actor.pk, keyword, admin=(admin, membership_params(actor.pk, bc_id))
    )
    widths = [len(m._meta.concrete_fields) for m in (BusinessCenter, Link, AdAccount)]
    with connection.cursor() as cursor:
        cursor.execute(
            _business_with_ad_account_page_sql(where),
            [*membership_params(actor.pk, bc_id), *params, size, start, bc_id],
        )
        rows = cursor.fetchall()
    if not rows:
        return None, None, [], 0
    b, m = widths[0], widths[0] + widths[1]
    first = rows[0]
    bc = instance_from_row(BusinessCenter, first[:b])
    link = None if first[b] is None else instance_from_row(Link, first[b:m])
    if first[m] is None:  # no ad account on this page
        return bc, link, [], _count_past_the_end(where, params, start)
    return bc, link, [instance_from_row(AdAccount, row[m:-1]) for row in rows], first[-1]


def _ad_account_where(
    bc_id: int, actor_id: int, keyword: str, *, admin: bool | tuple[str, list[Any]]
) -> tuple[str, list[Any]]:
    """The filter of `ad_account_page`: the BC's ad accounts; for someone who is not an admin
    (`admin`: known, or SQL and its parameters deciding it) those they hold a permission on."""
    params: list[Any] = [bc_id]
    where = "a.business_id = %s"
    # Kind and status as literals: PostgreSQL's plan for the prepared statement may then
    # use the partial index of live links (see policy.MEMBERSHIP_WHERE).
    permitted = (
        f"EXISTS (SELECT 1 FROM {Link._meta.db_table} l WHERE l.ad_account_id = a.id"
        f" AND l.kind = '{Kind.ASSET_PERMISSION.value}' AND {_L_ACTIVE}"
        " AND l.user_id = %s)"
    )
    if isinstance(admin, tuple):
        admin_sql, admin_params = admin
        where += f" AND ({admin_sql} OR {permitted})"
        params += [*admin_params, actor_id]
    elif not admin:
        where += f" AND {permitted}"
        params.append(actor_id)
    if keyword:
        where += f" AND {_name_contains()}"
        params.append(f"%{connection.ops.prep_for_like_query(keyword)}%")
    return where, params


def _ad_account_page_sql(where: str) -> str:
    return (
        f"{_select(AdAccount, 'a', 'COUNT(*) OVER () AS total')} WHERE {where}"
        " ORDER BY a.name, a.id LIMIT %s OFFSET %s"
    )


@functools.cache
def _business_with_ad_account_page_sql(where: str) -> str:
    links = Link._meta.db_table
    quote = connection.ops.quote_name
    member = [f"m.{quote(f.column)}" for f in Link._meta.concrete_fields]
    page = [f"p.{quote(f.column)}" for f in AdAccount._meta.concrete_fields]
    return (
        f"{_select(BusinessCenter, 'b', *member, *page, 'p.total')}"
        f" LEFT JOIN {links} m ON m.id = (SELECT id FROM {links} WHERE {MEMBERSHIP_WHERE}"
        " ORDER BY id LIMIT 1)"
        f" LEFT JOIN ({_ad_account_page_sql(where)}) p ON 1 = 1"
        f" WHERE b.id = %s ORDER BY p.{quote('name')}, p.id"
    )


def _count_past_the_end(where: str, params: list[Any], start: int) -> int:
    """The total when a page came back empty: 0 from the first page, else counted apart."""
    if not start:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {AdAccount._meta.db_table} a WHERE {where}", params)
        return int(cursor.fetchone()[0])


@functools.cache
def _name_contains() -> str:
    """`name__icontains` as this database's ORM writes it (UPPER ... LIKE UPPER on PostgreSQL,
    LIKE ... ESCAPE on SQLite)."""
    column = connection.ops.lookup_cast("icontains", "CharField") % "a.name"
    return f"{column} {connection.operators['icontains'] % '%s'}"


@functools.cache
def _select(model: type[Model], alias: str = "", *extra: str) -> str:
    prefix = f"{alias}." if alias else ""
    columns = [prefix + connection.ops.quote_name(f.column) for f in model._meta.concrete_fields]
    return f"SELECT {', '.join([*columns, *extra])} FROM {model._meta.db_table} {alias}".rstrip()


def _fetch(model: type[_M], sql: str, params: list[Any]) -> list[tuple[_M, Any]]:
    """Rows of `_select(model, ...)` as model instances built the ORM's way, each with the
    value of the one extra column if there is one."""
    width = len(model._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        (instance_from_row(model, row[:width]), row[width] if len(row) > width else None)
        for row in rows
    ]


def shared_with(bc: BusinessCenter) -> QuerySet[Link]:
    """Assets other Business Centers share with this one as their partner."""
    return link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.PARTNER_SHARE, partner=bc) & active_q())
    )


def partners(bc: BusinessCenter) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.PARTNERSHIP, business=bc) & live_q())
    )


def asset_permissions(
    bc: BusinessCenter, *, account_id: int | None = None, ad_account_id: int | None = None
) -> QuerySet[Link]:
    """Everyone with a permission on one asset, through this BC or through its partners."""
    qs = Link.objects.filter(Q(kind=Kind.ASSET_PERMISSION) & active_q())
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if ad_account_id is not None:
        qs = qs.filter(ad_account_id=ad_account_id)
    partner_ids = Link.objects.filter(Q(kind=Kind.PARTNER_SHARE, business=bc) & active_q()).values(
        "partner_id"
    )
    return link_queries.with_names(
        qs.filter(Q(business=bc) | Q(business_id__in=partner_ids))
    ).order_by("user__name")


def partner_shares_of(bc: BusinessCenter, *, account_id: int) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.PARTNER_SHARE, business=bc, account_id=account_id) & active_q()
        )
    )


def identity_links(bc: BusinessCenter, *, account_id: int) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.ACCOUNT_AD_ACCOUNT, business=bc, account_id=account_id) & live_q()
        )
    )


def ad_account_identities(ad_account: AdAccount) -> QuerySet[Link]:
    """Linked TikTok accounts usable as identity in this ad account."""
    return link_queries.with_names(
        Link.objects.filter(Q(kind=Kind.ACCOUNT_AD_ACCOUNT, ad_account=ad_account) & live_q())
    )


def member_permissions(member: Link) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.ASSET_PERMISSION, business_id=member.business_id)
            & active_q()
            & Q(user=member.user)
        )
    )


def admin_count(bc: BusinessCenter) -> int:
    return link_queries.business_admins(bc.pk).count()


__all__ = ["Role"]


def shares_to_partner(bc: BusinessCenter, partner_id: int) -> QuerySet[Link]:
    """Assets this BC shares with one partner (the partner's view is `shared_with`)."""
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.PARTNER_SHARE, business=bc, partner_id=partner_id) & active_q()
        )
    )


def shares_of_ad_account(bc: BusinessCenter, *, ad_account_id: int) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.PARTNER_SHARE, business=bc, ad_account_id=ad_account_id) & active_q()
        )
    )


def admins_with_two_factor(bc: BusinessCenter) -> list[tuple[Link, bool]]:
    """The BC's admins, each with whether they have a confirmed authenticator app."""
    from bizlink.twofactor.queries import users_with_totp

    admins = list(link_queries.business_admins(bc.pk).select_related("user").order_by("user__name"))
    ready = users_with_totp([a.user_id for a in admins if a.user_id])
    return [(a, a.user_id in ready) for a in admins]


def business_of_ad_account(ad_account: AdAccount, what: str = "This") -> BusinessCenter:
    """The Business Center holding an ad account, for features that live in a Business Center
    (pixels, catalogs, audiences); an ad account a person owns has none, and is told so."""
    if ad_account.business is None:
        raise InvalidInput(
            f"{what} needs a Business Center, and {ad_account.name} is an ad account of its "
            "owner's own. Create the ad account in a Business Center to use it."
        )
    return ad_account.business


def owned_ad_accounts(user: User) -> QuerySet[AdAccount]:
    """Ad accounts the person owns outside any Business Center (they are each one's admin)."""
    return AdAccount.objects.filter(owner=user).order_by("pk")
