from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Company, User


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


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
