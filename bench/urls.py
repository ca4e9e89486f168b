"""The site's URLs, plus `/healthz/live` if the site does not route it: a JSON answer without
database access, the baseline benchmark 3 compares the Business API with."""

from django.urls import path

from bizlink.urls import urlpatterns as site
from bizlink.web.views import ops

urlpatterns = [path("healthz/live", ops.live, name="bench_live"), *site]
