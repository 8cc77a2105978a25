"""The GED in the Django admin: support browses folders and documents, and deposits a file for
a client (channel "admin") through the same deposit service as every other channel."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.admin_base import ReadOnlyModelAdmin
from welyb_portal.tenancy.upload_handlers import upload_refusals

from .models import (
    Channel,
    Document,
    Folder,
    FolderTemplate,
    InboundAddress,
    InboundEmail,
    InboundPolicy,
)
from .services.deposit import deposit_check, document_deposit
from .uploads import accepts_documents_admin, too_large_message


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "cabinet", "depth", "trashed_at", "created_at"]
    list_filter = ["company__cabinet", "depth", ("trashed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["company__cabinet"]
    search_fields = ["name", "company__name", "company__siren"]
    raw_id_fields = ["company", "parent", "created_by", "trashed_by", "trash_root"]
    readonly_fields = ["path", "depth", "created_at"]

    def has_add_permission(self, request):
        return False  # folders have paths to keep right: the GED pages create them

    @admin.display(description=_("cabinet"), ordering="company__cabinet__name")
    def cabinet(self, folder):
        return folder.company.cabinet


class DocumentDepositForm(forms.ModelForm):
    """The admin's add form: a folder and a file; everything else comes from the deposit."""

    upload = forms.FileField(label=_("fichier"))
    # Set by DocumentAdmin.get_form: the file passed DOCUMENT_MAX_MB as it arrived, and was
    # deleted (ged/uploads.py); the form says so instead of « required ».
    upload_too_large = False

    class Meta:
        model = Document
        fields = ["folder"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.upload_too_large:
            field = self.fields["upload"]
            field.error_messages = {**field.error_messages, "required": too_large_message()}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("folder") and cleaned.get("upload"):
            try:
                deposit_check(folder=cleaned["folder"], file=cleaned["upload"])
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    self.add_error("upload" if field == "file" else "folder", messages_)
        return cleaned


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "folder", "status", "channel", "size", "deposited_at"]
    list_filter = [
        "status",
        "channel",
        "cabinet",
        ("trashed_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["company", "folder"]
    search_fields = ["name", "sha256", "company__name", "company__siren"]
    date_hierarchy = "deposited_at"
    raw_id_fields = ["folder"]
    readonly_fields = [
        "company",
        "cabinet",
        "file",
        "name",
        "extension",
        "size",
        "sha256",
        "content_type",
        "channel",
        "deposited_by",
        "deposited_at",
        "status",
        "duplicate_of",
        "trashed_at",
        "trashed_by",
        "trash_root",
    ]

    @accepts_documents_admin
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = DocumentDepositForm
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None and issubclass(form, DocumentDepositForm):
            # A class of this request's own (modelform_factory makes one per call).
            form.upload_too_large = bool(upload_refusals(request))
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["folder", "upload"]
        return ["folder", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["folder", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return
        form.instance = document_deposit(
            folder=form.cleaned_data["folder"],
            file=form.cleaned_data["upload"],
            by=request.user,
            channel=Channel.ADMIN,
        )
        obj.pk = form.instance.pk

    def has_delete_permission(self, request, obj=None):
        return False  # documents go to the trash from the GED, never away for good


@admin.register(FolderTemplate)
class FolderTemplateAdmin(admin.ModelAdmin):
    list_display = ["cabinet", "updated_at"]
    list_select_related = ["cabinet"]
    list_filter = ["updated_at"]
    search_fields = ["cabinet__name", "cabinet__slug"]
    # Cabinet admins edit it on their "Arborescence type" page, whose checks apply line by line.
    readonly_fields = ["cabinet", "annual_subfolders", "permanent_folders", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(InboundAddress)
class InboundAddressAdmin(admin.ModelAdmin):
    list_display = ["local_part", "target", "company", "folder"]
    list_filter = ["target", "company__cabinet"]
    list_select_related = ["company", "folder"]
    search_fields = ["local_part", "company__name", "company__siren"]
    readonly_fields = ["company", "target", "local_part", "folder", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(InboundPolicy)
class InboundPolicyAdmin(admin.ModelAdmin):
    list_display = ["company", "accept_anyone", "send_receipt"]
    list_filter = ["accept_anyone", "send_receipt"]
    list_select_related = ["company"]
    search_fields = ["company__name", "allowed_senders"]


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyModelAdmin):
    """Read-only: the record of what the deposit addresses received."""

    list_display = ["received_at", "company", "sender", "recipient", "subject", "status"]
    list_filter = ["status", "esp", "company__cabinet"]
    list_select_related = ["company"]
    search_fields = ["sender", "recipient", "subject", "company__name", "key"]
    date_hierarchy = "received_at"
