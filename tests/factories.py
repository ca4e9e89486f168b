"""factory_boy factories for plain rows, and helpers that build links through the actions.

Links (memberships, account links, permissions, partner shares) are only ever created through
the domain actions, so the helpers below call those actions instead of writing `Link` rows.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from bizlink.accounts.models import CreatorAccount, Follower, Post, User
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.links.models import Kind, Link, Role, Status

PASSWORD = "factory-pass-1234"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n:03d}")
    password = factory.django.Password(PASSWORD)


class CreatorAccountFactory(DjangoModelFactory[CreatorAccount]):
    class Meta:
        model = CreatorAccount

    owner = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"creator.{n:04d}")
    display_name = factory.LazyAttribute(lambda o: f"Creator {o.handle}")
    bio = "Short videos, every day."


class PostFactory(DjangoModelFactory[Post]):
    class Meta:
        model = Post

    account = factory.SubFactory(CreatorAccountFactory)
    caption = factory.Sequence(lambda n: f"Post number {n}")
    views = factory.Sequence(lambda n: 1000 + n)
    likes = factory.Sequence(lambda n: 10 + n)


class FollowerFactory(DjangoModelFactory[Follower]):
    class Meta:
        model = Follower

    account = factory.SubFactory(CreatorAccountFactory)
    follower_handle = factory.Sequence(lambda n: f"fan{n:05d}")


class BusinessCenterFactory(DjangoModelFactory[BusinessCenter]):
    """A bare Business Center row, without members (use `make_business` for a usable one)."""

    class Meta:
        model = BusinessCenter

    name = factory.Sequence(lambda n: f"Business {n:03d}")
    created_by = factory.SubFactory(UserFactory)


class AdAccountFactory(DjangoModelFactory[AdAccount]):
    class Meta:
        model = AdAccount

    business = factory.SubFactory(BusinessCenterFactory)
    name = factory.Sequence(lambda n: f"Ad account {n:03d}")
    created_by = factory.SelfAttribute("business.created_by")


# --- typed shortcuts --------------------------------------------------------------------


def make_user(**kwargs: object) -> User:
    user: User = UserFactory.create(**kwargs)
    return user


def make_account(owner: User | None = None, **kwargs: object) -> CreatorAccount:
    if owner is not None:
        kwargs["owner"] = owner
    account: CreatorAccount = CreatorAccountFactory.create(**kwargs)
    return account


def make_ad_account(bc: BusinessCenter, **kwargs: object) -> AdAccount:
    ad_account: AdAccount = AdAccountFactory.create(business=bc, created_by=bc.created_by, **kwargs)
    return ad_account


def with_content(account: CreatorAccount, posts: int = 3, followers: int = 4) -> CreatorAccount:
    PostFactory.create_batch(posts, account=account)
    FollowerFactory.create_batch(followers, account=account)
    return account


# --- links, through the actions -------------------------------------------------------------


def make_business(admin: User | None = None, name: str = "") -> BusinessCenter:
    """A Business Center whose creator (`admin`, or a new user) is its first Admin."""
    actor = admin or make_user()
    return bc_actions.create_business_center(actor, name=name or f"{actor.name}'s business")


def membership_of(bc: BusinessCenter, user: User) -> Link:
    return Link.objects.get(kind=Kind.MEMBERSHIP, business=bc, user=user, status=Status.ACTIVE)


def add_member(
    bc: BusinessCenter, admin: User, user: User, role: str = Role.STANDARD, finance_role: str = ""
) -> Link:
    """Invite `user` and accept as them: an ACTIVE membership."""
    invitation = bc_actions.invite_member(
        admin, bc, email=user.email, role=role, finance_role=finance_role
    )
    return bc_actions.accept_invitation(user, invitation)


def link_account(bc: BusinessCenter, admin: User, account: CreatorAccount) -> Link:
    """The Business Center asks and the owner approves: an ACTIVE account link."""
    request = bc_actions.request_account_link(admin, bc, handle=account.handle)
    return bc_actions.approve_account_link(account.owner, request)


def grant_account(
    bc: BusinessCenter, admin: User, member: Link, account: CreatorAccount, role: str = Role.ANALYST
) -> Link:
    return bc_actions.assign_asset_permission(admin, bc, member=member, role=role, account=account)
