from django.urls import path

from . import views

urlpatterns = [
    path("apps/", views.AppListView.as_view(), name="api-apps"),
    path("apps/<slug:slug>/install/", views.AppInstallView.as_view(), name="api-app-install"),
    path("apps/<slug:slug>/uninstall/", views.AppUninstallView.as_view(), name="api-app-uninstall"),
    path(
        "apps/<slug:slug>/authorizations/",
        views.AuthorizationListView.as_view(),
        name="api-app-authorizations",
    ),
    path(
        "apps/<slug:slug>/authorizations/<int:company_id>/",
        views.AuthorizationView.as_view(),
        name="api-app-authorization",
    ),
]
