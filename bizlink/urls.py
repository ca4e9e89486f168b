from django.contrib import admin
from django.urls import include, path

from bizlink.api.urls import open_api_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("bizlink.web.urls")),
    path("", include("bizlink.oauth.urls")),
    path("open_api/v1.3/", open_api_urls),
    path("", include("bizlink.api.urls")),
]
