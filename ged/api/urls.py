from django.urls import path

from . import views

urlpatterns = [
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
