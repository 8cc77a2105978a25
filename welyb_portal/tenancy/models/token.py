from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token


class TokenActivity(models.Model):
    """When an API token was last used, to the hour: a token unused for API_TOKEN_DAYS days
    expires. A token without this row has not been used since the hour it was created.

    Kept beside DRF's Token rather than in a token model of our own, so that DRF's model, its
    admin and every `Token.objects` of the tests stay as they are; authentication reads both
    rows in one query (services/tokens.py)."""

    token = models.OneToOneField(
        Token,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="activity",
        verbose_name=_("jeton"),
    )
    last_used_at = models.DateTimeField(_("dernière utilisation"))

    class Meta:
        verbose_name = _("activité d'un jeton")
        verbose_name_plural = _("activités des jetons")

    def __str__(self) -> str:
        # Not Django's default, which would print the primary key: the token's secret key.
        return f"{self.last_used_at:%Y-%m-%d %H:%M}"
