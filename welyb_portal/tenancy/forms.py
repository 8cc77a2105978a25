from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import NotificationDigest, Role
from .models.user import STAFF_ROLES


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: each message next to its field when the
    form has that field, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class LoginForm(AuthenticationForm):
    """Email and password. Every refusal reads the same, whatever its cause (unknown address,
    wrong password, account of another cabinet, deactivated account)."""

    username = forms.EmailField(
        label=_("Adresse email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("Identifiants invalides."),
        "inactive": _("Identifiants invalides."),
    }


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'entreprise"), max_length=200)
    siren = forms.CharField(
        label=_("SIREN"),
        max_length=20,
        required=False,
        help_text=_("9 chiffres, facultatif."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ClientInviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse email du client"))
    full_name = forms.CharField(label=_("Nom complet"), max_length=150, required=False)


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse email"))
    full_name = forms.CharField(label=_("Nom complet"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=[(r.value, r.label) for r in STAFF_ROLES],
        initial=Role.COLLABORATOR,
    )


class StaffUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=[(r.value, r.label) for r in STAFF_ROLES])


class BrandingForm(forms.Form):
    primary_color = forms.CharField(
        label=_("Couleur principale"), widget=forms.TextInput(attrs={"type": "color"})
    )
    accent_color = forms.CharField(
        label=_("Couleur d'accent"), widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG ou WebP, 1 Mo maximum."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo"), required=False)


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("Adresse email"))


class DigestPreferenceForm(forms.Form):
    """« Recevoir un récapitulatif par email »: yes, no, or as the person's role has it (the
    choice shows what that is for them)."""

    CHOICES = {"": None, "oui": True, "non": False}

    receive = forms.ChoiceField(
        label=_("Recevoir un récapitulatif par email"),
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        by_role = _("oui") if user.digest_by_default else _("non")
        self.fields["receive"].choices = [
            ("", _("Selon mon rôle (%(answer)s)") % {"answer": by_role}),
            ("oui", _("Oui")),
            ("non", _("Non")),
        ]
        minutes = NotificationDigest.window_minutes()
        self.fields["receive"].help_text = ngettext(
            "Au plus un email par minute, avec vos notifications non lues. Par défaut, les "
            "administrateurs le reçoivent et les collaborateurs non.",
            "Au plus un email toutes les %(minutes)s minutes, avec vos notifications non lues. "
            "Par défaut, les administrateurs le reçoivent et les collaborateurs non.",
            minutes,
        ) % {"minutes": minutes}
        chosen = {value: key for key, value in self.CHOICES.items()}
        self.initial.setdefault("receive", chosen[user.notification_digest])

    def clean_receive(self) -> bool | None:
        return self.CHOICES[self.cleaned_data["receive"]]
