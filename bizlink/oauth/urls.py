"""OAuth 2.0 endpoints under /oauth/, and the RFC 8414 metadata at the origin's root."""

from django.urls import path

from bizlink.oauth import views

app_name = "oauth"

urlpatterns = [
    path(".well-known/oauth-authorization-server", views.metadata, name="metadata"),
    path("oauth/authorize/", views.authorize, name="authorize"),
    path("oauth/token/", views.token, name="token"),
    path("oauth/revoke_token/", views.revoke_token, name="revoke_token"),
    path("oauth/introspect/", views.introspect, name="introspect"),
    path("oauth/userinfo/", views.userinfo, name="userinfo"),
]
