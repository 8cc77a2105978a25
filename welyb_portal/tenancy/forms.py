from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .models import NotificationDigest, Role
from .models.user import STAFF_ROLES
from .plurals import nplural

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PortalFormRenderer(TemplatesSetting):
    """Django's rendering, through the project's templates, with its own field template:
    templates/forms/field.html (a checkbox before its label, no colon)."""

    field_template_name = "forms/field.html"


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: each message next to its field when the
    form has that field, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def posted_data(request):
    """A form's data on a POST, an empty one included (which `request.POST or None` takes for a
    GET: a form of one checkbox left unticked sends nothing)."""
    return request.POST if request.method == "POST" else None


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
        # Django types a form's fields as any Field; this one is declared above.
        cast(forms.ChoiceField, self.fields["receive"]).choices = [
            ("", _("Selon mon rôle (%(answer)s)") % {"answer": by_role}),
            ("oui", _("Oui")),
            ("non", _("Non")),
        ]
        minutes = NotificationDigest.window_minutes()
        self.fields["receive"].help_text = nplural(
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


def _code_field(
    label: "StrOrPromise", *, help_text: "StrOrPromise" = "", recovery: bool = True
) -> forms.CharField:
    """A two-factor code: the 6 digits of the app, or (where `recovery`) a recovery code."""
    return forms.CharField(
        label=label,
        max_length=32,
        help_text=help_text,
        error_messages={"required": _("Code de double authentification requis.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                # Recovery codes hold letters: a numeric keypad would not type them.
                "inputmode": "text" if recovery else "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class LoginCodeForm(forms.Form):
    """The login's second step."""

    code = _code_field(
        _("Code de vérification"),
        help_text=_(
            "Les 6 chiffres affichés par votre application d'authentification, ou l'un de vos "
            "codes de secours."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["autofocus"] = True


class CodeConfirmForm(forms.Form):
    """A current code, asked before regenerating the recovery codes or turning 2FA off."""

    code = _code_field(
        _("Code actuel"),
        help_text=_("Le code de votre application d'authentification, ou un code de secours."),
    )


class TwoFactorEnableForm(forms.Form):
    """The enrolment: the code the app shows for the new secret, and, to replace an app, a code
    of the current one (or a recovery code)."""

    code = _code_field(
        _("Code affiché par l'application"),
        help_text=_("6 chiffres, renouvelés toutes les 30 secondes."),
        recovery=False,
    )
    current_code = _code_field(
        _("Code de l'application actuelle"),
        help_text=_(
            "Pour remplacer votre application : un code de l'ancienne, ou un code de secours."
        ),
    )

    def __init__(self, *args, replacing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not replacing:
            del self.fields["current_code"]


class CabinetSecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Exiger la double authentification"),
        required=False,
        help_text=_(
            "Chaque administrateur et collaborateur saisit, en plus de son mot de passe, un code "
            "à 6 chiffres de son application d'authentification, sur le portail comme pour "
            "obtenir un jeton d'API. Ceux qui ne l'ont pas encore activée y sont invités dès "
            "leur prochaine page. Les clients ne sont pas concernés."
        ),
    )
