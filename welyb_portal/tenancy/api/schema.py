"""What the OpenAPI schema says beyond the serializers: the error answers of each operation.

drf-spectacular describes the success of an operation only. Clients of the API (and the fuzz
tests) also need the refusals API.md promises: 400 with field errors, 401 without a valid token,
403 for an action the role may not perform, 404 for what is foreign or missing, 413 for a body
longer than the operation reads (refused unread, see tenancy/request_bodies.py), 415 for a body
in a format the operation does not read. This hook adds them where the view did not describe
them itself.
"""

from django.utils.translation import gettext as _

# Writes may be refused with a reason (a DELETE only ever answers 204, 401, 403 or 404).
WRITE_METHODS = {"post", "put", "patch"}


def _ref(name: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _components() -> dict:
    messages = {"type": "array", "items": {"type": "string"}}
    return {
        "ErrorDetail": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
        "ValidationErrorDetail": {
            "type": "object",
            "description": _(
                'Les messages d\'erreur par champ : {"champ": ["message", …]}, ou '
                '{"detail": …} quand le refus ne tient pas à un champ.'
            ),
            "additionalProperties": {"oneOf": [{"type": "string"}, messages]},
        },
    }


def _is_secured(operation: dict) -> bool:
    return any(requirement for requirement in operation.get("security", []))


def _error_answers(method: str, operation: dict) -> dict:
    parameters = operation.get("parameters", [])
    filters = [p for p in parameters if p["in"] == "query" and p["name"] != "page"]
    answers = {}
    if "requestBody" in operation or method in WRITE_METHODS or filters:
        answers["400"] = {"description": _("Requête refusée."), **_ref("ValidationErrorDetail")}
    if _is_secured(operation):
        answers["401"] = {
            "description": _("Jeton absent, invalide ou expiré."),
            **_ref("ErrorDetail"),
        }
        answers["403"] = {"description": _("Action refusée à ce rôle."), **_ref("ErrorDetail")}
    if parameters:
        # A foreign or missing id, a page number past the end, a filter on an unknown company.
        answers["404"] = {"description": _("Introuvable."), **_ref("ErrorDetail")}
    if "requestBody" in operation:
        # {"detail": …}, or {"file": […]} for a document past DOCUMENT_MAX_MB.
        answers["413"] = {
            "description": _("Corps de la requête trop volumineux, refusé sans être lu."),
            **_ref("ValidationErrorDetail"),
        }
        answers["415"] = {
            "description": _("Format du corps non pris en charge."),
            **_ref("ErrorDetail"),
        }
    return answers


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: declares the error answers of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(_components())
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, answer in _error_answers(method, operation).items():
                responses.setdefault(status, answer)
    return result
