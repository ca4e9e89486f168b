"""Load one Ads Manager object for an actor, or raise NotFound.

Ad accounts the actor cannot reach, and anything inside them, are "not found", never
"forbidden", so other tenants' ids reveal nothing.
"""

from __future__ import annotations

from django.db.models import Q

from bizlink.accounts.models import User
from bizlink.ads.models import Ad, AdGroup, Campaign, RunStatus, Video
from bizlink.businesses.models import AdAccount
from bizlink.core.errors import NotFound
from bizlink.links.live import live_q
from bizlink.links.models import Kind, Link
from bizlink.policy import decide


def ad_account_for(actor: User, ad_account_id: int) -> AdAccount:
    ad_account = (
        AdAccount.objects.select_related("business", "owner").filter(pk=ad_account_id).first()
    )
    if ad_account is None or not decide(actor, "ads.view", ad_account).allowed:
        raise NotFound("No such ad account.")
    return ad_account


def member_for(actor: User, ad_account: AdAccount, link_id: int) -> Link:
    link = (
        Link.objects.select_related("user", "business", "ad_account")
        .filter(Q(pk=link_id, kind=Kind.ASSET_PERMISSION, ad_account=ad_account) & live_q())
        .first()
    )
    if link is None:
        raise NotFound("No such member of this ad account.")
    return link


def linked_account_for(actor: User, ad_account: AdAccount, link_id: int) -> Link:
    link = (
        Link.objects.select_related("account", "account__owner", "business", "ad_account")
        .filter(Q(pk=link_id, kind=Kind.ACCOUNT_AD_ACCOUNT, ad_account=ad_account) & live_q())
        .first()
    )
    if link is None:
        raise NotFound("No such linked TikTok account.")
    return link


def identity_request_for(actor: User, link_id: int) -> Link:
    """A request to use one of the actor's own accounts in an ad account (owners only)."""
    link = (
        Link.objects.select_related("account", "business", "ad_account", "created_by")
        .filter(pk=link_id, kind=Kind.ACCOUNT_AD_ACCOUNT, account__owner=actor)
        .first()
    )
    if link is None:
        raise NotFound("No such request.")
    return link


def campaign_for(actor: User, ad_account: AdAccount, campaign_id: int) -> Campaign:
    campaign = (
        Campaign.objects.filter(pk=campaign_id, ad_account=ad_account)
        .exclude(status=RunStatus.DELETED)
        .first()
    )
    if campaign is None:
        raise NotFound("No such campaign.")
    return campaign


def ad_group_for(actor: User, ad_account: AdAccount, ad_group_id: int) -> AdGroup:
    group = (
        AdGroup.objects.select_related("campaign")
        .filter(pk=ad_group_id, campaign__ad_account=ad_account)
        .exclude(status=RunStatus.DELETED)
        .exclude(campaign__status=RunStatus.DELETED)
        .first()
    )
    if group is None:
        raise NotFound("No such ad group.")
    return group


def ad_for(actor: User, ad_account: AdAccount, ad_id: int) -> Ad:
    ad = (
        Ad.objects.select_related(
            "ad_group", "ad_group__campaign", "identity", "identity__account", "post", "video"
        )
        .filter(pk=ad_id, ad_group__campaign__ad_account=ad_account)
        .exclude(status=RunStatus.DELETED)
        .exclude(ad_group__status=RunStatus.DELETED)
        .exclude(ad_group__campaign__status=RunStatus.DELETED)
        .first()
    )
    if ad is None:
        raise NotFound("No such ad.")
    return ad


def owned_identity_for(actor: User, link_id: int) -> Link:
    """A live identity link of one of the actor's own accounts (the owner may always remove it)."""
    link = (
        Link.objects.select_related("account", "account__owner", "business", "ad_account")
        .filter(Q(pk=link_id, kind=Kind.ACCOUNT_AD_ACCOUNT, account__owner=actor) & live_q())
        .first()
    )
    if link is None:
        raise NotFound("No such linked TikTok account.")
    return link


def video_for(actor: User, ad_account: AdAccount, video_id: int) -> Video:
    video = Video.objects.filter(pk=video_id, ad_account=ad_account).first()
    if video is None:
        raise NotFound("No such video.")
    return video
