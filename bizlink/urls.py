from django.contrib import admin
from django.urls import include, path

from bizlink.api.urls import open_api_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    # The Business API first: Django tries patterns in order, and every API call used to walk
    # (and fail) the web's ~120 patterns before reaching its own (docs/scaling.md).
    path("open_api/v1.3/", open_api_urls),
    path("", include("bizlink.web.urls")),
    path("", include("bizlink.oauth.urls")),
    path("", include("bizlink.api.urls")),
]
