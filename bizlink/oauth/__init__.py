"""The OAuth 2.0 authorization server interface (django-oauth-toolkit), for third-party apps.

Holds no rules: consent, grants and token bookkeeping are `bizlink.connected_apps` actions and
queries; this package adapts them to DOT's views and oauthlib's validator.
"""
