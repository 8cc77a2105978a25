from django.urls import path

from . import automation_views, delivery_views, views

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
        "folders/<int:folder_id>/automations/<slug:slug>/send-existing/",
        automation_views.FolderSendExistingView.as_view(),
        name="api-folder-automation-send-existing",
    ),
    path(
        "documents/<int:document_id>/deliveries/",
        delivery_views.DocumentDeliveriesView.as_view(),
        name="api-document-deliveries",
    ),
    path("deliveries/", delivery_views.DeliveryListView.as_view(), name="api-deliveries"),
    path(
        "deliveries/summary/",
        delivery_views.DeliverySummaryView.as_view(),
        name="api-deliveries-summary",
    ),
    path(
        "deliveries/<int:delivery_id>/retry/",
        delivery_views.DeliveryRetryView.as_view(),
        name="api-delivery-retry",
    ),
    path(
        "deliveries/<int:delivery_id>/dismiss/",
        delivery_views.DeliveryDismissView.as_view(),
        name="api-delivery-dismiss",
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
