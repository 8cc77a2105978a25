import copy

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Document


class FolderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    # DRF's metaclass takes declared fields off the class: no clash with Field.parent.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        allow_null=True, required=False, source="parent_id"
    )
    path = serializers.CharField(
        read_only=True,
        help_text=_("Chemin des noms depuis la racine : « Dossier comptable annuel 2026/Achats »"),
    )


class FieldsBuiltOnce:
    """A ModelSerializer whose fields are built from the model once per class and process, then
    copied for each instance (as DRF copies declared fields): DRF builds them again at every
    instantiation, reading the model's fields, their validators and choices, which cost more
    than the rest of rendering a document. Nothing in them depends on the instance, the
    request or the context."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class DocumentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    folder = serializers.IntegerField(source="folder_id", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "name",
            "folder",
            "size",
            "sha256",
            "content_type",
            "status",
            "channel",
            "deposited_at",
        ]
        read_only_fields = fields


class StaffDocumentSerializer(DocumentSerializer):
    """Staff also see whether the same bytes were already in the company."""

    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id", read_only=True, allow_null=True
    )

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "duplicate_of"]
        read_only_fields = fields


class _Notices(serializers.Serializer):
    notices = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_(
            "Pour le déposant : ce que le cabinet ne pourra pas utiliser tel quel dans ce "
            "dossier, et ce qu'il faut déposer à la place. Vide le plus souvent."
        ),
    )


class DepositSerializer(DocumentSerializer, _Notices):
    """A document just deposited, with what its depositor must know."""

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "notices"]
        read_only_fields = fields


class StaffDepositSerializer(StaffDocumentSerializer, _Notices):
    class Meta(StaffDocumentSerializer.Meta):
        fields = [*StaffDocumentSerializer.Meta.fields, "notices"]
        read_only_fields = fields


class DocumentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=300)
    folder = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"detail": [_("Indiquez « name » ou « folder ».")]})
        return attrs


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("Le fichier, en multipart/form-data."),
        error_messages={"required": _("Aucun fichier reçu."), "empty": _("Le fichier est vide.")},
    )
