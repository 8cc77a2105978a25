from typing import TYPE_CHECKING, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import FolderNode

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class FolderNameForm(forms.Form):
    name = forms.CharField(label=_("Nom du dossier"), max_length=200)


class OffboardingForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Nom de l'entreprise, pour confirmer"),
        max_length=200,
        error_messages={"required": _("Saisissez le nom de l'entreprise pour confirmer.")},
    )


class DocumentNameForm(forms.Form):
    name = forms.CharField(label=_("Nom du document"), max_length=300)


def _folder_choices(
    nodes: list[FolderNode], *, exclude_path: str | None = None, root: bool
) -> "list[tuple[str, StrOrPromise]]":
    choices: list[tuple[str, StrOrPromise]] = [("", _("— Racine —"))] if root else []
    for node in nodes:
        if exclude_path and node.folder.path.startswith(exclude_path):
            continue
        choices.append((str(node.folder.pk), node.path))
    return choices


class FolderMoveForm(forms.Form):
    """Where a folder goes: the root, or any folder of its company but itself and its own."""

    parent = forms.ChoiceField(label=_("Déplacer dans"), required=False)

    def __init__(self, *args, nodes: list[FolderNode], folder, **kwargs):
        super().__init__(*args, **kwargs)
        # Django types a form's fields as any Field; this one is declared above.
        cast(forms.ChoiceField, self.fields["parent"]).choices = _folder_choices(
            nodes, exclude_path=folder.path, root=True
        )


class DocumentMoveForm(forms.Form):
    folder = forms.ChoiceField(label=_("Déplacer dans"))

    def __init__(self, *args, nodes: list[FolderNode], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["folder"]).choices = _folder_choices(nodes, root=False)


class FolderTemplateForm(forms.Form):
    annual_subfolders = forms.CharField(
        label=_("Sous-dossiers du « Dossier comptable annuel »"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Un nom de dossier par ligne."),
    )
    permanent_folders = forms.CharField(
        label=_("Dossiers permanents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Un chemin par ligne, les niveaux séparés par « / » : Administratif/Contrats"),
    )


class InboundPolicyForm(forms.Form):
    accept_anyone = forms.BooleanField(
        label=_("Ouvrir les adresses à tous les expéditeurs"),
        required=False,
        help_text=_(
            "Sinon, seuls les clients de l'entreprise, le cabinet et les expéditeurs "
            "ci-dessous peuvent déposer."
        ),
    )
    allowed_senders = forms.CharField(
        label=_("Expéditeurs autorisés en plus"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Une adresse (compta@fournisseur.fr) ou un domaine (@fournisseur.fr) par ligne."
        ),
    )
    send_receipt = forms.BooleanField(
        label=_("Envoyer un accusé de réception à l'expéditeur"), required=False
    )
