from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Company, Notification, User


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=_(
            "Pour l'équipe du cabinet qui a activé la double authentification, ou dont le "
            "cabinet l'exige : les 6 chiffres de l'application d'authentification, ou un code de "
            "secours (qui ne servira plus)."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class CompanySerializer(serializers.ModelSerializer):
    siren = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=_("9 chiffres (les espaces sont ignorés), clé de Luhn vérifiée."),
    )

    class Meta:
        model = Company
        fields = ["id", "name", "siren"]
        read_only_fields = ["id"]
        # Uniqueness is the service's to check, inside the cabinet.
        validators: list = []


class ClientCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        required=False,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("Sans mot de passe, le client reçoit une invitation par email."),
    )
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=150)


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True, help_text=_("Un chemin sur l'adresse du cabinet."))
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "read"]
        read_only_fields = fields


class IdListField(serializers.ListField):
    """A list of ids, refused as one list of messages (« Élément 3 : … »): the API's errors are
    lists of sentences per field, where DRF would answer a dictionary by position."""

    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):  # a list's errors come by position
                raise
            raise serializers.ValidationError(
                [
                    _("Élément %(position)s : %(message)s")
                    % {"position": int(index) + 1, "message": message}
                    for index, messages in error.detail.items()
                    for message in messages
                ]
            ) from error


class NotificationReadSerializer(serializers.Serializer):
    ids = IdListField(
        required=False,
        max_length=1000,
        help_text=_(
            "Les notifications à marquer comme lues ; sans ce champ, toutes. Les identifiants "
            "qui ne désignent aucune de vos notifications sont ignorés."
        ),
    )


class NotificationReadResultSerializer(serializers.Serializer):
    read = serializers.IntegerField(
        read_only=True, help_text=_("Le nombre de notifications marquées comme lues.")
    )
