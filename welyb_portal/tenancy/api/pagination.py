from drf_spectacular.openapi import AutoSchema
from rest_framework.pagination import PageNumberPagination

from ..pagination import CappedPaginator


class CappedPagination(PageNumberPagination):
    """The usual `{count, next, previous, results}` over a search's first matches only (see
    CappedPaginator), with `truncated`: true when more matched than can be listed."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        # The page paginate_queryset made, of django_paginator_class.
        if self.page is not None and isinstance(self.page.paginator, CappedPaginator):
            response.data["truncated"] = self.page.paginator.truncated
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["truncated"] = {
            "type": "boolean",
            "description": "Plus de résultats que la liste n'en donne : précisez la recherche.",
        }
        return schema


class CappedPageSchema(AutoSchema):
    """The schema of a view paginated by CappedPagination: its page is a component of its own
    (« CappedDocumentPage »), not the plain « PaginatedDocumentList » that other lists of the
    same items share."""

    def get_paginated_name(self, serializer_name: str) -> str:
        return f"Capped{serializer_name}Page"
