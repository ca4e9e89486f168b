from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("bizlink.web.urls")),
    path("", include("bizlink.oauth.urls")),
    path("", include("bizlink.api.urls")),
]
