from django.urls import path

from .views import actions, export, files, inbound, offboarding, pages, template

app_name = "ged"

urlpatterns = [
    path("ged/entreprises/", pages.company_switch, name="company-switch"),
    path("ged/recherche/", pages.search_page, name="search"),
    path("ged/entreprises/<int:company_id>/", pages.company_page, name="company"),
    path(
        "ged/entreprises/<int:company_id>/dossiers/",
        actions.folder_create_action,
        name="folder-create",
    ),
    path("ged/entreprises/<int:company_id>/corbeille/", pages.trash_page, name="trash"),
    path(
        "ged/entreprises/<int:company_id>/export/",
        export.company_export_download,
        name="company-export",
    ),
    path("ged/dossiers/<int:folder_id>/", pages.folder_page, name="folder"),
    path("ged/dossiers/<int:folder_id>/deposer/", files.upload, name="upload"),
    path(
        "ged/dossiers/<int:folder_id>/renommer/", actions.folder_rename_action, name="folder-rename"
    ),
    path("ged/dossiers/<int:folder_id>/deplacer/", actions.folder_move_action, name="folder-move"),
    path(
        "ged/dossiers/<int:folder_id>/supprimer/", actions.folder_trash_action, name="folder-trash"
    ),
    path(
        "ged/dossiers/<int:folder_id>/restaurer/",
        actions.folder_restore_action,
        name="folder-restore",
    ),
    path("ged/documents/<int:document_id>/", pages.document_page, name="document"),
    path("ged/documents/<int:document_id>/telecharger/", files.download, name="document-download"),
    path(
        "ged/documents/<int:document_id>/renommer/",
        actions.document_rename_action,
        name="document-rename",
    ),
    path(
        "ged/documents/<int:document_id>/deplacer/",
        actions.document_move_action,
        name="document-move",
    ),
    path(
        "ged/documents/<int:document_id>/supprimer/",
        actions.document_trash_action,
        name="document-trash",
    ),
    path(
        "ged/documents/<int:document_id>/restaurer/",
        actions.document_restore_action,
        name="document-restore",
    ),
    path(
        "reglages/entreprises/<int:company_id>/supprimer/",
        offboarding.company_offboard_page,
        name="company-offboard",
    ),
    path("reglages/arborescence/", template.folder_template_page, name="folder-template"),
    path(
        "ged/entreprises/<int:company_id>/depot-par-email/",
        inbound.inbound_settings_page,
        name="inbound-settings",
    ),
    path(
        "ged/entreprises/<int:company_id>/depot-par-email/<slug:target>/dossier/",
        inbound.inbound_address_folder_action,
        name="inbound-address-folder",
    ),
    path(
        "ged/entreprises/<int:company_id>/depot-par-email/<slug:target>/regenerer/",
        inbound.inbound_address_regenerate_action,
        name="inbound-address-regenerate",
    ),
    path("ged/emails-recus/", inbound.inbound_emails_page, name="inbound-emails"),
    path(
        "ged/emails-recus/<int:inbound_email_id>/accepter/",
        inbound.inbound_email_accept_action,
        name="inbound-email-accept",
    ),
    path(
        "ged/emails-recus/<int:inbound_email_id>/refuser/",
        inbound.inbound_email_reject_action,
        name="inbound-email-reject",
    ),
]
