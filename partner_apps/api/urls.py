from django.urls import path

from . import automation_views, views

urlpatterns = [
    path(
        "folders/<int:folder_id>/automations/",
        automation_views.FolderAutomationListView.as_view(),
        name="api-folder-automations",
    ),
    path(
        "folders/<int:folder_id>/automations/<slug:slug>/",
        automation_views.FolderAutomationView.as_view(),
        name="api-folder-automation",
    ),
    path(
        "documents/<int:document_id>/deliveries/",
        automation_views.DocumentDeliveriesView.as_view(),
        name="api-document-deliveries",
    ),
    path("deliveries/", automation_views.DeliveryListView.as_view(), name="api-deliveries"),
    path(
        "deliveries/<int:delivery_id>/retry/",
        automation_views.DeliveryRetryView.as_view(),
        name="api-delivery-retry",
    ),
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
