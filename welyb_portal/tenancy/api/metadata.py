from rest_framework.metadata import SimpleMetadata


class ViewMetadata(SimpleMetadata):
    """What `OPTIONS` answers: the view's name, description and formats, without the fields.

    DRF's default also lists the fields that PUT and POST accept, and to do so calls
    `get_object()`, which views that look their objects up through the access helpers do not
    have (a 500). The fields are in the OpenAPI schema, for staff only."""

    def determine_actions(self, request, view):
        return {}
