from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def as_api_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as the API's 400: `{"field": [...]}`, or `{"detail": [...]}`
    when the refusal belongs to no field."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {
                ("detail" if field == "__all__" else field): messages
                for field, messages in error.message_dict.items()
            }
        )
    return serializers.ValidationError({"detail": error.messages})
