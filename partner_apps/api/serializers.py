from rest_framework import serializers

from ..models import AppKind


class PartnerAppSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=AppKind.choices, read_only=True)
    installed = serializers.BooleanField(read_only=True)
    visible_on_home = serializers.BooleanField(read_only=True)


class AuthorizationSerializer(serializers.Serializer):
    company = serializers.IntegerField(read_only=True)
    enabled = serializers.BooleanField()
    collection_email = serializers.CharField(
        allow_blank=True, max_length=1000, trim_whitespace=False
    )
