from django.urls import path

from . import notification_views, views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("companies/", views.CompanyListView.as_view(), name="api-company-list"),
    path(
        "companies/<int:company_id>/clients/",
        views.CompanyClientCreateView.as_view(),
        name="api-company-clients",
    ),
    path(
        "notifications/",
        notification_views.NotificationListView.as_view(),
        name="api-notifications",
    ),
    path(
        "notifications/read/",
        notification_views.NotificationReadView.as_view(),
        name="api-notifications-read",
    ),
]
