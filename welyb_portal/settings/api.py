"""The REST API (Django REST framework): authentication, pages, tokens' expiry, the schema."""

from django.core.exceptions import ImproperlyConfigured

from .base import env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that an anonymous call answers 401 with a WWW-Authenticate header.
        "welyb_portal.tenancy.api.authentication.CabinetTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": "welyb_portal.tenancy.api.metadata.ViewMetadata",
    "EXCEPTION_HANDLER": "welyb_portal.tenancy.api.exception_handlers.api_exception_handler",
}
# An API token unused for API_TOKEN_DAYS days expires: the next call with it answers 401 and
# deletes it, and POST /api/v1/auth/token/ hands out a new key. A new password (the reset link,
# the Django admin, changepassword) and POST /api/v1/auth/logout/ revoke it at once. Its last use
# is written at most once an hour, not at every call (tenancy/services/tokens.py); beat deletes
# the expired tokens nobody came back with, every night.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_DAYS must be 1 or more.")
SPECTACULAR_SETTINGS = {
    "TITLE": "API du portail",
    "DESCRIPTION": "API REST v1 du portail documentaire du cabinet.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["welyb_portal.tenancy.api.permissions.IsCabinetStaff"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Two models have a `status`: each gets its enum by name.
    "ENUM_NAME_OVERRIDES": {
        "DeliveryStatusEnum": "partner_apps.models.delivery.DeliveryStatus",
        "DocumentStatusEnum": "ged.models.document.DocumentStatus",
        "ReasonCodeEnum": "partner_apps.models.delivery.ReasonCode",
    },
    # The error answers (400, 401, 403, 404, 415) are declared too, not only the successes.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "welyb_portal.tenancy.api.schema.add_error_responses",
    ],
}
