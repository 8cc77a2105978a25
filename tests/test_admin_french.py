"""The Django admin speaks French to support, every model and every field, titles elided as
French writes them, and lets nobody edit what the system writes."""

import re

import pytest
from django.urls import reverse

from ged.models import Document
from partner_apps.models import Delivery
from tests.factories import SuperuserFactory
from tests.helpers.admin import REGISTERED_MODELS, ROW_BUILDERS, changelist_url, platform_browser
from tests.helpers.documents import deposit, folder_at
from tests.pages import readable
from welyb_portal.admin_site import is_system_field
from welyb_portal.tenancy.models import NotificationDigest

pytestmark = pytest.mark.django_db

# Words of Django's English field labels and of third parties' untranslated ones.
ENGLISH = re.compile(
    r"\b(Company|Sha256|Swept at|Locked Out|Created at|Updated at|Created by|Folder|Path|Depth"
    r"|File|Search name|Deposited by|Duplicate of|Trashed by|Trash root|User|Digest|Token|App"
    r"|Claimed at|Key|Message key|Esp|Items|Held file|Decided by|Companion of|Installed by"
    r"|Activated by|Dismissed by|Invited by|Actor|Annual subfolders|Permanent folders|Parent"
    r"|Attempt Time|Failures|Form Data|Meta Data|Yes|No)\b"
)


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return readable(re.sub(r"<[^>]+>", " ", page))


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=[m._meta.label for m in REGISTERED_MODELS])
def test_every_admin_page_of_every_model_is_in_french(model):
    # Logged in first: a login clears the failures axes counted from the same address.
    support = platform_browser(SuperuserFactory())
    ROW_BUILDERS[model._meta.label](1)
    row = model._default_manager.order_by("pk").first()

    for url in (changelist_url(model), change_url(row)):
        response = support.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert ENGLISH.findall(text) == [], url


def form_inputs(page: str) -> set[str]:
    form = page.split('id="content-main"')[1]
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', form))


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=[m._meta.label for m in REGISTERED_MODELS])
def test_no_system_field_is_editable_in_the_admin(model):
    support = platform_browser(SuperuserFactory())
    ROW_BUILDERS[model._meta.label](1)
    row = model._default_manager.order_by("pk").first()

    page = support.get(change_url(row)).content.decode()

    system = {f.name for f in model._meta.concrete_fields if is_system_field(f.name)}
    assert system & form_inputs(page) == set()


def test_support_cannot_change_a_documents_hash_size_or_dates(world):
    document = deposit(folder_at(world.a.company, "Achats"), by=world.a.client)
    other = folder_at(world.a.company, "Ventes")
    support = platform_browser(SuperuserFactory())
    before = Document.objects.values("sha256", "size", "deposited_at", "deposited_by").get()

    response = support.post(
        change_url(document),
        {
            "folder": other.pk,
            "sha256": "0" * 64,
            "size": 1,
            "deposited_at_0": "2020-01-01",
            "deposited_at_1": "00:00:00",
            "deposited_by": world.a.admin.pk,
        },
    )

    assert response.status_code == 302
    assert Document.objects.values("sha256", "size", "deposited_at", "deposited_by").get() == before
    assert Document.objects.get().folder == document.folder  # moved only through the portal


def test_support_cannot_change_when_a_digest_was_swept_or_an_authorisation_was_made(world):
    ROW_BUILDERS["tenancy.NotificationDigest"](1)
    digest = NotificationDigest.objects.get()
    support = platform_browser(SuperuserFactory())

    support.post(change_url(digest), {"swept_at_0": "2020-01-01", "swept_at_1": "00:00:00"})

    assert NotificationDigest.objects.get().swept_at == digest.swept_at


def test_titles_elide_the_model_name_as_french_does(world):
    ROW_BUILDERS["partner_apps.Delivery"](1)
    support = platform_browser(SuperuserFactory())
    delivery = Delivery.objects.first()

    page = support.get(change_url(delivery)).content.decode()

    assert "<h1>Modification d’envoi</h1>" in page
    assert "de envoi" not in page
    add_page = support.get(reverse("admin:tenancy_company_add")).content.decode()
    assert "<h1>Ajout d’entreprise</h1>" in add_page
    assert "de entreprise" not in add_page
