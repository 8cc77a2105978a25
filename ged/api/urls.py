from django.urls import path

from . import inbound_views, views

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
        "companies/<int:company_id>/folders/",
        views.CompanyFoldersView.as_view(),
        name="api-company-folders",
    ),
    path(
        "folders/<int:folder_id>/documents/",
        views.FolderDocumentsView.as_view(),
        name="api-folder-documents",
    ),
    path("documents/<int:document_id>/", views.DocumentView.as_view(), name="api-document"),
    path(
        "documents/<int:document_id>/download/",
        views.DocumentDownloadView.as_view(),
        name="api-document-download",
    ),
]
