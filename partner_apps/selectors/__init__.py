from .store import (
    AUTHORIZATIONS_PER_PAGE,
    AuthorizationRow,
    app_is_installed,
    authorization_page,
    authorization_row,
    authorization_rows,
    catalogue,
    installed_apps,
    installed_connector_get,
    partner_app_get,
)

__all__ = [
    "AUTHORIZATIONS_PER_PAGE",
    "AuthorizationRow",
    "app_is_installed",
    "authorization_page",
    "authorization_row",
    "authorization_rows",
    "catalogue",
    "installed_apps",
    "installed_connector_get",
    "partner_app_get",
]
