from django.urls import path

from .views import attention, authorizations, automations, bulk, deliveries, store

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
    path("reglages/applications/a-regler/", attention.needs_action_page, name="needs-action"),
    path(
        "reglages/applications/envois/<int:delivery_id>/ignorer/",
        attention.delivery_dismiss_action,
        name="delivery-dismiss",
    ),
    path(
        "reglages/applications/envois/<int:delivery_id>/prevenir-le-client/",
        attention.client_notice_page,
        name="client-notice",
    ),
    path(
        "reglages/applications/<slug:slug>/activer-dossier/",
        bulk.automation_bulk,
        name="automation-bulk",
    ),
    path(
        "ged/dossiers/<int:folder_id>/automatisations/<slug:slug>/",
        automations.automation_toggle,
        name="automation-toggle",
    ),
    path(
        "ged/dossiers/<int:folder_id>/automatisations/<slug:slug>/envoyer-l-existant/",
        automations.send_existing_action,
        name="automation-send-existing",
    ),
    path("reglages/applications/<slug:slug>/installer/", store.install_action, name="install"),
    path(
        "reglages/applications/<slug:slug>/desinstaller/",
        store.uninstall_action,
        name="uninstall",
    ),
    path(
        "reglages/applications/<slug:slug>/desinstaller/confirmer/",
        store.uninstall_confirm_page,
        name="uninstall-confirm",
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
