from django.urls import path

from .views import authorizations, automations, deliveries, store

app_name = "partner_apps"

urlpatterns = [
    path("reglages/applications/", store.applications_page, name="applications"),
    path("reglages/applications/ajouter/", store.store_page, name="store"),
    path(
        "reglages/applications/envois/", deliveries.delivery_history_page, name="delivery-history"
    ),
    path(
        "reglages/applications/envois/<int:delivery_id>/renvoyer/",
        deliveries.delivery_retry_action,
        name="delivery-retry",
    ),
    path(
        "reglages/applications/<slug:slug>/activer-dossier/",
        automations.automation_bulk,
        name="automation-bulk",
    ),
    path(
        "ged/dossiers/<int:folder_id>/automatisations/<slug:slug>/",
        automations.automation_toggle,
        name="automation-toggle",
    ),
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
