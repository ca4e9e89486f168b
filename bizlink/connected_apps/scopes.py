"""OAuth scopes in plain words. No model imports: settings read this module at start-up."""

from __future__ import annotations

# Scopes in plain words, for consent pages and app details.
SCOPES: dict[str, str] = {
    "user.info.basic": "See your profile: handle, display name and avatar",
    "video.list": "See your public posts and their statistics",
    "biz.account.manage": "Manage this account's links to Business Centers",
    "ads.identity": "Use this account as an ad identity in Ads Manager",
    "insights.read": "Read audience and follower insights",
}
# What an app gets when it asks for no scope at all: the least useful thing.
DEFAULT_SCOPES = ["user.info.basic"]
