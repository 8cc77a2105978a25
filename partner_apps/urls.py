from django.urls import path

from .views import authorizations, store

app_name = "partner_apps"

urlpatterns = [
    path("reglages/applications/", store.applications_page, name="applications"),
    path("reglages/applications/ajouter/", store.store_page, name="store"),
    path("reglages/applications/<slug:slug>/installer/", store.install_action, name="install"),
    path(
        "reglages/applications/<slug:slug>/desinstaller/",
        store.uninstall_action,
        name="uninstall",
    ),
    path(
        "reglages/applications/<slug:slug>/autorisations/",
        authorizations.authorizations_page,
        name="authorizations",
    ),
    path(
        "reglages/applications/<slug:slug>/autorisations/<int:company_id>/",
        authorizations.authorization_row_save,
        name="authorization-row",
    ),
    path(
        "reglages/applications/<slug:slug>/import/",
        authorizations.authorizations_import,
        name="authorizations-import",
    ),
]
