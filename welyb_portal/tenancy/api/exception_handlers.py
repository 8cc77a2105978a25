"""The API's one translation of a refusal into an answer (REST_FRAMEWORK["EXCEPTION_HANDLER"]).

Services refuse with Django's exceptions and know nothing of HTTP; the API views let those
exceptions through, and this handler answers them: a ValidationError as a 400 with the API's
field errors, a PermissionDenied as a 403 with its reason, an Http404 as the API's 404."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


def api_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as the API's 400 body: `{"field": [...]}` for each field,
    and `{"detail": [...]}` for what belongs to no field (a message, a list of messages, or
    the model's non-field errors)."""
    if hasattr(error, "error_dict"):
        return {
            ("detail" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"detail": error.messages}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's own handler, which already answers its exceptions and Django's Http404 and
    PermissionDenied (with the reason the service gave), taught Django's ValidationError."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(api_error_detail(exc))
    return exception_handler(exc, context)
