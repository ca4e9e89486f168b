"""After a removal: re-run the policy for everyone who lost access and say what it found.

The candidates come from the change's own audit rows (who held the ended links, the admins of
Business Centers and partners whose links ended, the apps whose grants ended); each is checked
with the same `policy` functions every request uses, so "No access remains" is the policy's
answer, not the engine's promise. If access does remain (another path), it says which.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Q
from oauth2_provider.models import Application

from bizlink import policy
from bizlink.accounts.models import CreatorAccount, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.links import queries as link_queries
from bizlink.links.models import Kind, Role

# Bounds the page: a removal of a huge Business Center still renders quickly.
MAX_CHECKS = 200


@dataclass
class Check:
    who: str
    what: str
    check: str  # the policy question asked, in words
    remains: bool
    why: str = ""


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    skipped: int = 0

    @property
    def remaining(self) -> list[Check]:
        return [c for c in self.checks if c.remains]

    @property
    def clean(self) -> bool:
        return not self.remaining


def _why_account(user: User, account: CreatorAccount) -> str:
    """The paths that still let `user` reach `account` (for "what remains and why")."""
    if account.owner_id == user.pk:
        return "They own the account."
    reasons = []
    active = link_queries.with_names(link_queries.active().filter(account=account))
    for p in active.filter(kind=Kind.ASSET_PERMISSION, user=user):
        reasons.append(f"{p.get_role_display()} via {p.bc.name}")
    for link in active.filter(kind=Kind.ACCOUNT_BC):
        if policy.is_admin(user, link.bc_id):
            reasons.append(f"Admin of {link.bc.name}, which the account is still linked to")
    for share in active.filter(kind=Kind.PARTNER_SHARE):
        if share.partner_id and policy.is_admin(user, share.partner_id):
            assert share.partner is not None
            reasons.append(f"Admin of {share.partner.name}, a partner it is still shared with")
    return "; ".join(reasons) or "Another path the policy allows."


def verify_change(change_id: uuid.UUID) -> Verification:
    """Policy checks for every person, business and app whose access ended in this change."""
    events = list(
        AuditEvent.objects.filter(change_id=change_id, action="link.ended").values(
            "link_kind",
            "user_id",
            "business_id",
            "partner_id",
            "account_id",
            "ad_account_id",
            "app_id",
            "role",
        )
    )
    account_pairs: set[tuple[int, int]] = set()
    ad_pairs: set[tuple[int, int]] = set()
    app_pairs: set[tuple[int, int]] = set()
    bc_pairs: set[tuple[int, int]] = set()
    admin_of: set[int] = set()
    for e in events:
        kind, account_id = e["link_kind"], e["account_id"]
        if kind == Kind.ASSET_PERMISSION and e["user_id"]:
            if account_id:
                account_pairs.add((e["user_id"], account_id))
            if e["ad_account_id"]:
                ad_pairs.add((e["user_id"], e["ad_account_id"]))
        elif kind == Kind.ACCOUNT_BC and account_id and e["business_id"]:
            bc_pairs.add((e["business_id"], account_id))
            admin_of.add(e["business_id"])
        elif kind == Kind.PARTNER_SHARE and account_id and e["partner_id"]:
            bc_pairs.add((e["partner_id"], account_id))
            admin_of.add(e["partner_id"])
        elif kind == Kind.APP_GRANT and e["app_id"] and account_id:
            app_pairs.add((e["app_id"], account_id))
        elif kind == Kind.MEMBERSHIP and e["user_id"] and e["role"] == Role.ADMIN:
            # An admin reached every account and ad account of the Business Center.
            bc = e["business_id"]
            for acc in link_queries.live().filter(kind=Kind.ACCOUNT_BC, business_id=bc):
                if acc.account_id:
                    account_pairs.add((e["user_id"], acc.account_id))
            for acc in link_queries.active().filter(kind=Kind.PARTNER_SHARE, partner_id=bc):
                if acc.account_id:
                    account_pairs.add((e["user_id"], acc.account_id))
            for ad in AdAccount.objects.filter(business_id=bc).values_list("pk", flat=True):
                ad_pairs.add((e["user_id"], ad))
    # The admins of a business whose link to the account ended lost the access it gave them.
    bc_accounts: dict[int, set[int]] = {}
    for bc_id, account_id in bc_pairs:
        bc_accounts.setdefault(bc_id, set()).add(account_id)
    if admin_of:
        admins = link_queries.active().filter(
            kind=Kind.MEMBERSHIP, role=Role.ADMIN, business_id__in=admin_of
        )
        for m in admins:
            for account_id in bc_accounts.get(m.bc_id, ()):
                if m.user_id:
                    account_pairs.add((m.user_id, account_id))

    users = {u.pk: u for u in User.objects.filter(pk__in={u for u, _ in account_pairs | ad_pairs})}
    accounts = {
        a.pk: a
        for a in CreatorAccount.objects.filter(
            pk__in={a for _, a in account_pairs | app_pairs | bc_pairs}
        )
    }
    ads = {a.pk: a for a in AdAccount.objects.filter(pk__in={a for _, a in ad_pairs})}
    bcs = {b.pk: b for b in BusinessCenter.objects.filter(pk__in={b for b, _ in bc_pairs})}
    apps = {a.pk: a for a in Application.objects.filter(pk__in={a for a, _ in app_pairs})}

    result = Verification()
    todo: list[tuple[str, tuple[int, int]]] = (
        [("account", p) for p in sorted(account_pairs)]
        + [("ad", p) for p in sorted(ad_pairs)]
        + [("bc", p) for p in sorted(bc_pairs)]
        + [("app", p) for p in sorted(app_pairs)]
    )
    result.skipped = max(0, len(todo) - MAX_CHECKS)
    for what, (a, b) in todo[:MAX_CHECKS]:
        if what == "account":
            user, account = users[a], accounts[b]
            if account.owner_id == user.pk:
                continue  # an owner never loses their own account
            remains = policy.has_account_access(user, account)
            result.checks.append(
                Check(
                    who=user.name,
                    what=f"@{account.handle}",
                    check="has_account_access",
                    remains=remains,
                    why=_why_account(user, account) if remains else "",
                )
            )
        elif what == "ad":
            user, ad_account = users[a], ads[b]
            remains = policy.has_ad_account_access(user, ad_account)
            why = ""
            if remains:
                why = (
                    "Owns this ad account"
                    if ad_account.owner_id == user.pk
                    else f"Admin of {ad_account.held_by}"
                    if policy.is_ad_account_admin(user, ad_account)
                    else "Another permission on this ad account"
                )
            result.checks.append(
                Check(
                    user.name,
                    f"ad account {ad_account.name}",
                    "has_ad_account_access",
                    remains,
                    why,
                )
            )
        elif what == "bc":
            business, account = bcs[a], accounts[b]
            live = link_queries.active().filter(
                Q(kind=Kind.ACCOUNT_BC, business_id=business.pk)
                | Q(kind=Kind.PARTNER_SHARE, partner_id=business.pk),
                account=account,
            )
            remains = live.exists()
            why = "; ".join(link_queries.describe(x) for x in link_queries.with_names(live)[:3])
            result.checks.append(
                Check(
                    business.name,
                    f"@{account.handle}",
                    "business link or partner share",
                    remains,
                    why,
                )
            )
        else:
            app, account = apps[a], accounts[b]
            grant = link_queries.active().filter(
                kind=Kind.APP_GRANT, app_id=app.pk, account=account
            )
            remains = grant.exists()
            result.checks.append(
                Check(
                    app.name,
                    f"@{account.handle}",
                    "app grant and tokens",
                    remains,
                    "A newer grant the owner approved" if remains else "",
                )
            )
    return result


__all__ = ["Check", "Verification", "verify_change"]
