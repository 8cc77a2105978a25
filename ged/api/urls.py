from django.urls import path

from ..uploads import accepts_documents_api
from . import inbound_email_views, inbound_views, views

urlpatterns = [
    path(
        "companies/<int:company_id>/inbound-addresses/",
        inbound_views.CompanyInboundAddressesView.as_view(),
        name="api-company-inbound-addresses",
    ),
    path(
        "companies/<int:company_id>/inbound-addresses/<slug:target>/regenerate/",
        inbound_views.InboundAddressRegenerateView.as_view(),
        name="api-inbound-address-regenerate",
    ),
    path(
        "inbound-emails/",
        inbound_email_views.InboundEmailListView.as_view(),
        name="api-inbound-emails",
    ),
    path(
        "inbound-emails/<int:inbound_email_id>/accept/",
        inbound_email_views.InboundEmailAcceptView.as_view(),
        name="api-inbound-email-accept",
    ),
    path(
        "inbound-emails/<int:inbound_email_id>/reject/",
        inbound_email_views.InboundEmailRejectView.as_view(),
        name="api-inbound-email-reject",
    ),
    path(
        "companies/<int:company_id>/folders/",
        views.CompanyFoldersView.as_view(),
        name="api-company-folders",
    ),
    path(
        "folders/<int:folder_id>/documents/",
        accepts_documents_api(views.FolderDocumentsView.as_view()),
        name="api-folder-documents",
    ),
    path("documents/", views.DocumentSearchView.as_view(), name="api-documents"),
    path("documents/<int:document_id>/", views.DocumentView.as_view(), name="api-document"),
    path(
        "documents/<int:document_id>/download/",
        views.DocumentDownloadView.as_view(),
        name="api-document-download",
    ),
]
