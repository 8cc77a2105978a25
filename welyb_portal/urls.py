"""The root URLconf: with the settings, the one place that names every app."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .operations.views import metrics, readyz
from .tenancy.views.home import home
from .views import favicon, healthz
from .webhooks import anymail_urlpatterns

urlpatterns = [
    path("", home, name="home"),
    path("", include("welyb_portal.tenancy.urls")),
    path("", include("ged.urls")),
    path("", include("partner_apps.urls")),
    path("api/v1/", include("welyb_portal.tenancy.api.urls")),
    path("api/v1/", include("ged.api.urls")),
    path("api/v1/", include("partner_apps.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("anymail/", include(anymail_urlpatterns())),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    # Pages name their icon (base.html); browsers still ask for /favicon.ico on their own
    # (the admin's pages, a PDF opened in a tab): the same SVG, never a 404 in the logs.
    path("favicon.ico", favicon),
]

handler400 = "welyb_portal.views.bad_request"
handler404 = "welyb_portal.views.not_found"
